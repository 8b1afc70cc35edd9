"""Wijkagenda: from a wijk-in-beeld evening to the buurt's own agenda, with budget lines, and back to the figures.

checks (field readers) · model (documents and their validation) · forms (form values to documents) · exchange (one agenda as a JSON file) · migrate (versions) ·
store (user-store tables, row versions) · data (release reads, frozen baselines) · follow (baseline vs now) ·
render_html (printable agenda, HTML and PDF) · view, view_gesprek, view_agenda, view_volgen (the page's tabs).
"""
