"""Property tests of the agenda import (hypothesis): 1,200 generated files per run (mutated exports, tricky text,
wrong encodings, truncations, random bytes and random JSON). For every file: read_bundle never raises, a file
it accepts imports whole (one agenda and all its conversations), and a refused file or a refused import writes
nothing (the store's row counts and contents are unchanged)."""
from __future__ import annotations

import copy
import hashlib
import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.wijkagenda import data, exchange, model
from dashboard.wijkagenda.store import AgendaStore, UserStoreError

BUURT = "BU0363AA06"
EXAMPLES = 1_200
TRICKY_TEXT = ["jan@example.org", "bel 06-12345678", "+31 20 624 1111", "dhr. Jansen", "mevrouw De Vries",
               "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "a\x00b", "\x1b[31m",
               "x" * 2000, "", "   ", "=SUM(A1)", "Prijs < 5 euro", "Café ☕ — “quotes”", "\ud7ff", "line\nbreak"]
# the ids of a fresh agenda and conversation: the strings of [0-9a-z]{6,12}, as a text strategy (from_regex drew them
# with ~15% more CPU for the whole test: 400 examples 12.2/11.7 s against 9.8/10.9 s, paired runs at load 12-17)
IDENT = st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz", min_size=6, max_size=12)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
                      st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                      st.sampled_from(TRICKY_TEXT))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                          max_leaves=12)


@pytest.fixture(scope="module")
def valid(build_dir) -> dict:
    """A real export: a conversation and an agenda with a baseline frozen from the release."""
    base = data.freeze(BUURT, "afstand_huisarts", date(2026, 11, 21), build_dir)
    conversation = model.conversation({
        "id": "c1", "date": "2026-11-20", "regions": [BUURT], "organiser": "Buurthuis De Boomgaard",
        "participants": 23, "themes": [{"id": "t1", "title": "Bewegen", "votes": 14}],
        "notes": [{"id": "n1", "prompt": "Algemeen", "kind": "idee", "text": "Wandelgroep op dinsdag.",
                   "indicators": ["afstand_huisarts"],
                   "assets": [{"id": "a1", "name": "Buurthuis De Boomgaard", "category": "plekken"}]}]})
    agenda = model.agenda({
        "id": "ag1", "title": "Onze buurt", "region": BUURT, "region_name": "Haarlemmerbuurt-Oost",
        "created": "2026-11-21", "conversations": ["c1"],
        "priorities": [{"id": "p1", "title": "Samen bewegen", "why": ["n1"], "indicators": [base],
                        "organisations": ["Buurthuis De Boomgaard"], "next_review": "2027-03-01",
                        "budget": [{"id": "b1", "description": "Coach", "amount": 2500, "source": "wijkbudget",
                                    "status": "aangevraagd"}],
                        "reviews": [{"id": "r1", "date": "2026-12-15", "done": "Gestart", "learned": None}]}]})
    return json.loads(exchange.export_bundle(agenda, [conversation]))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    agenda_store = AgendaStore(tmp_path_factory.mktemp("user") / "bewonerskaart.duckdb")
    yield agenda_store
    agenda_store.close()


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(doc, path, new):
    if not path:
        return new
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return doc


@st.composite
def files(draw, valid: dict) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["fresh", "mutate", "tricky", "extra_key", "encoding", "truncate", "bytes", "json"]))
    doc = copy.deepcopy(valid)
    ident = IDENT
    if kind in ("fresh", "mutate", "tricky", "extra_key"):   # new ids, so an accepted file can really import
        agenda_id, conversation_id = draw(ident), draw(ident)
        doc["agenda"]["id"], doc["agenda"]["conversations"] = agenda_id, [conversation_id]
        doc["conversations"][0]["id"] = conversation_id
    paths = list(_paths(doc))
    if kind == "mutate":
        doc = _replace(doc, draw(st.sampled_from(paths)), draw(json_value))
    elif kind == "tricky":
        text_paths = [p for p in paths if p and isinstance(_get(doc, p), str)]
        doc = _replace(doc, draw(st.sampled_from(text_paths)), draw(st.sampled_from(TRICKY_TEXT)))
    elif kind == "extra_key":
        dict_paths = [p for p in paths if isinstance(_get(doc, p), dict)]
        where = draw(st.sampled_from(dict_paths))
        inner = copy.deepcopy(_get(doc, where))
        inner[draw(st.sampled_from(["telefoon", "email", "naam_bewoner", "extra", "adres", "x"]))] = draw(json_leaf)
        doc = _replace(doc, where, inner)
    if kind == "bytes":
        return draw(st.binary(max_size=400)), draw(st.sampled_from(["a.json", "a.txt", "a"]))
    if kind == "json":
        return json.dumps(draw(json_value)).encode(), "a.json"
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()), allow_nan=True)
    if kind == "encoding":
        encoding = draw(st.sampled_from(["utf-16", "utf-8-sig", "cp1252", "latin-1"]))
        return text.encode(encoding, errors="replace"), "agenda.json"
    raw = text.encode("utf-8", errors="surrogatepass")
    if kind == "truncate":
        raw = raw[: draw(st.integers(min_value=0, max_value=max(len(raw) - 1, 0)))]
    return raw, "agenda.json"


def _get(doc, path):
    for step in path:
        doc = doc[step]
    return doc


def _fingerprint(store: AgendaStore) -> str:
    rows = store.users.read(lambda tx: [*tx.execute("select id, version, body from wijkagenda_agendas order by id"),
                                        *tx.execute("select id, version, body from wijkagenda_conversations "
                                                    "order by id")])
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_generated_agenda_files_never_crash_and_never_half_write(valid, store):
    outcomes = {"accepted": 0, "refused": 0, "already_there": 0}
    # The store's counts and fingerprint as the previous example left them: nothing else writes to this store, and a
    # refused file is checked to leave it exactly so, so they are read afresh only after a file was imported.
    known = {"counts": None, "fingerprint": None}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(file=files(valid))
    def check(file):
        raw, name = file
        if known["fingerprint"] is None:
            known.update(counts=store.counts(), fingerprint=_fingerprint(store))
        before_counts, before = known["counts"], known["fingerprint"]
        bundle = exchange.read_bundle(raw, name)                      # must never raise
        if not bundle.ok:
            assert bundle.problems and all(isinstance(p, str) and p for p in bundle.problems)
            assert bundle.agenda is None and bundle.conversations == []
            outcomes["refused"] += 1
        else:
            known["fingerprint"] = None                               # the import may write: read afresh next time
            try:
                store.import_bundle(bundle.agenda, bundle.conversations)
            except UserStoreError:                                    # e.g. a conversation id already stored
                outcomes["already_there"] += 1
                assert _fingerprint(store) == before                  # refused whole: nothing written
                known.update(counts=before_counts, fingerprint=before)
                return
            outcomes["accepted"] += 1
            after = store.counts()
            assert after["wijkagenda_agendas"] == before_counts["wijkagenda_agendas"] + 1
            assert after["wijkagenda_conversations"] == \
                before_counts["wijkagenda_conversations"] + len(bundle.conversations)
            assert store.agenda(bundle.agenda["id"])[0] == bundle.agenda
            return
        assert _fingerprint(store) == before

    check()
    total = sum(outcomes.values())
    print(f"agenda import: {total} files, {outcomes}")
    assert total >= 1_000 and outcomes["accepted"] > 0 and outcomes["refused"] > 0


def test_a_colliding_import_writes_nothing(valid, store):
    """An accepted file whose second import collides on the conversation id: the agenda is not stored either."""
    doc = copy.deepcopy(valid)
    doc["agenda"]["id"], doc["agenda"]["conversations"] = "solo1", ["solo-c"]
    doc["conversations"][0]["id"] = "solo-c"
    bundle = exchange.read_bundle(json.dumps(doc).encode(), "agenda.json")
    store.import_bundle(bundle.agenda, bundle.conversations)
    doc["agenda"]["id"] = "solo2"                     # a new agenda, but the same conversation
    again = exchange.read_bundle(json.dumps(doc).encode(), "agenda.json")
    before = _fingerprint(store)
    with pytest.raises(UserStoreError, match="staat al in de opslag"):
        store.import_bundle(again.agenda, again.conversations)
    assert _fingerprint(store) == before and "solo2" not in {a["id"] for a in store.agendas()}
