"""From what was typed in the page's forms to documents (pure: no Streamlit, tested without a browser).

Every function returns a validated document or raises model.ValidationError with Dutch sentences; the page
shows them and keeps what was typed, so nothing is lost.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from . import checks, model

# votes up to 12 digits, so a number above the bound gets the bound (model: 'stippen: hoort tussen 0 en 100.000')
# instead of "schrijf het als 'thema: aantal stippen'", which it already is
THEME_RE = re.compile(r"^(?P<title>.+?)\s*[:=\-–]\s*(?P<votes>\d{1,12})\s*(?:stippen|stip)?$", re.IGNORECASE)
# a list marker a person types before a line ("- ", "* ", "•"): only that, never a '*' or '-' of the text itself
_BULLET_RE = re.compile(r"^\s*(?:[-*]\s+|•\s*)")


def lines(text: object) -> list[str]:
    """Non-empty lines of a text area, stripped of spaces and a leading list marker; one note or organisation per
    line. The text itself is kept as typed: '**vet**', '-10% zwerfvuil' and 'Sport -' lost their '*' and '-'."""
    if not isinstance(text, str):
        return []
    return [kept for line in text.splitlines() if (kept := _BULLET_RE.sub("", line).strip())]


def themes(text: object) -> list[dict]:
    """'Bewegen en ontmoeten: 14' per line -> themes with dot votes. A line without a number has 0 votes."""
    found, problems = [], []
    for number, line in enumerate(lines(text), start=1):
        match = THEME_RE.match(line)
        if match:
            found.append({"id": model.new_id(), "title": match["title"].strip(), "votes": int(match["votes"])})
        elif re.search(r"\d\s*$", line):
            problems.append(f"thema's, regel {number}: schrijf het als 'thema: aantal stippen', bijvoorbeeld "
                            "'Bewegen en ontmoeten: 14'")
        else:
            found.append({"id": model.new_id(), "title": line, "votes": 0})
    if problems:
        raise model.ValidationError(problems)
    return found


def conversation(values: Mapping, prompts: Sequence[str], assets: Mapping[str, dict],
                 existing: dict | None = None, new_id: str | None = None) -> dict:
    """A conversation from the form. `values`: date, regions, organiser, participants, themes (text), and per
    prompt index i: f'{i}_klopt', f'{i}_mist', f'{i}_idee' (one note per line), f'{i}_indicators',
    f'{i}_assets' (ids, linked to every note of that prompt).

    A correction of `existing` keeps its id, and a note or theme that is still there (same prompt, kind and text;
    same title) keeps its id, so an agenda's links to it hold."""
    old_notes = {(n["prompt"], n["kind"], n["text"]): n["id"] for n in (existing or {}).get("notes") or []}
    old_themes = {t["title"]: t["id"] for t in (existing or {}).get("themes") or []}
    notes, places = [], []
    for i, prompt in enumerate(prompts):
        linked_assets = [assets[a] for a in values.get(f"{i}_assets") or [] if a in assets]
        for kind in model.KINDS:
            for line, text in enumerate(lines(values.get(f"{i}_{kind}")), start=1):
                places.append(f"bij ‘{prompt}’, {model.KINDS[kind]}, regel {line}")
                notes.append({"id": old_notes.pop((prompt, kind, text), None) or model.new_id(),
                              "prompt": prompt, "kind": kind, "text": text,
                              "indicators": list(values.get(f"{i}_indicators") or []), "assets": linked_assets})
    problems = []
    try:
        theme_list = themes(values.get("themes"))
    except model.ValidationError as err:
        problems, theme_list = err.problems, []
    for theme in theme_list:
        theme["id"] = old_themes.pop(theme["title"], None) or theme["id"]
    day = values.get("date")
    participants = values.get("participants")
    if isinstance(participants, str):   # typed: read the Dutch way ('1.200'); a browser number box misread it
        typed, participants = participants, (checks.read_count(participants) if participants.strip() else None)
        if participants is None and typed.strip():
            problems = [*problems, f"aantal deelnemers: ‘{typed.strip()[:checks.AMOUNT_CHARS]}’ is geen aantal; "
                                   "schrijf een heel getal, bijvoorbeeld 25"]
            participants = 0   # said above
    raw = {"id": (existing or {}).get("id") or new_id or model.new_id(),
           "date": day.isoformat() if isinstance(day, date) else day,
           "regions": list(values.get("regions") or []), "organiser": values.get("organiser"),
           "participants": int(participants) if isinstance(participants, float) and participants.is_integer()
           else participants, "notes": notes, "themes": theme_list}
    try:
        doc = model.conversation(raw)
    except model.ValidationError as err:
        raise model.ValidationError(problems + [_note_place(p, places) for p in err.problems]) from None
    if problems:
        raise model.ValidationError(problems)
    if not notes and not theme_list:
        raise model.ValidationError(["schrijf minstens één notitie of één thema op"])
    return doc


def _note_place(problem: str, places: Sequence[str]) -> str:
    """'notitie 4, tekst: ...' (the 4th note over all prompts) -> "bij 'Waar ben je trots op…', Dit klopt, regel 2:
    ...": the box and line the person typed it in."""
    match = re.match(r"notitie (\d+)(, tekst)?: ", problem)
    if match and 1 <= int(match[1]) <= len(places):
        return f"{places[int(match[1]) - 1]}: {problem[match.end():]}"
    return problem


def priority(values: Mapping, *, existing: dict | None, assets: Mapping[str, dict],
             freeze: Callable[[str], dict], new_id: str | None = None) -> dict:
    """A priority from the form. Figures already followed keep their frozen baseline; new ones are frozen now
    by `freeze(indicator_id)`. Budget lines and reviews stay as they are (they have their own forms)."""
    old = existing or {}
    kept = {b["indicator_id"]: b for b in old.get("indicators") or []}
    old_assets = {a["id"]: a for a in old.get("assets") or []}
    problems, baselines = [], []
    for indicator_id in values.get("indicators") or []:
        if indicator_id in kept:
            baselines.append(kept[indicator_id])
            continue
        try:
            baselines.append(freeze(indicator_id))
        except model.ValidationError as err:
            problems += err.problems
    review = values.get("next_review")
    raw = {"id": old.get("id") or new_id or model.new_id(), "title": values.get("title"),
           "why": list(values.get("why") or []),
           "assets": [found for a in values.get("assets") or [] if (found := assets.get(a) or old_assets.get(a))],
           "indicators": baselines, "organisations": lines(values.get("organisations")),
           "budget": old.get("budget") or [], "reviews": old.get("reviews") or [],
           "next_review": review.isoformat() if isinstance(review, date) else review}
    return _check_priority(raw, problems)


def _check_priority(raw: dict, problems: list[str]) -> dict:
    probe = {"id": "probe", "title": "probe", "region": "BU00000000", "created": "2000-01-01", "priorities": [raw]}
    try:
        doc = model.agenda(probe)["priorities"][0]
    except model.ValidationError as err:
        # the probe's place ('prioriteit 1, titel: ...', 'prioriteit 1: titel ontbreekt') is not the form's: a third
        # priority without a title read 'prioriteit 1: titel ontbreekt'
        raise model.ValidationError(problems + [p.removeprefix("prioriteit 1, ").removeprefix("prioriteit 1: ")
                                                .removeprefix("prioriteiten, ") for p in err.problems]) from None
    if problems:
        raise model.ValidationError(problems)
    return doc


def find_part(agenda: Mapping, part_id: str) -> Mapping | None:
    """The priority, budget line or review with this id, or None."""
    for p in agenda.get("priorities") or []:
        if p.get("id") == part_id:
            return p
        for x in [*(p.get("budget") or []), *(p.get("reviews") or [])]:
            if x.get("id") == part_id:
                return x
    return None


def has_part(agenda: Mapping, part_id: str) -> bool:
    """Does the agenda have a priority, budget line or review with this id?"""
    return find_part(agenda, part_id) is not None


def budget_line(values: Mapping, line_id: str | None = None) -> dict:
    """A budget line from the form. Its amount is the text typed in 'Bedrag (€)', read the Dutch way
    (checks.read_amount: '1.250,50', '€ 50,-'), or a number."""
    amount, problems = values.get("amount"), []
    if isinstance(amount, str):   # typed: kept as read, so '1,234' is refused for its decimals, not rounded to 1,23
        typed, amount = amount, (checks.read_amount(amount) if amount.strip() else None)
        if amount is None and typed.strip():
            problems.append(f"bedrag: ‘{typed.strip()[:checks.AMOUNT_CHARS]}’ is geen bedrag; schrijf het zo: "
                            "1.250 of 99,50")
            amount = 0.0   # said above; the other fields are still checked
    elif isinstance(amount, (int, float)) and not isinstance(amount, bool) and abs(amount) < 1e15:
        amount = round(float(amount), 2)
    raw = {"id": line_id or model.new_id(), "description": values.get("description"), "amount": amount,
           "source": values.get("source"), "status": values.get("status")}
    check = model.Check()
    doc = model._budget(check, raw, "budgetregel")  # noqa: SLF001 - the one reader of a budget line
    problems += [p.removeprefix("budgetregel, ") for p in check.problems]
    if problems:
        raise model.ValidationError(problems)
    return doc


def review(values: Mapping, review_id: str | None = None) -> dict:
    day = values.get("date")
    raw = {"id": review_id or model.new_id(), "date": day.isoformat() if isinstance(day, date) else day,
           "done": values.get("done"), "learned": values.get("learned")}
    check = model.Check()
    doc = model._review(check, raw, "terugblik")  # noqa: SLF001
    if not check.problems and not (doc.get("done") or doc.get("learned")):
        check.fail("", "schrijf op wat er is gedaan of wat er is geleerd")
    if check.problems:
        raise model.ValidationError([p.removeprefix("terugblik, ") for p in check.problems])
    return doc


def with_priority(agenda: dict, new: dict, conversations: Sequence[dict]) -> dict:
    """The agenda with this priority added or replaced, and the conversations its notes come from attached."""
    priorities = [p for p in agenda["priorities"] if p["id"] != new["id"]]
    index = next((i for i, p in enumerate(agenda["priorities"]) if p["id"] == new["id"]), len(priorities))
    priorities.insert(index, new)
    if len(priorities) > model.MAX_PRIORITIES:
        raise model.ValidationError([f"een wijkagenda heeft hoogstens {model.MAX_PRIORITIES} prioriteiten; "
                                     "kies wat het belangrijkst is"])
    notes = {n["id"]: c["id"] for c in conversations for n in c.get("notes") or []}
    attached = list(agenda.get("conversations") or [])
    for note in new.get("why") or []:
        if note in notes and notes[note] not in attached:
            attached.append(notes[note])
    return {**agenda, "priorities": priorities, "conversations": attached}
