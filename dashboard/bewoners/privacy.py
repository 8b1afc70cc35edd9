"""Finding personal data in free text (e-mail addresses, phone numbers), in time linear in the text length.

Used by every way data enters (form, upload, edit, the wijkagenda's import) through
validation.contains_personal_data. Catches the common ways people write them:
- e-mail: plain, with spaces around '@' or before a dot ("jan @ voorbeeld . nl"), with "[at]", "(at)", "{at}",
  " at " / "[dot]", "(punt)", and in full-width characters (ｊａｎ＠ｖｏｏｒｂｅｅｌｄ．ｎｌ);
- phone numbers: any separators (spaces, dots, slashes, brackets, every kind of dash), with country codes
  (+31, 0031, +32, ...), found with Google's libphonenumber rules (the `phonenumbers` package) plus a pattern
  for Dutch numbers.
No pattern here can backtrack: e-mail is found by looking around each '@' within fixed bounds, and the regular
expressions have only bounded or non-overlapping repeats. tests/test_bewoners_privacy.py times adversarial
inputs of growing length.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

import phonenumbers

MAX_LOCAL = 64        # RFC 5321 limits
MAX_DOMAIN = 255
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u00ad"), "-")
# "[at]", "(at)", "{at}", "<at>", "[ at ]", "(apenstaartje)", and the same for dot / punt.
_AT_WORD = re.compile(r"[ \t]{0,3}[\[({<][ \t]{0,3}(?:at|apenstaartje)[ \t]{0,3}[\])}>][ \t]{0,3}", re.I)
_DOT_WORD = re.compile(r"[ \t]{0,3}[\[({<][ \t]{0,3}(?:dot|punt)[ \t]{0,3}[\])}>][ \t]{0,3}", re.I)
# "jan at voorbeeld dot nl" / "jan at voorbeeld.nl": only with a domain-like tail, so "koffie at home" stays.
_AT_SPELLED = re.compile(r"(?<=\w) (?:at) (?=[a-z0-9-]{1,63}(?:\.| dot | punt )[a-z]{2,}\b)", re.I)
_DOT_SPELLED = re.compile(r" (?:dot|punt) (?=[a-z]{2,}\b)", re.I)
_SPACED_AT = re.compile(r"[ \t]{0,3}@[ \t]{0,3}")
# "jan @ voorbeeld . nl": a space before a dot that is followed by a domain-like word. Only with a space BEFORE the
# dot and a lower-case word after it, so a sentence's full stop ("… @ het buurthuis. Daarna …", "@ home . Kom")
# is not read as part of an address.
_SPACED_DOT = re.compile(r"[ \t]{1,3}\.[ \t]{0,3}(?=[a-z0-9-]{2,63}\b)")
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_")
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
# Dutch numbers: +31 / 0031 / 0, then nine digits with up to three separators between digits.
_NL_PHONE = re.compile(r"(?<![\w+])(?:\+31|0031|0)(?:[\s./\-()]{0,3}\d){9}(?!\d)")
MAX_PHONE_SCAN = 10_000   # characters given to the phonenumbers matcher per field (fields are ≤ 1 000)


def normalise(text: str) -> str:
    """Full-width and compatibility characters to plain ones (NFKC), every dash to '-'."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


def _deobfuscate_email(text: str) -> str:
    text = _AT_WORD.sub("@", text)
    text = _DOT_WORD.sub(".", text)
    text = _AT_SPELLED.sub("@", text)
    if "@" in text:
        text = _DOT_SPELLED.sub(".", text)
        text = _SPACED_AT.sub("@", text)
        text = _SPACED_DOT.sub(".", text)
    return text


def has_email(text: str) -> bool:
    """An address (local@domain.tld) around any '@'; each '@' looks at most MAX_LOCAL back, MAX_DOMAIN ahead."""
    text = _deobfuscate_email(normalise(text))
    start = text.find("@")
    while start != -1:
        if start > 0 and text[start - 1] in _LOCAL_CHARS:
            end = start + 1
            limit = min(len(text), start + 1 + MAX_DOMAIN)
            while end < limit and text[end] in _DOMAIN_CHARS:
                end += 1
            labels = text[start + 1:end].rstrip(".-").split(".")
            if len(labels) >= 2 and all(labels) and len(labels[-1]) >= 2 and labels[-1].isalpha():
                return True
        start = text.find("@", start + 1)
    return False


def has_phone(text: str) -> bool:
    text = normalise(text)
    if _NL_PHONE.search(text):
        return True
    if sum(ch.isdigit() for ch in text) < 8:
        return False
    matcher = phonenumbers.PhoneNumberMatcher(text[:MAX_PHONE_SCAN], "NL", leniency=phonenumbers.Leniency.VALID,
                                              max_tries=200)
    # A valid number with a country code, or with all ten digits; not "09.00-17.00" (a time range is a
    # valid-looking 8-digit number to libphonenumber).
    return any(match.raw_string.lstrip("(").startswith(("+", "00"))
               or sum(ch.isdigit() for ch in match.raw_string) >= 10 for match in matcher)


def find_personal_data(text: str, *, url: bool = False) -> str | None:
    """"een e-mailadres", "een telefoonnummer" or None. With url=True the text is percent-decoded first
    (a website field: https://example.nl/?mail=jan%40voorbeeld.nl)."""
    if not text:
        return None
    if url:
        text = unquote(text)
    if has_email(text):
        return "een e-mailadres"
    if has_phone(text):
        return "een telefoonnummer"
    return None
