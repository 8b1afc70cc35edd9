"""Start the dashboard: import what the first page needs, then hand over to `streamlit run` (run.sh uses this).

`streamlit run` imports a page's modules only when the first visitor's script runs, so the first visitor after a
(re)start waited about a second for pandas, plotly, DuckDB and the dashboard's own modules
(benchmarks/bench_app.py: cold). warm() imports them and opens the current release before the server listens, so
that second is spent at start-up instead. It computes no figure and fills no page cache: every number on a page
still comes from that page's own script run. It does read the release's lookups that every profile read uses
(profile_read.lookup, queries.buurt_value_counts, queries.area_coverages), which are kept per release file and read
again after a refresh,
the release's buurt codes the residents' store checks assets against (bewoners.sections.known_buurt_codes), and the
catalogue's display lookups (decimals, rounding, order), which come from pipelines/catalogue.toml.

    python -m dashboard.serve [streamlit run options]      e.g. --server.port 8600
"""
from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
# The first page (Buurt in beeld) and what it imports: the libraries, then our modules (which import the rest).
# The profile's closed sections import their views when they are drawn (view_expected, view_trends), the favicon is
# made on the first run (favicon: PIL's PNG plugin) and the first chart sends plotly's JSON (plotly.io._json): all
# were imported by the first visitor's profile (~60 ms of its run, benchmarks/bench_browser.py's first link).
WARM_MODULES = ("pandas", "duckdb", "plotly.graph_objects", "plotly.io._json", "PIL.ImageDraw", "PIL.PngImagePlugin",
                "dashboard.core.state", "dashboard.core.routes", "dashboard.core.favicon", "dashboard.core.html_table",
                "dashboard.core.whole_choice",
                "dashboard.profile.view", "dashboard.bewoners.sections", "dashboard.stats.view_peers",
                "dashboard.stats.view_expected", "dashboard.stats.view_trends", "dashboard.divisions.note",
                "streamlit.material_icon_names")


# The server's memory (issue #10; measured with benchmarks/bench_app.py and bench_browser.py):
# - pyarrow (pandas' strings) allocates from mimalloc by default, which keeps freed segments: ~15 MB more resident
#   after ten profiles than the system allocator, at no measurable speed cost. Read when pyarrow is imported.
# - DuckDB caches what it read up to its memory limit, by default 80% of RAM (dashboard/core/db.py).
# - Streamlit's config option runner.postScriptGC (default true) runs a full garbage collection after every script
#   run: after a profile switch (a search run and a page run) about a fifth of the server's CPU, ~25 ms a run, even
#   with warm()'s gc.freeze(). Python's own collector still runs (its thresholds count new objects); the server's
#   RSS after 11 profiles stayed the same (benchmarks/bench_browser.py: 297-300 MB either way), and its CPU per
#   switch fell from 0.43-0.44 to 0.32-0.35 s (two paired runs, load 9-12). Set as the option's environment variable.
SERVER_ENV = {"ARROW_DEFAULT_MEMORY_POOL": "system", "BUURTBALANS_DB_MEMORY_LIMIT": "48MB",
              "STREAMLIT_RUNNER_POST_SCRIPT_GC": "false"}


MALLOC_ARENA_MAX = 2   # glibc's mallopt M_ARENA_MAX; see configure()


def configure() -> None:
    """The server's environment (SERVER_ENV, unless already set): call before anything imports pyarrow.

    Also caps glibc's malloc arenas at MALLOC_ARENA_MAX (unless MALLOC_ARENA_MAX is set in the environment, which
    glibc then reads itself): Streamlit runs every script run on a new thread, and glibc gives threads their own
    arenas (up to 8 per core), each keeping freed memory of its own. Server RSS after 11 profiles 300 -> 291 MB
    (benchmarks/bench_browser.py), CPU per switch unchanged."""
    for key, value in SERVER_ENV.items():
        os.environ.setdefault(key, value)
    if sys.platform.startswith("linux") and "MALLOC_ARENA_MAX" not in os.environ:
        import ctypes
        try:
            ctypes.CDLL("libc.so.6").mallopt(-8, MALLOC_ARENA_MAX)   # -8 = M_ARENA_MAX (malloc.h)
        except (OSError, AttributeError):   # not glibc (musl has no arenas to cap)
            pass


def warm() -> None:
    """Import WARM_MODULES, load plotly's validators (the first figure reads them) and open the current release's
    read-only connection; without a release yet (a first start builds it in the page) only the imports."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")  # 'No runtime found' while importing
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for name in WARM_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:   # a module renamed since: the page imports what it needs on the first visit
                logging.getLogger(__name__).warning("warm-up: %s not found", name)
    finally:
        quiet.setLevel(level)
    import plotly.graph_objects as go
    go.Figure(data=[go.Scatter(x=[0.0], y=[0.0], mode="markers")], layout=dict(height=10))
    # pipelines/catalogue.toml, read by three lookups of how a figure is shown (decimals, CBS's rounding, the
    # order of the indicators): each parsed it on the first profile (~20 ms); the file ships with the code
    from dashboard.core.counts import count_rounding
    from dashboard.core.format import indicator_decimals
    from dashboard.profile.table import catalogue_order
    indicator_decimals("inwoners"), count_rounding("inwoners"), catalogue_order()
    from PIL import Image
    Image.preinit()   # the image formats PIL loads on its first save (the favicon's PNG)
    # Streamlit checks once per process, at the first element of the first run, whether it runs in a Python REPL to
    # print a hint (env_util.is_repl: inspect.stack() over the loaded modules, ~40-80 ms of the first visitor's run).
    # This server is always `streamlit run` (main() below): the hint can never apply, so it is marked as given.
    from streamlit import delta_generator
    if hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True

    from dashboard.core import db
    from pipelines import release
    try:
        db.query("select 1")
        from dashboard.core import profile_read
        profile_read.lookup()   # the profile read's per-release lookup (~50 ms CPU): here, not in the first profile
        from dashboard.core import queries
        queries.buurt_value_counts(db.current_path())   # the buurten's values to place a profile's (~80 ms CPU)
        queries.area_coverages()   # per gemeente, which indicators have a value anywhere in it (~18 ms CPU)
        from dashboard.bewoners import sections as assets
        try:
            assets.known_buurt_codes()   # the release's buurt codes the residents' store checks against (~50 ms)
        except assets.ReleaseUnavailableError:   # swapped under the read: the first profile reads them instead
            pass
    except release.NoReleaseError:
        pass
    # Streamlit runs a full garbage collection after every script run (runner.postScriptGC), and a full
    # collection walks every tracked object: with pandas, plotly's validators, DuckDB and our modules loaded that
    # was about half of the server's CPU per profile switch (benchmarks/bench_browser.py: 0.87-0.95 s -> 0.41-0.52 s
    # per switch, RSS unchanged). What exists now lives as long as the process, so it moves to the permanent
    # generation that collections skip; objects made by page runs are still collected after each run.
    gc.collect()
    gc.freeze()


def main(argv: list[str]) -> None:
    configure()
    warm()
    from streamlit.web import cli
    sys.argv = ["streamlit", "run", str(APP), *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
