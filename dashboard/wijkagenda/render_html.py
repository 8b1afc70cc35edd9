"""The printable wijkagenda: one self-contained HTML page for A4 (inline CSS, no scripts, no outside files),
printed to PDF like the gesprekskaart (dashboard.gesprekskaart.pdf). Every piece of text is escaped here.

Per priority the order is fixed: what the buurt already has comes first, then why (the residents' notes), the
figures to follow (frozen baseline beside the current release), who works on it, the budget, and the reviews.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from dashboard.bewoners.model import CATEGORIES
from dashboard.core.escaping import html_escape as _e
from dashboard.core.format import fmt_number, fmt_value, indicator_decimals
from dashboard.gesprekskaart.wording import dutch_date
from dashboard.gesprekskaart.render_html import CSS as PACK_CSS

from . import model
from .follow import FollowUp, baseline_text

MAX_PAGES = 3
DENSITIES = (0, 1, 2)
REVIEWS_SHOWN = (3, 2, 1)  # per density


@dataclass(frozen=True)
class Printed:
    html: str
    title: str
    code: str = ""

    @property
    def filename(self) -> str:
        """'wijkagenda-de-purmer-gedeeltelijk-bu08520401': the code tells two places of one name apart."""
        from dashboard.gesprekskaart.wording import file_name
        return file_name(self.title, self.code, "wijkagenda")


def euro(amount: float | None) -> str:
    if amount is None:
        return "–"
    return "€ " + fmt_number(float(amount), 0 if float(amount).is_integer() else 2)


def _day(iso: str | None) -> str:
    return dutch_date(date.fromisoformat(iso)) if iso else "–"


def _assets(items: list[dict]) -> str:
    if not items:
        return '<p class="small">Nog niets gekoppeld uit de Bewonerskaart.</p>'
    lis = "".join(f'<li><b>{_e(a["name"])}</b> <span class="cat">{_e(CATEGORIES.get(a["category"], ""))}</span></li>'
                  for a in items)
    return f'<ul class="have">{lis}</ul>'


def _why(ids: list[str], notes: Mapping[str, dict]) -> str:
    found = [notes[i] for i in ids if i in notes]
    if not found:
        return ""
    lis = "".join(f'<li><span class="kind {n["kind"]}">{_e(model.KINDS[n["kind"]])}</span> '
                  f'“{_e(n["text"])}” <span class="cat">({_e(_day(n["conversation_date"]))})</span></li>'
                  for n in found)
    return f'<h3>Waarom</h3><ul class="why">{lis}</ul>'


def _margin(b: dict) -> str:
    if b.get("lower") is None or b.get("upper") is None:
        return "geen marge bekend"
    d = indicator_decimals(b.get("indicator_id"))
    return f'{fmt_value(b["lower"], b["unit"], d)} tot {fmt_value(b["upper"], b["unit"], d)}'


def _figures(priority: dict, follow: Mapping[tuple[str, str], FollowUp]) -> str:
    rows = []
    for b in priority.get("indicators") or []:
        f = follow.get((priority["id"], b["indicator_id"]))
        tag = ' <span class="tag">geschat</span>' if b.get("modelled") else ""
        notes = "".join(f'<div class="note">{_e(n)}</div>' for n in (f.notes if f else ()) if not n.startswith("Geschat"))
        rows.append(
            f'<tr><th>{_e(b["label"])}{tag}</th>'
            f'<td><b>{_e(baseline_text(b))}</b> ({_e(b["period"])})<div class="src">'
            f'{_e(b["table_id"])} · indeling {_e(b["boundary_year"])} · {_e(_margin(b))} · vastgelegd '
            f'{_e(_day(b.get("frozen_on")))}</div></td>'
            f'<td>{_e(f.latest_text if f else "–")}</td>'
            f'<td><b>{_e(f.status if f else "")}</b>{notes}</td></tr>')
    if not rows:
        return ""
    return ('<h3>Cijfers die we volgen</h3><table class="follow"><thead><tr><th>Cijfer</th><th>Beginpunt</th>'
            f'<th>Nu</th><th>Verschil</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _budget(priority: dict) -> str:
    lines = priority.get("budget") or []
    if not lines:
        return ""
    rows = "".join(f'<tr><td>{_e(b["description"])}</td><td class="amt">{_e(euro(b["amount"]))}</td>'
                   f'<td>{_e(model.BUDGET_SOURCES.get(b["source"], ""))}</td>'
                   f'<td>{_e(model.BUDGET_STATUSES.get(b["status"], ""))}</td></tr>' for b in lines)
    total = f'<tr class="total"><td>Totaal</td><td class="amt">{_e(euro(model.budget_total(priority)))}</td>' \
            '<td></td><td></td></tr>'
    return ('<h3>Budget</h3><table class="budget"><thead><tr><th>Waarvoor</th><th>Bedrag</th><th>Bron</th>'
            f'<th>Status</th></tr></thead><tbody>{rows}{total}</tbody></table>')


def _reviews(priority: dict, shown: int) -> str:
    reviews = sorted(priority.get("reviews") or [], key=lambda r: r["date"], reverse=True)
    if not reviews:
        return ""
    items = "".join(f'<li><b>{_e(_day(r["date"]))}</b>'
                    f'{"<br>Gedaan: " + _e(r["done"]) if r.get("done") else ""}'
                    f'{"<br>Geleerd: " + _e(r["learned"]) if r.get("learned") else ""}</li>' for r in reviews[:shown])
    more = f'<p class="small">En {model.counted(len(reviews) - shown, "eerdere terugblik", "eerdere terugblikken")} ' \
        'in de app.</p>' \
        if len(reviews) > shown else ""
    return f'<h3>Terugblik: wat hebben we gedaan, wat hebben we geleerd?</h3><ul class="reviews">{items}</ul>{more}'


def _priority(number: int, p: dict, notes: Mapping[str, dict], follow: Mapping, reviews_shown: int,
              noun: str = "buurt") -> str:
    orgs = ", ".join(p.get("organisations") or []) or "nog niemand genoemd"
    return (f'<section class="prio"><h2><span class="no">{number}</span> {_e(p["title"])}</h2>'
            f'<div class="grid"><div><h3>Wat de {noun} al heeft</h3>{_assets(p.get("assets") or [])}</div>'
            f'<div>{_why(p.get("why") or [], notes)}<h3>Wie werkt eraan</h3><p>{_e(orgs)}</p>'
            f'<p><b>Volgende terugblik:</b> {_e(_day(p.get("next_review")))}</p></div></div>'
            f'{_figures(p, follow)}{_budget(p)}{_reviews(p, reviews_shown)}</section>')


def _conversations(conversations: list[dict]) -> str:
    if not conversations:
        return ""
    lines = "".join(f'<li>{_e(_day(c["date"]))}: {_e(c["organiser"])}, '
                    f'{_e(model.counted(c["participants"], "deelnemer", "deelnemers"))}</li>' for c in conversations)
    themes = sorted((t for c in conversations for t in c.get("themes") or []), key=lambda t: -(t["votes"] or 0))
    chips = "".join(f'<span class="theme">{_e(t["title"])} <b>{_e(fmt_number(t["votes"] or 0))}</b></span>'
                    for t in themes[:12])
    chips_html = f'<p class="themes"><b>Stippen geplakt:</b> {chips}</p>' if chips else ""
    return f'<section class="box"><h2>Waar deze agenda vandaan komt</h2><ul>{lines}</ul>{chips_html}</section>'


def _sources(agenda: dict) -> str:
    tables = sorted({(b["table_id"], b["period"], b["boundary_year"]) for p in agenda["priorities"]
                     for b in p.get("indicators") or []})
    if not tables:
        return ""
    lines = "; ".join(f"{t} ({period}, indeling {year})" for t, period, year in tables)
    return (f'<footer class="srcs">Cijfers: {_e(lines)}. {_e(attributions({t for t, _, _ in tables}))}. '
            '‘Geen duidelijk verschil’: het verschil valt binnen de marges. Een cijfer op een andere buurtindeling '
            'kan over een ander gebied gaan.</footer>')


def attributions(table_ids: set[str]) -> str:
    """'Bron: CBS; Bron: RIVM, CBS — CC BY 4.0' for these tables (a combined id such as 47022NED+85984NED names
    both); a source under other terms than CC BY 4.0 (the Kiesraad counts) names its own."""
    from pipelines.catalogue import load_catalogue

    tables = load_catalogue().tables
    found = {(tables[part].attribution, tables[part].licence) for t in table_ids for part in t.split("+")
             if part in tables} or {("Bron: CBS", "CC BY 4.0")}
    cc_by = sorted({a for a, licence in found if licence.startswith("CC BY")})
    others = sorted({(a, licence) for a, licence in found if not licence.startswith("CC BY")})
    return "; ".join(([f"{'; '.join(cc_by)} — CC BY 4.0"] if cc_by else [])
                     + [f"{a} — geen CC BY-licentie ({licence})" for a, licence in others])


def render_agenda(agenda: dict, conversations: list[dict], follow: Mapping[tuple[str, str], FollowUp], *,
                  today: date, density: int = 0) -> Printed:
    """The agenda as one HTML document; density 1 and 2 show fewer reviews and use tighter type."""
    notes = model.note_index(conversations)
    shown = REVIEWS_SHOWN[min(density, 2)]
    title = f"Wijkagenda {agenda.get('region_name') or agenda['region']}"
    prios = "".join(_priority(i, p, notes, follow, shown, model.noun(agenda["region"]))
                    for i, p in enumerate(agenda["priorities"], start=1))
    if not prios:
        prios = '<p>Er staan nog geen prioriteiten op deze agenda.</p>'
    header = (f'<header><p class="kicker">Wijkagenda</p><h1>{_e(agenda["title"])}</h1>'
              f'<p class="meta">{_e(_place(agenda))} · gemaakt '
              f'{_e(_day(agenda["created"]))} · afgedrukt {_e(dutch_date(today))} · '
              f'{model.counted(len(agenda["priorities"]), "prioriteit", "prioriteiten")}</p></header>')
    body = header + _conversations(conversations) + prios + _sources(agenda)
    html = (f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f'<style>{PACK_CSS}{CSS}</style></head><body class="{"tight" if density >= 2 else "normal"}">'
            f'<main class="pack">{body}</main></body></html>')
    return Printed(html, title, agenda["region"])


def _place(agenda: dict) -> str:
    """'De Purmer (gedeeltelijk) (BU08520010)': the name with its code, as the page's heading has it; a name alone
    does not say which area (30 pairs of buurten share one name) and a printed agenda travels without the app."""
    name, code = agenda.get("region_name"), agenda["region"]
    return f"{name} ({code})" if name and name != code else code


CSS = """
.prio { border-left: 2.2mm solid #2f7a5a; padding-left: 4mm; break-inside: auto; }
.prio h2 { color: #17382b; } .no { display: inline-block; min-width: 7mm; color: #2f7a5a; }
.prio h3 { font-size: 10pt; margin: 2mm 0 0.8mm; color: #225c43; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 5mm; break-inside: avoid; page-break-inside: avoid; }
ul.have, ul.why, ul.reviews { margin: 0; padding-left: 4.5mm; font-size: 9.5pt; }
ul.have li, ul.why li, ul.reviews li { break-inside: avoid; page-break-inside: avoid; margin-bottom: 0.6mm; }
.kind { font-size: 8pt; border-radius: 1.5mm; padding: 0 1.2mm; border: 1px solid #b9c0b6; }
.kind.klopt { background: #eaf4ee; } .kind.mist { background: #fdf1e3; } .kind.idee { background: #edf1f7; }
table.follow, table.budget { width: 100%; border-collapse: collapse; font-size: 9pt; margin-top: 0.5mm; }
table.follow th, table.follow td, table.budget th, table.budget td { text-align: left; vertical-align: top;
   padding: 0.6mm 2mm 0.6mm 0; border-top: 1px solid #e3e6e1; }
table.follow thead th, table.budget thead th { font-weight: bold; border-top: none; color: #4d5751; }
table.follow tbody th { font-weight: normal; width: 32%; }
table.follow tr, table.budget tr { break-inside: avoid; page-break-inside: avoid; }
.src, .note { font-size: 7.8pt; color: #4d5751; } .note { margin-top: 0.5mm; }
td.amt { white-space: nowrap; text-align: right; padding-right: 4mm; } tr.total td { font-weight: bold; }
.themes .theme { display: inline-block; border: 1px solid #cfd4cc; border-radius: 2mm; padding: 0 1.5mm;
   margin: 0 1mm 1mm 0; font-size: 9pt; }
footer.srcs { font-size: 8pt; color: #333; border-top: 1px solid #cfd4cc; padding-top: 2mm; margin-top: 3mm; }
body.normal h1 { font-size: 21pt; }
"""


def agenda_pdf(agenda: dict, conversations: list[dict], follow: Mapping, *, today: date,
               chromium: str | None = None) -> tuple[Printed, bytes, int]:
    """render_agenda + html_to_pdf, denser step by step until it fits MAX_PAGES A4 pages (as pack_pdf does):
    (printed, pdf, its number of pages, which can still be more than MAX_PAGES at the densest step).

    Raises dashboard.gesprekskaart.PdfUnavailable (a Dutch message) when no PDF can be made."""
    from dashboard.gesprekskaart.pdf import html_to_pdf, page_count

    for density in DENSITIES:
        printed = render_agenda(agenda, conversations, follow, today=today, density=density)
        pdf = html_to_pdf(printed.html, chromium=chromium)
        pages = page_count(pdf)
        if pages <= MAX_PAGES:
            break
    return printed, pdf, pages
