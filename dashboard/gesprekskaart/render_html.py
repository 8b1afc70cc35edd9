"""The gesprekskaart as one self-contained HTML page for A4 print: inline CSS and SVG, no scripts, no outside files.

Every piece of text is escaped here (`_e`), whether it came from the catalogue, the database or a resident.
The only outside address in the page is the link back to the live profile (and the same link in the QR code).
"""
from __future__ import annotations

import html

import qrcode
import qrcode.constants

from dashboard.core.counts import count_text

from .pack_parts import Figure, LensSection, PackContent
from .wording import fmt
from .minimap import CAPTION

LEVEL_WORD = {"buurt": "Buurt", "wijk": "Wijk", "gemeente": "Gemeente", "land": "Land"}
NOTE_LINES = 7
LINE = '<div class="line"></div>'
COLOURS = {"asset": ("#2f7a5a", "#eaf4ee"), "problem": ("#3d5f86", "#edf1f7")}


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def qr_svg(url: str, size_mm: float = 26) -> str:
    """The URL as a QR code drawn with one SVG path (modules of the qrcode matrix, quiet zone included)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    d = "".join(f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    return (f'<svg class="qr" viewBox="0 0 {n} {n}" width="{size_mm}mm" height="{size_mm}mm" role="img" '
            f'aria-label="QR-code naar het profiel" shape-rendering="crispEdges">'
            f'<rect width="{n}" height="{n}" fill="#fff"/><path d="{d}" fill="#000"/></svg>')


def bar_svg(fig: Figure, lens: str, width: int = 150, height: int = 30) -> str:
    """A bar for the figure with a solid mark for the gemeente and a dashed mark for Nederland."""
    refs = [v for v in (fig.gemeente_value, fig.nl_value) if v is not None]
    top = 100.0 if fig.unit == "%" else max([fig.value, *refs, 1e-9]) * 1.15
    x = lambda v: round(max(0.0, min(1.0, v / top)) * (width - 4) + 2, 1)  # noqa: E731
    colour, _ = COLOURS[lens]
    parts = [f'<rect x="2" y="10" width="{width - 4}" height="10" rx="5" fill="#e6e9e4"/>',
             f'<rect x="2" y="10" width="{max(x(fig.value) - 2, 2)}" height="10" rx="5" fill="{colour}"/>']
    if fig.gemeente_value is not None and fig.gemeente_value != fig.value:
        parts.append(f'<line x1="{x(fig.gemeente_value)}" y1="4" x2="{x(fig.gemeente_value)}" y2="26" '
                     'stroke="#222" stroke-width="2"/>')
    if fig.nl_value is not None:
        parts.append(f'<line x1="{x(fig.nl_value)}" y1="4" x2="{x(fig.nl_value)}" y2="26" stroke="#222" '
                     'stroke-width="1.6" stroke-dasharray="2.5 2"/>')
    return (f'<svg class="bar" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'aria-hidden="true">{"".join(parts)}</svg>')


def _legend(region_level: str, gemeente: str | None, lens: str) -> str:
    colour, _ = COLOURS[lens]
    items = [f'<svg width="22" height="10" aria-hidden="true"><rect width="22" height="10" rx="5" fill="{colour}"/>'
             f'</svg> deze {region_level}']
    if region_level not in ("gemeente", "land") and gemeente:
        items.append('<svg width="6" height="14" aria-hidden="true"><line x1="3" y1="0" x2="3" y2="14" '
                     f'stroke="#222" stroke-width="2"/></svg> heel {_e(gemeente)}')
    items.append('<svg width="6" height="14" aria-hidden="true"><line x1="3" y1="0" x2="3" y2="14" stroke="#222" '
                 'stroke-width="1.6" stroke-dasharray="2.5 2"/></svg> Nederland')
    return f'<p class="legend">{"".join(f"<span>{i}</span>" for i in items)}</p>'


def _value(fig: Figure) -> str:
    tag = ' <span class="tag">geschat</span>' if fig.modelled else ""
    # '13,2' big, 'per 1 000 inwoners' small under it; a rounded 0 '0 tot 15 per 1 000 inwoners' and what it means (figures.headline)
    note = f'<span class="unit">{_e(fig.headline_note)}</span>' if fig.headline_note else ""
    return f'<div class="val">{_e(fig.headline or fig.value_text)}{note}{tag}</div>'


def _figure(fig: Figure, lens: str) -> str:
    return (f'<div class="fig"><div class="num">{_value(fig)}{bar_svg(fig, lens)}</div><div class="txt">'
            f'<h3>{_e(fig.label)}</h3><p>{_e(fig.description)} <span class="cmp">{_e(fig.comparison)}</span></p>'
            '</div></div>')


def _short_comparison(fig: Figure, gemeente: str | None, level: str) -> str:
    parts = []
    if fig.gemeente_value is not None and level not in ("gemeente", "land"):
        parts.append(f"{gemeente or 'gemeente'}: {fig.gemeente_text or fmt(fig.gemeente_value, fig.unit)}")
    if fig.nl_value is not None and level != "land":
        parts.append(f"Nederland: {fig.nl_text or fmt(fig.nl_value, fig.unit)}")
    return " · ".join(parts)


def _missing(section: LensSection, noun: str) -> str:
    if not section.missing:
        return ""
    by_reason: dict[str, list[str]] = {}
    for label, reason in section.missing:
        by_reason.setdefault(reason, []).append(label)
    text = "; ".join(f"{_and(labels)} ({reason})" for reason, labels in by_reason.items())
    return f'<p class="missing"><b>Niet beschikbaar voor deze {_e(noun)}:</b> {_e(text)}.</p>'


def _lens(section: LensSection, lens: str, content: PackContent) -> str:
    region = content.region
    figures = [_figure(f, lens) for f in section.figures] or [""]
    legend = _legend(region.noun, region.gemeente_name, lens) if section.figures else ""
    others = ""
    if section.others:
        trs = "".join(f'<tr><th scope="row">{_e(f.label)}</th><td class="num">{_e(f.value_text)}'
                      f'{" <span class=tag>geschat</span>" if f.modelled else ""}</td>'
                      f'<td class="ref">{_e(_short_comparison(f, region.gemeente_name, region.level))}</td></tr>'
                      for f in section.others)
        others = (f'<table class="others"><caption>Meer over wat deze {_e(region.noun)} heeft</caption>'
                  f'<tbody>{trs}</tbody></table>')
    # The heading, intro and first figure move to the next page together: no heading alone at a page end.
    head = (f'<div class="keep"><h2>{_e(section.heading)}</h2><div class="leadrow"><p class="lead">'
            f'{_e(section.intro)}</p>{legend}</div>{figures[0]}</div>')
    return (f'<section class="lens {lens}">{head}{"".join(figures[1:])}{others}{_missing(section, region.noun)}'
            '</section>')


def _residents(content: PackContent) -> str:
    if not content.resident_assets:
        return ""
    cards = "".join(f'<li><b>{_e(a.name)}</b>{f" <span class=cat>{_e(a.category)}</span>" if a.category else ""}'
                    f'{f"<br>{_e(a.description)}" if a.description else ""}</li>' for a in content.resident_assets)
    more = (f'<p class="small">En nog {content.resident_assets_more} andere, zie het profiel online.</p>'
            if content.resident_assets_more else "")
    return (f'<section class="box residents"><h2>Wat bewoners zelf noemen</h2>'
            f'<p class="small">Plekken, mensen en clubs die bewoners hebben genoemd. Niet gecontroleerd.</p>'
            f'<ul class="cards">{cards}</ul>{more}</section>')


def _deviations(content: PackContent) -> str:
    if not content.deviations:
        return ""
    items = "".join(f"<p><b>{_e(d.label)}.</b> {_e(d.sentence)}</p>" for d in content.deviations)
    return (f'<section class="box deviance"><h2>Beter dan verwacht</h2>{items}'
            f'<p class="small">{_e(content.region.plural.capitalize())} die lijken op deze {_e(content.region.noun)}'
            f' scoren hier meestal minder. Wat doet deze {_e(content.region.noun)} anders?</p></section>')


def _peers(content: PackContent) -> str:
    peers = content.peers
    if not peers:
        return ""
    lines = "".join(f"<li>{_e(c)}</li>" for c in peers.comparison)
    plural = content.region.plural
    return (f'<section class="box peers"><h2>Vergelijkbare {_e(plural)}</h2>'
            f'<p>Deze {_e(plural)} lijken in de cijfers op {_e(content.region.name)}: {_e(_and(list(peers.names)))}. '
            f'Wat kunnen jullie van elkaar leren?</p>{f"<ul>{lines}</ul>" if lines else ""}</section>')


def _talk(content: PackContent) -> str:
    """The prompts of both lenses beside lined space for notes, so residents write next to the questions."""
    prompts = "".join(
        f'<div class="prompts {lens}"><h3>{title}</h3><ol>{"".join(f"<li>{_e(p)}</li>" for p in content.prompts[lens])}'
        f'</ol></div>' for lens, title in (("asset", "Over wat er al is"), ("problem", "Over zorgen")))
    return (f'<section class="talk"><div class="ask"><h2>Om over te praten</h2>{prompts}</div>'
            f'<div class="notes"><h2>Wat klopt? Wat mist?</h2><p class="small">Schrijf op wat jij ziet in de '
            f'{_e(content.region.noun)}. Wat herken je? Wat staat er niet in?</p><div class="lines">{LINE * NOTE_LINES}</div></div></section>')


def _no_figures(content: PackContent) -> str:
    """No figure on the pack at all (a buurt new since the sources' year, De Velden BU01602810): say so and why,
    instead of a source and licence line above an empty table."""
    noun = _e(content.region.noun)
    why = (" Bij ‘Niet beschikbaar’ hierboven staat per onderwerp waarom." if any(
        s.missing for s in (content.strengths, content.concerns)) else "")
    return (f'<p>Er staan op deze kaart geen cijfers over deze {noun}: de bronnen (CBS en RIVM) hebben voor deze '
            f'{noun} geen cijfer.{why} Daarom staat hier geen bron of jaar. Het profiel online laat cijfers van de '
            'wijk en de gemeente zien.</p>')


def _sources(content: PackContent) -> str:
    """Per group of figures: period, boundary year, 'geschat' and the source table; then licence and QR."""
    rows = "".join(
        f'<tr><td>{_e(_and(list(g.labels)))}{" <span class=tag>geschat</span>" if g.modelled else ""}</td>'
        f'<td>{_e(g.period)}</td><td>{_e(g.boundary_year or "")}</td>'
        f'<td>{_e(g.attribution.removeprefix("Bron: "))} · {_e(g.table_id)}</td></tr>' for g in content.sources)
    table = (f'<table class="src"><thead><tr><th>Cijfers</th><th>Jaar</th><th>Indeling</th><th>Bron · tabel</th></tr>'
             f'</thead><tbody>{rows}</tbody></table>') if rows else ""
    # CC BY 4.0 is said only of the sources that have it; any other source names its own terms (the Kiesraad counts)
    cc_by = [g for g in content.sources if g.licence.startswith("CC BY")]
    attributions = sorted({g.attribution for g in cc_by if g.attribution}) or ["Bron: CBS"]
    assumed = any("aangenomen" in g.licence for g in cc_by)
    licence = "CC BY 4.0" + (" (voor RIVM-cijfers aangenomen: open data bij CBS)" if assumed else "")
    others = "".join(f" {_e(attribution)}: geen CC BY-licentie ({_e(terms)})."
                     for attribution, terms in sorted({(g.attribution or "Bron: onbekend", g.licence)
                                                       for g in content.sources if g not in cc_by}))
    geschat = (" <b>Geschat</b>: RIVM rekent de Gezondheidsmonitor met een model om naar elke buurt. Dat is een "
               "schatting, geen telling." if any(g.modelled for g in content.sources) else "")
    url = _e(content.profile_url)
    # one 'Bron:' for all of them, as the sidebar says it ('Bron: CBS · Bron: RIVM, CBS' repeated the word)
    named = "Bron: " + "; ".join(a.removeprefix("Bron: ") for a in attributions)
    text = (f'<p>{_e(named)}. Licentie {_e(licence)}: delen mag, met bronvermelding.{others} '
            f'Indeling: de buurtgrenzen van dat jaar.{geschat}</p>{table}') if content.sources else _no_figures(content)
    return (f'<section class="sources"><div class="srctext"><h2>Over deze cijfers</h2>{text}</div>'
            f'<div class="qrbox">{qr_svg(content.profile_url, 24)}<p>Scan voor het hele profiel:<br>'
            f'<a href="{url}">{url.replace("?", "<wbr>?")}</a></p></div></section>')   # may break at '?'


def _header(content: PackContent, map_svg: str) -> str:
    r = content.region
    wijk = r.wijk_name if (r.wijk_name or "").lower().startswith("wijk") else f"de wijk {r.wijk_name}"
    where = {"buurt": f"Buurt in {wijk}, gemeente {r.gemeente_name}" if r.wijk_name
             else f"Buurt in de gemeente {r.gemeente_name}",
             "wijk": f"Wijk in de gemeente {r.gemeente_name}"}.get(r.level, LEVEL_WORD.get(r.level, r.level))
    people = f" · {count_text(r.inwoners, 'inwoners', r.level)} inwoners" if r.inwoners else ""
    figure = (f'<figure class="map">{map_svg}<figcaption>{_e(r.name)} in groen. {CAPTION}</figcaption></figure>'
              if map_svg else f'<figure class="map empty"><figcaption>Geen kaart beschikbaar. {CAPTION}'
                              '</figcaption></figure>')
    return (f'<header class="top"><div class="title"><p class="kicker">Gesprekskaart · wijk in beeld</p>'
            f'<h1>{_e(r.name)}</h1><p class="meta">{_e(where)}{_e(people)}<br>Gemaakt op {_e(content.date_text)}'
            f'</p><p class="intro">Deze kaart begint bij wat de {_e(r.noun)} al heeft. De cijfers komen van CBS en '
            f'RIVM. Cijfers vertellen niet alles: jij kent de {_e(r.noun)}. Wat klopt er? Wat mist er?</p></div>'
            f'{figure}</header>')


def render_html(content: PackContent, *, map_svg: str = "", title: str | None = None, tight: bool = False,
                tightest: bool = False) -> str:
    """The whole pack as one HTML document (UTF-8 text); `tight` uses slightly smaller type and spacing,
    `tightest` (with `tight`) smaller still, for the fullest packs (every optional section and long prompts)."""
    body = "".join([
        _header(content, map_svg), _lens(content.strengths, "asset", content), _residents(content),
        _deviations(content), _lens(content.concerns, "problem", content), _peers(content), _talk(content),
        _sources(content)])
    return (f'<!doctype html><html lang="nl"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{_e(title or "Gesprekskaart " + content.region.name)}</title><style>{CSS}</style></head>'
            f'<body class="{("tight tightest" if tightest else "tight") if tight else "normal"}"><main class="pack">{body}</main></body></html>')


CSS = """
@page { size: A4; margin: 12mm 14mm 12mm 14mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: #1f2a24; background: #fff;
       font: 10.5pt/1.4 "Liberation Sans", Arial, "Helvetica Neue", "DejaVu Sans", sans-serif; }
.pack { max-width: 180mm; margin: 0 auto; overflow-wrap: break-word; }  /* a long word or link wraps, never widens the page */
@media screen { .pack { padding: 12mm 0; } }
h1 { font-size: 24pt; line-height: 1.1; margin: 1mm 0 2mm; color: #17382b; }
h2 { font-size: 14.5pt; margin: 0 0 1.5mm; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 0; }
p { margin: 0 0 1.5mm; }
.small, .legend, figcaption { font-size: 9pt; color: #4d5751; }
.missing { font-size: 8.5pt; color: #4d5751; line-height: 1.3; margin-top: 1mm; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 8.5pt; color: #2f7a5a; font-weight: bold;
          margin: 0; }
.top { display: flex; gap: 6mm; align-items: flex-start; margin-bottom: 4mm; }
.title { flex: 1; }
.meta { color: #4d5751; }
.intro { font-size: 11pt; margin-top: 2.5mm; }
.map { margin: 0; width: 48mm; flex: none; }
.map svg { width: 48mm; height: auto; display: block; border: 1px solid #d9ddd6; border-radius: 2mm; }
.map.empty { height: 30mm; border: 1px dashed #c8cdc5; border-radius: 2mm; padding: 3mm; }
figcaption { margin-top: 1mm; }
section { margin: 0 0 3.5mm; }
.lens { border-left: 2.2mm solid; padding: 0 0 0 4mm; }
.lens.asset { border-color: #2f7a5a; } .lens.asset h2 { color: #225c43; }
.lens.problem { border-color: #3d5f86; } .lens.problem h2 { color: #2f4b6c; }
.leadrow { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 5mm; margin-bottom: 1mm; }
.lead { font-size: 10.5pt; flex: 1 1 90mm; margin: 0; } .legend { margin: 0; flex: none; }
.legend span { margin-right: 4mm; white-space: nowrap; } .legend svg { vertical-align: middle; }
.fig { display: grid; grid-template-columns: 35mm 1fr; gap: 3mm; align-items: center; padding: 1.2mm 0;
       border-top: 1px solid #e3e6e1; break-inside: avoid; page-break-inside: avoid; }
.val { font-size: 17pt; font-weight: bold; line-height: 1.1; }
.lens.asset .val { color: #225c43; } .lens.problem .val { color: #2f4b6c; }
.tag { display: inline-block; font-size: 7.5pt; font-weight: normal; color: #4d5751; border: 1px solid #b9c0b6;
       border-radius: 1.5mm; padding: 0 1.2mm; margin-left: 1mm; vertical-align: middle; line-height: 1.4; }
.val .unit { display: block; font-size: 8.5pt; font-weight: normal; color: #4d5751; }
.num svg { width: 32mm; height: auto; display: block; margin-top: 1mm; }
.txt p { margin: 0.3mm 0 0; font-size: 9.5pt; color: #3c4640; } .txt .cmp { color: #1f2a24; }
table.others { width: 100%; border-collapse: collapse; margin: 2mm 0 1.5mm; font-size: 9.5pt; }
table.others caption { text-align: left; font-weight: bold; font-size: 10.5pt; padding-bottom: 1mm; }
table.others tr { break-inside: avoid; page-break-inside: avoid; border-top: 1px solid #e3e6e1; }
table.others th { text-align: left; font-weight: normal; padding: 0.5mm 2mm 0.5mm 0; }
table.others td { padding: 0.5mm 2mm 0.5mm 0; white-space: nowrap; } td.num { font-weight: bold; }
td.ref { color: #4d5751; white-space: normal; }
.box { background: #f6f7f3; border-radius: 2.5mm; padding: 2.5mm 4mm 1.5mm; }
.box li, .box p, .keep { break-inside: avoid; page-break-inside: avoid; }
.box h2 { font-size: 12.5pt; margin-bottom: 1mm; } .box ul { margin: 1mm 0 1mm; padding-left: 5mm; }
.residents .cards { list-style: none; padding: 0; display: grid; grid-template-columns: 1fr 1fr 1fr;
                    gap: 1.5mm 4mm; font-size: 9.5pt; line-height: 1.3; }
.cat { font-size: 8.5pt; color: #4d5751; }
.talk { display: grid; grid-template-columns: 3fr 2fr; gap: 6mm; break-inside: avoid; page-break-inside: avoid; }
.prompts { border-top: 1.2mm solid; padding-top: 1.2mm; margin-bottom: 3mm; }
.prompts.asset { border-color: #2f7a5a; } .prompts.problem { border-color: #3d5f86; }
.talk ol { margin: 1mm 0 0; padding-left: 5mm; } .talk li { margin-bottom: 0.8mm; }
.notes { border: 1px solid #cfd4cc; border-radius: 2.5mm; padding: 3mm 4mm 4mm; display: flex; flex-direction: column; }
.notes .lines { flex: 1; display: flex; flex-direction: column; }
.notes .line { flex: 1 0 7.5mm; border-bottom: 1px solid #9aa39c; }  /* lines spread to fill the box */
.sources { display: flex; gap: 5mm; font-size: 8pt; line-height: 1.3; color: #333; border-top: 1px solid #cfd4cc; padding-top: 2mm;
           break-inside: avoid; page-break-inside: avoid; }
.sources h2 { font-size: 11pt; } .srctext { flex: 1; }
table.src { width: 100%; border-collapse: collapse; margin-top: 1mm; }
table.src th { text-align: left; font-weight: bold; border-bottom: 1px solid #cfd4cc; padding: 0.3mm 2mm 0.3mm 0; }
table.src td { vertical-align: top; padding: 0.4mm 2mm 0.4mm 0; border-bottom: 1px solid #eceee9; }
table.src td:nth-child(2), table.src td:nth-child(3) { white-space: nowrap; }
.qrbox { width: 34mm; flex: none; text-align: center; } .qrbox p { font-size: 8pt; } .qrbox a { overflow-wrap: anywhere; }  /* the link breaks at its query, else anywhere; break-all cut '?regi|o=' */
a { color: #225c43; }
body.tight { font-size: 10pt; } .tight h1 { font-size: 21pt; } .tight h2 { font-size: 13.5pt; }
.tight .intro, .tight .lead { font-size: 10pt; } .tight .fig { padding: 0.8mm 0; }
.tight section { margin-bottom: 3mm; } .tight table.others { font-size: 9pt; } .tight .val { font-size: 15pt; }
.tight .map, .tight .map svg { width: 42mm; } .tight .notes .line { flex-basis: 6.5mm; }
.tight .txt p { font-size: 8.5pt; } .tight .sources { font-size: 7.5pt; padding-top: 1mm; }
.tightest { font-size: 9.5pt; } .tightest section { margin-bottom: 2mm; } .tightest .fig { padding: 0.4mm 0; }
.tightest .notes .line { flex-basis: 5.5mm; } .tightest .txt p { font-size: 8pt; } .tightest .sources { font-size: 7pt; }
.tight .qrbox { width: 26mm; } .tight .qrbox svg { width: 24mm; height: auto; } .tight .qrbox p { font-size: 7pt; }

"""
