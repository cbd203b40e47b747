"""Static checks of the desktop add-in sources and the built .xlam."""

import inspect
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from xl_kpi.cli import main
from xl_kpi.excel import actions, scripts
from xl_kpi.excel.addin import DEFAULT_SOURCE, ribbon_buttons
from xl_kpi.excel.submit import SUBMIT_BUTTON

DESKTOP = Path(__file__).resolve().parents[2] / "workbook" / "desktop"


def test_custom_ui_is_well_formed_and_every_button_reaches_an_action():
    data = (DESKTOP / "customUI.xml").read_bytes()
    ET.fromstring(data)
    buttons = ribbon_buttons(data)
    submit_id, *submit = SUBMIT_BUTTON  # 「提出」 posts the saved file to the server (xl_kpi/excel/submit.py)
    assert {b["id"] for b in buttons} == set(scripts.RIBBON) | {submit_id}
    for b in buttons:
        label, tip, action = scripts.RIBBON.get(b["id"]) or submit
        assert b["label"] == label and b["supertip"] == tip
        assert b["onAction"] == "XlKpiRibbon.OnAction" and b["imageMso"]
        assert action in actions.ACTIONS or b["id"] == submit_id
    assert set(scripts.SCRIPTS) == {a for _, _, a in scripts.RIBBON.values()}


def _recorder(calls, name):
    def action(book, *args):
        calls.append((name, book, *args))
        return actions.ActionResult(f"{name} done")
    return action


def test_each_script_and_each_ribbon_button_runs_its_own_action(monkeypatch):
    """Every xlwings script (Office.js) and every ribbon id (desktop VBA → desktop.run) reaches
    exactly the action of its button, with the book it was given."""
    import asyncio

    import xlwings as xw
    import xlwings.server as xws

    from xl_kpi.core.errors import XlKpiError
    from xl_kpi.excel import desktop

    calls: list[tuple] = []
    for name in actions.ACTIONS:
        monkeypatch.setattr(actions, name, _recorder(calls, name))
        monkeypatch.setitem(actions.ACTIONS, name, _recorder(calls, name))
    book = object()
    for button, (_label, _tip, action) in scripts.RIBBON.items():
        assert getattr(scripts, action).__xlscript__ is not None  # registered with xlwings as a script
        calls.clear()
        # as the server runs a script (xl_kpi/server/app.py): xlwings injects the book by its type hint
        asyncio.run(xws.custom_scripts_call(scripts, action, typehint_to_value={xw.Book: book}, args=[]))
        expected = (action, book, "") if action == "new_submission" else (action, book)
        assert calls == [expected]
        calls.clear()
        assert desktop.run(button, book).message == f"{action} done"
        assert calls == [(action, book)]
    with pytest.raises(XlKpiError, match="btnUnknown"):
        desktop.run("btnUnknown", book)


def test_vba_module_dispatches_to_the_python_entry_point():
    bas = (DESKTOP / "XlKpiRibbon.bas").read_bytes()
    assert b"\r\n" in bas and b"\n" not in bas.replace(b"\r\n", b"")
    text = bas.decode("ascii")
    assert 'Attribute VB_Name = "XlKpiRibbon"' in text
    assert "Public Sub OnAction(control As IRibbonControl)" in text
    assert "import xl_kpi.excel.desktop as d; d.ribbon(" in text
    from xl_kpi.excel import desktop
    assert inspect.signature(desktop.ribbon).parameters.keys() == {"control_id"}


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
