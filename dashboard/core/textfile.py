"""One guard for every text file a user hands in (Bewonerskaart upload, wijkagenda import): size, emptiness,
UTF-16 or binary content, and the encoding, each refused with a short Dutch reason that ends with what to do.
UTF-16 is read only where the caller allows it (utf16=True) and only with its byte-order mark: Excel's
"Unicode-tekst" (.txt, tab-separated) is saved that way. Without a BOM, NUL bytes mean binary or UTF-16 we cannot
tell apart, so the file is refused.

    text, encoding = decode_upload(raw, max_bytes=5 * 1024 * 1024, hint="Sla het op als 'CSV UTF-8' en probeer
                                   opnieuw", cp1252=True, binary_share=0.05)
"""
from __future__ import annotations

import math
import re

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")   # C0 controls but tab, LF and CR; and DEL
BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class TextFileError(ValueError):
    """The file cannot be read as text; str() is the Dutch reason (nothing was read)."""


def _mb(size: float, *, up: bool = False) -> str:
    """Megabytes at one decimal, Dutch; `up` rounds up, so a file just over a bound never reads as the bound."""
    tenths = size / 1024 / 1024 * 10
    return f"{(math.ceil(tenths - 1e-9) if up else round(tenths)) / 10:.1f}".replace(".", ",")


def decode_upload(raw: bytes, *, max_bytes: int, hint: str, cp1252: bool = False, utf16: bool = False,
                  binary_share: float = 0.0) -> tuple[str, str]:
    """(text, encoding) of an uploaded file: UTF-8 with or without BOM, else (cp1252=True) Windows-1252; with
    utf16=True also UTF-16 that starts with its BOM.

    Refused with TextFileError: more than `max_bytes`, empty, UTF-16 (unless allowed and marked) or NUL bytes,
    undecodable, or more control characters than `binary_share` of the text (0: any one). `hint` (Dutch, what to
    do) ends each reason."""
    if len(raw) > max_bytes:
        raise TextFileError(f"het bestand is te groot ({_mb(len(raw), up=True)} MB); het mag maximaal "
                            f"{_mb(max_bytes).removesuffix(',0')} MB zijn")
    if not raw.strip():
        raise TextFileError("het bestand is leeg")
    if utf16 and raw.startswith(UTF16_BOMS):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise TextFileError(f"de tekens in dit bestand kunnen niet worden gelezen. {hint}") from None
        if not text.strip():
            raise TextFileError("het bestand is leeg")
        return _checked(text, "utf-16", hint, binary_share)
    if raw.startswith(UTF16_BOMS) or b"\x00" in raw:
        raise TextFileError(f"dit lijkt geen tekstbestand (of het is opgeslagen als UTF-16). {hint}")
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        try:
            if not cp1252:
                raise
            # a BOM in front of text that is not UTF-8 after all: drop it rather than read it as "ï»¿"
            text, encoding = raw.removeprefix(BOM).decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise TextFileError(f"de tekens in dit bestand kunnen niet worden gelezen. {hint}") from None
    return _checked(text, encoding, hint, binary_share)


def _checked(text: str, encoding: str, hint: str, binary_share: float) -> tuple[str, str]:
    if "\x00" in text or len(CONTROL_RE.findall(text)) > len(text) * binary_share:
        raise TextFileError(f"dit lijkt geen tekstbestand. {hint}")
    return text, encoding
