"""The catalogue is complete and every indicator resolves to a real column of the shipped snapshot."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipelines.cache import read_table_cache
from pipelines.catalogue import CatalogueError, FORBIDDEN_STEMS, _validate, load_catalogue
from pipelines.definitions import real_properties
from pipelines.values import resolve_column, shipped_without

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "tables"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def caches(catalogue):
    from pipelines import file_sources   # catalog = "file" tables (Kiesraad) come through their loader
    found = {t: read_table_cache(SNAPSHOT / t) for t in catalogue.tables if (SNAPSHOT / t).exists()}
    return found | file_sources.load_file_tables(catalogue, SNAPSHOT.parent / "files", {}, 2024)


def test_at_least_twenty_indicators_and_all_three_lenses(catalogue):
    assert len(catalogue.indicators) >= 20
    assert {i.lens for i in catalogue.indicators} == {"problem", "asset", "context"}


def test_every_indicator_has_unit_description_direction_and_attribution(catalogue):
    for ind in catalogue.indicators:
        assert ind.unit and ind.description and ind.label, ind.id
        assert ind.direction in ("higher_is_better", "lower_is_better", "neutral"), ind.id
        assert catalogue.attribution(ind).startswith("Bron:"), ind.id
        if ind.lens != "context":
            assert ind.direction != "neutral", ind.id


def test_rivm_indicators_are_marked_modelled(catalogue):
    for ind in catalogue.indicators:
        if any(catalogue.tables[s.table].catalog == "dataderden" and s.table.startswith("50") for s in ind.sources):
            assert ind.modelled, ind.id


def test_every_source_resolves_to_a_real_snapshot_column(catalogue, caches):
    for ind in catalogue.indicators:
        for src in ind.sources:
            table = catalogue.tables[src.table]
            if not table.in_snapshot:
                assert src.table not in caches
                continue
            cache = caches[src.table]
            download = cache.column_naming == "kwb_download"
            names = ([src.download_name] if src.stem else [src.numerator_download, *src.denominator_download]) \
                if download else src.stems()
            if not src.in_snapshot:  # declared absent from the shipped file: it must really be absent
                assert shipped_without(cache, src), (ind.id, src.table)
                continue
            for name in names:
                column = resolve_column(cache, name, download=download)
                assert cache.data[column].notna().sum() > 0, (ind.id, column)


def test_education_is_named_for_a_live_refresh_of_all_nl(catalogue):
    tables = {s.table for s in catalogue.indicator("opleiding_laag").sources}
    assert "85318NED" in tables and not catalogue.tables["85318NED"].in_snapshot


def test_no_ethnicity_or_migration_background_anywhere(catalogue):
    text = " ".join(f"{s.stem} {s.download_name} {s.numerator} {s.numerator_download}"
                    for i in catalogue.indicators for s in i.sources).lower()
    assert not any(word in text for word in FORBIDDEN_STEMS)


def test_validation_refuses_a_migration_background_indicator(catalogue):
    bad_source = dataclasses.replace(catalogue.indicators[0].sources[0], stem="BuitenEuropa")
    bad = dataclasses.replace(catalogue.indicators[0], sources=(bad_source,))
    with pytest.raises(CatalogueError, match="migratieachtergrond"):
        _validate(dataclasses.replace(catalogue, indicators=(bad, *catalogue.indicators[1:])))


def test_validation_refuses_unknown_lens(catalogue):
    bad = dataclasses.replace(catalogue.indicators[0], lens="deficit")
    with pytest.raises(CatalogueError, match="lens"):
        _validate(dataclasses.replace(catalogue, indicators=(bad, *catalogue.indicators[1:])))


def test_the_two_low_income_measures_stay_two_with_their_own_stem_and_download_name(catalogue, caches):
    # PROVENANCE "Known traps": KWB p_hh_li = share of households in the national lowest 40 % of household income
    # (OData k_40HuishoudensMetLaagsteInkomen); HuishoudensMetEenLaagInkomen = below the fixed low-income line
    # (download p_hh_lkk, about 8 % in NL). p_ink_li = income recipients in the lowest 40 % of personal income.
    pairs = {(s.stem, s.download_name) for i in catalogue.indicators for s in i.sources if s.download_name}
    assert ("k_40HuishoudensMetLaagsteInkomen", "p_hh_li") in pairs
    assert ("HuishoudensMetEenLaagInkomen", "p_hh_lkk") in pairs
    assert ("k_40PersonenMetLaagsteInkomen", "p_ink_li") in pairs
    forty = catalogue.indicator("huishoudens_laagste_40pct")
    low = catalogue.indicator("huishoudens_laag_inkomen")
    assert forty.national_lowest_40 and not low.national_lowest_40
    assert "40%" in forty.label and "40%" not in low.label
    assert "inkomensontvangers" in catalogue.indicator("personen_laagste_inkomens").label.lower()
    # the real KWB 2024 DataProperties define each stem as the catalogue reads it
    props = real_properties(caches["85984NED"])
    assert "landelijke 40% huishoudens met het laagste" in props["k_40HuishoudensMetLaagsteInkomen"]["Description"]
    assert "laag inkomen" in props["HuishoudensMetEenLaagInkomen"]["Title"].lower()
    # in the shipped KWB 2023 download file the national row of p_hh_li and p_ink_li is 40 by construction
    kwb = caches["85618NED"].data.set_index("gwb_code_10")
    assert kwb.loc["NL00", "p_hh_li"] == 40.0 and kwb.loc["NL00", "p_ink_li"] == 40.0


def test_every_ratio_declares_numerator_rounding_and_minimum_denominator(catalogue):
    for ind in catalogue.indicators:
        for src in ind.sources:
            if src.is_ratio:
                assert src.numerator_rounding is not None and src.min_denominator, (ind.id, src.table)
        if ind.ratio_of:
            assert ind.numerator_rounding is not None and ind.min_denominator, ind.id
    bad_source = dataclasses.replace(catalogue.indicator("bijstand_per_1000").sources[0], min_denominator=None)
    bad = dataclasses.replace(catalogue.indicator("bijstand_per_1000"), sources=(bad_source,))
    others = tuple(i for i in catalogue.indicators if i.id != "bijstand_per_1000")
    with pytest.raises(CatalogueError, match="min_denominator"):
        _validate(dataclasses.replace(catalogue, indicators=(bad, *others)))


def test_a_national_lowest_40_measure_must_say_40_percent(catalogue):
    ind = catalogue.indicator("personen_laagste_inkomens")
    bad = dataclasses.replace(ind, label="Inwoners met een laag inkomen")
    others = tuple(i for i in catalogue.indicators if i.id != ind.id)
    with pytest.raises(CatalogueError, match="40%"):
        _validate(dataclasses.replace(catalogue, indicators=(bad, *others)))


@pytest.mark.parametrize("indicator_id, words", [
    ("veel_stress", "(heel) veel"), ("regie_eigen_leven", "matig of veel"), ("jeugdzorg", "tot 23"),
    ("personen_laagste_inkomens", "inkomensontvangers")])
def test_labels_follow_the_source_definition(catalogue, indicator_id, words):
    assert words in catalogue.indicator(indicator_id).label.lower()


def test_descriptions_follow_the_source_definition(catalogue):
    assert "minstens 3 maanden en/of minstens 8 uur per week" in catalogue.indicator("mantelzorger").description
    for ind in catalogue.indicators:
        if ind.id.startswith("afstand_"):
            assert "alle inwoners" in ind.description, ind.id  # KWB: average over all inhabitants
