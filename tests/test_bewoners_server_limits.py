"""Server-side bounds of the Bewonerskaart: the upload size the Streamlit server itself enforces."""
from __future__ import annotations

import tomllib

from dashboard.bewoners import MAX_FILE_BYTES
from tests.conftest import ROOT


def test_the_server_refuses_uploads_above_the_bewonerskaart_limit():
    """Streamlit checks server.maxUploadSize (MB) on its upload endpoint (Content-Length and while streaming),
    so a client that bypasses the widget's max_upload_size still cannot send more."""
    config = tomllib.loads((ROOT / "streamlit_config.toml").read_text())
    limit_mb = config["server"]["maxUploadSize"]
    assert MAX_FILE_BYTES <= limit_mb * 1024 * 1024 <= MAX_FILE_BYTES + 2 * 1024 * 1024
    assert (ROOT / ".streamlit" / "config.toml").resolve() == (ROOT / "streamlit_config.toml").resolve()

