"""Wijkagenda: from a wijk-in-beeld evening to the buurt's own agenda, with budget lines, and back to the figures.

model (documents and their validation) · exchange (one agenda as a JSON file) · migrate (versions) ·
store (user-store tables, row versions) · data (release reads, frozen baselines) · follow (baseline vs now) ·
render_html (printable agenda, HTML and PDF) · view (the page's sections).
"""
