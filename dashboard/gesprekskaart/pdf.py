"""HTML -> PDF with headless Chromium (the Debian `chromium` package), with all background networking off.

When no Chromium is installed, or it fails, `PdfUnavailable` carries a Dutch reason so the app can still
offer the HTML (which prints to A4 from any browser).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

MAX_PAGES = 2
DENSITIES = (0, 1, 2, 3)

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
# The page is self-contained; these keep Chromium itself from calling out (updates, sync, metrics, hints).
QUIET_FLAGS = (
    "--disable-background-networking", "--disable-component-update", "--disable-default-apps", "--disable-sync",
    "--disable-extensions", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
    "--disable-breakpad", "--metrics-recording-only", "--no-first-run", "--no-default-browser-check",
    "--no-service-autorun", "--password-store=basic", "--use-mock-keychain",
    "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
)


class PdfUnavailable(RuntimeError):
    """No PDF could be made; str(error) is a Dutch sentence for the user."""


def find_chromium() -> str | None:
    """Path of a Chromium binary: $BUURTBALANS_CHROMIUM, then the usual places, then PATH."""
    configured = os.environ.get("BUURTBALANS_CHROMIUM")
    if configured and Path(configured).is_file():
        return configured
    for path in CANDIDATES:
        if Path(path).is_file():
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_command(chromium: str, html_path: Path, pdf_path: Path, profile_dir: Path) -> list[str]:
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", *QUIET_FLAGS,
            f"--user-data-dir={profile_dir}", "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}",
            html_path.as_uri()]


def html_to_pdf(html: str, *, chromium: str | None = None, timeout: float = 90) -> bytes:
    """The HTML printed to PDF by headless Chromium (A4 and margins come from the page's @page rule).

    Raises
    ------
    PdfUnavailable when Chromium is missing, times out or writes no PDF.
    """
    chromium = chromium or find_chromium()
    if not chromium:
        raise PdfUnavailable("Een PDF maken lukt hier niet: de browser Chromium is niet geïnstalleerd. "
                             "Download de HTML-versie en druk die af op A4.")
    with tempfile.TemporaryDirectory(prefix="gesprekskaart-") as tmp:
        folder = Path(tmp)
        html_path, pdf_path = folder / "gesprekskaart.html", folder / "gesprekskaart.pdf"
        html_path.write_text(html, encoding="utf-8")
        try:
            result = subprocess.run(chromium_command(chromium, html_path, pdf_path, folder / "profile"),
                                    capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable("Een PDF maken duurde te lang. Download de HTML-versie en druk die af op A4.") \
                from exc
        except OSError as exc:
            raise PdfUnavailable(f"Chromium kon niet starten ({exc.strerror}). Download de HTML-versie.") from exc
        if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
            detail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise PdfUnavailable(f"Chromium maakte geen PDF ({detail[0][:200]}). Download de HTML-versie.")
        return pdf_path.read_bytes()


def page_count(pdf: bytes) -> int:
    """Number of pages: poppler's pdfinfo when present, else the page objects in the file."""
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo:
        out = subprocess.run([pdfinfo, "-"], input=pdf, capture_output=True, check=False, timeout=30).stdout
        match = re.search(rb"^Pages:\s+(\d+)", out, re.MULTILINE)
        if match:
            return int(match.group(1))
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def pack_pdf(region_code: str, *, max_pages: int = MAX_PAGES, chromium: str | None = None, **pack_args):
    """make_pack + html_to_pdf, denser step by step until the PDF has at most `max_pages` pages.

    Returns (pack, pdf bytes); the pack's HTML is the one that was printed, so HTML and PDF match. Takes the
    arguments of make_pack (build_dir, base_url, deviance, peers, resident_assets, today). When even the
    densest version is longer, that version is returned (the A4 pages are then still readable, only more).

    Raises
    ------
    PdfUnavailable when no PDF can be made; RegionNotFound for an unknown code.
    """
    from .build import make_pack  # pdf.py stays usable for any HTML without the database

    for density in DENSITIES:
        pack = make_pack(region_code, density=density, **pack_args)
        pdf = html_to_pdf(pack.html, chromium=chromium)
        if page_count(pdf) <= max_pages:
            break
    return pack, pdf
