"""The task pane's book payload, aligned with xlwings' own Office.js client (xlwings/xlwings-server,
static/js/custom-scripts/index.js, named-items.js, workbook-metadata.js convertDateValues): the
workbook's name, the selection's address, workbook names, date cells as ISO text, script arguments
as ``args``; and the sheets a script does not read sent without values (xlwings' "exclude")."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
STATIC = HERE.parents[1] / "xl_kpi" / "server" / "static"
NODE = shutil.which("node")

RUN = r"""
const fs = require("fs"), vm = require("vm");
const [standin, glue, bookFile, script] = process.argv.slice(2);
const sandbox = { console, JSON, Promise, Array, Object, String, Number, Math, Date, setTimeout };
sandbox.window = sandbox;
sandbox.__XLKPI_BOOK__ = JSON.parse(fs.readFileSync(bookFile, "utf8"));
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(standin, "utf8"), sandbox);
vm.runInContext(fs.readFileSync(glue, "utf8") + "\nthis.XlKpi = XlKpi;", sandbox);
(async () => {
  const payload = await sandbox.Excel.run((context) => sandbox.XlKpi.bookData(context, script));
  const formats = ["yyyy/m/d", "[$-411]ggge年m月d日", "[h]:mm", "0%", "#,##0", "General", '0"人"', "@"];
  process.stdout.write(JSON.stringify({ payload, dates: formats.map((f) => sandbox.XlKpi.isDateFormat(f)) }));
})().catch((e) => { process.stderr.write(String(e.stack || e)); process.exit(1); });
"""


def book_data(tmp_path: Path, script: str) -> dict:
    book = {"name": "商工労働部_提出.xlsx", "active": 1,
            "names": [{"name": "印刷範囲", "formula": "=入力!$A$1:$B$2", "sheet": 1}],
            "sheets": [{"name": "メモ", "values": [["x"]]},
                       {"name": "入力", "values": [["施策番号", "更新日"], ["1-01", 44197]],
                        "formats": [["General", "General"], ["General", "yyyy/m/d"]]},
                       {"name": "設定", "values": [["年度", 2020]]}]}
    (tmp_path / "book.json").write_text(json.dumps(book, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "run.js").write_text(RUN, encoding="utf-8")
    proc = subprocess.run([NODE, str(tmp_path / "run.js"), str(HERE / "office_standin.js"), str(STATIC / "xlkpi.js"),
                           str(tmp_path / "book.json"), script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_payload_is_the_one_xlwings_client_sends(tmp_path):
    """Fails before: name "book.xlsx", selection "A1", no names, dates as serials, every sheet's values."""
    out = book_data(tmp_path, "validate_sheet")
    p = out["payload"]
    assert p["book"] == {"name": "商工労働部_提出.xlsx", "active_sheet_index": 1, "selection": "B5"}
    assert p["names"][0]["name"] == "印刷範囲" and p["names"][0]["refers_to"] == "=入力!$A$1:$B$2"
    assert p["names"][0]["sheet_index"] == 1 and p["names"][0]["book_scope"] is True
    sheets = {s["name"]: s["values"] for s in p["sheets"]}
    assert sheets["メモ"] == [[]]  # not read by validate_sheet: sent without values, position kept
    assert sheets["入力"][1] == ["1-01", "2021-01-01T00:00:00.000Z"]  # a date cell as ISO text, as xlwings
    assert sheets["設定"] == [["年度", 2020]]
    assert out["dates"] == [True, True, True, False, False, False, False, False]
    merged = book_data(tmp_path, "merge_sheets")["payload"]
    assert {s["name"]: s["values"] for s in merged["sheets"]}["メモ"] == [["x"]]  # the merge reads every sheet


def test_script_arguments_are_sent_as_args():
    glue = (STATIC / "xlkpi.js").read_text(encoding="utf-8")
    assert "payload.args = args" in glue and "script_args" not in glue
    assert 'range.format.columnWidth = Number(arg)' in glue  # points, as xlwings 0.37 sends them


APPLY = r"""
const fs = require("fs"), vm = require("vm");
const [standin, glue, actionsFile] = process.argv.slice(2);
const sandbox = { console, JSON, Promise, Array, Object, String, Number, Math, Date, setTimeout };
sandbox.window = sandbox;
sandbox.__XLKPI_BOOK__ = { sheets: [{ name: "入力", values: [[null]] }], active: 0 };
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(standin, "utf8"), sandbox);
vm.runInContext(fs.readFileSync(glue, "utf8") + "\nthis.XlKpi = XlKpi;", sandbox);
(async () => {
  const actions = JSON.parse(fs.readFileSync(actionsFile, "utf8"));
  await sandbox.Excel.run((context) => sandbox.XlKpi.applyActions(context, actions));
  const book = sandbox.__XLKPI_BOOK_REF__;
  process.stdout.write(JSON.stringify({ syncs: sandbox.__syncs__, sheets: book.sheets.map((s) => s.name),
                                        last: book.sheets[1].values[99][9] }));
})().catch((e) => { process.stderr.write(String(e.stack || e)); process.exit(1); });
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_writes_reach_excel_in_a_few_batches(tmp_path):
    """Each context.sync() is a round trip to Excel (learn.microsoft.com/office/dev/add-ins/excel/performance,
    "Minimize the number of sync() calls"); a batch stays far below Excel on the web's 5 MB request
    (learn.microsoft.com/office/dev/add-ins/concepts/resource-limits-and-performance-optimization).
    The glue synced after every action: 62 round trips for these 60 writes."""
    block = [[f"r{r}c{c}" for c in range(10)] for r in range(100)]  # 1,000 cells an action
    actions = [{"func": "addSheet", "args": [1, "チェック結果"], "values": None, "sheet_position": None,
                "start_row": None, "start_column": None, "row_count": None, "column_count": None}]
    actions += [{"func": "setValues", "args": [], "values": block, "sheet_position": 1, "start_row": 0,
                 "start_column": 0, "row_count": 100, "column_count": 10} for _ in range(59)]
    (tmp_path / "actions.json").write_text(json.dumps(actions, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "apply.js").write_text(APPLY, encoding="utf-8")
    proc = subprocess.run([NODE, str(tmp_path / "apply.js"), str(HERE / "office_standin.js"), str(STATIC / "xlkpi.js"),
                           str(tmp_path / "actions.json")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["sheets"] == ["入力", "チェック結果"] and out["last"] == "r99c9"  # the writes after addSheet landed on it
    # the sheet list, the new sheet, two full batches of 20,000 cells, and the rest at the end
    assert out["syncs"] == 5
