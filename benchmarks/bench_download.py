"""Memory of the whole-database download: eight sessions click 'Download de database' at the same moment.

Before: every click ran `path.read_bytes()` (the page's old lambda), so simultaneous clicks each held a copy until
Streamlit's media store had hashed it. After: `downloads.release_reader`, one shared copy per release version.
A page run without a click reads nothing in both. Each case runs in its own subprocess, so its peak RSS
(ru_maxrss) is its own; the figure is the peak minus the RSS before the clicks.

    .venv/bin/python benchmarks/bench_download.py
"""
from __future__ import annotations

import subprocess
import sys

from common import ROOT, figure, header

CASE = r"""
import resource, sys, threading
sys.path.insert(0, sys.argv[1])
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from dashboard.core import downloads
path = downloads.release_file().resolve()
read = (lambda: path.read_bytes()) if sys.argv[2] == "before" else downloads.release_reader(path)
storage, ids, start = MemoryMediaFileStorage("/media"), [], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
gate = threading.Barrier(8)
def click():
    gate.wait()
    data = read()                       # what Streamlit's execute_deferred calls
    ids.append(storage.load_and_get_id(data, "application/octet-stream", MediaFileKind.DOWNLOADABLE, "b.duckdb"))
threads = [threading.Thread(target=click) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
assert len(set(ids)) == 1
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) / 1024, path.stat().st_size / 1e6)
"""


def main() -> None:
    header("Database download: 8 simultaneous clicks, peak RSS growth")
    for mode in ("before", "after"):
        out = subprocess.run([sys.executable, "-c", CASE, str(ROOT), mode], capture_output=True, text=True,
                             check=True, cwd=ROOT).stdout.split()
        figure(f"download, 8 clicks, {mode} (file {float(out[1]):.0f} MB)", float(out[0]), "MB")


if __name__ == "__main__":
    main()
