"""The server as a real uvicorn process on loopback, and the task pane in headless Chromium."""

import json
import os
import shutil
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from tests.server.conftest import SHOKO

HERE = Path(__file__).parent


def test_real_uvicorn_process(live_server):
    with urllib.request.urlopen(live_server + "/health") as r:
        assert json.loads(r.read())["status"] == "ok"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    req = urllib.request.Request(live_server + "/xlwings/custom-functions-call", method="POST",
                                 data=json.dumps({"func_name": "kpi_rate", "args": [[["1件(累計)"]], [["12件(累計)"]]]}).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {SHOKO}"})
    with urllib.request.urlopen(req) as r:
        assert json.loads(r.read())["result"] == [[pytest.approx(1 / 12)]]
    bad = urllib.request.Request(live_server + "/xlwings/custom-functions-call", method="POST", data=b"{}",
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(bad)
    assert info.value.code == 401


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression (the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


@pytest.mark.chromium
def test_task_pane_validate_button_shows_findings(live_server, submissions, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("chromium is not installed")
    wb = openpyxl.load_workbook(submissions / "商工労働部.xlsx")
    sheets = [{"name": ws.title, "values": [[c for c in row] for row in ws.iter_rows(values_only=True)]} for ws in wb.worksheets]
    book = {"sheets": sheets, "active": 0}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu",
                                                                   "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 420, "height": 900})
        page.route("https://appsforoffice.microsoft.com/**",
                   lambda route: route.fulfill(body="", content_type="text/javascript"))
        page.add_init_script(f"window.__XLKPI_BOOK__ = {json.dumps(book, ensure_ascii=False, default=str)};"
                             f"localStorage.setItem('xlKpiToken', '{SHOKO}');")
        page.add_init_script(path=str(HERE / "office_standin.js"))
        page.goto(live_server + "/static/taskpane.html")
        page.get_by_role("button", name="入力チェック").click()
        page.wait_for_selector("#findings li", timeout=15000)
        items = page.locator("#findings li")
        assert items.count() >= 5
        assert "件" in page.locator("#status").inner_text()
        texts = "\n".join(items.all_inner_texts())
        assert "'商工労働部'!" in texts and "[警告]" in texts
        basis = [t for t in items.all_inner_texts() if "集計方法" in t]  # basis-mismatch: information
        assert basis and all("[情報]" in t for t in basis), basis
        applied = page.evaluate("window.__applied__")
        assert "values" in applied
        # Every queued write goes to Excel in a few batches, not one round trip each (each sync()
        # is one: learn.microsoft.com/office/dev/add-ins/excel/performance). Hundreds of colour
        # and value writes once cost as many round trips — seconds on Excel on the web.
        syncs = page.evaluate("window.__syncs__")
        assert len(applied) >= 15 and syncs <= 8, (len(applied), syncs)  # was 34 round trips
        names = page.evaluate("window.__XLKPI_BOOK_REF__.sheets.map(s => s.name)")
        assert "チェック結果" in names
        items.first.click()
        wait_until(page, "window.__selected__ !== undefined")
        page.screenshot(path=str(tmp_path / "taskpane.png"), full_page=True)
        if os.environ.get("XL_KPI_SCREENSHOTS"):
            shutil.copy(tmp_path / "taskpane.png", Path(os.environ["XL_KPI_SCREENSHOTS"]) / "taskpane.png")
        # Without a token: a Japanese 401 message, no findings.
        page.evaluate("localStorage.setItem('xlKpiToken', '')")
        page.get_by_role("button", name="達成率の計算").click()
        wait_until(page, "document.getElementById('status').textContent.indexOf('認証') >= 0")
        browser.close()


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (Linux /proc; the worker pool's processes)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_stopping_the_server_stops_its_worker_processes(tokens_file, tmp_path):
    """SIGTERM (what systemd and `kill` send) used to leave the pool's workers orphaned, ~100 MB
    each, at every restart of the service."""
    import os

    from tests.server.conftest import start_server
    proc, log, _base = start_server(tokens_file, tmp_path)
    try:
        deadline = time.monotonic() + 30
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2:
            workers = _children(proc.pid) - {proc.pid}
            time.sleep(0.2)
        assert workers, "the server started no worker process"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in workers):
        time.sleep(0.2)
    alive = []
    for p in workers:
        try:
            state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(p)
            os.kill(p, 9)
    assert alive == [], f"worker processes left running after the server stopped: {alive}"
