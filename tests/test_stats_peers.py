"""PeerIndex: exact neighbours, symmetry, stability and sensibility on real buurten."""
import time

import numpy as np
import pandas as pd
import pytest

from dashboard.core.format import fmt_number
from dashboard.stats.peers import PeerIndex
from stats_data import wide_for

# `make test` runs on 2 xdist workers: keep this module on one worker, so the peer index is made once
pytestmark = pytest.mark.xdist_group("test_stats_peers")

K = 10


@pytest.fixture(scope="module")
def wide(request):
    return wide_for(request)


@pytest.fixture(scope="module")
def index(wide):
    return PeerIndex.build(wide)


@pytest.fixture(scope="module")
def all_peers(index):
    return index.all_peers(K)


def _peer_sets(table):
    return table.groupby("region_code")["peer_code"].agg(set).to_dict()


def test_variables_and_exclusions(wide, index):
    assert "inwoners" in index.variables and "aandeel_65plus" in index.variables
    assert not {"opleiding_laag", "inkomen_per_inwoner"} & set(index.variables)  # too sparse in the snapshot
    complete = wide[list(index.variables)].notna().all(axis=1)
    assert index.n_excluded == len(wide) - len(index.codes)
    assert list(index.codes) == list(wide.index[complete])
    assert len(index.codes) > 10_000
    assert fmt_number(index.n_excluded) in index.explain()   # "3.185", Dutch thousands separator


def test_peers_match_brute_force_distances(wide, index):
    """Recompute z-scores and all distances from the raw frame for a few buurten."""
    raw = wide[list(index.variables)].astype("float64")
    for v in index.variables:
        if v in ("inwoners", "omgevingsadressendichtheid", "bevolkingsdichtheid"):
            raw[v] = np.log(raw[v].clip(lower=1))
    z = (raw - raw.mean()) / raw.std(ddof=0)
    z = z.loc[index.codes]
    for code in index.codes[[0, 500, 5000, -1]]:
        d = np.sqrt(((z - z.loc[code]) ** 2).sum(axis=1)).drop(code).sort_values(kind="stable")
        got = index.peers(code, K)
        assert list(got["rank"]) == list(range(1, K + 1))
        np.testing.assert_allclose(got["distance"], d.iloc[:K].to_numpy(), rtol=1e-9)
        assert code not in set(got["region_code"])


def test_all_peers_agrees_with_single_lookup(index, all_peers):
    assert len(all_peers) == K * len(index.codes)
    for code in index.codes[[3, 3000, 9000]]:
        single = index.peers(code, K)
        batch = all_peers[all_peers["region_code"] == code]
        assert list(batch["peer_code"]) == list(single["region_code"])
    assert (all_peers["region_code"] != all_peers["peer_code"]).all()


def test_symmetry_far_above_chance(index, all_peers):
    pairs = set(zip(all_peers["region_code"], all_peers["peer_code"]))
    mutual = np.mean([(b, a) in pairs for a, b in pairs])
    chance = K / (len(index.codes) - 1)
    assert mutual > 0.5 and mutual > 100 * chance


def test_peers_share_urbanity_class_far_more_than_chance(wide, index, all_peers):
    cls = wide["stedelijkheid"]
    own = cls.reindex(all_peers["region_code"]).to_numpy()
    peer = cls.reindex(all_peers["peer_code"]).to_numpy()
    same = np.mean(own == peer)
    shares = cls.reindex(index.codes).value_counts(normalize=True)
    chance = float((shares ** 2).sum())
    assert same >= 2 * chance


def test_peers_are_similar_on_a_variable_not_used(wide, index, all_peers):
    """Household make-up is not an input, yet peers resemble each other on it far more than random pairs."""
    col = wide["eenpersoonshuishoudens"]
    assert "eenpersoonshuishoudens" not in index.variables
    peer_gap = np.nanmean(np.abs(col.reindex(all_peers["region_code"]).to_numpy()
                                 - col.reindex(all_peers["peer_code"]).to_numpy()))
    rng = np.random.default_rng(3)
    a, b = rng.choice(index.codes, 50_000), rng.choice(index.codes, 50_000)
    random_gap = np.nanmean(np.abs(col.reindex(a).to_numpy() - col.reindex(b).to_numpy()))
    assert peer_gap < 0.7 * random_gap


def test_stable_under_small_noise(wide, index, all_peers):
    noisy = wide.copy()
    rng = np.random.default_rng(11)
    for v in ("aandeel_65plus", "aandeel_0_15"):
        noisy[v] = noisy[v] + rng.normal(0, 0.01 * noisy[v].std(), len(noisy))
    after = _peer_sets(PeerIndex.build(noisy).all_peers(K))
    before = _peer_sets(all_peers)
    overlap = np.mean([len(before[c] & after[c]) / K for c in before])
    assert overlap > 0.8


def test_stable_when_one_percent_of_buurten_is_dropped(wide, index, all_peers):
    rng = np.random.default_rng(5)
    dropped = set(rng.choice(index.codes, len(index.codes) // 100, replace=False))
    after = _peer_sets(PeerIndex.build(wide.drop(index=list(dropped))).all_peers(K))
    before = _peer_sets(all_peers)
    kept = [len((before[c] - dropped) & after[c]) / len(before[c] - dropped)
            for c in before if c not in dropped and before[c] - dropped]
    assert np.mean(kept) > 0.9


def test_unknown_or_excluded_buurt_gives_empty_frame(wide, index):
    excluded = wide.index.difference(index.codes)[0]
    assert excluded not in index
    got = index.peers(excluded)
    assert got.empty and list(got.columns) == ["region_code", "distance", "rank"]


def test_duplicates_do_not_drop_self_wrongly(wide):
    frame = wide[["inwoners", "aandeel_65plus"]].dropna().sort_index().iloc[:300].copy()
    first = frame.index[~frame.duplicated(keep=False)][0]  # a buurt whose only exact twin is the one added here
    frame = pd.concat([frame, frame.loc[[first]].rename(index=lambda c: c + "_twin")])
    idx = PeerIndex.build(frame, ["inwoners", "aandeel_65plus"])
    table = idx.all_peers(3)
    assert (table["region_code"] != table["peer_code"]).all()
    assert first in idx and idx.peers(first, 3)["region_code"].iloc[0] == first + "_twin"
    assert idx.peers(first, 3)["distance"].iloc[0] == 0.0


def test_explicit_variables_and_origin_guard(wide):
    idx = PeerIndex.build(wide, ["inwoners", "woz_waarde"])
    assert idx.variables == ("inwoners", "woz_waarde")
    with pytest.raises(ValueError, match="ontbreken"):
        PeerIndex.build(wide, ["inwoners", "bestaat_niet"])
    with pytest.raises(ValueError, match="herkomst"):
        PeerIndex.build(wide.assign(herkomst=1.0), ["inwoners", "herkomst"])


def test_one_lookup_is_fast(index):
    codes = index.codes[:50]
    times = []
    for c in codes:
        start = time.perf_counter()
        index.peers(c)
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.05
