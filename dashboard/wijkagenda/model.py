"""What a conversation record and a wijkagenda are, and the one validation every way in shares (form, import).

Both are plain JSON-ready dicts ("documents"), so the store, the export file and the renderer read the same shape.
`conversation(raw)` and `agenda(raw)` return a normalised copy or raise ValidationError with one Dutch (B1)
sentence per problem, each naming where it is ("prioriteit 2, budgetregel 1: ..."). They never raise anything
else for bad input, whatever its types, because the import feeds them arbitrary JSON.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from dashboard.bewoners.model import CATEGORIES

from .checks import MAX_COUNT, NOTE_CHARS, Check, ValidationError, field_label, new_id

__all__ = ["MAX_COUNT", "NOTE_CHARS", "Check", "ValidationError", "agenda", "conversation", "new_id"]

KINDS = {"klopt": "Dit klopt", "mist": "Dit mist", "idee": "Idee"}
BUDGET_SOURCES = {"wijkbudget": "Wijkbudget", "initiatievenfonds": "Initiatievenfonds",
                  "gemeente": "Gemeente (subsidie)", "fonds": "Fonds of stichting", "anders": "Anders"}
BUDGET_STATUSES = {"aangevraagd": "Aangevraagd", "toegekend": "Toegekend", "besteed": "Besteed"}
MAX_PRIORITIES = 7
LIMITS = {"regions": 30, "notes": 200, "themes": 50, "priorities": MAX_PRIORITIES, "indicators": 8, "assets": 30,
          "organisations": 12, "budget": 20, "reviews": 100, "why": 50, "conversations": 20, "note_indicators": 8}
TITLE_CHARS, LONG_CHARS, ORG_CHARS = 150, 1000, 120
MAX_AMOUNT = 10_000_000      # euro per budget line
REGION_RE = re.compile(r"(BU|WK)\d{4}[0-9A-Z]{2,4}|GM\d{4}")
INDICATOR_RE = re.compile(r"[a-z0-9_]{1,64}")
TABLE_RE = re.compile(r"[0-9A-Z+]{1,40}")


def counted(n: int, one: str, many: str) -> str:
    """'1 prioriteit', '3 prioriteiten', '1.200 deelnemers': a count with its noun in the right number (the page
    and the print said '1 prioriteiten', '1 notities', '1 thema's')."""
    from dashboard.core.format import fmt_number
    return f"{fmt_number(n)} {one if n == 1 else many}"


def at_most(kind: str) -> str:
    """The help of a list box: its bound in Dutch. The widget sets no max_selections (at the limit the browser
    said 'You can only select up to 8 options. Remove an option first.' in English); saving checks the bound."""
    return f"Hoogstens {LIMITS[kind]} (meer wordt niet opgeslagen)."


def _unique_ids(check: Check, items: list, where: str) -> None:
    ids = [i.get("id") for i in items if isinstance(i, dict)]
    if len(ids) != len(set(ids)):
        check.fail(where, "een id komt twee keer voor")


# ----------------------------------------------------------------------------------------------- parts
def _asset_link(check: Check, value: object, where: str) -> dict:
    return check.record(value, where, {
        "id": lambda v, w: check.ident(v, w, what="id"),
        "name": lambda v, w: check.text(v, w, TITLE_CHARS + 50, required=True),
        "category": lambda v, w: check.choice(v, w, CATEGORIES),
    }, required=("id", "name", "category"))


def _note(check: Check, value: object, where: str) -> dict:
    return check.record(value, where, {
        "id": lambda v, w: check.ident(v, w, what="id"),
        "prompt": lambda v, w: check.text(v, w, 300, required=True),
        "kind": lambda v, w: check.choice(v, w, KINDS),
        "text": lambda v, w: check.text(v, w, NOTE_CHARS, required=True),
        "indicators": lambda v, w: check.items(v, w, LIMITS["note_indicators"],
                                               lambda x, y: check.ident(x, y, INDICATOR_RE, "cijfer"), "cijfer"),
        "assets": lambda v, w: check.items(v, w, LIMITS["assets"], lambda x, y: _asset_link(check, x, y), "item"),
    }, required=("id", "kind", "text"))


def _theme(check: Check, value: object, where: str) -> dict:
    return check.record(value, where, {
        "id": lambda v, w: check.ident(v, w, what="id"),
        "title": lambda v, w: check.text(v, w, TITLE_CHARS, required=True),
        "votes": lambda v, w: check.number(v, w, whole=True),
    }, required=("id", "title"))


def _baseline(check: Check, value: object, where: str) -> dict:
    return check.record(value, where, {
        "indicator_id": lambda v, w: check.ident(v, w, INDICATOR_RE, "cijfer"),
        "label": lambda v, w: check.text(v, w, 200, required=True),
        "unit": lambda v, w: check.text(v, w, 60, required=True),
        "direction": lambda v, w: check.choice(v, w, {"higher_is_better": "", "lower_is_better": "", "neutral": ""}),
        "modelled": lambda v, w: bool(v) if v is None or isinstance(v, bool) else check.fail(w, "hoort true of false te zijn"),
        "region_code": lambda v, w: check.ident(v, w, REGION_RE, "regiocode"),
        "age_group": lambda v, w: check.text(v, w, 30, required=True),
        "value": lambda v, w: check.optional_number(v, w),
        "lower": lambda v, w: check.optional_number(v, w),
        "upper": lambda v, w: check.optional_number(v, w),
        # CBS rounding of the count behind a rate (catalogue numerator_rounding): a 0 then means 0 to 4
        "rounding": lambda v, w: check.optional_number(v, w),
        # the rounding interval of a rate of rounded counts (mart_profile round_lower/round_upper); an agenda from
        # before it kept a rounded 0's bound in `upper` (format.rounding_bounds reads both)
        "round_lower": lambda v, w: check.optional_number(v, w),
        "round_upper": lambda v, w: check.optional_number(v, w),
        "period": lambda v, w: check.text(v, w, 20, required=True),
        "table_id": lambda v, w: check.ident(v, w, TABLE_RE, "tabel"),
        "series": lambda v, w: check.text(v, w, 60),
        "boundary_year": lambda v, w: check.number(v, w, low=1900, high=2100, whole=True),
        "frozen_on": lambda v, w: check.day(v, w, required=True),
    }, required=("indicator_id", "value", "period", "table_id", "boundary_year"))


def _budget(check: Check, value: object, where: str) -> dict:
    return check.record(value, where, {
        "id": lambda v, w: check.ident(v, w, what="id"),
        "description": lambda v, w: check.text(v, w, 200, required=True),
        "amount": lambda v, w: check.number(v, w, high=MAX_AMOUNT),
        "source": lambda v, w: check.choice(v, w, BUDGET_SOURCES),
        "status": lambda v, w: check.choice(v, w, BUDGET_STATUSES),
    }, required=("id", "description", "amount"))


def _review(check: Check, value: object, where: str) -> dict:
    return check.record(value, where, {
        "id": lambda v, w: check.ident(v, w, what="id"),
        "date": lambda v, w: check.day(v, w, required=True),
        "done": lambda v, w: check.text(v, w, LONG_CHARS),
        "learned": lambda v, w: check.text(v, w, LONG_CHARS),
    }, required=("id", "date"))


def _priority(check: Check, value: object, where: str) -> dict:
    out = check.record(value, where, {
        "id": lambda v, w: check.ident(v, w, what="id"),
        "title": lambda v, w: check.text(v, w, TITLE_CHARS, required=True),
        "why": lambda v, w: check.items(v, w, LIMITS["why"], lambda x, y: check.ident(x, y, what="notitie"), "notitie"),
        "assets": lambda v, w: check.items(v, w, LIMITS["assets"], lambda x, y: _asset_link(check, x, y), "item"),
        "indicators": lambda v, w: check.items(v, w, LIMITS["indicators"], lambda x, y: _baseline(check, x, y),
                                               "cijfer"),
        "organisations": lambda v, w: check.texts(v, w, LIMITS["organisations"], ORG_CHARS),
        "budget": lambda v, w: check.items(v, w, LIMITS["budget"], lambda x, y: _budget(check, x, y), "budgetregel"),
        "next_review": lambda v, w: check.day(v, w),
        "reviews": lambda v, w: check.items(v, w, LIMITS["reviews"], lambda x, y: _review(check, x, y), "terugblik"),
    }, required=("id", "title"))
    for key in ("budget", "reviews", "assets"):
        _unique_ids(check, out.get(key) or [], f"{where}, {field_label(key)}")
    followed = [b.get("indicator_id") for b in out.get("indicators") or [] if isinstance(b, dict)]
    if len(followed) != len(set(followed)):
        check.fail(where, "een cijfer wordt twee keer gevolgd")
    return out


# ----------------------------------------------------------------------------------------------- documents
def conversation(raw: object) -> dict:
    """A validated conversation record (date, regions, organiser, participants, notes, themes)."""
    check = Check()
    out = check.record(raw, "", {
        "id": lambda v, w: check.ident(v, w, what="id"),
        "date": lambda v, w: check.day(v, "datum", required=True),
        "regions": lambda v, w: check.items(v, "buurten", LIMITS["regions"],
                                            lambda x, y: check.ident(x, y, REGION_RE, "buurt- of wijkcode"), "buurt"),
        "organiser": lambda v, w: check.text(v, "organisatie", ORG_CHARS, required=True),
        "participants": lambda v, w: check.number(v, "aantal deelnemers", whole=True),
        "notes": lambda v, w: check.items(v, "notities", LIMITS["notes"], lambda x, y: _note(check, x, y), "notitie"),
        "themes": lambda v, w: check.items(v, "thema's", LIMITS["themes"], lambda x, y: _theme(check, x, y), "thema"),
    }, required=("id", "date", "organiser", "participants"))
    if isinstance(raw, Mapping) and not out.get("regions") and not check.problems:
        check.fail("buurten", "kies minstens één buurt of wijk")
    _unique_ids(check, out.get("notes") or [], "notities")
    if check.problems:
        raise ValidationError(check.problems)
    return out


def agenda(raw: object) -> dict:
    """A validated wijkagenda (at most seven priorities, each with assets first, baselines, budget, reviews)."""
    check = Check()
    out = check.record(raw, "", {
        "id": lambda v, w: check.ident(v, w, what="id"),
        "title": lambda v, w: check.text(v, "titel", TITLE_CHARS, required=True),
        "region": lambda v, w: check.ident(v, "regio", REGION_RE, "regiocode"),
        "region_name": lambda v, w: check.text(v, "regionaam", TITLE_CHARS),
        "created": lambda v, w: check.day(v, "gemaakt op", required=True),
        "conversations": lambda v, w: check.items(v, "gesprekken", LIMITS["conversations"],
                                                  lambda x, y: check.ident(x, y, what="gesprek"), "gesprek"),
        "priorities": lambda v, w: check.items(v, "prioriteiten", LIMITS["priorities"],
                                               lambda x, y: _priority(check, x, y), "prioriteit"),
    }, required=("id", "title", "region", "created"))
    _unique_ids(check, out.get("priorities") or [], "prioriteiten")
    if check.problems:
        raise ValidationError(check.problems)
    return out


def noun(region: str) -> str:
    """'wijk' for a wijk's agenda, else 'buurt': 'Wat de wijk al heeft' (the gesprekskaart follows the level too)."""
    return "wijk" if str(region).startswith("WK") else "buurt"


def empty_agenda(region: str, region_name: str, title: str, today: date, agenda_id: str | None = None) -> dict:
    return agenda({"id": agenda_id or new_id(), "title": title, "region": region, "region_name": region_name,
                   "created": today.isoformat(), "conversations": [], "priorities": []})


def note_index(conversations: list[dict]) -> dict[str, dict]:
    """note id -> note (with 'conversation_date' added), over all conversations."""
    return {n["id"]: {**n, "conversation_date": c["date"]} for c in conversations for n in c.get("notes") or []}


def budget_total(priority: dict, status: str | None = None) -> float:
    return sum(b["amount"] or 0 for b in priority.get("budget") or [] if status in (None, b.get("status")))
