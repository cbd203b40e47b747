"""達成率 rounding against a real spreadsheet: LibreOffice computes ROUND on the same float cells.

A rate cell the report shows as a whole percent is the fraction rounded to 2 places, half away
from zero (Excel's ROUND: https://support.microsoft.com/office/round-function-c018c5d8-40fb-4053-90b1-b3e7f61a213b;
LibreOffice's ROUND behaves the same: https://help.libreoffice.org/latest/en-US/text/scalc/01/04060106.html).
Numbers are written to a sheet as floats (as a typed number or a computed cell holds them),
LibreOffice recalculates ``=ROUND(x,2)`` and ``=ROUND(current/target,2)`` and the CSV it exports
is compared with ``format_rate`` and ``kpi_rate``. Nothing here recomputes the expected value
the way the code does.

Note: ``=ROUND(x*100,0)`` is not used. It multiplies in binary first (0.575*100 =
57.49999999999999), and LibreOffice then gives 57 where the cell typed as 57.5 % displays as
58 % in Excel; on the values below it differs from ``=ROUND(x,2)`` on 31 exact halves.
"""

from __future__ import annotations

import csv
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from xl_kpi import format_rate, kpi_rate

pytestmark = pytest.mark.libreoffice

# Fractions: every half-percent step from -100 % to 300 % (the halves are where rounding bites),
# the rates of small counts against usual targets, and known binary troublemakers.
FRACTIONS = ([k / 1000 for k in range(-1000, 3000, 5)]
             + [1.125, -0.647, -0.645, 0.575, 1.005, 0.285, 2.675, 0.0049999999, 1 / 3, 2 / 3])
# (current, target) number cells, including decimals as typed (63.4 % of 74 %).
PAIRS = ([(c, t) for c in range(0, 121) for t in (3, 7, 8, 12, 30, 40, 200)]
         + [(63.4, 74), (0.634, 0.74), (45, 40), (1.5, 2), (112.5, 100), (-64.5, 100), (28.5, 100)])


def libreoffice_rounds(tmp_path: Path) -> list[list[str]]:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for i, x in enumerate(FRACTIONS, start=1):
        ws.cell(i, 1, x)
        ws.cell(i, 2, f"=ROUND(A{i},2)")
    for i, (c, t) in enumerate(PAIRS, start=1):
        ws.cell(i, 3, c)
        ws.cell(i, 4, t)
        ws.cell(i, 5, f"=ROUND(C{i}/D{i},2)")
    src = tmp_path / "rounding.xlsx"
    wb.save(src)
    out = tmp_path / "out"
    profile = (tmp_path / "profile").as_uri()
    # CSV filter options: comma, double quote, UTF-8, from row 1, …, values not as shown (token 9).
    proc = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                           "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false",
                           "--outdir", str(out), str(src)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    with open(out / "rounding.csv", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def as_percent(cell: str) -> str:
    return f"{int(Decimal(cell) * 100)}%"


def test_format_rate_and_kpi_rate_round_as_libreoffice_does(tmp_path):
    rows = libreoffice_rounds(tmp_path)
    fractions = [(x, row[1]) for x, row in zip(FRACTIONS, rows)]
    assert len(fractions) == len(FRACTIONS)
    assert [(x, format_rate(x)) for x, _ in fractions] == [(x, as_percent(lo)) for x, lo in fractions]
    pairs = [(c, t, row[4]) for (c, t), row in zip(PAIRS, rows)]
    assert len(pairs) == len(PAIRS)
    assert [(c, t, kpi_rate(c, t).display) for c, t, _ in pairs] == [(c, t, as_percent(lo)) for c, t, lo in pairs]
