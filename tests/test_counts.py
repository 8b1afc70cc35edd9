"""Inwoners of a wijk or buurt are rounded by CBS (to 5: catalogue `denominator_rounding` of every ratio over
AantalInwoners). A published 0 is 0 to 2 people and a published 5 is 3 to 7: the profile's context strip, its
summary and the gesprekskaart say so instead of a bare '0' or a false exact '5' (dashboard/core/counts.py)."""
from __future__ import annotations

from dashboard.core.counts import count_rounding, count_text
from dashboard.profile.view import MORE_OPEN
from pipelines.catalogue import load_catalogue
from tests.conftest import page_text


def declared_inwoners_rounding() -> int:
    """The rounding the catalogue declares for AantalInwoners where it is a ratio's denominator."""
    return max(s.denominator_rounding for i in load_catalogue().indicators for s in i.sources
               if "AantalInwoners" in s.denominator)


def shown_inwoners(con, where: str) -> tuple[str, float]:
    """A buurt whose profile shows this inwoners figure (mart_profile, the newest period with a value)."""
    return con.execute(f"""
        select region_code, value from (
            select region_code, value, row_number() over (partition by region_code order by period desc) n
            from mart_profile where indicator_id = 'inwoners' and is_default_group and value is not null
              and region_code like 'BU%') where n = 1 and {where} order by region_code limit 1""").fetchone()


def test_the_rounding_comes_from_the_catalogue():
    rounding = declared_inwoners_rounding()
    assert rounding == count_rounding("inwoners") and rounding > 1
    assert count_text(0, "inwoners", "gemeente") == "0"        # gemeente and NL counts are exact


def test_a_published_zero_and_a_small_count_say_their_range(release_app, con):
    half = (declared_inwoners_rounding() - 1) // 2
    for where, expect in (("value = 0", f"minder dan {half + 1} ("),
                          ("value > 0 and value < 10", "ongeveer ")):
        code, value = shown_inwoners(con, where)
        at = release_app(regio=code)
        assert not at.exception
        page = page_text(at.main)
        strip = page[page.index("bb-ctxs"):page.index("bb-meta")]
        assert expect in strip, (code, strip)
        if value == 0:
            assert f"0 tot {half}" in strip and '"bb-ctx-value">0<' not in strip
            assert "Hier wonen weinig mensen: minder dan" in page and "weinig mensen (0)" not in page
        else:
            low, high = int(value) - half, int(value) + half
            assert f"ongeveer {int(value)} ({low} tot {high})" in strip


def test_the_map_says_the_range_of_a_rounded_count(build_dir, con):
    """Kaart of 'Inwoners' in Groningen: the buurten with a published 5 were 'van 5 (Waterhuizen en 6 andere
    buurten)'; their hover and text alternative now read 'ongeveer 5 (3 tot 7)'. Gemeente counts stay exact."""
    from dashboard.kaart import colour_classes, map_queries
    half = (declared_inwoners_rounding() - 1) // 2
    meta = con.execute("select * from mart_catalogue where indicator_id = 'inwoners'").df().iloc[0].to_dict()
    meta["id"] = "inwoners"
    buurten = colour_classes.map_frame(map_queries.load_values("inwoners", "buurt", build_dir), meta)
    small = buurten[(buurten["status"] == "waarde") & (buurten["value"] > 0) & (buurten["value"] < 10)]
    assert len(small)
    for value, text in zip(small["value"], small["value_text"]):
        assert text == f"ongeveer {int(value)} ({int(value) - half} tot {int(value) + half})"
    gemeenten = colour_classes.map_frame(map_queries.load_values("inwoners", "gemeente", build_dir), meta)
    row = gemeenten[gemeenten["region_code"] == "GM0014"].iloc[0]
    assert row["value_text"] == f"{int(row['value']):,}".replace(",", ".")


def inwoners_card(page: str) -> str:
    """The 'Inwoners' card among the profile's figures (charts.indicator_html's block id="ind-inwoners")."""
    start = page.index('id="ind-inwoners"')
    return page[start:page.index('class="bb-row', start)] if 'class="bb-row' in page[start:] else page[start:]


def test_the_inwoners_card_says_the_range_as_the_strip_does(release_app, con):
    """Terschelling's Verspreide huizen Formerum-Noord: the strip read 'minder dan 3 (CBS rondt af op vijftallen:
    0 tot 2)' and its Inwoners card below a bare '0' with 'geen van de 14.206 buurten met een cijfer heeft een
    lagere waarde'; Zandvoort's Noord duinen 'ongeveer 5 (3 tot 7)' above a card with a false exact '5'. The card
    says what the strip says: one figure reads the same everywhere on the page."""
    half = (declared_inwoners_rounding() - 1) // 2
    for where in ("value = 0", "value > 0 and value < 10"):
        code, value = shown_inwoners(con, where)
        at = release_app(regio=code)
        at.session_state[MORE_OPEN] = True   # the card is under 'Meer cijfers': opened
        at.run()
        assert not at.exception
        card = inwoners_card("\n".join(m.value for m in at.main.expander[0].markdown))
        if value == 0:
            assert f"minder dan {half + 1}<" in card and f"0 tot {half}" in card, (code, card)
            assert '"bb-value">0<' not in card and "lagere waarde" not in card, (code, card)
        else:
            assert f"ongeveer {int(value)}<" in card and f"({int(value) - half} tot {int(value) + half})" in card
            assert f"echte aantal ergens tussen {int(value) - half} en {int(value) + half}" in card, (code, card)
            assert f'"bb-value">{int(value)}<' not in card, (code, card)


def test_a_sum_over_buurten_is_not_placed_among_buurten(release_app, con):
    """Purmerend's 95.168 inwoners read 'hoger dan 100% van alle buurten', Nederland's 17.811.291 too: the inwoners
    of a wijk, gemeente or Nederland are a sum over its buurten, not a figure to place among single buurten. Their
    card has no bar; a buurt's card keeps its place among the buurten."""
    wijk = con.execute("""select region_code from mart_regions where level = 'wijk' and inwoners > 5000
                          order by region_code limit 1""").fetchone()[0]
    buurt = con.execute("""select region_code from mart_regions where level = 'buurt' and inwoners > 1000
                           order by region_code limit 1""").fetchone()[0]
    for code, placed in (("GM0439", False), ("NL00", False), (wijk, False), (buurt, True)):
        at = release_app(regio=code)
        at.session_state[MORE_OPEN] = True
        at.run()
        assert not at.exception
        card = inwoners_card("\n".join(m.value for m in at.main.expander[0].markdown))
        assert ("van de buurten" in card or "van alle buurten" in card) == placed, (code, card)
        assert "100% van" not in card, (code, card)
