"""Every generated sentence agrees with its numbers and with itself (benchmarks/audit_texts.py audits the same rules
over thousands of regions; these tests pin them on real regions of the release).

One rule decides "valt op" for the profile's summary and the gesprekskaart (format.STANDOUT_SHARE: more or less
favourable than at least 6 of 10 buurten, by the whole rounding interval); the comparison with the gemeente and
Nederland is worded by one rule (wording.comparison_sentence: 'hoger' only outside the rounding interval, the
estimate's margin and 2 %)."""
from __future__ import annotations

import math
import re
from datetime import date

import pytest

from dashboard.core import queries
from dashboard.core.format import STANDOUT_SHARE, favourable_shares, sure_shares
from dashboard.gesprekskaart.build import _records, _region, catalogue_rows
from dashboard.gesprekskaart.content import pack_content
from dashboard.gesprekskaart.wording import MODEL_MARGIN
from dashboard.profile import summary

pytestmark = pytest.mark.xdist_group("test_text_rules")   # one worker builds the module's packs once

NUMBER = r"-?\d{1,3}(?:\.\d{3})*(?:,\d+)?"
REF = re.compile(rf"(?:(?P<word>ongeveer even hoog|ongeveer even ver|even hoog|even ver|hoger|lager|verder weg|"
                 rf"dichterbij|door de afronding niet duidelijk anders) )?(?:dan|als|en) in (?P<place>[^,.]+?) "
                 rf"\((?P<ref>{NUMBER})(?:%| km)?\)", re.I)
PLACED = re.compile(r"(?P<word>Hoger|Lager|Verder weg|Dichterbij) dan in (?P<k>\d+ van de 10|bijna alle|alle) ")
UP = ("hoger", "verder weg")
CLEAR = ("hoger", "lager", "verder weg", "dichterbij")


def number(text: str) -> float:
    return float(re.search(NUMBER, text).group(0).replace(".", "").replace(",", "."))


def pack_of(code: str, build_dir):
    """(content, {indicator_id: profile row}) of a region's gesprekskaart, as make_pack builds it."""
    rows = _records(queries.profile(code, build_dir))
    content = pack_content(_region(code, build_dir), rows, list(catalogue_rows()), today=date(2026, 12, 2),
                           profile_url="")
    return content, {r["indicator_id"]: r for r in rows if r["is_default_group"]}


def reference_words(comparison: str) -> list[tuple[str, str, float]]:
    """(word, place, reference as shown) of every gemeente/Nederland comparison in a figure's sentence; a word
    shared by two places ('Hoger dan in heel X (1) en in Nederland (2)') is given to both."""
    out, carry = [], ""
    for m in REF.finditer(comparison):
        carry = (m.group("word") or carry).lower()
        out.append((carry, m.group("place"), number(m.group("ref"))))
    return out


def placed_claims(comparison: str) -> list[tuple[str, int]]:
    """('Hoger'|..., share claimed in %) of the 'k van de 10 buurten' sentence: k van de 10 = k0 %, bijna alle 95 %."""
    shares = {"alle": 100, "bijna alle": 95}
    return [(m.group("word"), shares[m.group("k")] if m.group("k") in shares else 10 * int(m.group("k").split()[0]))
            for m in PLACED.finditer(comparison)]


@pytest.fixture(scope="module")
def gemeenten(build_dir):
    """The gesprekskaart content of every third gemeente of the release and Tholen (GM0716: its pack said
    'Hoger dan in Nederland' for an estimate 0,7 point above it, under 'Geen van deze cijfers is hier duidelijk
    hoger dan elders')."""
    codes = sorted(queries.regions(build_dir).query("level == 'gemeente'")["region_code"])
    return {code: pack_of(code, build_dir) for code in dict.fromkeys([*codes[::3], "GM0716"])}


def test_a_reference_word_agrees_with_the_numbers_as_shown(gemeenten):
    """'hoger/lager' only when the figure as shown is higher/lower than the reference as shown, 'even hoog' only
    when both read the same; a modelled estimate (no margin in the source tables) is 'hoger/lager' than Nederland
    only beyond its stated margin (MODEL_MARGIN)."""
    checked = 0
    for code, (content, rows) in gemeenten.items():
        for fig in (*content.strengths.figures, *content.strengths.others, *content.concerns.figures):
            if not re.fullmatch(rf"{NUMBER}(%| km)?", fig.value_text):
                continue   # a rough or rounded-0 figure is compared by its interval ('door de afronding …')
            shown = number(fig.value_text)
            for word, place, ref in reference_words(fig.comparison):
                checked += 1
                assert not (word in UP and shown <= ref or word in ("lager", "dichterbij") and shown >= ref), \
                    (code, fig.label, fig.comparison, fig.value_text)
                assert word not in ("even hoog", "even ver") or shown == ref, (code, fig.label, fig.comparison)
                if fig.modelled and word in CLEAR:
                    assert abs(fig.value - (fig.nl_value if place == "Nederland" else fig.gemeente_value)) \
                        >= MODEL_MARGIN["gemeente"], (code, fig.label, fig.comparison)
    assert checked > 800


def test_the_intro_says_what_the_rows_say(gemeenten):
    """A section's intro names the rule that chose its figures, and no row contradicts it: under 'Geen … gunstiger
    (ongunstiger) dan in 6 van de 10 …' no row places the figure on that side of 6 of 10 buurten and no figure
    stands out; under 'Op deze punten … minstens 6 van de 10' every figure does. Both kinds occur."""
    seen = {"none": 0, "some": 0}
    for code, (content, _) in gemeenten.items():
        for section, favourable in ((content.strengths, True), (content.concerns, False)):
            claimed = re.search(r"(?:gunstiger|ongunstiger|meer) dan in (minstens )?(\d+) van de 10", section.intro)
            if not section.figures:
                continue
            assert claimed, (code, section.intro)
            limit = 10 * int(claimed.group(2))
            assert limit == STANDOUT_SHARE and bool(claimed.group(1)) == section.stand_out, (code, section.intro)
            for fig in section.figures:
                up_good = fig.direction != "lower_is_better"
                on_side = [share for word, share in placed_claims(fig.comparison)
                           if ((word.lower() in UP) == up_good) == favourable]
                if section.stand_out:
                    assert fig.standout and any(s >= limit for s in on_side), (code, section.intro, fig.comparison)
                else:
                    assert not fig.standout and not any(s >= limit for s in on_side), \
                        (code, section.intro, fig.comparison)
            seen["some" if section.stand_out else "none"] += 1
    assert seen["none"] and seen["some"], seen


@pytest.fixture(scope="module")
def buurten(build_dir):
    """150 buurten of the release, every 97th by code (tiny, renumbered and new ones among them)."""
    return sorted(queries.regions(build_dir).query("level == 'buurt'")["region_code"])[::97]


def test_k_of_10_buurten_is_literally_true(buurten, build_dir):
    """'Hoger dan in 7 van de 10 buurten' means at least 70 % of the buurten with a figure are surely lower
    (below the figure's whole rounding interval; ties are neither): the share is rounded down, never to the
    nearest ten (a buurt 'lager dan in 9 van de 10' had 84 % above it). The summary says the same share."""
    checked = 0
    for code in buurten:
        content, rows = pack_of(code, build_dir)
        for fig in (*content.strengths.figures, *content.strengths.others, *content.concerns.figures):
            below, above = sure_shares({**rows[fig.indicator_id], "rounding": None}) or (None, None)
            for word, share in placed_claims(fig.comparison):
                side = below if word.lower() in UP else above
                assert side is not None and side >= share - 1e-9, (code, fig.label, fig.comparison, below, above)
                checked += 1
    assert checked > 300


def test_the_summary_and_the_gesprekskaart_agree_on_what_stands_out(buurten, gemeenten, build_dir):
    """The same figure of the same region is a strength (concern) in the profile's summary exactly when the
    gesprekskaart lists it as standing out; the summary finds nothing when the pack's heading says nothing stands
    out. Buurten and every gemeente."""
    compared = 0
    for code in [*buurten, *gemeenten]:
        content, rows = gemeenten.get(code) or pack_of(code, build_dir)
        catalogue = {c["indicator_id"]: c for c in catalogue_rows()}
        plain = [{**r, "rounding": catalogue[i]["rounding"], "landing": catalogue[i]["landing"],
                  "hidden": catalogue[i]["hidden"]} for i, r in rows.items() if i in catalogue]
        picked = summary.pick(plain, n_each=99)
        for key, section in (("strengths", content.strengths), ("concerns", content.concerns)):
            told = {r["indicator_id"] for r in picked[key]}
            in_pack = {f.indicator_id for f in (*section.figures, *section.others)}
            standing = {f.indicator_id for f in (*section.figures, *section.others) if f.standout}
            assert standing == told & in_pack, (code, key, standing, told)
            assert section.stand_out == bool(told & in_pack), (code, key)
            compared += 1
    assert compared > 300


def test_the_model_margin_is_at_least_what_two_rivm_estimates_differ(con):
    """MODEL_MARGIN is no guess: two RIVM estimates of the same figure for the same area and year (50090NED and
    50150NED: ervaren gezondheid, 2020) differ by up to this many points in 99 of 100 areas of the level."""
    rows = con.execute("""
        with a as (select region_code, value from mart_indicator_series where indicator_id = 'ervaren_gezondheid_goed'
                   and period = '2020' and age_group = '18+' and value is not null),
             b as (select region_code, value from mart_indicator_series
                   where indicator_id = 'goed_ervaren_gezondheid_trend' and period = '2020' and age_group = '18+'
                     and value is not null)
        select r.level, count(*), quantile_cont(abs(a.value - b.value), 0.99)
        from a join b using (region_code) join mart_regions r using (region_code) group by 1""").fetchall()
    measured = {level: q for level, n, q in rows if n >= 100}
    assert {"buurt", "gemeente"} <= set(measured)
    for level, q in measured.items():
        assert MODEL_MARGIN[level] >= q, (level, q)
        assert MODEL_MARGIN[level] <= math.ceil(2 * q) / 2 + 0.5, (level, q)   # and not far beyond it
    assert MODEL_MARGIN["wijk"] == MODEL_MARGIN["buurt"]


def test_favourable_shares_turn_with_the_direction():
    row = {"value": 5.0, "n_total": 100, "n_lower": 70, "n_higher": 20, "direction": "lower_is_better"}
    assert favourable_shares(row) == (20.0, 70.0)
    assert favourable_shares({**row, "direction": "higher_is_better"}) == (70.0, 20.0)
    assert favourable_shares({**row, "direction": "neutral"}) is None
    assert favourable_shares({**row, "value": 0.0, "rounding": 10}) is None   # a rounded 0 has no place


def test_a_stand_in_series_counts_where_it_stands_in(con, build_dir):
    """A buurt new since 2020 has no 'ervaren gezondheid' of 50090NED; the pack and the profile show the 2012-2024
    series (50150NED) in its place. When that is lower than in 8 of 10 buurten, both the pack and the summary
    count it as a concern (the pack said 'Geen van deze cijfers is hier ongunstiger dan in 6 van de 10 buurten'
    above 'Lager dan in 8 van de 10 buurten', as the summary did not count the series at all)."""
    codes = [c for (c,) in con.execute("""
        select t.region_code from mart_profile t join mart_profile m
          on m.region_code = t.region_code and m.indicator_id = 'ervaren_gezondheid_goed' and m.is_default_group
        where t.indicator_id = 'goed_ervaren_gezondheid_trend' and t.is_default_group and t.region_code like 'BU%'
          and m.value is null and t.percentile_buurten < 15
        order by t.region_code limit 4""").fetchall()]
    assert codes
    for code in codes:
        content, rows = pack_of(code, build_dir)
        catalogue = {c["indicator_id"]: c for c in catalogue_rows()}
        plain = [{**r, "rounding": catalogue[i]["rounding"]} for i, r in rows.items() if i in catalogue]
        told = {r["indicator_id"] for r in summary.pick(plain, n_each=99)["concerns"]}
        standing = {f.indicator_id for f in content.concerns.figures if f.standout}
        assert "goed_ervaren_gezondheid_trend" in told & standing, (code, told, standing)
        assert content.concerns.stand_out and not content.concerns.intro.startswith("Geen")


def test_a_rate_of_a_buurt_of_few_inwoners_says_how_few(con, build_dir):
    """CBS publishes its own Wmo rate for buurten of 25 to 45 inwoners (520 per 1 000 is 13 people); such a rate,
    and any rate per 1 000 of a buurt with fewer than FEW_INWONERS, says 'bij maar … inwoners' on the pack and in
    the summary. Every buurt of the release with fewer than 50 inwoners and a shown rate."""
    from dashboard.core.format import FEW_INWONERS
    from dashboard.profile.table import profile_table
    codes = [c for (c,) in con.execute("""
        select distinct p.region_code from mart_profile p join mart_regions r using (region_code)
        where r.level = 'buurt' and r.inwoners < 50 and p.value is not null and p.unit = 'per 1 000 inwoners'
          and p.is_default_group and p.lens in ('asset', 'problem') order by 1""").fetchall()]
    assert codes and FEW_INWONERS >= 50
    told = 0
    for code in codes:
        content, rows = pack_of(code, build_dir)
        rates = [f for f in (*content.concerns.figures, *content.strengths.others) if f.unit == "per 1 000 inwoners"]
        for fig in rates:
            assert "bij maar" in fig.headline_note and "inwoners" in fig.headline_note, (code, fig.headline_note)
        raw = queries.profile(code, build_dir)
        table = profile_table(raw, queries.map_status(code, build_dir), queries.area_coverage("GM" + code[2:6],
                              build_dir), queries.catalogue(build_dir), queries.sources(build_dir), level="buurt",
                              gemeente_profile=queries.gemeente_values("GM" + code[2:6], build_dir))
        for sentence in re.findall(r"[^.*]*van elke 1\.000 inwoners.*?\.(?=\s|$)", " ".join(summary.summarize(table))):
            assert "bij maar" in sentence, (code, sentence)
            told += 1
        told += len(rates)
    assert told >= len(codes)
