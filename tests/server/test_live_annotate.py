"""「指摘をコメントで書き込む」 from the task pane in headless Chromium, against a real uvicorn server:
the glue sends note addresses when ExcelApi 1.18 is there and applies the returned notes and links."""

import json

import openpyxl
import pytest

from tests.server.conftest import SHOKO
from tests.server.test_live import HERE, wait_until
from tests.support.browser import chromium_page


def _run(base: str, submissions, api118: bool):
    wb = openpyxl.load_workbook(submissions / "商工労働部.xlsx")
    sheets = [{"name": ws.title, "values": [list(row) for row in ws.iter_rows(values_only=True)]} for ws in wb.worksheets]
    book = json.dumps({"sheets": sheets, "active": 0}, ensure_ascii=False, default=str)
    with chromium_page(420, 900) as page:
        page.route("https://appsforoffice.microsoft.com/**",
                   lambda route: route.fulfill(body="", content_type="text/javascript"))
        page.add_init_script(f"window.__XLKPI_BOOK__ = {book}; window.__XLKPI_API118__ = {str(api118).lower()};"
                             f"localStorage.setItem('xlKpiToken', '{SHOKO}');")
        for script in ("office_standin.js", "office_notes_standin.js"):
            page.add_init_script(path=str(HERE / script))
        page.goto(base + "/static/taskpane.html")
        page.get_by_role("button", name="指摘をコメントで書き込む").click()
        wait_until(page, "document.getElementById('status').textContent.indexOf('中…') < 0 && "
                         "document.getElementById('status').textContent.length > 0", timeout=20)
        return page.evaluate("({status: document.getElementById('status').textContent,"
                             " notes: window.__XLKPI_BOOK_REF__.sheets[0].notes || [], links: window.__links__})")


@pytest.mark.chromium
def test_task_pane_writes_notes_and_links_where_excel_supports_notes(live_server, submissions):
    out = _run(live_server, submissions, api118=True)
    assert "メモ" in out["status"] and "書き込みました" in out["status"]
    notes = {n["address"]: n["content"] for n in out["notes"]}
    assert "basis-mismatch" in notes["G8"] and "【xl-kpi チェック】" in notes["G8"]  # 1-02 件/年(平均) vs 件(累計)
    assert any(link.get("documentReference") == "'商工労働部'!G8" for link in out["links"])


@pytest.mark.chromium
def test_task_pane_without_notes_colours_links_and_explains(live_server, submissions):
    out = _run(live_server, submissions, api118=False)
    assert "ExcelApi 1.18" in out["status"] and out["notes"] == []
    assert out["links"] and all("documentReference" in link for link in out["links"])
