"""A hostile corpus, generated (no committed binaries): one builder per case of reliability.md."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "取組状況_様式.xlsx"


def _rezip(src: bytes, *, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = (replace or {}).get(item.filename, zin.read(item.filename))
            zout.writestr(item.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def valid() -> bytes:
    return TEMPLATE.read_bytes()


def empty() -> bytes:
    return b""


def html() -> bytes:
    return "<!DOCTYPE html><html><body><table><tr><td>施策番号</td></tr></table></body></html>".encode()


def csv() -> bytes:
    return "施策番号,施策,部署\n1-01,新商品の販路開拓支援,商工労働部\n".encode("cp932")


def encrypted() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(valid())).encrypt("password", out)
    return out.getvalue()


def legacy_xls() -> bytes:
    import xlwt
    wb = xlwt.Workbook()
    wb.add_sheet("Sheet1").write(0, 0, "施策番号")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def truncated() -> bytes:
    data = valid()
    return data[: len(data) // 2]


def corrupt_entry() -> bytes:
    data = bytearray(valid())
    i = data.find(b"xl/worksheets/sheet1.xml")
    for k in range(i + 200, i + 260):  # damage compressed bytes of the sheet
        data[k] ^= 0x5A
    return bytes(data)


def zip_bomb_ratio() -> bytes:
    return _rezip(valid(), add={"xl/media/padding.bin": b"\0" * (30 * 1024 * 1024)})


def too_many_entries() -> bytes:
    return _rezip(valid(), add={f"customXml/item{i}.xml": b"<a/>" for i in range(2_100)})


def declared_size_over_budget() -> bytes:
    # Several entries that each compress well but stay under the ratio limit add up past the budget.
    import os
    block = os.urandom(64) * 1024  # compresses ~60x
    return _rezip(valid(), add={f"xl/media/img{i}.bin": block * 40 for i in range(90)})


def xml_entities() -> bytes:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            b"<si><t>&lol2;</t></si></sst>")
    with zipfile.ZipFile(io.BytesIO(valid())) as z:
        names = z.namelist()
    target = "xl/sharedStrings.xml"
    if target in names:
        return _rezip(valid(), replace={target: bomb})
    return _rezip(valid(), add={target: bomb})


def too_many_cells() -> bytes:
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(valid()))
    ws = wb.worksheets[0]
    for r in range(7, 7 + 700):  # below the blank template's example heading rows
        for c in range(1, 21):
            ws.cell(r, c, 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def far_cell() -> bytes:
    """One cell typed at the last cell of a sheet (XFD1048576): few cells, but a parser that
    builds the sheet's rectangle (calamine) would allocate 17 billion of them."""
    import re
    base = valid()
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    last = list(re.finditer(rb' r="[A-Z]+[0-9]+"', sheet))[-1]
    sheet = sheet[:last.start()] + b' r="XFD1048576"' + sheet[last.end():]
    return _rezip(base, replace={"xl/worksheets/sheet1.xml": sheet})


def oversize() -> bytes:
    import os
    return _rezip(valid(), add={"xl/media/photo.bin": os.urandom(9 * 1024 * 1024)})


def not_the_template() -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active["A1"] = "売上一覧"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_macros(base: bytes) -> bytes:
    return _rezip(base, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0fake-vba-project"})


def with_external_link(base: bytes) -> bytes:
    return _rezip(base, add={
        "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
        "xl/externalLinks/_rels/externalLink1.xml.rels":
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
            b'Target="file:///C:/secret/budget.xlsx" TargetMode="External"/></Relationships>'})


def with_x14_validation(base: bytes) -> bytes:
    """A drop-down whose list is on another sheet, as Excel 2010+ writes it (openpyxl drops it)."""
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    ext = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           b'<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Lists!$A$1:$A$5</xm:f></x14:formula1>'
           b'<xm:sqref>C5:C20</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>')
    sheet = sheet.replace(b"</worksheet>", ext + b"</worksheet>")
    return _rezip(base, replace={"xl/worksheets/sheet1.xml": sheet})


def with_connections(base: bytes) -> bytes:
    return _rezip(base, add={"xl/connections.xml": b'<connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'})


# case name → (builder, the finding code it must produce). All are hard stops.
REFUSED = {
    "empty": (empty, "empty-file"),
    "html-renamed": (html, "not-xlsx"),
    "csv-renamed": (csv, "not-xlsx"),
    "encrypted": (encrypted, "encrypted-file"),
    "legacy-xls": (legacy_xls, "legacy-xls"),
    "truncated-zip": (truncated, "corrupt-file"),
    "corrupt-entry": (corrupt_entry, "corrupt-file"),
    "zip-bomb-ratio": (zip_bomb_ratio, "zip-bomb"),
    "declared-size": (declared_size_over_budget, "zip-bomb"),
    "too-many-entries": (too_many_entries, "too-many-entries"),
    "xml-entities": (xml_entities, "xml-entities"),
    "too-many-cells": (too_many_cells, "too-many-cells"),
    "far-cell": (far_cell, "too-many-cells"),
    "over-size-budget": (oversize, "file-too-large"),
    "not-the-template": (not_the_template, "template-mismatch"),
}
