"""The top-level streamlit_config.toml is the configuration that takes effect."""
import os
import subprocess
import sys
import tomllib

from tests.conftest import ROOT

CONFIG = ROOT / "streamlit_config.toml"
LINK = ROOT / ".streamlit" / "config.toml"


def test_streamlit_folder_links_to_the_top_level_file():
    assert LINK.is_symlink()
    assert os.readlink(LINK) == "../streamlit_config.toml"      # relative, so it survives a clone elsewhere
    assert LINK.resolve() == CONFIG.resolve()


def test_required_settings():
    cfg = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert cfg["server"]["headless"] is True
    assert cfg["server"]["address"] == "127.0.0.1"
    assert cfg["server"]["enableStaticServing"] is True
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["theme"]["primaryColor"] and cfg["theme"]["base"] == "light"


def test_streamlit_reads_it_when_started_from_the_repo():
    """`streamlit config show` in the repository root prints the values of streamlit_config.toml."""
    cfg = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    out = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert f'primaryColor = "{cfg["theme"]["primaryColor"]}"' in out
    assert 'address = "127.0.0.1"' in out
    assert "gatherUsageStats = false" in out
    assert "enableStaticServing = true" in out


def test_streamlit_config_module_loads_the_linked_file():
    code = ("import streamlit.config as c; c.get_config_options(force_reparse=True); "
            "print(c.get_option('theme.primaryColor'), c.get_option('server.address'), "
            "c.get_option('browser.gatherUsageStats'))")
    cfg = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    assert out == [cfg["theme"]["primaryColor"], "127.0.0.1", "False"]


def test_launcher_runs_the_entrypoint_from_the_repo_root():
    script = (ROOT / "run.sh").read_text(encoding="utf-8")
    assert os.access(ROOT / "run.sh", os.X_OK)
    assert 'cd "$(dirname "$0")"' in script and "-m dashboard.serve" in script
    from dashboard import serve   # imports the first page's modules, then `streamlit run dashboard/app.py`
    assert serve.APP == ROOT / "dashboard" / "app.py"


def test_every_module_the_server_warms_up_exists():
    """dashboard/serve.py only logs a warning for a warm-up module that is gone (the start must not fail on it), so
    a module renamed by a refactoring would silently move its import cost back to the first visitor: fail here."""
    import importlib.util

    from dashboard import serve
    missing = [name for name in serve.WARM_MODULES if importlib.util.find_spec(name) is None]
    assert not missing, f"dashboard/serve.py WARM_MODULES names modules that do not exist: {missing}"


def test_the_server_start_moves_its_long_lived_objects_out_of_the_collectors_way(build_dir):
    """Streamlit runs a full garbage collection after every script run; dashboard/serve.py's warm-up freezes what
    the start-up loaded (modules, plotly's validators, the release connection) so those collections skip it.
    Run in a fresh interpreter, as the server does, against the session release."""
    script = ("import gc; from dashboard import serve; serve.configure(); serve.warm(); "
              "print(gc.get_freeze_count(), len(gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir)}, check=True).stdout
    frozen, still_tracked = map(int, out.split()[-2:])
    assert frozen > 10 * still_tracked, (frozen, still_tracked)


def test_the_servers_streamlit_settings_name_real_options():
    """dashboard/serve.py sets Streamlit options through their environment variables (runner.postScriptGC: no full
    collection after every script run); an option renamed by a Streamlit upgrade would be ignored silently."""
    from streamlit import config

    from dashboard import serve
    by_env = {option.env_var: key for key, option in config.get_config_options().items()}
    ours = [name for name in serve.SERVER_ENV if name.startswith("STREAMLIT_")]
    assert ours and all(name in by_env for name in ours), [n for n in ours if n not in by_env]
    assert by_env["STREAMLIT_RUNNER_POST_SCRIPT_GC"] == "runner.postScriptGC"
    assert serve.SERVER_ENV["STREAMLIT_RUNNER_POST_SCRIPT_GC"] == "false"


def test_the_first_profile_after_the_start_imports_none_of_the_pages_code(build_dir):
    """dashboard/serve.py's warm-up imports what the first profile needs, so the first visitor after a (re)start
    does not wait for imports: after warm(), a buurt's whole profile (run as the server runs it, in AppTest, in a
    fresh interpreter) imports no module of ours, of plotly or of PIL, parses no catalogue, does not run
    Streamlit's once-per-process check for a Python REPL (inspect.stack over every loaded module) and does not build
    the release's buurt codes that the residents' store checks against."""
    script = """
import sys
from dashboard import serve
serve.configure(); serve.warm()
from streamlit.testing.v1 import AppTest
import pipelines.catalogue as catalogue
from streamlit import env_util
parsed = []
original = catalogue.load_catalogue
catalogue.load_catalogue = lambda *a, **k: parsed.append(1) or original(*a, **k)
repl_checks = []
is_repl = env_util.is_repl
env_util.is_repl = lambda: repl_checks.append(1) or is_repl()
from dashboard.bewoners import geo
codes_built = []
build_codes = geo.BuurtCodes.__init__
geo.BuurtCodes.__init__ = lambda self, *a, **k: codes_built.append(1) or build_codes(self, *a, **k)
before = set(sys.modules)
at = AppTest.from_file("dashboard/app.py", default_timeout=120)
at.query_params["regio"] = "BU03440112"
at.run()
assert not at.exception and at.title[0].value == "Oog in Al", at.exception
new = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("dashboard", "pipelines", "plotly", "PIL"))
print("NEW", ",".join(new), "PARSED", len(parsed), "REPL", len(repl_checks), "CODES", len(codes_built))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir)})
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(x for x in out.stdout.splitlines() if x.startswith("NEW "))
    assert line == "NEW  PARSED 0 REPL 0 CODES 0", line
