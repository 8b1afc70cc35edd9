"""The readers every wijkagenda field goes through: text (length, control characters, markup or script, personal
data as the Bewonerskaart defines it, a name with a title), choices, numbers, dates, codes and lists. A Check
collects one Dutch (B1) sentence per problem, naming where it is, and never raises for bad input of any type.
"""
from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date

from dashboard.bewoners.validation import contains_personal_data, without_direction_controls
from dashboard.bewoners.upload import personal_data_column

NOTE_CHARS = 500
MAX_COUNT = 100_000          # participants, dot votes
FIRST_YEAR, LAST_YEAR = 1990, 2100   # a date's year; the date boxes set no min/max, so the bound is said in Dutch
DAY_HELP = f"Een datum tussen {FIRST_YEAR} en {LAST_YEAR}."
# a date box's own range: as wide as the box goes (without one Streamlit sets today +- 10 years), so no typed date
# gets the browser's English 'Date set outside allowed range'; day() says the real bound in Dutch on save
ANY_DAY = {"min_value": date.min, "max_value": date.max}
# Every field of a document, named in Dutch wherever a problem is said: an empty required one (the form said
# 'participants ontbreekt') and one inside a list ('notitie 4, text: bevat een telefoonnummer', 'budgetregel,
# amount: ...'). A key not listed here (only an unknown key of an imported file) is said as the file has it.
FIELD_LABELS = {"participants": "aantal deelnemers", "organiser": "organisatie", "date": "datum", "title": "titel",
                "name": "naam", "category": "soort", "text": "tekst", "kind": "soort notitie", "prompt": "vraag",
                "votes": "stippen", "description": "waarvoor", "amount": "bedrag", "source": "bron",
                "status": "status", "done": "wat hebben we gedaan", "learned": "wat hebben we geleerd",
                "next_review": "volgende terugblik", "organisations": "wie werkt eraan", "why": "waarom",
                "assets": "items van de Bewonerskaart", "indicators": "cijfers", "budget": "budgetregels",
                "reviews": "terugblikken", "regions": "buurten", "notes": "notities", "themes": "thema's",
                "label": "naam van het cijfer", "unit": "eenheid", "direction": "richting", "modelled": "geschat",
                "region_code": "regiocode", "age_group": "leeftijdsgroep", "value": "waarde", "lower": "ondergrens",
                "upper": "bovengrens", "rounding": "afronding", "round_lower": "ondergrens van de afronding",
                "round_upper": "bovengrens van de afronding", "period": "periode", "table_id": "tabel",
                "series": "reeks", "boundary_year": "indelingsjaar", "frozen_on": "vastgelegd op",
                "indicator_id": "cijfer", "id": "id", "region": "regio", "region_name": "regionaam",
                "created": "gemaakt op", "conversations": "gesprekken", "priorities": "prioriteiten"}
REQUIRED_LABELS = FIELD_LABELS   # the name earlier code used


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key)
ID_RE = re.compile(r"[0-9A-Za-z_-]{1,64}")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Markup or script in a text field (a '<' before a letter, '/', '!' or '?'; javascript: and data: URLs).
_SCRIPT_RE = re.compile(r"<\s*[a-zA-Z/!?]|javascript\s*:|vbscript\s*:|data\s*:\s*text/html", re.IGNORECASE)
# A person named by title ("dhr. Jansen", "mevrouw De Vries"): the agenda names organisations, not people. A title
# is written in lower case or with a capital ("Mw.", "Hr"); in capitals only with its dot ("DHR. JANSEN"), since
# "MS Vereniging", "HR afdeling" and "MR Bouw" are organisations, which the form asks for and refused.
_TITLED_NAME_RE = re.compile(r"\b(?:(?:[Dd]hr|[Mm]evr|[Mm]w|[Hh]r|[Mm]eneer|[Mm]evrouw|[Dd]e [Hh]eer|[Mm]r|[Mm]rs|[Mm]s)"
                             r"\.?|(?:DHR|MEVR|MW|HR|MEVROUW|MENEER|MR|MRS|MS)\.)\s+[A-Z]")


def collapse_spaces(text: str) -> str:
    """Text as the agenda stores it: trimmed, runs of spaces and tabs one space, per line, without direction
    controls (bewoners.validation.without_direction_controls)."""
    return "\n".join(" ".join(line.split()) for line in without_direction_controls(text).strip().splitlines())


class ValidationError(ValueError):
    """`problems` holds one Dutch sentence per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def new_id() -> str:
    return uuid.uuid4().hex[:16]


class Check:
    """Collects problems while a document is read; `where` names the part ("prioriteit 2")."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, text: str) -> None:
        if len(self.problems) < 50:
            self.problems.append(f"{where}: {text}" if where else text)

    def record(self, value: object, where: str, fields: Mapping[str, Callable], *, required: tuple = ()) -> dict:
        """Read a dict with exactly these keys (missing optional keys become their reader's default)."""
        if not isinstance(value, Mapping):
            self.fail(where, "dit hoort een lijst van velden te zijn ({...})")
            return {}
        keys = [k for k in value if isinstance(k, str)]
        if len(keys) != len(value):
            self.fail(where, "een veldnaam is geen tekst")
        personal = personal_data_column([k for k in keys if k not in fields])
        if personal is not None:
            self.fail(where, f"veld '{_clip(personal)}' lijkt persoonsgegevens te bevatten; Buurtbalans slaat geen "
                             "persoonsgegevens op")
        for key in keys:
            if key not in fields and key != personal:
                self.fail(where, f"veld '{_clip(key)}' is onbekend")
        out = {}
        for key, reader in fields.items():
            if key in required and value.get(key) in (None, "", []):
                self.fail(where, f"{field_label(key)} ontbreekt")
                out[key] = None
                continue
            out[key] = reader(value.get(key), f"{where}, {field_label(key)}" if where else field_label(key))
        return out

    def items(self, value: object, where: str, limit: int, read: Callable[[object, str], object],
              label: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, "dit hoort een lijst te zijn ([...])")
            return []
        if len(value) > limit:
            self.fail(where, f"te veel ({len(value)}); maximaal {limit}")
            return []
        parent = where.rsplit(", ", 1)[0] if ", " in where else ""
        return [read(item, f"{parent}, {label} {i}" if parent else f"{label} {i}")
                for i, item in enumerate(value, start=1)]

    # ------------------------------------------------------------------------------------------- scalars
    def text(self, value: object, where: str, limit: int = NOTE_CHARS, *, required: bool = False) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(where, "dit ontbreekt")
            return None
        if not isinstance(value, str):
            self.fail(where, "dit hoort tekst te zijn")
            return None
        text = collapse_spaces(value)
        if len(text) > limit:
            self.fail(where, f"te lang ({len(text)} tekens, maximaal {limit})")
            return None
        if _CONTROL_RE.search(text):
            self.fail(where, "bevat onzichtbare stuurtekens; haal die weg")
            return None
        if _SCRIPT_RE.search(text):
            self.fail(where, "bevat code of opmaak (zoals <script> of een javascript:-link); schrijf gewone tekst")
            return None
        found = contains_personal_data(text) or ("een naam met aanhef (zoals 'dhr. ...')"
                                                 if _TITLED_NAME_RE.search(text) else None)
        if found:
            self.fail(where, f"bevat {found}; Buurtbalans slaat geen persoonsgegevens op. Noem organisaties, "
                             "geen personen")
            return None
        return text

    def texts(self, value: object, where: str, limit: int, chars: int) -> list[str]:
        got = self.items(value, where, limit, lambda v, w: self.text(v, w, chars, required=True), "regel")
        return [t for t in got if t]

    def choice(self, value: object, where: str, options: Mapping[str, str]) -> str | None:
        key = value.strip().lower() if isinstance(value, str) else None
        if key in options:
            return key
        by_label = {label.lower(): k for k, label in options.items()}
        if key in by_label:
            return by_label[key]
        self.fail(where, f"kies uit {', '.join(options)}")
        return None

    def number(self, value: object, where: str, *, low: float = 0, high: float = MAX_COUNT,
               whole: bool = False, required: bool = True) -> float | int | None:
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)) or \
                (isinstance(value, int) and abs(value) > 10 ** 15):
            self.fail(where, "dit hoort een getal te zijn")
            return None
        if not low <= value <= high:
            self.fail(where, f"hoort tussen {_nl(low)} en {_nl(high)} te liggen")
            return None
        if whole:
            if float(value) != int(value):
                self.fail(where, "hoort een heel getal te zijn")
                return None
            return int(value)
        if round(float(value), 2) != float(value):
            self.fail(where, "hoogstens twee cijfers achter de komma")
            return None
        return float(value)

    def day(self, value: object, where: str, *, required: bool = False) -> str | None:
        if value is None and not required:
            return None
        if isinstance(value, date):   # from a date box, which sets no min/max (the browser's range error is English)
            if FIRST_YEAR <= value.year <= LAST_YEAR:
                return value.isoformat()
            self.fail(where, f"kies een datum tussen {FIRST_YEAR} en {LAST_YEAR}")
            return None
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                parsed = date.fromisoformat(value)
                if FIRST_YEAR <= parsed.year <= LAST_YEAR:
                    return parsed.isoformat()
                self.fail(where, f"kies een datum tussen {FIRST_YEAR} en {LAST_YEAR}")
                return None
            except ValueError:
                pass
        self.fail(where, "schrijf de datum als jjjj-mm-dd, bijvoorbeeld 2026-11-20")
        return None

    def ident(self, value: object, where: str, pattern: re.Pattern = ID_RE, what: str = "code") -> str | None:
        if isinstance(value, str) and pattern.fullmatch(value):
            return value
        self.fail(where, f"{what} '{_clip(value)}' klopt niet")
        return None

    def optional_number(self, value: object, where: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or abs(value) > 1e12:
            self.fail(where, "dit hoort een getal te zijn")
            return None
        return float(value)


# An amount as a Dutch person types it: '1.250', '1.250,50', '1250,5', '€ 50,-', and also '12.50' (a point before
# one or two digits is a decimal point; before groups of three it separates thousands, as in Dutch).
_AMOUNT_DUTCH = re.compile(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|-?\d+(?:,\d+)?")
_AMOUNT_POINT = re.compile(r"-?\d+\.\d{1,2}|-?\d{1,3}(?:,\d{3})+\.\d+")
AMOUNT_CHARS = 30


def read_count(text: object) -> int | None:
    """A whole number typed the Dutch way ('25', '1.200'), or None when it is none. The browser's number box read
    '1.000' as 1 and '12,5' as 125."""
    if not isinstance(text, str) or len(text) > AMOUNT_CHARS:
        return None
    plain = re.sub(r"\s+", "", text)
    if re.fullmatch(r"-?\d{1,3}(?:\.\d{3})+|-?\d+", plain):
        return int(plain.replace(".", ""))
    return None


def read_amount(text: object) -> float | None:
    """What was typed in an amount box as a number of euros, read the Dutch way (see _AMOUNT_DUTCH), or None when
    it is no amount. A browser's number box read '1234,56' as 123456 and '1.234,56' as 1,23; a text box read here
    cannot misread it. More than two decimals stay visible (Check.number refuses them)."""
    if not isinstance(text, str) or len(text) > AMOUNT_CHARS:
        return None
    plain = re.sub(r"\s+", "", text.replace("€", "")).removesuffix(",-").removesuffix(",--").removesuffix(".-")
    if plain.startswith("-€"):
        plain = "-" + plain[2:]
    if _AMOUNT_DUTCH.fullmatch(plain):
        return float(plain.replace(".", "").replace(",", "."))
    if _AMOUNT_POINT.fullmatch(plain):
        return float(plain.replace(",", ""))
    return None


def _clip(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _nl(number: float) -> str:
    return f"{number:,.0f}".replace(",", ".")
