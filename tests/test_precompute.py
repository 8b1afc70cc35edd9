"""Precomputed statistics in the release built from the shipped snapshot: peer_buurten and expected_values."""
from __future__ import annotations

import time

import duckdb
import numpy as np
import pandas as pd
import pytest

from dashboard.core.format import fmt_number
from dashboard.stats import PeerIndex, fit_expected
from dashboard.stats.deviance import AS_EXPECTED, BETTER, WORSE
from pipelines import precompute
from pipelines.models import SQL_DIR

# `make test` runs on 2 xdist workers: keep this module on one worker, so the peer and model tables is made once
pytestmark = pytest.mark.xdist_group("test_precompute")

K = precompute.PEER_K


@pytest.fixture(scope="module")
def peers(release_path) -> pd.DataFrame:
    with duckdb.connect(str(release_path), read_only=True) as c:
        return c.execute("select * from mart_peer_buurten").fetchdf()


@pytest.fixture(scope="module")
def expected(release_path) -> pd.DataFrame:
    with duckdb.connect(str(release_path), read_only=True) as c:
        return c.execute("""select e.*, i.direction from mart_expected_values e
                            join mart_catalogue i on i.indicator_id = e.outcome_id""").fetchdf()


def test_every_buurt_with_all_variables_has_k_ranked_peers(peers, buurt_wide):
    counts = peers.groupby("region_code").size()
    assert len(counts) > 10_000 and (counts == K).all()
    assert not (peers["region_code"] == peers["peer_code"]).any()
    assert set(peers["peer_code"]) <= set(buurt_wide.index) and peers["peer_name"].notna().all()
    ordered = peers.sort_values(["region_code", "rank"])
    assert ordered.groupby("region_code")["rank"].apply(lambda r: list(r) == list(range(1, K + 1))).all()
    assert (ordered.groupby("region_code")["distance"].diff().dropna() >= 0).all()


def test_peers_are_symmetric_enough(peers):
    """k-nearest neighbours are not symmetric by nature, but most pairs should be mutual (0.68 on the snapshot)."""
    pairs = set(zip(peers["region_code"], peers["peer_code"]))
    mutual = sum((b, a) in pairs for a, b in pairs) / len(pairs)
    assert mutual > 0.6


def test_peers_share_urbanity(peers, buurt_wide):
    """Stedelijkheid is not a peer variable, but address density is: peers should mostly share the class."""
    s = buurt_wide["stedelijkheid"]
    own, other = peers["region_code"].map(s), peers["peer_code"].map(s)
    ok = own.notna() & other.notna()
    same = (own[ok] == other[ok]).mean()
    assert same > 0.7                                             # 0.76 on the snapshot; 0.24 for random pairs
    assert ((own[ok] - other[ok]).abs() <= 1).mean() > 0.97
    # far apart on the 1-5 scale only in odd cases (student campuses, business parks): 65 of 114 260 pairs
    assert ((own[ok] - other[ok]).abs() >= 3).mean() < 0.001


def test_peer_table_equals_a_live_index(peers, buurt_wide):
    index = PeerIndex.build(buurt_wide)
    for code in ["BU03440111", "BU0363AA01", index.codes[0], index.codes[-1]]:
        live = index.peers(code, K)
        stored = peers[peers["region_code"] == code].sort_values("rank")
        assert list(stored["peer_code"]) == list(live["region_code"])
        np.testing.assert_allclose(stored["distance"], live["distance"], rtol=1e-9)


def test_expected_verdicts_follow_observed_against_the_interval(expected):
    assert set(expected["outcome_id"]) == set(precompute.OUTCOMES)
    assert (expected["pi_low"] < expected["expected"]).all() and (expected["expected"] < expected["pi_high"]).all()
    above, below = expected["observed"] > expected["pi_high"], expected["observed"] < expected["pi_low"]
    good_above = expected["direction"] == "higher_is_better"
    better = (above & good_above) | (below & ~good_above)
    worse = (below & good_above) | (above & ~good_above)
    assert (expected["verdict"] == np.where(better, BETTER, np.where(worse, WORSE, AS_EXPECTED))).all()
    per_outcome = expected.groupby("outcome_id").agg(n=("n", "first"), rows=("n", "size"), r2=("r2", "nunique"))
    assert (per_outcome["n"] == per_outcome["rows"]).all() and (per_outcome["r2"] == 1).all()
    # flagged buurten are a small minority: a 95% interval leaves about 5% outside
    assert expected.groupby("outcome_id")["verdict"].apply(lambda v: (v != AS_EXPECTED).mean()).max() < 0.1


@pytest.mark.parametrize("outcome", precompute.OUTCOMES)
def test_expected_values_equal_a_live_fit(expected, buurt_wide, outcome):
    stored = expected[expected["outcome_id"] == outcome].set_index("region_code").sort_index()
    live = fit_expected(buurt_wide, outcome, direction=stored["direction"].iloc[0]).buurten.sort_index()
    assert list(stored.index) == list(live.index)
    np.testing.assert_allclose(stored[["observed", "expected", "pi_low", "pi_high"]],
                               live[["observed", "expected", "pi_low", "pi_high"]], rtol=1e-9)
    assert (stored["verdict"] == live["flag"]).all()


def test_stats_models_describe_the_models(con):
    models = con.execute("select * from mart_stats_models order by model, outcome_id").fetchdf()
    assert list(models["model"]) == ["expected"] * 3 + ["peers"]
    peer = models[models["model"] == "peers"].iloc[0]
    assert "inwoners" in peer["variables"] and fmt_number(peer["n_excluded"]) in peer["explanation"]
    assert not any(term in " ".join(models["variables"]) for term in ("herkomst", "migratie"))


@pytest.fixture(scope="module")
def scratch(release_path):
    """An in-memory database holding the release's inputs of the precompute, and the stats tables empty."""
    con = duckdb.connect()
    con.execute(f"attach '{release_path}' as rel (read_only)")
    for table in ("regions", "int_current_regions", "indicators"):
        con.execute(f"create table {table} as select * from rel.{table}")
    con.execute((SQL_DIR / "07_mart_stats.sql").read_text(encoding="utf-8"))
    yield con
    con.close()


def test_precompute_time_and_soft_failure_without_peer_variables(scratch):
    """A release without size, density and age columns (say a refresh lost them) cannot place buurten: the peers
    are skipped with a warning, 'beter dan verwacht' still fills (on income alone) and the build goes on."""
    scratch.execute("""create or replace table mart_buurt_wide as select * exclude (inwoners, bevolkingsdichtheid,
                       omgevingsadressendichtheid, stedelijkheid, aandeel_65plus, aandeel_0_15)
                       from rel.mart_buurt_wide""")
    start = time.perf_counter()
    with pytest.warns(UserWarning, match="vergelijkbare buurten overgeslagen"):
        timings = precompute.fill_stats_tables(scratch)
    elapsed = time.perf_counter() - start
    assert set(timings) == {"precompute_read", "precompute_peers", "precompute_expected"}
    assert scratch.execute("select count(*) from mart_peer_buurten").fetchone()[0] == 0
    assert scratch.execute("select count(distinct outcome_id) from mart_expected_values").fetchone()[0] == 3
    assert scratch.execute("select distinct variables from mart_stats_models").fetchall() == [
        ("personen_laagste_inkomens",)]
    assert elapsed < 120  # a few seconds normally; generous for a loaded test machine
