"""「提出」 in the task pane, in Chromium against the real server: the workbook's file comes from
Office.js (tests/server/office_standin.js models Document.getFileAsync as Microsoft documents it),
the answer — the findings to fix, then 「受け付けました（受付番号 …）」 — shows in the pane, and a
差し戻し by the planning division shows there with its message."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path

import pytest

from tests.inbox.conftest import KODOMO, PLANNING, edit, fix_rate
from tests.support.browser import chromium_page

STANDIN = Path(__file__).resolve().parents[1] / "server" / "office_standin.js"


def wait_text(page, selector: str, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in page.locator(selector).inner_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector}: {page.locator(selector).inner_text()!r} has no {text!r}")
        time.sleep(0.1)


def open_pane(page, base: str, workbook: Path) -> None:
    book = {"name": workbook.name, "sheets": [{"name": "子ども家庭部", "values": [[None]]}], "active": 0}
    page.route("https://appsforoffice.microsoft.com/**", lambda route: route.fulfill(body="", content_type="text/javascript"))
    page.add_init_script(f"window.__XLKPI_BOOK__ = {json.dumps(book, ensure_ascii=False)};"
                         f"window.__XLKPI_FILE__ = '{base64.b64encode(workbook.read_bytes()).decode()}';"
                         f"localStorage.setItem('xlKpiToken', '{KODOMO}');")
    page.add_init_script(path=str(STANDIN))
    page.goto(base + "/static/taskpane.html")


@pytest.mark.chromium
def test_submit_from_the_task_pane(server, seed):
    with chromium_page(width=420, height=900) as page:
        open_pane(page, server.base, seed / "子ども家庭部.xlsx")
        page.get_by_role("button", name="提出", exact=True).click()
        wait_text(page, "#status", "直してから")
        assert "エラーが 1 件" in page.locator("#status").inner_text()
        assert "'子ども家庭部'!J10 [エラー]" in "\n".join(page.locator("#findings li").all_inner_texts())
        assert page.evaluate("window.__fileCalls__") == ["compressed"] and page.evaluate("window.__fileClosed__")
        wait_text(page, "#submission-state", "未提出")
    assert server.json("GET", "/api/submissions", PLANNING)[1]["submissions"] == []

    fixed = edit(seed / "子ども家庭部.xlsx", fix_rate)
    with chromium_page(width=420, height=900) as page:
        open_pane(page, server.base, fixed)
        page.get_by_role("button", name="提出", exact=True).click()
        wait_text(page, "#status", "受け付けました")
        [stored] = server.json("GET", "/api/submissions", PLANNING)[1]["submissions"]
        assert page.locator("#status").inner_text() == f"受け付けました（受付番号 {stored['id']}）。"
        assert stored["sha256"] == hashlib.sha256(fixed.read_bytes()).hexdigest()
        assert stored["filename"] == "子ども家庭部.xlsx"
        wait_text(page, "#submission-state", f"提出済（受理）（受付番号 {stored['id']}")

    message = "KPI 3 の現在値の出典を備考に書いてください。"
    status, _ = server.json("POST", f"/api/submissions/{stored['id']}/reopen", PLANNING,
                            json.dumps({"message": message}).encode(), "application/json")
    assert status == 200
    with chromium_page(width=420, height=900) as page:
        open_pane(page, server.base, fixed)
        wait_text(page, "#submission-state", "企画担当からの差し戻し: " + message)
        assert "子ども家庭部: 差し戻し" in page.locator("#submission-state").inner_text()
