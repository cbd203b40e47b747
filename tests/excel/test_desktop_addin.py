"""Static checks of the desktop add-in sources and the built .xlam."""

import inspect
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from xl_kpi.cli import main
from xl_kpi.excel import actions, scripts
from xl_kpi.excel.addin import DEFAULT_SOURCE, ribbon_buttons

DESKTOP = Path(__file__).resolve().parents[2] / "workbook" / "desktop"


def test_custom_ui_is_well_formed_and_every_button_reaches_an_action():
    data = (DESKTOP / "customUI.xml").read_bytes()
    ET.fromstring(data)
    buttons = ribbon_buttons(data)
    assert {b["id"] for b in buttons} == set(scripts.RIBBON)
    for b in buttons:
        label, tip, action = scripts.RIBBON[b["id"]]
        assert b["label"] == label and b["supertip"] == tip
        assert b["onAction"] == "XlKpiRibbon.OnAction" and b["imageMso"]
        assert action in actions.ACTIONS
        assert inspect.isfunction(getattr(scripts, action)) or callable(getattr(scripts, action))
    assert set(scripts.SCRIPTS) == {a for _, _, a in scripts.RIBBON.values()}


def test_vba_module_dispatches_to_the_python_entry_point():
    bas = (DESKTOP / "XlKpiRibbon.bas").read_bytes()
    assert b"\r\n" in bas and b"\n" not in bas.replace(b"\r\n", b"")
    text = bas.decode("ascii")
    assert 'Attribute VB_Name = "XlKpiRibbon"' in text
    assert "Public Sub OnAction(control As IRibbonControl)" in text
    assert "import xl_kpi.excel.desktop as d; d.ribbon(" in text
    from xl_kpi.excel import desktop
    assert callable(desktop.ribbon)


def test_xlwings_conf_points_at_the_udfs():
    assert '"UDF MODULES","xl_kpi.excel.udfs"' in (DESKTOP / "xlwings.conf").read_text()


def test_addin_build(tmp_path):
    out = tmp_path / "xl-kpi.xlam"
    assert main(["addin", "build", "-o", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        assert z.read("customUI/customUI.xml") == (DEFAULT_SOURCE / "customUI.xml").read_bytes()
        assert b'<sheet name="_xl-kpi.conf"' in z.read("xl/workbook.xml")
        assert b"xl_kpi.excel.udfs" in z.read("xl/worksheets/sheet1.xml")
        assert "xl/vbaProject.bin" in z.namelist()
        for name in z.namelist():
            if name.endswith(".xml"):
                ET.fromstring(z.read(name))
    assert main(["addin", "build", "-o", str(out), "--source", str(tmp_path / "none")]) == 2
