# Two commands do everything on a fresh machine (Python 3.11+ with venv):
#   make run    set up .venv, build the database from the shipped snapshot if missing or built by other pipeline
#               code (python -m pipelines ensure), start the dashboard
#   make test   set up .venv, run the whole test suite (the same command CI runs)
# And one more for live data:
#   make refresh   fetch the catalogue's tables from CBS with cbsodata, then rebuild (the old database keeps
#                  serving if anything fails)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: setup run build refresh discover test bench

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

build: setup
	$(BIN)/python -m pipelines build

run: setup
	$(BIN)/python -m pipelines ensure
	PYTHON=$(BIN)/python ./run.sh

# every catalogue table (2016-2025 KWB, RIVM, police; plus tables added by `make discover APPLY=1`), one progress
# bar per table; a table whose Modified date on CBS is unchanged is not fetched again; ARGS="--accept-shrink" etc.
refresh: setup
	$(BIN)/python -m pipelines refresh $(ARGS)

# report newer CBS tables of the catalogue's series (a new KWB year, a new RIVM wave); APPLY=1 adds them to the
# local overlay data/catalogue.local.toml so the next `make refresh` fetches them
discover: setup
	$(BIN)/python -m pipelines refresh --discover $(if $(APPLY),--apply,)

# Two pytest-xdist workers (the machine has 2 cores); browser tests share one worker (tests/browser/conftest.py).
# A single file runs without workers: .venv/bin/python -m pytest tests/test_x.py
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

# Every figure beside its target and the load average (benchmarks/common.py); needs a built release for the
# dashboard benchmarks (built here when missing). Browser benchmarks use Debian's /usr/bin/chromium.
bench: setup
	$(BIN)/python -m pipelines ensure
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_app.py
	$(BIN)/python benchmarks/bench_browser.py
	$(BIN)/python benchmarks/bench_map.py
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_load_server.py
	$(BIN)/python benchmarks/bench_stats.py
	$(BIN)/python benchmarks/bench_stats_app.py
	$(BIN)/python benchmarks/bench_ten_years.py --runs 1
