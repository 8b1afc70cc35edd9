"""Gesprekskaart: a printable conversation pack (1-2 A4 pages, Dutch, B1) for a buurt, wijk or gemeente.

    pack = make_pack("BU0363AA06", base_url="https://buurtbalans.example")
    pack.html                      # self-contained HTML (prints to A4 from any browser)
    pdf = html_to_pdf(pack.html)   # bytes; raises PdfUnavailable (Dutch message) without Chromium
    pack, pdf = pack_pdf("BU0363AA06", resident_assets=[...])  # denser until it fits two A4 pages
"""
from .build import Pack, RegionNotFound, make_pack, profile_url
from .pdf import PdfUnavailable, find_chromium, html_to_pdf, pack_pdf, page_count

__all__ = ["Pack", "PdfUnavailable", "RegionNotFound", "find_chromium", "html_to_pdf", "make_pack", "pack_pdf",
           "page_count", "profile_url"]
