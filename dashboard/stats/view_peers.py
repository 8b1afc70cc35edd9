"""'Vergeleken met vergelijkbare buurten' (profile and compare pages): the peer group as a third benchmark beside
gemeente and Nederland, and the peers of a buurt for the compare page."""
from __future__ import annotations

import streamlit as st

from dashboard.core import db
from dashboard.core.format import fmt_number
from dashboard.stats import queries as q
from dashboard.stats.peer_table import peer_benchmark_table
from dashboard.stats.view_buurt_only import buurt_row

PEERS_OPEN = "peers_open"  # session_state key of the lazy peer table (render_peer_benchmark(lazy=True))


def _peer_table(region_code: str, codes: tuple[str, ...], gemeente_name: str) -> None:
    values = q.cached("profile_values", (region_code, *codes))
    table = peer_benchmark_table(values, region_code, list(codes), q.cached("indicators"), gemeente_name)
    st.dataframe(table, hide_index=True, width="stretch")


@st.fragment
def _peer_table_fragment(region_code: str, codes: tuple[str, ...], gemeente_name: str) -> None:
    box = st.expander("Toon de tabel: deze buurt naast de mediaan van de vergelijkbare buurten", key=PEERS_OPEN,
                      on_change="rerun", icon=":material/table:")
    with box:
        if box.open:
            _peer_table(region_code, codes, gemeente_name)


def peer_codes(region_code: str, k: int = 10) -> list[str]:
    """The k most similar buurten (precomputed, most similar first); [] for other levels or without data."""
    peers = q.cached("peers", region_code)
    return [str(c) for c in peers.sort_values("rank")["peer_code"].head(k)]


_explanations: dict[str, str | None] = {}   # release -> the peers model's explanation; the two newest kept


def _peers_explanation(release: str) -> str | None:
    """mart_stats_models' explanation of the peers model, once per release and process (filtering the unpickled
    frame in every run cost ~1-1.5 ms, a Streamlit cache call ~0.2-0.5: py-spy, benchmarks/bench_load_server.py)."""
    found = _explanations.get(release, _explanations)   # the dict itself: not read yet (None is an answer)
    if found is not _explanations:
        return found
    models = q.cached("stats_models")
    model = models[models["model"] == "peers"]
    found = _explanations[release] = str(model.iloc[0]["explanation"]) if len(model) else None
    for old in list(_explanations)[:-2]:
        _explanations.pop(old, None)
    return found


def render_peer_benchmark(region_code: str, *, heading: str | None = "Vergeleken met vergelijkbare buurten",
                          lazy: bool = False) -> None:
    """Peer group as a third benchmark beside gemeente and Nederland, with the peers' names. lazy=True (the
    profile, below the fold): the median table sits in an expander that computes only when opened."""
    r = buurt_row(region_code, heading, "Vergelijkbare buurten zoeken we alleen voor buurten.")
    if r is None:
        return
    peers = q.cached("peers", region_code)
    if peers.empty:
        st.info("Voor deze buurt zoeken we geen vergelijkbare buurten: een van de kenmerken (inwoners, dichtheid, "
                "leeftijd of inkomen) ontbreekt.", icon=":material/info:")
        return
    codes = [str(c) for c in peers["peer_code"]]
    # plain lists, not itertuples(): that makes a namedtuple class per call (~0.5 ms each, twice a run)
    ranks, peer_names = peers["rank"].tolist(), peers["peer_name"].tolist()
    gemeenten, distances = peers["peer_gemeente_name"].tolist(), peers["distance"].tolist()
    names = "; ".join(f"{rank}. {name} ({gemeente})" for rank, name, gemeente in zip(ranks, peer_names, gemeenten))
    st.markdown(f"**De {len(codes)} buurten die het meest op {r['name']} lijken:** {names}")
    if lazy:
        _peer_table_fragment(region_code, tuple(codes), str(r["gemeente_name"]))
    else:
        _peer_table(region_code, tuple(codes), str(r["gemeente_name"]))
    explanation = _peers_explanation(db.release_key())
    with st.expander("Hoe kiezen we vergelijkbare buurten?"):
        if explanation is not None:
            st.markdown(explanation)
        st.markdown("Afstand: hoe kleiner, hoe meer de buurt lijkt. " + ", ".join(
            f"{name} {fmt_number(distance, 2)}" for name, distance in zip(peer_names, distances)) + ".")
    st.caption("Mediaan = het middelste cijfer van de vergelijkbare buurten met een cijfer uit dezelfde tabel en "
               "hetzelfde jaar als deze buurt. Vergelijkbaar betekent niet gelijk: gebruik het als richting.")
