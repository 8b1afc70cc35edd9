"""Statistics computed once per release: vergelijkbare buurten and 'beter dan verwacht' for all buurten.

The build calls `fill_stats_tables` after the SQL models (it reads mart_buurt_wide) and before validation. It
fills the tables that sql/07_mart_stats.sql declares. Done here, a profile page reads ten peer rows and three
verdicts instead of fitting models and building a k-d tree over 14 000 buurten on every visit.

A statistic that cannot be computed for this release (a refresh without a needed column, too few buurten) is
left out with a warning: the release still publishes, and the dashboard says the figure is not available.
"""
from __future__ import annotations

import time
import warnings

import duckdb
import pandas as pd

from dashboard.stats.deviance import fit_expected
from dashboard.stats.peers import PeerIndex

# Outcomes offered on 'Verbanden' > 'Beter dan verwacht' and on the profile; the first is the default.
OUTCOMES = ("ervaren_gezondheid_goed", "eenzaam", "moeite_met_rondkomen")
PEER_K = 10
PEER_COLUMNS = ["region_code", "peer_code", "rank", "distance"]
EXPECTED_COLUMNS = ["region_code", "outcome_id", "observed", "expected", "pi_low", "pi_high", "verdict", "r2", "n",
                    "spec"]
MODEL_COLUMNS = ["model", "outcome_id", "variables", "n", "n_excluded", "r2", "explanation"]


def wide_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """mart_buurt_wide indexed by region_code (the input of dashboard.stats)."""
    return con.execute("select * from mart_buurt_wide order by region_code").fetchdf().set_index("region_code")


def indicator_meta(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("select indicator_id, label, direction from indicators").fetchdf().set_index("indicator_id")


def peer_rows(wide: pd.DataFrame, labels: dict[str, str], k: int = PEER_K) -> tuple[pd.DataFrame, dict]:
    """(peer_buurten rows, stats_models row) for every buurt with all peer variables."""
    index = PeerIndex.build(wide, labels=labels)
    rows = index.all_peers(k)[PEER_COLUMNS]
    model = {"model": "peers", "outcome_id": None, "variables": ",".join(index.variables),
             "n": len(index.codes), "n_excluded": index.n_excluded, "r2": None, "explanation": index.explain()}
    return rows, model


def expected_rows(wide: pd.DataFrame, meta: pd.DataFrame, outcomes=OUTCOMES) -> tuple[pd.DataFrame, list[dict]]:
    """(expected_values rows, stats_models rows) for each outcome, fitted over all buurten of Nederland."""
    labels = meta["label"].to_dict()
    frames, models = [], []
    for outcome in outcomes:
        if outcome not in wide.columns or outcome not in meta.index:
            warnings.warn(f"beter dan verwacht: '{outcome}' ontbreekt in deze release", stacklevel=2)
            continue
        try:
            res = fit_expected(wide, outcome, direction=str(meta.at[outcome, "direction"]), labels=labels)
        except ValueError as exc:
            warnings.warn(f"beter dan verwacht voor '{outcome}' overgeslagen: {exc}", stacklevel=2)
            continue
        b = res.buurten.reset_index()
        frames.append(pd.DataFrame({
            "region_code": b["region_code"].astype(str), "outcome_id": outcome, "observed": b["observed"],
            "expected": b["expected"], "pi_low": b["pi_low"], "pi_high": b["pi_high"],
            "verdict": b["flag"].astype(str), "r2": res.r_squared, "n": res.n, "spec": res.spec}))
        models.append({"model": "expected", "outcome_id": outcome, "variables": ",".join(res.context),
                       "n": res.n, "n_excluded": res.n_excluded, "r2": res.r_squared,
                       "explanation": res.spec + (f" {res.weak_fit_warning}" if res.weak_fit_warning else "")})
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=EXPECTED_COLUMNS)
    return rows[EXPECTED_COLUMNS], models


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    con.register("stats_frame", frame[columns])
    try:
        con.execute(f"insert into {table} ({', '.join(columns)}) select {', '.join(columns)} from stats_frame")
    finally:
        con.unregister("stats_frame")


def _insert_peers(con: duckdb.DuckDBPyConnection, peers: pd.DataFrame) -> None:
    """peer_buurten with each peer's name and gemeente (sql/07_mart_stats.sql), in region order so that one
    buurt's rows are one zone-map read."""
    con.register("stats_frame", peers[PEER_COLUMNS])
    try:
        con.execute("""insert into peer_buurten
                       select p.region_code, p.peer_code, p.rank, p.distance, r.name, r.gemeente_code, g.name
                       from stats_frame p
                       left join int_current_regions r on r.region_code = p.peer_code
                       left join int_current_regions g on g.region_code = r.gemeente_code
                       order by p.region_code, p.rank""")
    finally:
        con.unregister("stats_frame")


def compute_stats(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """The rows of peer_buurten, expected_values and stats_models (by table name), computed from mart_buurt_wide;
    nothing is written (insert_stats writes them).

    Returns
    -------
    (rows per table, timings in seconds: precompute_read, precompute_peers, precompute_expected)
    """
    clock = time.perf_counter()
    wide, meta = wide_frame(con), indicator_meta(con)
    read = time.perf_counter() - clock
    rows, timings = compute_rows(wide, meta)
    return rows, {"precompute_read": read, **timings}


def compute_rows(wide: pd.DataFrame, meta: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """compute_stats without the database: the rows from wide_frame() and indicator_meta(). Pure Python (pandas,
    numpy, scipy's k-d tree), so the build runs it in a thread beside the later SQL models (pipelines/build.py).

    Returns
    -------
    (rows per table, timings in seconds: precompute_peers, precompute_expected)
    """
    timings = {}
    clock = time.perf_counter()
    rows, models = {}, []
    try:
        rows["peer_buurten"], peer_model = peer_rows(wide, meta["label"].to_dict())
        models.append(peer_model)
    except ValueError as exc:
        warnings.warn(f"vergelijkbare buurten overgeslagen: {exc}", stacklevel=2)
    timings["precompute_peers"] = time.perf_counter() - clock

    clock = time.perf_counter()
    rows["expected_values"], expected_models = expected_rows(wide, meta)
    models += expected_models
    if models:
        rows["stats_models"] = pd.DataFrame(models, columns=MODEL_COLUMNS)
    timings["precompute_expected"] = time.perf_counter() - clock
    return rows, timings


TABLE_COLUMNS = {"peer_buurten": PEER_COLUMNS, "expected_values": EXPECTED_COLUMNS, "stats_models": MODEL_COLUMNS}


def insert_stats(con: duckdb.DuckDBPyConnection, rows: dict[str, pd.DataFrame]) -> None:
    """Write compute_stats' rows into the tables sql/07_mart_stats.sql declares."""
    for table, frame in rows.items():
        if table == "peer_buurten":
            _insert_peers(con, frame)
        else:
            _insert(con, table, frame, TABLE_COLUMNS[table])


def fill_stats_tables(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Fill peer_buurten, expected_values and stats_models in the release being built (compute_stats, then
    insert_stats, on one connection).

    Returns
    -------
    dict of timings in seconds: precompute_read, precompute_peers, precompute_expected
    """
    rows, timings = compute_stats(con)
    clock = time.perf_counter()
    insert_stats(con, rows)
    timings["precompute_expected"] += time.perf_counter() - clock
    return timings
