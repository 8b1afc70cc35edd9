"""What kind of file a user handed in, read from its first bytes, not only its name: the uploaders accept any file
(Streamlit's own type filter refuses in English), and this names a wrong type in Dutch with the allowed types.

    reason = wrong_type(raw, "kaart.csv", suffixes=(".csv", ".geojson"), allowed="een CSV- of GeoJSON-bestand")
    # -> "dit is een Excel-, Word- of zip-bestand, ook al eindigt de naam op .csv. Hier kan alleen een CSV- of
    #     GeoJSON-bestand worden ingelezen." (or None)
"""
from __future__ import annotations

from pathlib import PurePath

# Leading bytes of common files that are not text. What the resident is told it is.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "een Excel-, Word- of zip-bestand"),
    (b"PK\x05\x06", "een zip-bestand"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "een (ouder) Excel- of Word-bestand"),
    (b"%PDF", "een PDF-bestand"),
    (b"\x89PNG", "een afbeelding (PNG)"),
    (b"\xff\xd8\xff", "een afbeelding (JPEG)"),
    (b"GIF8", "een afbeelding (GIF)"),
    (b"{\\rtf", "een tekstdocument (RTF)"),
    (b"\x1f\x8b", "een ingepakt bestand (gzip)"),
    (b"Rar!", "een ingepakt bestand (rar)"),
    (b"7z\xbc\xaf", "een ingepakt bestand (7z)"),
)
MARKUP = (b"<!doctype html", b"<html", b"<?xml", b"<svg", b"<kml", b"<gpx")


def suffix_of(filename: str | None) -> str:
    return PurePath(str(filename or "").replace("\\", "/")).suffix.lower()


def sniff(raw: bytes) -> str | None:
    """What these bytes are when they are clearly not plain text/CSV/JSON ('een PDF-bestand'), else None."""
    head = bytes(raw[:64])
    for magic, what in SIGNATURES:
        if head.startswith(magic):
            return what
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if start.startswith(MARKUP):
        return "een HTML- of XML-bestand"
    return None


def wrong_type(raw: bytes, filename: str | None, *, suffixes: tuple[str, ...], allowed: str,
               hint: str = "") -> str | None:
    """A Dutch reason why this file is not one of `allowed` ('een CSV- of GeoJSON-bestand'), or None.

    The content decides first (an Excel file named .csv is still Excel); then a name ending in none of
    `suffixes` ('' in `suffixes` allows a name without one). `hint` (Dutch, what to do) ends the reason."""
    suffix = suffix_of(filename)
    only = f"Hier kan alleen {allowed} worden ingelezen." + (f" {hint}" if hint else "")
    what = sniff(raw)
    if what is not None:
        named = f", ook al eindigt de naam op {suffix}" if suffix in suffixes and suffix else ""
        return f"dit is {what}{named}. {only}"
    if suffix not in suffixes:
        kind = f"van het type {suffix}" if suffix else "zonder extensie"
        return f"een bestand {kind} kan hier niet worden ingelezen. {only}"
    return None


def widget_limit_mb(ours_bytes: int, server_mb: int) -> int:
    """The uploader widget's own limit (MB): a little above ours, so a file just too large reaches the server and
    gets our Dutch message, bounded; never above server.maxUploadSize, which Streamlit's server enforces anyway."""
    return max(1, min(int(server_mb), ours_bytes // (1024 * 1024) + 1))


def upload_help(ours_bytes: int, widget_mb: int, allowed: str) -> str:
    """The uploader's help text: what it takes, and that above `widget_mb` the browser itself refuses the file
    in English (Streamlit's text, which the app cannot translate)."""
    return (f"Kies {allowed} van maximaal {ours_bytes // (1024 * 1024)} MB. Een bestand groter dan {widget_mb} MB "
            f"weigert de browser al voordat het wordt verstuurd, met de Engelse melding 'File must be "
            f"{widget_mb}.0MB or smaller'.")
