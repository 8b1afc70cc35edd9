#!/usr/bin/env sh
# Start the Buurtbalans dashboard from the repository root, so Streamlit finds .streamlit/config.toml, a
# relative symlink to streamlit_config.toml (the one config file that takes effect; see tests/test_config.py).
# Extra arguments go to `streamlit run` (through dashboard/serve.py, which imports the first page's modules before
# the server listens), e.g. ./run.sh --server.port 8600
set -eu
cd "$(dirname "$0")"
[ -L .streamlit/config.toml ] || { mkdir -p .streamlit && ln -sfn ../streamlit_config.toml .streamlit/config.toml; }
exec "${PYTHON:-.venv/bin/python}" -m dashboard.serve "$@"
