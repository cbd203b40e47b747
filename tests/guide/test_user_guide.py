"""The Japanese user guide: every finding code of the one catalogue is in it, with its meaning
and an example of the fix, and new codes appear without editing the guide."""

import re
from html.parser import HTMLParser

import pytest

from xl_kpi.core.findings import CATALOGUE, SEVERITY_LABELS, Entry, entry
from xl_kpi.excel.scripts import RIBBON
from xl_kpi.guide import guide_html, guide_markdown

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


class _Rows(HTMLParser):
    """The rows of the HTML's tables by id: the cells' text."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._row: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = dict(attrs).get("id")
            if self._row:
                self.rows[self._row] = []
        elif tag == "td" and self._row:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._row and self._cell is not None:
            self.rows[self._row].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rows_of(html: str) -> dict[str, list[str]]:
    p = _Rows()
    p.feed(html)
    return p.rows


def test_every_catalogue_code_has_a_japanese_meaning_and_an_example_fix():
    missing = [code for code in CATALOGUE if not (JAPANESE.search(entry(code).meaning or "")
                                                  and JAPANESE.search(entry(code).fix or ""))]
    assert missing == [], f"add meaning= and fix= to these codes in xl_kpi/core/findings.py: {missing}"


def test_every_code_is_a_row_of_the_guide_with_its_catalogue_text():
    rows = rows_of(guide_html())
    assert set(CATALOGUE) <= set(rows), set(CATALOGUE) - set(rows)
    for code in CATALOGUE:
        e = entry(code)
        assert rows[code] == [code, SEVERITY_LABELS[e.severity], e.title, e.meaning, e.fix], code


def test_a_new_code_appears_in_the_guide_without_editing_it(monkeypatch):
    monkeypatch.setitem(CATALOGUE, "zz-new-code", Entry("warning", "新しい指摘", "{detail}",
                                                        "新しい意味。", "「a」→「b」。"))
    rows = rows_of(guide_html())
    assert rows["zz-new-code"] == ["zz-new-code", "警告", "新しい指摘", "新しい意味。", "「a」→「b」。"]
    monkeypatch.setitem(CATALOGUE, "zz-bare", ("warning", "古い形", "{detail}"))
    assert "zz-bare" in rows_of(guide_html())


def test_the_guide_covers_both_audiences_and_every_ribbon_button():
    md = guide_markdown()
    for heading in ("部署の担当者の方へ", "企画担当の方へ", "サーバーの設定", "指摘コードの一覧"):
        assert heading in md
    for label, tip, _ in RIBBON.values():
        assert f"| {label} | {tip} |" in md
    for command in ("xl-kpi template", "xl-kpi validate", "xl-kpi merge", "xl-kpi restore", "xl-kpi report",
                    "xl-kpi serve", "XLWINGS_LICENSE_KEY", "XL_KPI_BASE_URL", "指摘の重要度"):
        assert command in md, command


def test_the_html_is_rendered_markdown_with_nothing_left_raw():
    html = guide_html()
    text = re.sub(r"<pre>.*?</pre>", "", html, flags=re.S)
    assert "{{" not in html and "|---" not in text and "**" not in text and "\n# " not in text
    assert html.count("<table>") >= 6 and "<nav>" in html and 'lang="ja"' in html
    assert "<script" not in html and "http://" not in html  # opens offline, nothing remote


@pytest.mark.parametrize("name", ["guide.html", "guide.md"])
def test_guide_command_writes_html_or_markdown(tmp_path, capsys, name):
    from xl_kpi.cli import main
    assert main(["guide", "-o", str(tmp_path / "docs" / name)]) == 0
    text = (tmp_path / "docs" / name).read_text(encoding="utf-8")
    assert "basis-mismatch" in text and ("<html" in text) == name.endswith(".html")
