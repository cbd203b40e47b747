"""The golden-file normaliser (tests/support/xlsxnorm.py) itself: what it ignores, what it sees."""

import io
import re
import zipfile
from pathlib import Path

from tests.support.xlsxnorm import compare_xlsx, sheet_view

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "取組状況_様式.xlsx"


def rezip(tmp_path, name, change=None, drop=(), add=None) -> Path:
    """A copy of the template with some parts changed (change: part → bytes → bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(TEMPLATE) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in src.namelist():
            if n in drop:
                continue
            data = src.read(n)
            dst.writestr(n, (change or {}).get(n, lambda b: b)(data))
        for n, data in (add or {}).items():
            dst.writestr(n, data)
    p = tmp_path / name
    p.write_bytes(out.getvalue())
    return p


def test_a_file_equals_itself_and_its_rezipped_copy(tmp_path):
    assert compare_xlsx(TEMPLATE, TEMPLATE) is None
    assert compare_xlsx(rezip(tmp_path, "copy.xlsx"), TEMPLATE) is None


def test_volatile_dates_app_properties_attribute_order_and_indentation_do_not_count(tmp_path):
    changes = {
        "docProps/app.xml": lambda b: b.replace(b"</Properties>", b"<Company>x</Company></Properties>"),
        "docProps/core.xml": lambda b: re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>1999-01-01T00:00:00Z", b),
        "xl/workbook.xml": lambda b: b.replace('<sheet name="入力" sheetId="1" r:id="rId1"/>'.encode(),
                                               '<sheet r:id="rId1" sheetId="1" name="入力"/>'.encode()),
        "xl/styles.xml": lambda b: b.replace(b"><", b">\n  <"),
    }
    for part, change in changes.items():
        assert change(zipfile.ZipFile(TEMPLATE).read(part)) != zipfile.ZipFile(TEMPLATE).read(part), part
    assert compare_xlsx(rezip(tmp_path, "same.xlsx", changes), TEMPLATE) is None


def test_a_changed_cell_text_even_a_space_is_a_difference_naming_the_part(tmp_path):
    spaced = rezip(tmp_path, "spaced.xlsx", {"xl/sharedStrings.xml": lambda b: b.replace("<t>施策</t>".encode(),
                                                                                        "<t>施策 </t>".encode())})
    diff = compare_xlsx(spaced, TEMPLATE)
    assert diff is not None and diff.startswith("xl/sharedStrings.xml: ") and "'施策 '" in diff
    renamed = rezip(tmp_path, "renamed.xlsx", {"xl/workbook.xml": lambda b: b.replace("入力".encode(), "入力2".encode())})
    assert compare_xlsx(renamed, TEMPLATE).startswith("xl/workbook.xml: ")


def test_missing_extra_and_binary_parts(tmp_path):
    fewer = rezip(tmp_path, "fewer.xlsx", drop=("xl/theme/theme1.xml",))
    assert compare_xlsx(fewer, TEMPLATE) == "missing part xl/theme/theme1.xml"
    assert compare_xlsx(TEMPLATE, fewer) == "extra part xl/theme/theme1.xml"
    one = rezip(tmp_path, "one.xlsx", add={"xl/media/image1.png": b"\x89PNG1"})
    two = rezip(tmp_path, "two.xlsx", add={"xl/media/image1.png": b"\x89PNG2"})
    assert compare_xlsx(one, two) == "xl/media/image1.png: : b'\\x89PNG1' != b'\\x89PNG2'"


def test_more_or_fewer_children_are_reported_with_their_path(tmp_path):
    extra_row = rezip(tmp_path, "row.xlsx", {"xl/worksheets/sheet2.xml": lambda b: b.replace(
        b"</sheetData>", b'<row r="99"><c r="A99" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')})
    diff = compare_xlsx(extra_row, TEMPLATE)
    assert diff.startswith("xl/worksheets/sheet2.xml: /3/") and "items !=" in diff


def test_sheet_view_reads_strings_numbers_widths_merges_and_the_frozen_pane(tmp_path):
    view = sheet_view(TEMPLATE, "入力")
    assert view.cells["A3"] == "施策番号" and view.cells["H4"] == "目標値\n(令和6年度末時点)"
    assert view.widths[1] == 7.7109375 and "A3:A4" in view.merges and view.frozen_at == "E5"
    assert view.validations["C5:C155"] == "部署一覧"
    settings = sheet_view(TEMPLATE, "設定")
    assert settings.frozen_at == "" and settings.cells["B3"] == "xl-kpi/1"
    inline = rezip(tmp_path, "inline.xlsx", {"xl/worksheets/sheet2.xml": lambda b: b.replace(
        b"</sheetData>", b'<row r="99"><c r="A99" t="inlineStr"><is><r><t>ab</t></r><r><t>c</t></r></is></c>'
                         b'<c r="B99"><v>12.5</v></c></row></sheetData>')})
    view2 = sheet_view(inline, "設定")
    assert (view2.cells["A99"], view2.cells["B99"]) == ("abc", "12.5")
