"""One agenda with its conversations as one JSON file, and reading such a file back. Pure: bytes in, bytes out.

An import is checked like a Bewonerskaart upload: size, encoding, JSON, the schema (model.py reads every field,
unknown fields are refused), markup or script in text, and personal data (field names and text). `read_bundle`
never raises for bad input: it returns a Bundle with `problems`, and a caller stores nothing unless there are none.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from dashboard.core.filetype import wrong_type
from dashboard.core.textfile import decode_upload

from . import model
from .migrate import FORMAT, FORMAT_VERSION, upgrade_bundle

MAX_FILE_BYTES = 2 * 1024 * 1024
FILE_TYPES = "een JSON-bestand (.json)"
FILE_HINT = "Kies het bestand dat Buurtbalans maakte met 'Download agenda als bestand (JSON)'."
MAX_DEPTH = 12


@dataclass
class Bundle:
    agenda: dict | None = None
    conversations: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.agenda is not None


def export_bundle(agenda: dict, conversations: list[dict], *, now: datetime | None = None) -> bytes:
    """The agenda and the conversations it names, as UTF-8 JSON (validated first, so an export always imports)."""
    wanted = set(agenda.get("conversations") or [])
    chosen = [model.conversation(c) for c in conversations if c.get("id") in wanted]
    agenda = model.agenda({**agenda, "conversations": [c["id"] for c in chosen]})
    notes = model.note_index(chosen)
    for priority in agenda["priorities"]:  # a note corrected away since it was linked: the link goes too
        priority["why"] = [n for n in priority["why"] if n in notes]
    doc = {"format": FORMAT, "version": FORMAT_VERSION,
           "exported_at": (now or datetime.now(timezone.utc)).replace(microsecond=0).isoformat(),
           "agenda": agenda, "conversations": chosen}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


def _depth(value: object, limit: int) -> int:
    stack, deepest = [(value, 1)], 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _decode(raw: bytes) -> str:
    return decode_upload(raw, max_bytes=MAX_FILE_BYTES, hint="Gebruik het JSON-bestand dat Buurtbalans maakte")[0]


def read_bundle(raw: bytes, filename: str = "agenda.json") -> Bundle:
    """Read an exported agenda file. Never raises for bad input; see Bundle.problems (Dutch)."""
    try:
        if not isinstance(raw, (bytes, bytearray)):
            raise ValueError("het bestand kon niet worden gelezen")
        if len(raw) <= MAX_FILE_BYTES and (reason := wrong_type(bytes(raw), filename, suffixes=(".json",),
                                                                allowed=FILE_TYPES, hint=FILE_HINT)):
            raise ValueError(reason)
        text = _decode(bytes(raw))
        try:
            data = json.loads(text, parse_constant=lambda name: _refuse_constant(name))
        except RecursionError:
            raise ValueError("het bestand is te diep genest") from None
        except json.JSONDecodeError as err:
            raise ValueError(f"het bestand is geen geldige JSON (regel {err.lineno}, teken {err.colno})") from None
        except _Refused:
            raise
        except ValueError:  # e.g. an integer with thousands of digits
            raise ValueError("het bestand is geen geldige JSON") from None
        if _depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise ValueError("het bestand is te diep genest; is het wel een wijkagenda van Buurtbalans?")
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("dit is geen wijkagenda van Buurtbalans (het veld format ontbreekt of klopt niet)")
        data = upgrade_bundle(data)
    except ValueError as err:
        return Bundle(problems=[str(err)])
    bundle = Bundle()
    extra = sorted(str(k)[:40] for k in data if k not in ("format", "version", "exported_at", "agenda",
                                                          "conversations"))
    if extra:
        bundle.problems.append(f"veld '{extra[0]}' is onbekend")
    try:
        bundle.agenda = model.agenda(data.get("agenda"))
    except model.ValidationError as err:
        bundle.problems += [f"agenda: {p}" for p in err.problems]
    raw_conversations = data.get("conversations")
    if not isinstance(raw_conversations, list) or len(raw_conversations) > model.LIMITS["conversations"]:
        bundle.problems.append(f"gesprekken: hoort een lijst te zijn van hoogstens {model.LIMITS['conversations']}")
        raw_conversations = []
    for i, item in enumerate(raw_conversations, start=1):
        try:
            bundle.conversations.append(model.conversation(item))
        except model.ValidationError as err:
            bundle.problems += [f"gesprek {i}: {p}" for p in err.problems[:10]]
    if bundle.agenda is not None and not bundle.problems:
        bundle.problems += _links(bundle.agenda, bundle.conversations)
    if bundle.problems:
        bundle.agenda, bundle.conversations = None, []
        bundle.problems = bundle.problems[:30]
    return bundle


class _Refused(ValueError):
    pass


def _refuse_constant(name: str):
    raise _Refused(f"het bestand bevat '{name}', dat is geen getal in JSON")


def _links(agenda: dict, conversations: list[dict]) -> list[str]:
    """Every conversation and note the agenda names is in the file, and the file has no other conversations."""
    problems = []
    ids = [c["id"] for c in conversations]
    if len(ids) != len(set(ids)):
        problems.append("gesprekken: een gesprek staat er twee keer in")
    if set(ids) != set(agenda["conversations"]):
        problems.append("gesprekken: de agenda noemt andere gesprekken dan er in het bestand staan")
    notes = model.note_index(conversations)
    for i, priority in enumerate(agenda["priorities"], start=1):
        missing = [n for n in priority["why"] if n not in notes]
        if missing:
            problems.append(f"prioriteit {i}: notitie '{missing[0][:20]}' staat niet in de gesprekken")
    return problems
