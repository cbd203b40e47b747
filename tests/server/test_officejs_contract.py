"""The add-in's JavaScript as Excel runs it, checked against Microsoft's published contracts.

- Custom functions are called through the JavaScript the server serves, by a stand-in for
  Excel's runtime (custom_functions_host.js) that follows Microsoft's documentation — declared
  parameters, ``null`` for an omitted optional one, the ``CustomFunctions.Invocation`` last —
  against a real ``xl-kpi serve`` process.
- The glue is type-checked with ``tsc --checkJs`` against ``@types/office-js`` and
  ``@types/custom-functions-runtime`` (Microsoft's definitions, DefinitelyTyped).
- The served functions metadata is compared with what Microsoft's ``custom-functions-metadata``
  generator makes from the equivalent JSDoc.

The npm packages live in tests/js (package-lock.json); scripts/test.sh runs ``npm ci`` there.
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.server.conftest import SHOKO

HERE = Path(__file__).parent
JS = HERE.parent / "js"
STATIC = HERE.parents[1] / "xl_kpi" / "server" / "static"
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")
needs_npm_packages = pytest.mark.skipif(not (JS / "node_modules" / ".bin" / "tsc").exists(),
                                        reason="run `npm ci` in tests/js (scripts/test.sh does)")


GRADE_OMITTED = [None] * 10  # =KPI_GRADE(rate, symbols) leaves scheme, current … direction, decimals, rounding out


def excel_calls(page: str, calls: list[dict], tmp_path: Path, token: str = SHOKO) -> dict:
    spec = tmp_path / "calls.json"
    spec.write_text(json.dumps({"token": token, "code_url": "../xlwings/custom-functions-code", "calls": calls},
                               ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([NODE, str(HERE / "custom_functions_host.js"), page, str(spec)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@needs_node
def test_each_custom_function_called_as_excel_calls_it(live_server, tmp_path):
    """Fails before: the glue sent the Invocation as a fifth argument → TypeError → HTTP 500."""
    out = excel_calls(live_server + "/static/taskpane.html", [
        {"id": "KPI_RATE", "args": [[["45件"]], [["40件"]], None, None, None, None]},
        {"id": "KPI_RATE", "args": [[["60"]], [["100"]], [["20"]], [["progress"]], None, None]},
        {"id": "KPI_RATE", "args": [[["1件(累計)"], ["6件(累計)"]], [["12件(累計)"]], None, None, None, None]},
        {"id": "KPI_RATE", "args": [[["5件"]], [["0件"]], None, None, None, None]},
        {"id": "KPI_VALUE", "args": [[["1,943人(平成30年度)"]]]},
        {"id": "KPI_UNIT", "args": [[["32件/年(平成28～30年の平均)"]]]},
        {"id": "KPI_GRADE", "args": [[[0.5]], None, *GRADE_OMITTED]},  # Excel: null for each omitted one
        {"id": "KPI_GRADE", "args": [[[0.85]], [[True]], *GRADE_OMITTED]},
        {"id": "KPI_GRADE", "args": [None, None, "pace", [["28件"]], [["40件"]], [["20件"]], "令和3", None, None, None,
                                     None, None]},
        {"id": "KPI_RATE", "args": [[["131"]], [["470"]], None, None, 1, "切り捨て"]},
    ], tmp_path)
    assert out["registered"] == ["KPI_GRADE", "KPI_RATE", "KPI_UNIT", "KPI_VALUE"]
    # Each function takes its declared parameters and then the Invocation.
    # rate, symbols, scheme … direction, decimals, rounding
    assert out["arity"] == {"KPI_RATE": 7, "KPI_VALUE": 2, "KPI_UNIT": 2, "KPI_GRADE": 13}
    results = [r.get("result") for r in out["results"]]
    assert results[0] == [[1.125]]
    assert results[1] == [[pytest.approx(0.5)]]
    assert results[2] == [[pytest.approx(1 / 12)], [pytest.approx(0.5)]]  # a matrix result stays 2-D
    assert results[3][0][0]["error"] == "#N/A" and "目標値が0" in results[3][0][0]["message"]
    assert results[4] == [[1943.0]] and results[5] == [["件/年"]]
    assert results[6] == [["C"]] and results[7] == [["○"]]
    assert results[8] == [["A"]]  # pace: (28 − 20)/(40 − 20) = 0.4 ≥ 2 of 5 years
    assert results[9] == [[pytest.approx(0.278)]]  # one decimal, truncated: 27.8 % as shown
    sent = out["requests"][0]["body"]
    assert sent["args"] == [[["45件"]], [["40件"]], None, None, None, None]  # the Invocation is not sent
    assert sent["caller_address"] == "Sheet1!C2"
    assert all(r["url"] == live_server + "/xlwings/custom-functions-call" for r in out["requests"])


@needs_node
def test_error_cells_as_arguments_are_not_computable_with_a_reason(live_server, tmp_path):
    """An error cell reaches a function (allowErrorForDataTypeAny, which xlwings' metadata sets)
    as an error; the glue sends its code and the server says why the value is not computable."""
    out = excel_calls(live_server + "/static/taskpane.html", [
        {"id": "KPI_RATE", "args": [[[{"__error__": "#N/A"}]], [["40件"]], None, None, None, None]},
        {"id": "KPI_VALUE", "args": [[["#DIV/0!"]]]},
        {"id": "KPI_GRADE", "args": [[[{"__error__": "#VALUE!"}]], None, *GRADE_OMITTED]},
    ], tmp_path)
    rate, value, grade = (r["result"][0][0] for r in out["results"])
    assert rate["error"] == "#N/A" and "エラー（#N/A）" in rate["message"]
    assert value["error"] == "#N/A" and "エラー（#DIV/0!）" in value["message"]
    assert grade == "-"


@needs_node
def test_a_failed_call_is_an_error_with_the_servers_message(live_server, tmp_path):
    out = excel_calls(live_server + "/static/taskpane.html", [{"id": "KPI_VALUE", "args": [[["1"]]]}], tmp_path,
                      token="")
    thrown = out["results"][0]["thrown"]
    assert thrown["error"] == "#N/A" and "認証" in thrown["message"]


class ProxyErrorPage(http.server.BaseHTTPRequestHandler):
    """A reverse proxy in front of the server answering with its own HTML error pages."""
    code_js = ""

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = self.code_js.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/javascript")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@needs_node
def test_a_proxys_html_error_page_becomes_a_readable_message(client, tmp_path):
    """Fails before: the glue parsed response.json() before checking the status → #VALUE!, no message."""
    ProxyErrorPage.code_js = client.get("/xlwings/custom-functions-code").text
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ProxyErrorPage)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        page = f"http://127.0.0.1:{proxy.server_address[1]}/static/taskpane.html"
        out = excel_calls(page, [{"id": "KPI_VALUE", "args": [[["1"]]]}], tmp_path)
    finally:
        proxy.shutdown()
    thrown = out["results"][0]["thrown"]
    assert thrown["error"] == "#N/A" and "HTTP 502" in thrown["message"]


@needs_node
@needs_npm_packages
def test_the_glue_type_checks_against_microsofts_definitions(client, tmp_path):
    """tsc --checkJs over every script the add-in loads, the generated functions code included."""
    generated = tmp_path / "functions-code.js"
    generated.write_text("// @ts-check\n" + client.get("/xlwings/custom-functions-code").text, encoding="utf-8")
    config = json.loads((JS / "tsconfig.json").read_text(encoding="utf-8"))
    config["compilerOptions"]["typeRoots"] = [str(JS / "node_modules" / "@types")]
    config["files"] = [str((JS / f).resolve()) for f in config["files"]] + [str(generated)]
    (tmp_path / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    proc = subprocess.run([str(JS / "node_modules" / ".bin" / "tsc"), "-p", str(tmp_path / "tsconfig.json")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def jsdoc_for(meta: dict) -> str:
    """The JSDoc a custom-functions project would write for the functions our metadata describes."""
    blocks = []
    for f in meta["functions"]:
        params = "\n".join(
            f" * @param {{any[][]}} {'[' + p['name'] + ']' if p.get('optional') else p['name']} {p['description']}"
            for p in f["parameters"])
        names = ", ".join(p["name"] for p in f["parameters"])
        blocks.append(f"/**\n * {f['description']}\n * @customfunction {f['id']} {f['name']}\n{params}\n"
                      f" * @param {{CustomFunctions.Invocation}} invocation\n * @requiresAddress\n"
                      f" * @requiresParameterAddresses\n * @returns {{any[][]}}\n */\n"
                      f"function {f['id'].lower()}({names}, invocation) {{ return [[null]]; }}\n")
    return "\n".join(blocks)


@needs_node
@needs_npm_packages
def test_served_metadata_matches_microsofts_generator(client, tmp_path):
    """custom-functions-metadata (Microsoft's generator) from equivalent JSDoc gives the metadata we serve."""
    meta = client.get("/xlwings/custom-functions-meta").json()
    source = tmp_path / "functions.js"
    source.write_text(jsdoc_for(meta), encoding="utf-8")
    out = tmp_path / "functions.json"
    proc = subprocess.run([NODE, str(JS / "node_modules" / "custom-functions-metadata" / "cli.js"), "generate", str(source),
                           str(out)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0 and out.exists(), proc.stdout + proc.stderr
    generated = {f["id"]: f for f in json.loads(out.read_text(encoding="utf-8"))["functions"]}
    served = {f["id"]: f for f in meta["functions"]}
    assert generated.keys() == served.keys()
    for fid, ours in served.items():
        theirs = generated[fid]
        assert theirs["name"] == ours["name"] and theirs["description"] == ours["description"]
        assert theirs["options"] == ours["options"]
        # The generator leaves out a result type of "any", the metadata format's default.
        assert {"type": "any", **theirs["result"]} == ours["result"]
        assert [{k: p.get(k) for k in ("name", "description", "type", "dimensionality", "optional")}
                for p in theirs["parameters"]] == \
               [{k: p.get(k) for k in ("name", "description", "type", "dimensionality", "optional")}
                for p in ours["parameters"]]
