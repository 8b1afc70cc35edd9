"""Gesprekskaart: a printable conversation pack (1-2 A4 pages, Dutch, B1) for a buurt, wijk or gemeente.

    pack = make_pack("BU0363AA06", base_url="https://buurtbalans.example")
    pack.html                      # self-contained HTML (prints to A4 from any browser)
    pdf = html_to_pdf(pack.html)   # bytes; raises PdfUnavailable (Dutch message) without Chromium
    pack, pdf = pack_pdf("BU0363AA06", resident_assets=[...])  # denser until it fits two A4 pages
"""
from importlib import import_module

# Lazy (PEP 562): the profile page imports gesprekskaart.view for its button; building a pack (qrcode, the
# catalogue, the HTML template) is imported only when someone asks for one (issue #10).
_HOME = {"Pack": "build", "RegionNotFound": "build", "make_pack": "build", "profile_url": "build",
         "PdfUnavailable": "pdf", "find_chromium": "pdf", "html_to_pdf": "pdf", "pack_pdf": "pdf",
         "page_count": "pdf"}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["Pack", "PdfUnavailable", "RegionNotFound", "find_chromium", "html_to_pdf", "make_pack", "pack_pdf",
           "page_count", "profile_url"]
