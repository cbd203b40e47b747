"""Text stays text in Excel, and error cells in arguments are not computable with a reason.

Excel reads a value written through ``Range.values`` that starts with ``=``, ``+`` or ``-`` as a
formula (@types/office-js, ``Excel.Range.values``: "If the returned value starts with a plus
("+"), minus ("-"), or equal sign ("="), Excel interprets this value as a formula"); COM's
``Range.Value`` does the same on the desktop. A leading apostrophe makes the rest text
(learn.microsoft.com, ``Range.PrefixCharacter``). ``tests.support.remote.apply_actions`` models
exactly that when it replays an action on a workbook.
"""

from __future__ import annotations

import openpyxl
import pytest

from tests.support.remote import apply_actions, remote_book
from xl_kpi.excel import actions, cells, udfs
from xl_kpi.files.layout import LAYOUT

HOSTILE = {"current": "=1+1", "baseline": "+cmd|' /C calc'!A0", "target": "@SUM(A1)"}
FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")


def plant(path, sheet: str) -> None:
    """Formula-like text in the first KPI row's 基準値/目標値/現在値, as a user may type or paste it."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    col = {name: LAYOUT.col(name) for name in HOSTILE}
    row = next(r for r in range(LAYOUT.first_data_row, ws.max_row + 1) if ws.cell(r, col["current"]).value)
    for name, text in HOSTILE.items():
        cell = ws.cell(row, col[name])
        cell.value = text
        cell.data_type = "s"  # typed as text (Excel keeps such an entry as text when it is typed with ')
    wb.save(path)


def written_values(book) -> list:
    return [v for a in book.json()["actions"] if a["func"] == "setValues" for row in a["values"] for v in row]


@pytest.mark.parametrize("action", ["compute_rates", "validate_sheet", "merge_sheets", "new_submission"])
def test_every_action_writes_formula_like_text_as_text(action, submissions):
    """Fails before: validate_sheet wrote a finding's value such as +cmd|' /C calc'!A0 as a formula,
    compute_rates wrote "-" (a formula to Excel), merge_sheets the cell texts."""
    path = submissions / "商工労働部.xlsx"
    plant(path, "商工労働部")
    wb, book = remote_book(path)
    args = ("=部署",) if action == "new_submission" else ()
    actions.ACTIONS[action](book, *args)
    values = written_values(book)
    assert values
    risky = [v for v in values if isinstance(v, str) and v.startswith(FORMULA_LIKE)]
    assert not risky, risky  # every formula-like text carries the apostrophe
    apply_actions(wb, book.json()["actions"])
    formulas = [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert not formulas, formulas
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    if action in ("validate_sheet", "merge_sheets"):
        assert HOSTILE["current"] in texts  # the finding quotes the value as the user typed it
    if action == "compute_rates":
        assert "-" in texts  # not computable: the text "-", not a formula


def test_the_one_routine_on_the_desktop_shape():
    """On the desktop the same routine writes through xlwings' Range.value (COM Range.Value)."""
    class Range:
        value = raw_value = None

        def __init__(self, sheet):
            self.sheet = sheet

    class Sheet:  # a desktop sheet: its api is a COM object, not the Office.js JSON
        api = object()

        def __init__(self):
            self.ranges = {}

        def range(self, *address):
            return self.ranges.setdefault(address, Range(self))

    sheet = Sheet()
    rng = sheet.range((1, 1), (1, 6))
    cells.write_values(rng, [["=A1", "-", "'quoted", 12, "普通の文字", None]])
    # COM's Range.Value takes the values as they are; None is Empty
    assert rng.raw_value == [["'=A1", "'-", "''quoted", 12, "普通の文字", None]]
    cells.set_column_width(sheet, 2, 22)
    assert sheet.range((1, 2)).column_width == 22  # characters, COM's unit
    assert cells.characters_to_points(22) == 119.25  # Office.js takes points


COM_NA, COM_DIV0 = -2146826246, -2146826281  # VT_ERROR 0x800A0000 + xlErrNA (2042) / xlErrDiv0 (2007)


@pytest.mark.parametrize("shape,error", [("desktop COM integer", COM_NA), ("desktop COM integer", COM_DIV0),
                                         ("Office.js error string", "#N/A"), ("Office.js error string", "#REF!")])
def test_error_cells_in_arguments_are_not_computable_with_a_reason(shape, error):
    """Fails before: =KPI_RATE() over an #N/A cell on the desktop returned −53,670,656."""
    code = udfs.cell_error(error)
    assert code in ("#N/A", "#DIV/0!", "#REF!")
    for out in (udfs.kpi_rate([[error]], [["40件"]]), udfs.kpi_rate([["45件"]], [[error]]),
                udfs.kpi_value([[error]]), udfs.kpi_unit([[error]])):
        assert out.startswith("#N/A") and f"エラー（{code}）" in out, (shape, out)
    assert udfs.kpi_grade([[error]]) == "-"
    column = udfs.kpi_rate([["45件"], [error], ["20件"]], [["40件"]])
    assert column[0][0] == pytest.approx(1.125) and column[1][0].startswith("#N/A") and column[2][0] == 0.5
    assert udfs.cell_error(-5) is None and udfs.cell_error("#N/Aの説明") is None


def test_colour_blocks_are_the_actions_of_range_color(submissions):
    """On the remote book color_blocks appends, without an xw.Range each, exactly the actions
    xlwings' Range.color appends: the Office.js client and the replay see no difference."""
    blocks = [(7, 1, 7, 20, None), (12, 8, 12, 8, "#FFE699"), (5, 2, 9, 4, "F8CBAD")]
    _, expected = remote_book(submissions / "商工労働部.xlsx")
    _, book = remote_book(submissions / "商工労働部.xlsx")
    for sheet in (expected.sheets[0], expected.sheets[-1]):
        for r0, c0, r1, c1, color in blocks:
            sheet.range((r0, c0), (r1, c1)).color = color
    assert cells.color_blocks(book.sheets[0], blocks) == 3
    assert cells.color_blocks(book.sheets[-1], iter(blocks)) == 3
    assert book.json()["actions"] == expected.json()["actions"]
    assert expected.json()["actions"][2]["args"] == ["#F8CBAD"]


def test_colour_blocks_on_the_desktop_shape_go_through_range_color():
    class Range:
        color = None

    class Sheet:  # a desktop sheet: its api is a COM object
        api = object()

        def __init__(self):
            self.ranges: dict = {}

        def range(self, *address):
            return self.ranges.setdefault(address, Range())

    sheet = Sheet()
    assert cells.color_blocks(sheet, [(2, 1, 3, 4, "#FFE699"), (5, 5, 5, 5, None)]) == 2
    assert sheet.ranges[((2, 1), (3, 4))].color == "#FFE699"
    assert ((5, 5), (5, 5)) in sheet.ranges and sheet.ranges[((5, 5), (5, 5))].color is None
