"""The catalogue is complete and every indicator resolves to a real column of the shipped snapshot."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipelines.cache import read_table_cache
from pipelines.catalogue import CatalogueError, FORBIDDEN_STEMS, _validate, load_catalogue
from pipelines.transform import resolve_column

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "tables"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def caches(catalogue):
    return {t: read_table_cache(SNAPSHOT / t) for t in catalogue.tables if (SNAPSHOT / t).exists()}


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
