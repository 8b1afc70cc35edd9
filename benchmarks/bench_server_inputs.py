"""Worst inputs of issue 11, before (the code of commit d278b06, from `git archive`) and after (this checkout).

1. The personal-data check on a 4.9 MB CSV of long digit strings (5,000 rows, 990 digits each).
2. The e-mail and phone check on adversarial text of 5,000, 20,000 and (after only) 200,000 characters.
3. The Bewonerskaart list of a buurt with 20,000 items (more than the cap of 1,000: an old store): time of one
   page run and the HTML sent, after only (before: 39 s and 23 MB per rerun, measured in the issue).
Each case runs in a fresh subprocess, so its peak memory (ru_maxrss) is its own. Times are CPU seconds of that
process (time.process_time), because this machine is shared and wall time follows the load.

    .venv/bin/python benchmarks/bench_server_inputs.py
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from common import ROOT, figure, header

BEFORE = "d278b06"
CSV_CASE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from dashboard.bewoners import parse_upload
body = "\n".join(f"Item {i};plekken;BU0363AD05;;;{'7' * 990};;" for i in range(5000))
raw = ("naam;categorie;buurtcode;lon;lat;omschrijving;website;datum\n" + body + "\n").encode()
t = time.process_time()
result = parse_upload(raw, "lang.csv", known_buurt_codes={"BU0363AD05"}, locator=None)
print(json.dumps({"s": time.process_time() - t, "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "assets": len(result.assets), "bytes": len(raw)}))
"""
TEXT_CASE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from dashboard.bewoners.validation import contains_personal_data
worst = 0.0
n = int(sys.argv[2])
for text in ("1" * n, "a" * n + "@", "a@" * (n // 2), "a." * (n // 2) + "@", "0 " * (n // 2)):
    t = time.process_time()
    contains_personal_data(text)
    worst = max(worst, time.process_time() - t)
print(json.dumps({"s": worst, "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
PAGE_CASE = r"""
import json, os, resource, sys, time, uuid
from datetime import datetime, timezone
sys.path.insert(0, sys.argv[1])
os.environ["BUURTBALANS_BEWONERSKAART_DB"] = sys.argv[2]
from dashboard.bewoners import AssetStore
store = AssetStore(sys.argv[2])
now = datetime.now(timezone.utc).replace(tzinfo=None)
rows = [(str(uuid.uuid4()), f"Item {i:05d}", "plekken", "BU0363ME01", "GM0363", None, None, "omschrijving " * 20,
         None, None, False, "opgegeven", "formulier", now, f"item {i:05d}|plekken|BU0363ME01") for i in range(20000)]
store.users.write(lambda tx: tx.executemany(
    "insert into assets (id, name, category, buurt_code, gemeente_code, lon, lat, description, website, asset_date, "
    "location_approximate, buurt_assigned_by, source, created_at, identity_key) values "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows))
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(os.path.join(sys.argv[1], "dashboard", "app.py"), default_timeout=600)
at.query_params["regio"] = "BU0363ME01"
at.run()
at.switch_page("app_pages/bewonerskaart.py").run()
t = time.process_time()
at.run()
seconds = time.process_time() - t
html = sum(len(h.value) for h in at.get("html"))
print(json.dumps({"s": seconds, "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "html_kb": html / 1024, "exception": bool(at.exception)}))
"""


def run(code: str, root: Path, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, str(root), *args], capture_output=True, text=True,
                          timeout=1800, cwd=root)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    header("Issue 11: worst inputs, before (d278b06) and after")
    with tempfile.TemporaryDirectory() as folder:
        old = Path(folder) / "before"
        old.mkdir()
        archive = subprocess.run(["git", "archive", BEFORE, "dashboard", "pipelines"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(old)
        for label, root in (("before", old), ("after", ROOT)):
            csv = run(CSV_CASE, root)
            figure(f"4.9 MB long-digit CSV, personal-data check ({label})", csv["s"], "s cpu", 10.0 if label == "after"
                   else None, note=f"peak {csv['mb']:.0f} MB")
            for n in (5_000, 20_000, 200_000):
                if label == "before" and n > 20_000:
                    print(f"{n:,} adversarial characters (before): not run; quadratic, 100x the 20,000 case",
                          flush=True)
                    continue
                text = run(TEXT_CASE, root, str(n))
                figure(f"{n:,} adversarial characters, worst of 5 ({label})", text["s"], "s cpu",
                       1.0 if label == "after" else None, note=f"peak {text['mb']:.0f} MB")
        page = run(PAGE_CASE, ROOT, str(Path(folder) / "user" / "bewonerskaart.duckdb"))
        figure("Bewonerskaart page, buurt with 20,000 items: one rerun (after)", page["s"], "s cpu", 5.0,
               note=f"HTML {page['html_kb']:.0f} KB, peak {page['mb']:.0f} MB; before: 39 s, 23 MB (issue 11)")


if __name__ == "__main__":
    main()
