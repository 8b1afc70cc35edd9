"""Server-side render times of the profile page ("Buurt in beeld"), measured with Streamlit's AppTest.

Prints: cold render (empty caches), warm render of the same buurt, and switching to another buurt (warm process,
new region). Target: interaction <= 300 ms warm. Uses data/build/current.duckdb (run `python -m pipelines build`).
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BUURTBALANS_BUILD_DIR", str(ROOT / "data" / "build"))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = str(ROOT / "dashboard" / "app.py")
BUURTEN = ["BU03440112", "BU03440113", "BU05990119", "BU03440111", "BU05990329", "BU03440112"]


def render(code: str) -> float:
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["regio"] = code
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception, at.exception
    return elapsed * 1000


def main() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    cold = render(BUURTEN[0])
    warm = statistics.median(render(BUURTEN[0]) for _ in range(5))
    switch = [render(code) for code in BUURTEN[1:]]  # first view of each other buurt, caches warm otherwise
    again = statistics.median(render(code) for code in BUURTEN[1:])
    print(f"profile page, cold (empty caches): {cold:.0f} ms")
    print(f"profile page, warm (same buurt, median of 5): {warm:.0f} ms (target <= 300 ms)")
    print(f"switch to another buurt (first view, median): {statistics.median(switch):.0f} ms")
    print(f"switch between buurten already seen (median): {again:.0f} ms")
    print(f"machine load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
