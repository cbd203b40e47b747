"""``xl-kpi addin build``: the desktop .xlam from ``workbook/desktop`` and xlwings' ribbon add-in.

xlwings ships a ribbon add-in whose VBA project holds the xlwings module (``RunPython``). The build
copies it, replaces its ribbon with ``customUI.xml``, names its configuration sheet after the add-in
and points ``UDF Modules`` at :mod:`xl_kpi.excel.udfs`. The VBA dispatch module
(``XlKpiRibbon.bas``) is imported once in Excel on Windows: VBA cannot be compiled elsewhere.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from ..core.errors import FileError

DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "workbook" / "desktop"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
UDF_MODULES = "xl_kpi.excel.udfs"


def default_source() -> Path:
    """``workbook/desktop`` of the source tree: beside the package (a checkout or an editable
    install) or, after ``pip install .``, in the current folder (the repository root)."""
    for p in (DEFAULT_SOURCE, Path.cwd() / "workbook" / "desktop"):
        if (p / "customUI.xml").is_file():
            return p
    return DEFAULT_SOURCE


def xlwings_ribbon_addin() -> Path:
    import xlwings
    p = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
    if not p.exists():
        raise FileError("xlwings のリボン用アドイン（quickstart_addin_ribbon.xlam）が見つかりません。",
                        code="unreadable-file", path=str(p))
    return p


def ribbon_buttons(custom_ui: bytes) -> list[dict[str, str]]:
    """The buttons of a customUI document (id, label, onAction, imageMso)."""
    root = ET.fromstring(custom_ui)
    return [dict(b.attrib) for b in root.iter(f"{{{CUSTOM_UI_NS}}}button")]


def build_addin(out: Path, source: Path = DEFAULT_SOURCE, name: str = "xl-kpi") -> Path:
    custom_ui_path = source / "customUI.xml"
    if not custom_ui_path.exists():
        raise FileError(f"{custom_ui_path} がありません（--source で workbook/desktop を指定してください）。",
                        code="unreadable-file", path=str(custom_ui_path))
    custom_ui = custom_ui_path.read_bytes()
    ribbon_buttons(custom_ui)  # well-formed, or ParseError
    base = xlwings_ribbon_addin().read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "customUI/customUI.xml":
                data = custom_ui
            elif item.filename == "xl/workbook.xml":
                data = re.sub(rb'<sheet name="_[^"]*\.conf"', f'<sheet name="_{name}.conf"'.encode(), data)
            elif item.filename == "xl/worksheets/sheet1.xml":
                data = _set_udf_modules(data)
            info = zipfile.ZipInfo(item.filename, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue())
    return out


def _set_udf_modules(sheet_xml: bytes) -> bytes:
    """Put the UDF module name in B6 (beside the 「UDF Modules」 key in A6) as an inline string."""
    cell = f'<c r="B6" s="1" t="inlineStr"><is><t>{UDF_MODULES}</t></is></c>'.encode()
    return re.sub(rb'(<row r="6"[^>]*>)(<c r="A6"[^>]*>(?:<v>[^<]*</v>)?</c>)(</row>)',
                  lambda m: m.group(1).replace(b'spans="1:1"', b'spans="1:2"') + m.group(2) + cell + m.group(3),
                  sheet_xml)
