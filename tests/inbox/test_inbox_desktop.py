"""「提出」 on the desktop add-in's ribbon: the button's id reaches :func:`xl_kpi.excel.submit.submit_book`
(through ``desktop.run``, as the VBA module sends it), which saves the workbook and posts its file to
the real server; the answer is the action's message and findings."""

from __future__ import annotations

import shutil

import pytest

from tests.inbox.conftest import KODOMO, PLANNING, edit, fix_rate
from xl_kpi.core.errors import XlKpiError
from xl_kpi.excel import desktop
from xl_kpi.excel.submit import SUBMIT_BUTTON


class SavedBook:
    """The members of ``xw.Book`` that 「提出」 uses: ``save()`` and ``fullname``."""

    def __init__(self, path):
        self.fullname = str(path)
        self.saves = 0

    def save(self):
        self.saves += 1


def test_the_desktop_ribbon_submits_the_saved_workbook(server, seed, tmp_path, monkeypatch):
    monkeypatch.setenv("XL_KPI_SERVER_URL", server.base)
    monkeypatch.setenv("XL_KPI_TOKEN", KODOMO)
    book = SavedBook(shutil.copy(seed / "子ども家庭部.xlsx", tmp_path / "子ども家庭部.xlsx"))
    refused = desktop.run(SUBMIT_BUTTON[0], book)
    assert book.saves == 1 and "直してから" in refused.message
    assert [(f.code, f.cell) for f in refused.findings if f.severity == "error"] == [("rate-mismatch", "J10")]
    edit(tmp_path / "子ども家庭部.xlsx", fix_rate)
    taken = desktop.run(SUBMIT_BUTTON[0], book)
    [stored] = server.json("GET", "/api/submissions", PLANNING)[1]["submissions"]
    assert taken.message == f"受け付けました（受付番号 {stored['id']}）。" and taken.counts["id"] == stored["id"]


def test_without_the_server_address_or_token_it_says_how_to_set_them(tmp_path, monkeypatch):
    monkeypatch.delenv("XL_KPI_SERVER_URL", raising=False)
    monkeypatch.delenv("XL_KPI_TOKEN", raising=False)
    with pytest.raises(XlKpiError, match="setx XL_KPI_SERVER_URL"):
        desktop.run(SUBMIT_BUTTON[0], SavedBook(tmp_path / "x.xlsx"))
    monkeypatch.setenv("XL_KPI_SERVER_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("XL_KPI_TOKEN", KODOMO)
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    with pytest.raises(XlKpiError, match="接続できませんでした"):
        desktop.run(SUBMIT_BUTTON[0], SavedBook(tmp_path / "x.xlsx"))
    with pytest.raises(XlKpiError, match=".xlsx 形式で保存"):
        desktop.run(SUBMIT_BUTTON[0], SavedBook(tmp_path / "Book1"))
