"""Region search cost on the real mart_regions (issue #11 §1): worst inputs within and beyond the bounds, and
difflib vs rapidfuzz for the "Bedoelt u" suggestions. Run after `python -m pipelines build`; prints seconds."""
from __future__ import annotations

import difflib
import random
import string
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dashboard.core import search  # noqa: E402


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> None:
    con = duckdb.connect("data/build/current.duckdb", read_only=True)
    index = search.prepare(con.execute("select * from mart_regions").fetchdf())
    random.seed(1)
    words = " ".join("".join(random.choices(string.ascii_lowercase, k=5)) for _ in range(6700))
    cases = {"40,000 chars of words": words[:40000], "80 chars, 6+ words (bound)": words[:80],
             "10,000 digits": "3" * 10000, "typo 'Amsterdm'": "Amsterdm", "postcode '3533 AB'": "3533 AB",
             "'<script>' / SQL": "'; drop table x; --<script>"}
    for name, q in cases.items():
        t1, hits = timed(search.search, index, q)
        t2, tips = timed(search.suggestions, index, q) if not hits else (0.0, [])
        print(f"{name:28s} search {t1:7.3f} s  suggestions {t2:7.3f} s  hits {len(hits)}  tips {len(tips)}")
    names = list(dict.fromkeys(index["_name_f"]))
    q = search.bounded(words[:80])
    t_difflib, _ = timed(difflib.get_close_matches, q, names, 5, 0.6)
    t_rapid, _ = timed(lambda: search.process.extract(q, names, scorer=search.fuzz.ratio, limit=5,
                                                       score_cutoff=60))
    print(f"suggestions for an 80-char query over {len(names):,} names: difflib {t_difflib:.3f} s, "
          f"rapidfuzz {t_rapid:.3f} s")


if __name__ == "__main__":
    main()
