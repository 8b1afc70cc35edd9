"""core.textfile.decode_upload: the one text-file guard behind the Bewonerskaart upload and the wijkagenda import.
The same bad file gets the same reason from both, each with its own advice; what is allowed differs on purpose
(the upload also reads Windows-1252 and tolerates a few control characters, the import is strict UTF-8)."""
from __future__ import annotations

import pytest

from dashboard.bewoners import parse_upload
from dashboard.core.textfile import TextFileError, decode_upload
from dashboard.wijkagenda.exchange import read_bundle


@pytest.mark.parametrize("raw, reason", [
    (b"", "het bestand is leeg"), (b" \n\t", "het bestand is leeg"),
    ("x".encode("utf-16-le"), "dit lijkt geen tekstbestand (of het is opgeslagen als UTF-16)"),
    (b"{\x00}", "dit lijkt geen tekstbestand (of het is opgeslagen als UTF-16)"),
    (b"\x01\x02\x03\x04" * 50, "dit lijkt geen tekstbestand."),
])
def test_both_callers_give_the_same_reason(known, locator, raw, reason):
    upload = parse_upload(raw, "a.json", known_buurt_codes=known, locator=locator).fatal
    imported = read_bundle(raw, "a.json").problems
    assert upload.startswith(reason) and imported[0].startswith(reason)
    assert "CSV UTF-8" in upload or reason == "het bestand is leeg"
    assert "JSON-bestand dat Buurtbalans maakte" in imported[0] or reason == "het bestand is leeg"


def test_utf16_with_its_mark_is_read_only_where_allowed():
    """The Bewonerskaart upload reads Excel's 'Unicode-tekst' (UTF-16 with a BOM); the wijkagenda import, which
    reads only files Buurtbalans wrote (UTF-8), still refuses it."""
    raw = "naam\tcategorie".encode("utf-16")
    assert decode_upload(raw, max_bytes=100, hint="", utf16=True) == ("naam\tcategorie", "utf-16")
    with pytest.raises(TextFileError, match="opgeslagen als UTF-16"):
        decode_upload(raw, max_bytes=100, hint="")
    assert read_bundle(raw, "a.json").problems[0].startswith("dit lijkt geen tekstbestand (of het is opgeslagen")
    with pytest.raises(TextFileError, match="het bestand is leeg"):
        decode_upload("  \r\n".encode("utf-16"), max_bytes=100, hint="", utf16=True)
    with pytest.raises(TextFileError, match="geen tekstbestand"):
        decode_upload("a\x00b".encode("utf-16"), max_bytes=100, hint="", utf16=True)


def test_encoding_and_size_rules_per_caller():
    latin = "Café;plekken".encode("cp1252")
    assert decode_upload(latin, max_bytes=100, hint="", cp1252=True) == ("Café;plekken", "cp1252")
    with pytest.raises(TextFileError, match="kunnen niet worden gelezen"):
        decode_upload(latin, max_bytes=100, hint="")
    assert decode_upload(b"\xef\xbb\xbfok", max_bytes=100, hint="") == ("ok", "utf-8-sig")
    with pytest.raises(TextFileError, match="te groot"):
        decode_upload(b"x" * 101, max_bytes=100, hint="")
    five = 5 * 1024 * 1024
    with pytest.raises(TextFileError, match=r"het mag maximaal 5 MB zijn"):
        decode_upload(b"x" * (five + 1), max_bytes=five, hint="")
    one_control = "a" * 99 + "\x07"
    assert decode_upload(one_control.encode(), max_bytes=1000, hint="", binary_share=0.05)[0] == one_control
    with pytest.raises(TextFileError):
        decode_upload(one_control.encode(), max_bytes=1000, hint="")
