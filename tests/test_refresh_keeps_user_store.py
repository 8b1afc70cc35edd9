"""Rebuilding or refreshing the CBS release never touches the residents' own Bewonerskaart file.

The folders mirror the real layout (data/user beside data/build and data/cache), and the refresh (which fetches
every table and then runs the full build and publish) runs with BUURTBALANS_USER_DB and
BUURTBALANS_BEWONERSKAART_DB pointing at the store, so any code that reached for it, or that cleaned up beside
the build folder, would change its bytes. The refresh is the one `replayed_refresh` of tests/conftest.py, shared
with tests/test_refresh_replay.py.
"""
from __future__ import annotations

import pytest

from dashboard.bewoners import AssetStore
from pipelines import release
from tests.conftest import REFRESH_STORE_ROWS, sha256_file

# the refresh is a session fixture shared with tests/test_refresh_replay.py: the same xdist worker makes it once
pytestmark = pytest.mark.xdist_group("replayed_refresh")


def test_build_and_refresh_leave_the_user_store_byte_identical(replayed_refresh):
    r = replayed_refresh
    data, store_path = r.data, r.store_path
    ververst = next(line for line in r.stdout.splitlines() if line.startswith("Ververst:"))
    assert "85163NED" in ververst
    assert release.current_release(data / "build") != r.first            # a new release was published
    assert (data / "cache" / "85163NED").is_dir()

    assert sha256_file(store_path) == r.store_sha
    user_files = {p.name: sha256_file(p) for p in sorted(store_path.parent.iterdir())}
    assert user_files == r.user_files                                     # no new .wal or other files either
    assert [a.name for a in AssetStore(store_path).list()] == [row["name"] for row in REFRESH_STORE_ROWS]
    AssetStore(store_path).close()
