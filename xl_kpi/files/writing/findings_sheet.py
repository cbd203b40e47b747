"""The master's 「チェック結果」 sheet: every finding of the merge, one a row, a code repeated down a
sheet shortened to its first rows and a count.
"""

from __future__ import annotations

from collections.abc import Sequence

from xlsxwriter.format import Format

from ...core.findings import SEVERITY_LABELS, Finding, actionable_first
from ...core.record import FIELD_LABELS
from ..layout import FINDINGS_SHEET
from .fastsheet import FastWorkbook
from .styles import TABLE_LINE_HEIGHT, CellFormats, print_as_table, wrapped_lines
from .two_processes import SheetRows

FINDING_COLUMNS = (("code", "コード", 22), ("severity", "重要度", 8), ("location", "場所", 26),
                   ("file", "ファイル", 18), ("measure_id", "施策番号", 8), ("kpi_no", "KPI", 5),
                   ("field", "項目", 12), ("value", "値", 24), ("message", "内容", 70))


FINDINGS_PER_GROUP = 20     # rows per code, severity and sheet before the rest share one row
CELLS_LISTED = 60           # cells named in that row


def finding_rows(findings: Sequence[Finding]) -> list[dict[str, str]]:
    """The rows of 「チェック結果」: every finding, except that a code repeated on one sheet (the
    same mistake down a column) shows its first FINDINGS_PER_GROUP findings and then one row
    with the count and the cells of the rest."""
    rows: list[dict[str, str]] = []
    rest: dict[tuple[str, str, str, str], list[Finding]] = {}
    seen: dict[tuple[str, str, str, str], int] = {}
    for f in findings:
        key = (f.code, f.severity, f.file, f.sheet)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > FINDINGS_PER_GROUP:
            rest.setdefault(key, []).append(f)
            continue
        row = f.to_dict()
        row["severity"] = SEVERITY_LABELS[f.severity]
        row["field"] = FIELD_LABELS.get(f.field, f.field)
        rows.append(row)
    for (code, severity, file, sheet), more in rest.items():
        cells = [x.cell for x in more if x.cell]
        listed = "、".join(cells[:CELLS_LISTED]) + ("…" if len(cells) > CELLS_LISTED else "")
        rows.append({"code": code, "severity": SEVERITY_LABELS[severity], "file": file,
                     "location": f"{file}［{sheet}］ {listed}".strip(),
                     "message": f"上と同じ指摘がほかに{len(more)}件あります（{listed or file}）。"
                                f"最初の{FINDINGS_PER_GROUP}件と同じように直してください。"})
    return rows


def write_master_findings_sheet(wb: FastWorkbook, fmt: CellFormats, findings: Sequence[Finding]) -> None:
    _, write_rows = master_findings_sheet(wb, fmt, findings)
    write_rows()


def master_findings_sheet(wb: FastWorkbook, fmt: CellFormats, findings: Sequence[Finding]) -> SheetRows:
    """「チェック結果」 added with its headers and print set-up, and the function that writes its rows
    (the master's are written in a second process)."""
    ws = wb.add_worksheet(FINDINGS_SHEET)
    for j, (_, h, width) in enumerate(FINDING_COLUMNS):
        ws.write_string(0, j, h, fmt["table_header"])
        ws.set_column(j, j, width, fmt["cell"])
    rows = finding_rows(actionable_first(findings))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(FINDING_COLUMNS) - 1)
    print_as_table(ws)
    # the rows' formats made here: the rows may be written in a copy of this process, which must not make one
    sev_fmt = {SEVERITY_LABELS[key]: fmt[name] for key, name in
               (("error", "error"), ("warning", "warning"), ("info", "info_sev"))}
    return ws, lambda: _write_rows(ws, rows, fmt["cell"], sev_fmt)


def _write_rows(ws, rows: Sequence[dict[str, str]], cell: Format, sev_fmt: dict[str, Format]) -> None:
    for i, row in enumerate(rows, start=1):
        lines = 1
        cells: list[tuple[int, object, Format | None]] = []
        for j, (key, _, width) in enumerate(FINDING_COLUMNS):
            text = str(row.get(key, ""))
            if key == "severity":
                cells.append((j, text, sev_fmt[text]))
            elif text:  # a blank cell shows its column's style
                cells.append((j, text, cell))
            lines = max(lines, wrapped_lines(text, width))
        # LibreOffice and Excel do not grow rows for wrapped text written by a program: set them.
        ws.put_row(i, cells, height=TABLE_LINE_HEIGHT * lines + 3)
