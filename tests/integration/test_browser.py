"""The HTML report opened in a real browser: headless Chromium (Debian's package) via playwright.

The October meeting's report of the demo ledger is written with `write_html`, opened from a file
URL with every request recorded (anything but the file itself is refused and counted), and the
totals the browser renders are compared with the JSON report. The screenshot is kept under
tests/artifacts/; with LEDGER_UPDATE_SCREENSHOT=1 the README's copy in docs/ is refreshed too.

Skipped when /usr/bin/chromium is missing, unless LEDGER_REQUIRE_BROWSER is set (CI sets it and
installs chromium), in which case a missing browser fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger, scenario
from ledger.cli.output import write_html
from ledger.projections.render import to_json
from ledger.projections.report import build_meeting_report

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
README_SCREENSHOT = ROOT / "docs" / "report-screenshot.png"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip() not in ("", "0", "false", "no")


def _browser_or_skip() -> Any:
    """playwright's sync API, or a skip (a failure when LEDGER_REQUIRE_BROWSER is set)."""
    required = _flag("LEDGER_REQUIRE_BROWSER")
    if not CHROMIUM.exists():
        if required:
            pytest.fail(f"LEDGER_REQUIRE_BROWSER is set but {CHROMIUM} is missing "
                        "(apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; set "
                    "LEDGER_REQUIRE_BROWSER=1 to make this a failure)")
    try:
        from playwright import sync_api
    except ImportError:
        if required:
            pytest.fail("LEDGER_REQUIRE_BROWSER is set but playwright is not installed "
                        "(pip install -e '.[test]')")
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    return sync_api


def test_report_renders_in_chromium_with_the_json_totals(tmp_path: Path) -> None:
    sync_api = _browser_or_skip()
    clock = scenario.SimulatedClock()
    with Ledger(f"sqlite:///{tmp_path / 'demo.db'}", clock=clock) as app:
        scenario.build(app, clock, say=lambda _: None)
        report = build_meeting_report(app.stream, scenario.OCTOBER)
        page_file = tmp_path / "october.html"
        write_html(app, report, str(page_file))
    expected = json.loads(to_json(report))
    url = page_file.as_uri()

    requests: list[str] = []
    refused: list[str] = []
    console_errors: list[str] = []

    def route(r: Any) -> None:
        requests.append(r.request.url)
        if r.request.url == url:
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=LAUNCH_ARGS, timeout=60_000)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 1500})
            context.route("**/*", route)
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error"
                    else None)
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            response = page.goto(url, wait_until="load")
            assert response is None or response.ok
            page.wait_for_load_state("networkidle")

            shown = page.eval_on_selector_all(
                "[data-total]", "els => Object.fromEntries(els.map(e => "
                "[e.dataset.total, e.innerText.trim()]))")
            since = page.eval_on_selector_all(
                "[data-since]", "els => Object.fromEntries(els.map(e => "
                "[e.dataset.since, e.innerText.trim()]))")
            heading = page.inner_text("h1")
            chart = page.locator("#burnup svg").bounding_box()
            minutes = page.inner_text("#minutes")
            fingerprint = page.get_attribute("[data-fingerprint]", "data-fingerprint")

            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            if _flag("LEDGER_UPDATE_SCREENSHOT"):
                README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(README_SCREENSHOT), full_page=False)
            page.emulate_media(media="print")
            pdf = page.pdf(format="A4", print_background=True)
            (ARTIFACTS / "report.pdf").write_bytes(pdf)
            shutil.copy(page_file, ARTIFACTS / "report.html")
        finally:
            browser.close()

    assert {k: int(v) for k, v in shown.items()} == expected["totals"]
    assert {k: int(v) for k, v in since.items()} == {
        k: expected["since"][k] for k in ("completed", "started", "added", "remaining")}
    assert heading == report.title
    assert chart is not None and chart["width"] > 500 and chart["height"] > 150
    for paragraph in expected["minutes"]:
        assert " ".join(paragraph.split()) in " ".join(minutes.split())
    fp = expected["fingerprint"]
    assert fingerprint == f"{fp['position']}:{fp['hash']}"
    assert console_errors == []
    assert refused == [], f"the page asked the network for {refused}"
    assert set(requests) == {url}, requests
    assert pdf.startswith(b"%PDF")
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
