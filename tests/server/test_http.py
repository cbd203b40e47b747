"""Every route over HTTP (TestClient): auth, roles, limits, errors, headers, manifest."""

import json
import logging
import re
from xml.etree import ElementTree as ET

import pytest
import xlwings as xw

from tests.server.conftest import KANKYO, PLANNING, SHOKO, auth
from tests.support.remote import apply_actions, payload_from_wb
from xl_kpi.core.errors import InputError
from xl_kpi.excel.scripts import RIBBON, SCRIPTS
from xl_kpi.server import security
from xl_kpi.server.app import ServerConfig, create_app
from xl_kpi.server.manifest import manifest_xml


def book_payload(path, active=None):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    return wb, payload_from_wb(wb, path.name, active)


def test_health_and_security_headers(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    for k in ("X-Content-Type-Options", "Content-Security-Policy", "Referrer-Policy", "Strict-Transport-Security"):
        assert k in r.headers
    assert "frame-ancestors" in r.headers["Content-Security-Policy"]


def test_cors_is_closed_by_default(client, config):
    r = client.options("/xlwings/custom-functions-call", headers={"Origin": "https://evil.example",
                                                                   "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}
    open_client = __import__("fastapi.testclient", fromlist=["TestClient"]).TestClient(
        create_app(ServerConfig(**{**config.__dict__, "cors_origins": ["https://excel.office.com"]})))
    r = open_client.options("/xlwings/custom-functions-call", headers={"Origin": "https://excel.office.com",
                                                                        "Access-Control-Request-Method": "POST"})
    assert r.headers.get("access-control-allow-origin") == "https://excel.office.com"


def test_manifest_is_https_with_a_button_per_script(client):
    r = client.get("/manifest.xml")
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    urls = re.findall(r'DefaultValue="(https?://[^"]+)"', r.text) + re.findall(r"<AppDomain>([^<]+)</AppDomain>", r.text)
    assert urls and all(u.startswith("https://kpi.city.example.jp") for u in urls)
    ids = {c.get("id") for c in root.iter() if c.tag.endswith("Control")}
    assert set(RIBBON) <= ids
    funcs = {e.text for e in root.iter() if e.tag.endswith("FunctionName")}
    assert funcs == set(SCRIPTS) | {"submit_workbook"}  # 「提出」 (the task pane's submit.js, not a script)
    assert 'DefaultValue="提出"' in r.text
    for label, _, _ in RIBBON.values():
        assert f'DefaultValue="{label}"' in r.text
    with pytest.raises(InputError):
        manifest_xml("http://kpi.city.example.jp")


def test_static_task_pane_and_functions_code(client):
    r = client.get("/static/taskpane.html")
    assert r.status_code == 200 and "入力チェック" in r.text
    for label, _, action in RIBBON.values():
        assert f'data-script="{action}">{label}</button>' in r.text
    code = client.get("/xlwings/custom-functions-code")
    assert code.status_code == 200 and 'CustomFunctions.associate("KPI_RATE"' in code.text
    meta = client.get("/xlwings/custom-functions-meta").json()
    assert {f["name"] for f in meta["functions"]} >= {"KPI_RATE", "KPI_VALUE", "KPI_UNIT", "KPI_GRADE"}


def call_body(name, *args):
    return {"func_name": name, "args": [[[a]] for a in args], "caller_address": "S!A1",
            "formula_name": name.upper(), "version": xw.__version__, "runtime": "1.4",
            "culture_info_name": "ja-JP", "date_format": "yyyy/mm/dd", "client": "Office.js"}


def test_custom_function_call_needs_a_token(client):
    body = call_body("kpi_rate", "45件", "40件")
    assert client.post("/xlwings/custom-functions-call", json=body).status_code == 401
    assert client.post("/xlwings/custom-functions-call", json=body, headers=auth("wrong-token-xxxxxxxxxxxx")).status_code == 401
    r = client.post("/xlwings/custom-functions-call", json=body, headers=auth(SHOKO))
    assert r.status_code == 200 and r.json()["result"] == [[1.125]]
    r = client.post("/xlwings/custom-functions-call", json=call_body("os_system", "x"), headers=auth(SHOKO))
    assert r.status_code == 400


def test_validate_sheet_through_http_returns_actions_and_findings(client, submissions):
    path = submissions / "商工労働部.xlsx"
    wb, payload = book_payload(path)
    r = client.post("/xlwings/custom-scripts-call/validate_sheet", json=payload, headers=auth(SHOKO))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["result"]["findings"] and data["actions"]
    apply_actions(wb, data["actions"])
    assert "チェック結果" in wb.sheetnames
    assert r.headers["Cache-Control"] == "no-store"


def test_department_may_not_act_on_another_departments_rows(client, submissions):
    _, payload = book_payload(submissions / "商工労働部.xlsx")
    r = client.post("/xlwings/custom-scripts-call/compute_rates", json=payload, headers=auth(KANKYO))
    assert r.status_code == 403 and "商工労働部" in r.json()["detail"]
    r = client.post("/xlwings/custom-scripts-call/merge_sheets", json=payload, headers=auth(SHOKO))
    assert r.status_code == 403
    r = client.post("/xlwings/custom-scripts-call/compute_rates", json=payload, headers=auth(PLANNING))
    assert r.status_code == 200
    r = client.post("/xlwings/custom-scripts-call/new_submission", json={**payload, "args": ["商工労働部"]},
                    headers=auth(KANKYO))
    assert r.status_code == 403


def test_user_error_is_400_with_japanese_message_and_unknown_script_404(client, tmp_path):
    import openpyxl
    p = tmp_path / "memo.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "メモ"
    wb.save(p)
    _, payload = book_payload(p)
    r = client.post("/xlwings/custom-scripts-call/compute_rates", json=payload, headers=auth(PLANNING))
    assert r.status_code == 400 and "メモ" in r.json()["detail"]
    assert client.post("/xlwings/custom-scripts-call/rm_rf", json=payload, headers=auth(PLANNING)).status_code == 404
    r = client.post("/xlwings/custom-scripts-call/compute_rates", content=b"{not json", headers=auth(PLANNING))
    assert r.status_code == 400


def test_anything_else_is_a_generic_500_with_the_security_headers(client, monkeypatch, caplog):
    """Fails before: the 500 came from Starlette's outermost error middleware, without the headers."""
    def boom(_base_url, **_kwargs):
        raise RuntimeError("secret internal detail\r\nforged log line")
    monkeypatch.setattr("xl_kpi.server.app.manifest_xml", boom)
    with caplog.at_level(logging.ERROR, logger="xl_kpi.server"):
        r = client.get("/manifest.xml", headers=auth(PLANNING))
    assert r.status_code == 500 and "secret" not in r.text and "エラー" in r.json()["detail"]
    for k in ("X-Content-Type-Options", "Content-Security-Policy", "Strict-Transport-Security"):
        assert k in r.headers
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "secret internal detail\\r\\nforged log line" in logged and PLANNING not in logged


def test_an_unexpected_error_in_a_worker_is_logged_and_answered_generically(caplog):
    from xl_kpi.server import work

    def boom():
        raise RuntimeError("secret internal detail")
    status, body, problem = work.answer(boom)
    assert status == 500 and b"secret" not in body and problem == "RuntimeError: secret internal detail"


def test_a_worker_call_runs_with_the_garbage_collector_paused_and_resumes_it():
    """The collector is paused during a call (it traversed the live book again and again) and
    resumed after it, also when the call fails; a caller that had it off keeps it off."""
    import gc

    from xl_kpi.server import work

    seen = []

    def call():
        seen.append(gc.isenabled())
        raise RuntimeError("boom")
    assert gc.isenabled()
    assert work.answer(call)[0] == 500
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        assert work.answer(lambda: {"ok": 1}) == (200, b'{"ok":1}', None)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_worker_runs_coroutines_without_touching_the_sigint_handler():
    """asyncio.run in a worker's main thread installed and checked back a SIGINT handler, which
    formatted the repr of the finished task's result (every finding of a validation)."""
    import signal

    from xl_kpi.server import work

    formatted = []
    handlers = []

    class Result:
        def __repr__(self):
            formatted.append(self)
            return "Result()"

    async def script():
        handlers.append(signal.getsignal(signal.SIGINT))
        return Result()
    before = signal.getsignal(signal.SIGINT)
    assert isinstance(work.run_coroutine(script()), Result)
    assert handlers == [before] and signal.getsignal(signal.SIGINT) is before
    assert not formatted


def test_size_limits_are_413(client, submissions):
    big = b"x" * (3 * 1024 * 1024)
    r = client.post("/api/merge", content=big, headers={**auth(PLANNING), "Content-Type": "application/octet-stream"})
    assert r.status_code == 413
    _, payload = book_payload(submissions / "商工労働部.xlsx")
    payload["sheets"].append({"name": "pad", "values": [["y" * 1000] * 10] * 150, "pictures": [], "tables": []})
    r = client.post("/xlwings/custom-scripts-call/compute_rates", json=payload, headers=auth(PLANNING))
    assert r.status_code == 413


def test_merge_upload_is_for_planning_and_returns_the_master(client, submissions):
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in sorted(submissions.iterdir())]
    assert client.post("/api/merge", files=files).status_code == 401
    assert client.post("/api/merge", files=files, headers=auth(SHOKO)).status_code == 403
    r = client.post("/api/merge", files=files, headers=auth(PLANNING))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["rows"] == 38 and data["valid"]
    import base64
    import io

    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(data["master_base64"])))
    assert {"取組状況", "集計", "チェック結果", "提出状況"} <= set(wb.sheetnames)
    bad = files + [("files", ("evil.xlsx", b"<html></html>", "application/octet-stream"))]
    r = client.post("/api/merge", files=bad, headers=auth(PLANNING))
    assert r.status_code == 400 and "evil.xlsx" in r.json()["detail"]


def test_security_pure_functions(tokens_file, tmp_path):
    entries = security.load_tokens(tokens_file)
    assert security.authenticate(entries, f"Bearer {SHOKO}").department == "商工労働部"
    assert security.authenticate(entries, "Basic abc") is None and security.authenticate(entries, None) is None
    assert security.sanitize_log("a\r\nb\x1bc") == "a\\r\\nb\\x1bc"
    assert "Strict-Transport-Security" not in security.security_headers(https=False)
    bad = tmp_path / "bad.json"
    for content in ('{"tokens": [{"token": "short", "role": "planning"}]}',
                    '{"tokens": [{"token": "0123456789abcdefg", "role": "admin"}]}',
                    '{"tokens": [{"token": "0123456789abcdefg", "role": "department"}]}', "nope", '{"tokens": []}'):
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(InputError):
            security.load_tokens(bad)


def test_config_from_env(tokens_file):
    cfg = ServerConfig.from_env({"XL_KPI_TOKENS_FILE": str(tokens_file), "XLWINGS_LICENSE_KEY": "noncommercial",
                                 "XL_KPI_BASE_URL": "https://kpi.example.jp/", "XL_KPI_CORS_ORIGINS": "https://a, https://b"})
    assert cfg.base_url == "https://kpi.example.jp" and cfg.cors_origins == ["https://a", "https://b"]
    from xl_kpi.core.errors import XlKpiError
    with pytest.raises(XlKpiError, match="XL_KPI_TOKENS_FILE"):
        ServerConfig.from_env({})
    with pytest.raises(XlKpiError, match="XLWINGS_LICENSE_KEY"):
        ServerConfig.from_env({"XL_KPI_TOKENS_FILE": str(tokens_file)})
    with pytest.raises(XlKpiError):
        ServerConfig.from_env({"XL_KPI_TOKENS_FILE": str(tokens_file), "XLWINGS_LICENSE_KEY": "x",
                               "XL_KPI_BASE_URL": "http://insecure"})


GLUE_RUN = r"""
const fs = require("fs"), vm = require("vm");
const registered = {};
const sandbox = {
  CustomFunctions: { associate: (id, fn) => { registered[id] = fn.length; } },
  Office: { context: { requirements: { isSetSupported: () => false } } },
  JSON, Array, String
};
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(process.argv[2], "utf8"), sandbox);
const s = sandbox;
process.stdout.write(JSON.stringify({
  registered,
  range: s.xlKpiArg([[45, ""], [{ type: "Error", basicValue: "#DIV/0!" }, { code: "#N/A" }]]),
  single: s.xlKpiArg("40件"), omitted: s.xlKpiArg(null),
  reason: s.xlKpiResultCell("#N/A 目標値が数値ではないため計算できません。"), rate: s.xlKpiResultCell(1.125)
}));
"""


def test_the_generated_custom_functions_register_every_udf_and_send_cells_as_the_server_reads_them(
        client, tmp_path):
    """Every script the add-in loads parses (node --check); the generated functions, run as Excel's
    runtime runs them, register each UDF by its upper-case name with its parameters and Excel's
    invocation, send a range's blanks as null and error cells as their text, and turn a result's
    "#N/A reason" into the reason (Excel before CustomFunctionsRuntime 1.2 shows text)."""
    import shutil
    import subprocess
    from pathlib import Path

    from xl_kpi.excel.udfs import UDFS
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    static = Path(__file__).resolve().parents[2] / "xl_kpi" / "server" / "static"
    generated = tmp_path / "functions.js"
    generated.write_text(client.get("/xlwings/custom-functions-code").text, encoding="utf-8")
    for js in [*sorted(static.glob("*.js")), generated]:
        proc = subprocess.run([node, "--check", str(js)], capture_output=True, text=True)
        assert proc.returncode == 0, f"{js.name}: {proc.stderr}"
    (tmp_path / "run.js").write_text(GLUE_RUN, encoding="utf-8")
    proc = subprocess.run([node, str(tmp_path / "run.js"), str(generated)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["registered"] == {f.__name__.upper(): len(f.__xlfunc__["args"]) + 1 for f in UDFS}
    assert out["range"] == [[45, None], ["#DIV/0!", "#N/A"]]
    assert (out["single"], out["omitted"]) == ([["40件"]], None)
    assert (out["reason"], out["rate"]) == ("目標値が数値ではないため計算できません。", 1.125)


def test_manifest_command_writes_the_file(tmp_path, capsys):
    from xl_kpi.cli import main
    out = tmp_path / "manifest.xml"
    assert main(["manifest", "--base-url", "https://kpi.city.example.jp", "-o", str(out)]) == 0
    root = ET.fromstring(out.read_bytes())
    assert root.tag.endswith("OfficeApp") and "https://kpi.city.example.jp/static/taskpane.html" in out.read_text()
    assert main(["manifest", "--base-url", "http://insecure.example"]) == 2
    assert "https://" in capsys.readouterr().err
