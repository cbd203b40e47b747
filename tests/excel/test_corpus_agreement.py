"""Every way into the 達成率 gives the same answer on every real-report corpus row.

The four ways: ``xl-kpi rate`` (the CLI's main), ``kpi_rate`` (the library), ``=KPI_RATE()``
through ``xlwings.server.custom_functions_call`` (what the Office.js add-in calls), and the ribbon's
「達成率を計算」 (``actions.compute_rates`` on a remote book built from a submission workbook that
``xl-kpi import-csv`` wrote from the corpus rows, 指標の方向 set as a clerk picks it).
Not computable is ``-`` everywhere: the CLI prints ``-`` (exit 0) or refuses unreadable text
(exit 2), the function returns ``#N/A <reason>``, the ribbon writes ``-``.
"""

from __future__ import annotations

import csv

import openpyxl
import pytest

from tests.core.corpus import load_corpus
from tests.excel.test_udfs import call
from tests.support.remote import apply_actions, remote_book
from xl_kpi import QuantityError, format_rate, kpi_rate
from xl_kpi.cli import main
from xl_kpi.core.record import CSV_FIELDS, DIRECTION_LABELS, LOWER_IS_BETTER
from xl_kpi.excel import actions
from xl_kpi.files.layout import LAYOUT
from xl_kpi.files.reading.reader import read_workbook

ROWS = [r for r in load_corpus() if r["target"].strip() or r["current"].strip()]
DEPARTMENT = "企画部"


def measure_id(i: int) -> str:
    return f"1-{i + 1:03d}"


@pytest.fixture(scope="module")
def ribbon_rates(tmp_path_factory) -> dict[str, str]:
    """measure id → the 達成率 the ribbon wrote, as the sheet displays it."""
    d = tmp_path_factory.mktemp("corpus")
    src = d / "corpus.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, CSV_FIELDS)
        w.writeheader()
        for i, r in enumerate(ROWS):
            w.writerow({k: "" for k in CSV_FIELDS} | {
                "goal_no": "1", "goal_title": "コーパス", "direction_letter": "ア", "direction_title": "実例",
                "measure_id": measure_id(i), "measure_name": f"施策{i + 1}", "department": DEPARTMENT,
                "kpi_no": "1", "kpi_item": r["kpi_item"], "baseline": r["baseline"], "target": r["target"],
                "current": r["current"], "relisted": "0"})
    assert main(["import-csv", str(src), "--out-dir", str(d / "out"), "--year", "令和2"]) == 0
    path = d / "out" / f"{DEPARTMENT}.xlsx"
    # The clerk picks 低いほど良い in 指標の方向 where the KPI is lower-is-better.
    wb = openpyxl.load_workbook(path)
    ws = wb[DEPARTMENT]
    rows_by_id = {r.measure_id: r.source.row for r in read_workbook(path).sheets[0].records}
    for i, r in enumerate(ROWS):
        if r.expect.direction == "lower":
            ws.cell(rows_by_id[measure_id(i)], LAYOUT.col("direction")).value = DIRECTION_LABELS[LOWER_IS_BETTER]
    wb.save(path)
    wb, book = remote_book(path)
    actions.compute_rates(book)
    apply_actions(wb, book.json()["actions"])
    wb.save(path)
    return {r.measure_id: r.rate for r in read_workbook(path).sheets[0].records}


def library(row) -> str:
    try:
        return kpi_rate(row["current"], row["target"], row["baseline"] or None,
                        lower_is_better=row.expect.direction == "lower").display
    except QuantityError:
        return "-"


def cli(row, capsys) -> str:
    args = ["rate", f"--current={row['current']}", f"--target={row['target']}"]
    if row["baseline"].strip():
        args.append(f"--baseline={row['baseline']}")
    if row.expect.direction == "lower":
        args.append("--lower-is-better")
    code = main(args)
    out, err = capsys.readouterr()
    if code == 2:
        assert err.startswith("エラー: ") and not out
        return "-"
    assert code == 0
    if out.strip() == "-":
        assert err.strip().endswith("。")  # the reason, on stderr
    return out.strip()


def custom_function(row) -> str:
    method = "低いほど良い" if row.expect.direction == "lower" else None
    [[value]] = call("kpi_rate", row["current"], row["target"], row["baseline"] or None, method)
    if isinstance(value, str):
        assert value.startswith("#N/A ") or value == ""
        return "-"
    return format_rate(value)


@pytest.mark.parametrize("i", range(len(ROWS)), ids=[r.id for r in ROWS])
def test_cli_library_function_and_ribbon_agree(i, ribbon_rates, capsys):
    row = ROWS[i]
    expected = library(row)
    assert cli(row, capsys) == expected
    assert custom_function(row) == expected
    assert (ribbon_rates[measure_id(i)] or "-") == expected


def test_kpi_rate_function_treats_placeholders_as_no_value():
    [[na]] = call("kpi_rate", "―", "2.5km")
    assert na.startswith("#N/A ") and "現在値" in na and "―" in na
    [[value]] = call("kpi_rate", "0.22 km(整備延長)", "2.5 km(整備延長)", "-")
    assert format_rate(value) == "9%"
