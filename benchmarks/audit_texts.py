"""Audit every generated sentence against its own numbers, over a large sample of real regions.

    .venv/bin/python benchmarks/audit_texts.py [--build-dir DIR] [--seed N] [--buurten N] [--show K]

Builds, for every gemeente, the wijken of 20 random gemeenten, N random buurten (every buurt with fewer than 50
inwoners in the sample is kept, and at least 300 of them are drawn), every buurt that is new since the 2023
division, and Nederland, the texts the product writes from figures: the gesprekskaart's sections (heading,
intro, per figure its value, comparison and prompt) and the profile's summary. It then checks machine-checkable
contradictions, one class each, and prints per class how many regions and sentences fail, with K examples:

  ref_word       'hoger/lager/even hoog (als|dan) in X (v)': the word against the two numbers as shown
  pct_word       'Hoger dan in k van de 10 buurten' against the buurten surely below / above the figure
  summary_pct    'meer dan in X% van de buurten' against n_lower_sure / n_higher_sure
  strong_heading 'Waar deze … sterk in is' with a figure that no comparison places on the good side
  intro_rows     an intro 'geen … duidelijk hoger / springt niets uit' above a row worded clearly on that side,
                 or a standout figure under it
  pack_summary   the summary calls a figure a strength/concern the gesprekskaart says does not stand out, or
                 the reverse (same figure, same region)
  count_precise  a count CBS rounds (inwoners of buurten and wijken) written as an exact number off its rounding
  tiny_rate      a rate from rounded counts in a buurt of < 50 inwoners shown without 'ongeveer'/'0 tot'/'minder dan'
  bare_zero      a rounded 0 shown as '0' (it means 0 tot 4)
  missing_zero   a figure without a value written as 0
  geschat        a modelled figure whose value, prompt or summary sentence lacks 'geschat'
  plural         '1 buurten', '3 buurt' and the like
  raw_code       English words, raw ids (snake_case), None/nan or region codes in Dutch text
  punctuation    double spaces, doubled or loose punctuation

Uses the app's own code (dashboard.gesprekskaart.content, dashboard.profile.summary) on the built release; reads
only. Prints figures, changes nothing.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from dashboard.core import queries  # noqa: E402
from dashboard.core.format import as_number, is_rough, is_rounded_zero  # noqa: E402
from dashboard.gesprekskaart.build import _missing_status, _records, _region, catalogue_rows  # noqa: E402
from dashboard.gesprekskaart.content import pack_content  # noqa: E402
from dashboard.profile.summary import pick, summarize  # noqa: E402
from dashboard.profile.table import profile_table  # noqa: E402
from pipelines.catalogue import load_catalogue  # noqa: E402

CLASSES = ("ref_word", "pct_word", "summary_pct", "strong_heading", "intro_rows", "pack_summary", "count_precise",
           "tiny_rate", "bare_zero", "missing_zero", "geschat", "plural", "raw_code", "punctuation")
NUMBER = r"-?\d{1,3}(?:\.\d{3})*(?:,\d+)?"
REF = re.compile(rf"(?:(?P<word>ongeveer even hoog|even hoog|even ver|hoger|lager|verder weg|dichterbij|iets hoger|"
                 rf"iets lager|iets verder weg|iets dichterbij|door de afronding niet duidelijk anders) )?"
                 rf"(?:dan|als|en) in (?P<place>[^,.]+?) \((?P<ref>{NUMBER})(?:%| km)?\)", re.I)
PCT = re.compile(r"(?P<word>Hoger|Lager|Verder weg|Dichterbij) dan in (?P<k>\d+|bijna alle|alle)(?: van de 10)? ")
SUMMARY_PCT = re.compile(r"(?P<word>meer|minder|verder weg|dichterbij) dan in (?P<x>\d+)% van ")
PLURAL = re.compile(r"\b1 (buurten|wijken|gemeenten|onderwerpen|cijfers|plekken|regio's)\b|"
                    r"\b(?:[02-9]|\d{2,}) (buurt|wijk|gemeente|onderwerp|cijfer|plek)\b")
RAW = re.compile(r"\b(?:[a-z]+_[a-z0-9_]+|None|nan|NaN|True|False|null|suppressed|not_available|other_area|"
                 r"missing|value|the|and|higher|lower|unknown|(?:BU|WK|GM)\d{4,8})\b")
PUNCT = re.compile(r"  |\.\.(?!\.)|,,|\s[,.;:](?!\d)|\(\s|\s\)|;;|\.\s*\.|\(geschat\)\s*\(geschat\)")
NEGATIVE_INTRO = ("duidelijk hoger dan elders", "springt niets uit", "duidelijk gunstiger")
CONCERN_WORDS, GOOD_WORDS = {"hoger", "verder weg"}, {"lager", "dichterbij"}


def claims(fig) -> list[tuple[str, bool, int]]:
    """(kind 'ref'/'buurten', on the favourable side, k of 10 for buurten) of every clear word in a comparison."""
    up_good = fig.direction != "lower_is_better"
    out = []
    carry = None
    for m in REF.finditer(fig.comparison):   # a shared word: 'Hoger dan in heel X (1) en in Nederland (2)'
        word = (m.group("word") or carry or "").lower()
        carry = word
        if word in ("hoger", "lager", "verder weg", "dichterbij"):
            out.append(("ref", (word in ("hoger", "verder weg")) == up_good, 0))
    for m in PCT.finditer(fig.comparison):
        k = 10 if m.group("k") in ("bijna alle", "alle") else int(m.group("k"))
        out.append(("buurten", (m.group("word") in ("Hoger", "Verder weg")) == up_good, k))
    return out


def number(text: str) -> float | None:
    found = re.search(NUMBER, text.replace("\u2009", ""))
    return float(found.group(0).replace(".", "").replace(",", ".")) if found else None


def sample(con, rng: random.Random, n_buurten: int) -> list[tuple[str, str]]:
    regions = con.execute("select region_code, level, inwoners, gemeente_code from mart_regions").fetchdf()
    out = [("land", c) for c in regions.loc[regions.level == "land", "region_code"]]
    out += [("gemeente", c) for c in regions.loc[regions.level == "gemeente", "region_code"]]
    gemeenten = sorted(regions.loc[regions.level == "gemeente", "region_code"])
    for gm in rng.sample(gemeenten, 20):
        out += [("wijk", c) for c in regions.loc[(regions.level == "wijk") & (regions.gemeente_code == gm),
                                                  "region_code"]]
    buurten = regions[regions.level == "buurt"]
    tiny = sorted(buurten.loc[buurten.inwoners < 50, "region_code"])
    rest = sorted(buurten.loc[~(buurten.inwoners < 50), "region_code"])
    n_tiny = min(len(tiny), n_buurten // 2, max(300, n_buurten * len(tiny) // len(buurten)))
    out += [("buurt", c) for c in rng.sample(tiny, n_tiny) + rng.sample(rest, n_buurten - n_tiny)]
    new = con.execute("""select region_code from mart_regions r where level = 'buurt' and not exists
                         (select 1 from mart_indicator_series s where s.region_code = r.region_code
                          and s.boundary_year = 2023)""").fetchdf()["region_code"]
    out += [("buurt-nieuw", c) for c in new]
    return list(dict.fromkeys(out))


def texts_of(code: str, build_dir: Path, shared: dict, extras: bool = False) -> dict:
    """The region's pack content and summary; with `extras` (a buurt) also the optional sections the app adds
    ('beter dan verwacht' and the vergelijkbare buurten, as gesprekskaart.view makes them)."""
    region = _region(code, build_dir)
    raw = queries.profile(code, build_dir)
    profile = _records(raw)
    status = _missing_status(code, profile, build_dir)
    deviance = peers = None
    if extras and region.level == "buurt":
        from dashboard.gesprekskaart import view
        deviance, peers = view.deviance_for(code), view.peers_for(code, region.gemeente_name or "")
    content = pack_content(region, profile, list(catalogue_rows()), today=date(2026, 12, 2), profile_url="",
                           status=status, scoped_tables=shared["scoped"], deviance=deviance)
    if peers is not None:
        from dataclasses import replace
        from dashboard.gesprekskaart.build import _peer_section
        content = replace(content, peers=_peer_section(peers, content, build_dir))
    gm = "GM" + code[2:6] if region.level in ("buurt", "wijk") else None
    table = profile_table(raw, queries.map_status(code, build_dir),
                          queries.area_coverage(gm if gm else None, build_dir), shared["catalogue"],
                          shared["sources"], level=region.level,
                          gemeente_profile=queries.gemeente_values(gm, build_dir) if gm else None)
    paragraphs = summarize(table, region.level)
    cols = [c for c in table.columns]
    picked = pick([dict(zip(cols, r)) for r in table.itertuples(index=False)])
    return {"region": region, "content": content, "summary": paragraphs, "rows": profile, "picked": picked}


def audit(found: dict, record) -> None:
    region, content, rows = found["region"], found["content"], found["rows"]
    rounding = {c["indicator_id"]: c["rounding"] for c in catalogue_rows()}
    by_id = {r["indicator_id"]: {**r, "rounding": r.get("rounding", rounding.get(r["indicator_id"]))}
             for r in rows if r.get("is_default_group", True)}
    sections = {"asset": content.strengths, "problem": content.concerns}
    all_text: list[str] = []
    for lens, section in sections.items():
        all_text += [section.heading, section.intro]
        shown_claims = []
        for fig in (*section.figures, *section.others):
            row = by_id.get(fig.indicator_id, {})
            all_text += [fig.comparison, fig.value_text, fig.headline, fig.headline_note, fig.prompt or "",
                         fig.gemeente_text, fig.nl_text]
            shown = None if is_rough(row) or is_rounded_zero(row) else number(fig.value_text)
            words = []
            carry = None
            for m in REF.finditer(fig.comparison):
                word = (m.group("word") or carry or "").lower()
                carry = word
                ref = number(m.group("ref"))
                words.append(word)
                if shown is None or ref is None or "afronding" in word:
                    continue
                up = word.endswith(("hoger", "verder weg"))
                down = word.endswith(("lager", "dichterbij"))
                if (up and not shown > ref) or (down and not shown < ref) or \
                        (word in ("even hoog", "even ver") and shown != ref):
                    record("ref_word", fig.comparison + f" [shown {fig.value_text}]")
            for m in PCT.finditer(fig.comparison):
                n = as_number(row.get("n_total"))
                if not n:
                    continue
                below = 100 * (as_number(row.get("n_lower_sure")) or 0) / n
                above = 100 * (as_number(row.get("n_higher_sure")) or 0) / n
                k = 10 if m.group("k") in ("bijna alle", "alle") else int(m.group("k"))
                side = below if m.group("word") in ("Hoger", "Verder weg") else above
                if side < (95 if m.group("k") == "bijna alle" else 10 * k) - 1e-9:
                    record("pct_word", f"{fig.comparison} [surely below {below:.0f}%, above {above:.0f}%]")
            said = claims(fig)
            if fig in section.figures:
                shown_claims.append((fig, said))
            if fig.modelled and "geschat" not in (fig.prompt or "geschat"):
                record("geschat", f"{fig.label}: {fig.prompt}")
            if is_rounded_zero(row) and re.fullmatch(r"0(,0+)?%?(?! tot )( .*)?", fig.headline or fig.value_text):
                record("bare_zero", f"{fig.label}: {fig.headline or fig.value_text}")
            if (region.level in ("buurt", "wijk") and (region.inwoners or 0) < 50 and fig.unit.startswith("per ")
                    and not re.search("ongeveer|minder dan|0 tot |afgerond 0|te weinig|bij maar",
                                      f"{fig.value_text} {fig.headline} {fig.headline_note}")):
                record("tiny_rate", f"{fig.label}: {fig.headline} {fig.headline_note} ({region.inwoners:.0f} inwoners)")
        # what the intro claims about the rows: none (or every one) on the lens's side, of all comparisons
        # ('duidelijk hoger dan elders') or of the buurten from k of 10 ('gunstiger dan in 6 van de 10 buurten')
        side = "unfavourable" if lens == "problem" else "favourable"
        limit = re.search(r"(?:ongunstiger|gunstiger|meer) dan in (?:minstens )?(\d+) van de 10", section.intro)
        negative = any(t in section.intro for t in NEGATIVE_INTRO) or section.intro.startswith("Geen")
        for fig, said in shown_claims:
            on_side = [(kind, k) for kind, fav, k in said if fav == (side == "favourable")]
            if limit:
                on_side = [(kind, k) for kind, k in on_side if kind == "buurten" and k >= int(limit.group(1))]
            if negative and (on_side or fig.standout):
                record("intro_rows", f"{section.intro[:70]}… | {fig.label}: {fig.comparison}")
            if not negative and not on_side:
                record("strong_heading", f"{section.heading} / {section.intro[:60]}… | {fig.label}: "
                                         f"{fig.comparison!r}")
        for label, why in section.missing:
            all_text.append(f"{label}: {why}")
            if re.fullmatch(r"0(,0+)?", why.strip()):
                record("missing_zero", f"{label}: {why}")
    # the optional sections: a modelled figure says 'geschat' there too
    modelled = {i.label.lower() for i in load_catalogue().indicators if i.modelled}
    for dev in content.deviations:
        all_text.append(dev.sentence)
        if dev.label.lower() in modelled and dev.sentence and "geschat" not in dev.sentence:
            record("geschat", f"beter dan verwacht: {dev.label}: {dev.sentence}")
    for line in content.peers.comparison if content.peers else ():
        all_text.append(line)
        if line.split(":")[0].lower() in modelled and "geschat" not in line:
            record("geschat", f"vergelijkbare buurten: {line}")
    # the summary against its rows and against the gesprekskaart
    summary = " ".join(found["summary"])
    all_text += found["summary"]
    for m in SUMMARY_PCT.finditer(summary):
        pass   # checked per row below (the sentence does not say which row it is)
    picked = found["picked"]
    for key, lens in (("strengths", "asset"), ("concerns", "problem")):
        for r in picked[key]:
            n = as_number(r.get("n_total"))
            fav = r["favourable"] if key == "strengths" else r["unfavourable"]
            if n and fav < 50:
                record("summary_pct", f"{r['indicator_id']}: {fav:.0f}%")
            section = sections[lens]
            in_pack = {f.indicator_id: f for f in (*section.figures, *section.others)}
            fig = in_pack.get(r["indicator_id"])
            if fig is not None and not section.stand_out:
                record("pack_summary", f"summary {key[:-1]} {r['indicator_id']} ({fav:.0f}%) | pack: "
                                       f"{section.intro[:50]}…")
        if lens == "asset" and sections[lens].stand_out and not picked["strengths"] and not picked["best"]:
            record("pack_summary", f"pack strong in {[f.indicator_id for f in sections[lens].figures]} | summary: "
                                   "niets gunstig")
    for r in rows:
        if r.get("modelled") and r.get("is_default_group", True) and as_number(r.get("value")) is not None:
            label = str(r["label"])
            for para in found["summary"]:
                for sentence in re.split(r"(?<=\.)\s+(?=[A-Z*])", para):
                    pass
    for key in ("strengths", "concerns", "best"):
        for r in picked[key]:
            if r.get("modelled") and "geschat" not in summary:
                record("geschat", f"summary {r['indicator_id']}")
    # counts CBS rounds
    for text in all_text:
        if not text:
            continue
        for m in PLURAL.finditer(text):
            record("plural", text[max(0, m.start() - 30):m.end() + 20])
        for m in RAW.finditer(text):
            record("raw_code", f"{m.group(0)!r} in {text[max(0, m.start() - 40):m.end() + 20]}")
        for m in PUNCT.finditer(text):
            record("punctuation", repr(text[max(0, m.start() - 30):m.end() + 20]))
    inwoners = next((as_number(r.get("value")) for r in rows if r["indicator_id"] == "inwoners"), None)
    if region.level in ("buurt", "wijk") and inwoners is not None and inwoners < 50:
        for m in re.finditer(r"[^.]*van elke 1\.000 inwoners.*?\.(?=\s|$)", summary):
            if not re.search("ongeveer|minder dan|0 tot |afgerond 0|bij maar", m.group(0)):
                record("tiny_rate", f"summary: {m.group(0).strip()}")
    for m in re.finditer(rf"(?<![\d,.])({NUMBER}) inwoners\b", summary):
        value = number(m.group(1))
        if region.level in ("buurt", "wijk") and value is not None and value % 5 and "ongeveer" not in summary:
            record("count_precise", summary[max(0, m.start() - 40):m.end()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "data" / "build")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--buurten", type=int, default=2000)
    parser.add_argument("--show", type=int, default=3)
    parser.add_argument("--extras", type=int, default=300, help="buurten that also get the optional sections")
    parser.add_argument("--codes", nargs="*", help="audit only these regions (no sample)")
    args = parser.parse_args()
    import os
    os.environ["BUURTBALANS_BUILD_DIR"] = str(args.build_dir)   # the app's cached reads (optional sections)
    import duckdb
    from dashboard.core import db
    con = duckdb.connect(str(db.current_path(args.build_dir)), read_only=True)
    todo = ([(queries.regions(args.build_dir).set_index("region_code").at[c, "level"], c) for c in args.codes]
            if args.codes else sample(con, random.Random(args.seed), args.buurten))
    sources = queries.sources(args.build_dir)
    shared = {"scoped": {r.table_id: r.snapshot_scope for r in sources.itertuples()
                         if isinstance(getattr(r, "snapshot_scope", None), str)},
              "catalogue": queries.catalogue(args.build_dir), "sources": sources}
    regions_hit: dict[str, set] = defaultdict(set)
    hits: dict[str, int] = defaultdict(int)
    examples: dict[str, list] = defaultdict(list)
    kinds: dict[str, int] = defaultdict(int)
    extras = set([c for kind, c in todo if kind == "buurt"][-args.extras:])   # not the tiny ones: they have no peers
    for kind, code in todo:
        kinds[kind] += 1

        def record(cls: str, text: str, code=code) -> None:
            hits[cls] += 1
            regions_hit[cls].add(code)
            if len(examples[cls]) < args.show:
                examples[cls].append(f"{code}: {text}")
        audit(texts_of(code, args.build_dir, shared, code in extras), record)
    print("regions:", dict(kinds), "total", len(todo))
    print(f"{'class':16} {'regions':>8} {'texts':>8}")
    for cls in CLASSES:
        print(f"{cls:16} {len(regions_hit[cls]):8} {hits[cls]:8}")
    for cls in CLASSES:
        for e in examples[cls]:
            print(f"  [{cls}] {e}")


if __name__ == "__main__":
    main()
