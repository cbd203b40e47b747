"""Bounded work and answers, and a 4xx in Japanese for everything a client can send (issue 25):
findings and answer size capped, workers recycled, merges in the worker pool behind a limit,
each script's argument shapes, upload names and multipart limits."""

from __future__ import annotations

import asyncio
import copy
import http.client
import json
import os
import threading
import time

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import PLANNING, SHOKO, auth, start_server
from tests.support.remote import payload_from_wb
from xl_kpi.excel.scripts import SCRIPTS
from xl_kpi.server import work
from xl_kpi.server.app import ServerConfig, create_app


def japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" for ch in text)


def configured(config, **changes) -> TestClient:
    return TestClient(create_app(ServerConfig(**{**config.__dict__, **changes})), raise_server_exceptions=False)


@pytest.fixture
def payload(submissions):
    return payload_from_wb(openpyxl.load_workbook(submissions / "商工労働部.xlsx"), "商工労働部.xlsx")


def test_the_findings_of_an_answer_are_capped_with_the_total_and_a_finding_saying_so(config, payload):
    """Fails before: every finding came back, however many (a 40,000-row sheet: 202 MB)."""
    full = configured(config).post("/xlwings/custom-scripts-call/validate_sheet", json=payload, headers=auth(SHOKO))
    everything = full.json()["result"]["findings"]
    assert len(everything) > 5
    r = configured(config, limits=work.Limits(max_findings=5)).post(
        "/xlwings/custom-scripts-call/validate_sheet", json=payload, headers=auth(SHOKO))
    result = r.json()["result"]
    assert r.status_code == 200
    assert result["findings"][:5] == everything[:5] and len(result["findings"]) == 6
    cut = result["findings"][-1]
    assert cut["code"] == "findings-truncated" and f"{len(everything):,} 件" in cut["message"]
    assert result["findings_total"] == len(everything) == sum(result["counts"].values())
    assert work.Limits().max_findings == 1_000


def test_an_answer_over_the_size_limit_is_a_413_in_japanese(config, payload):
    r = configured(config, limits=work.Limits(max_response=5_000)).post(
        "/xlwings/custom-scripts-call/validate_sheet", json=payload, headers=auth(SHOKO))
    assert r.status_code == 413 and "結果が大きすぎます" in r.json()["detail"]
    assert "content-security-policy" in r.headers


def test_workers_are_replaced_after_n_tasks_and_above_a_memory_mark():
    """Fails before: a worker lived as long as the server and kept what its largest call took (~780 MB)."""
    body = b'{"func_name": "kpi_value", "args": [[["5\xe4\xbb\xb6"]]]}'
    size = 1  # a pool of its own (the app's is one per core)

    async def calls(n):
        seen = []
        for _ in range(n):
            status, _body, _ = await work.in_pool(size, work.call_function, body)
            assert status == 200
            seen.append(tuple(work.worker_pids(size)))
        return seen

    work.shut_down()
    work.configure(work.Limits(max_tasks=2))
    try:
        seen = asyncio.run(calls(5))
        assert len(set(seen)) >= 2  # the worker that ran 2 tasks was replaced by a fresh one
        first = work.pool(size)
        work.configure(work.Limits(max_memory=1))  # any worker is "too heavy"
        asyncio.run(calls(1))
        assert work.pool(size) is not first  # the pool was replaced after the call
    finally:
        work.configure(work.Limits())
        work.shut_down()


BROKEN_SHAPES = {  # what a client could send in each part of the book payload xlwings reads
    "notes of dicts without address": lambda p: p["sheets"][0].__setitem__("notes", [{"nope": 1}]),
    "notes as text": lambda p: p["sheets"][0].__setitem__("notes", "x"),
    "names of text": lambda p: p.__setitem__("names", ["x"]),
    "names without fields": lambda p: p.__setitem__("names", [{"x": 1}]),
    "pictures as text": lambda p: p["sheets"][0].__setitem__("pictures", "x"),
    "tables of numbers": lambda p: p["sheets"][0].__setitem__("tables", [1]),
    "selection as number": lambda p: p["book"].__setitem__("selection", 5),
    "args of arrays": lambda p: p.__setitem__("args", [[1]]),
    "book name as number": lambda p: p["book"].__setitem__("name", 5),
    "sheet name empty": lambda p: p["sheets"][0].__setitem__("name", ""),
}


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_scripts_argument_shapes_are_a_4xx_in_japanese(client, payload, script):
    """Fails before: `notes: [{"nope": 1}]` to annotate_findings was a 500 (KeyError), and others."""
    for name, breaks in BROKEN_SHAPES.items():
        broken = copy.deepcopy(payload)
        breaks(broken)
        r = client.post(f"/xlwings/custom-scripts-call/{script}", json=broken, headers=auth(PLANNING))
        assert r.status_code < 500, (script, name, r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert japanese(r.json()["detail"]), (script, name, r.text[:300])


@pytest.mark.parametrize("name", ["..", "../取組状況.xlsx", "a/b.xlsx", "a\\b.xlsx", "部" * 100 + ".xlsx",
                                  "a\x01b.xlsx", "a\u202eb.xlsx"])
def test_an_upload_whose_name_cannot_be_a_file_name_is_a_400_in_japanese(client, submissions, name):
    """Fails before: `..` was IsADirectoryError, 100 Japanese characters ENAMETOOLONG: both 500s."""
    data = (submissions / "商工労働部.xlsx").read_bytes()
    # written by hand: httpx would percent-encode the control character; a client need not
    body = (b'--b0undary\r\nContent-Disposition: form-data; name="files"; filename="' + name.encode() +
            b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + data + b"\r\n--b0undary--\r\n")
    r = client.post("/api/merge", content=body, headers={**auth(PLANNING),
                                                          "content-type": "multipart/form-data; boundary=b0undary"})
    assert r.status_code == 400, r.text[:300]
    assert "ファイル名" in r.json()["detail"]


def test_multipart_limits_answer_in_japanese(config, submissions):
    """Fails before: Starlette's English `Too many files. Maximum number of files is 1000.`"""
    data = (submissions / "商工労働部.xlsx").read_bytes()
    client = configured(config, max_files=3)
    r = client.post("/api/merge", files=[("files", (f"{i}.xlsx", data)) for i in range(4)], headers=auth(PLANNING))
    assert r.status_code == 400 and "ファイルが多すぎます" in r.json()["detail"]
    r = client.post("/api/merge", files=[("files", ("a.xlsx", data))], data={"skip_invalid": "x" * (1024 * 1024 + 1)},
                    headers=auth(PLANNING))
    assert r.status_code == 400 and japanese(r.json()["detail"]), r.text[:200]
    r = client.post("/api/merge", content=b"--zz\r\nnonsense", headers={
        **auth(PLANNING), "content-type": "multipart/form-data"})
    assert r.status_code == 400 and japanese(r.json()["detail"]), r.text[:200]


@pytest.mark.slow
@pytest.mark.timing
def test_merges_run_in_the_worker_pool_and_health_answers_while_20_run(tokens_file, tmp_path, submissions):
    """Fails before: merges ran in threads of the server process; /health took up to 641 ms."""
    files = [("files", (f"{k}-{p.name}", p.read_bytes())) for k in range(4) for p in sorted(submissions.glob("*.xlsx"))]
    proc, log, base = start_server(tokens_file, tmp_path)
    host, port = base.removeprefix("http://").split(":")
    statuses: list[int] = []
    try:
        import httpx

        upload = httpx.Request("POST", base + "/api/merge", files=files, headers=auth(PLANNING))
        body, headers = upload.read(), dict(upload.headers)  # encoded once: the clients only send bytes

        # one client made before the clock starts: making one (its SSL context) costs tens of ms of
        # this process's CPU, which would show as the probe's latency, not the server's
        clients = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=20))

        def one_merge():
            statuses.append(clients.post(base + "/api/merge", content=body, headers=headers).status_code)

        threads = [threading.Thread(target=one_merge) for _ in range(20)]
        for t in threads:
            t.start()
        probe = http.client.HTTPConnection(host, int(port), timeout=5)
        latencies = []
        deadline = time.monotonic() + 180
        time.sleep(0.5)  # the uploads are in; merges are running
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline and len(latencies) < 5000:
            start = time.perf_counter()
            probe.request("GET", "/health")
            assert probe.getresponse().read()
            latencies.append(time.perf_counter() - start)
            time.sleep(0.02)
        for t in threads:
            t.join(timeout=max(1, deadline - time.monotonic()))
        probe.close()
        clients.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert latencies
    latencies.sort()
    p95, worst = latencies[int(len(latencies) * 0.95)], latencies[-1]
    print(f"/health during 20 merges: p95 {p95 * 1000:.1f} ms, max {worst * 1000:.1f} ms, {len(latencies)} probes")
    assert p95 <= 0.100 and worst <= 0.250, (f"p95 {p95 * 1000:.0f} ms, max {worst * 1000:.0f} ms "
                                             f"over {len(latencies)} probes")
    assert statuses == [200] * 20 and len(latencies) >= 20


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))


def children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            out += [int(c) for c in fh.read().split()]
    return out


@pytest.mark.slow
def test_a_40000_row_validation_is_answered_bounded_and_its_worker_does_not_keep_the_memory(
        tokens_file, tmp_path, payload):
    """Fails before: a 202 MB answer; the server process grew to 588 MB and each worker kept ~780 MB."""
    sheet = payload["sheets"][0]
    head, rows = sheet["values"][:4], [r for r in sheet["values"][4:] if any(v not in (None, "") for v in r)]
    short = [[v[:6] if isinstance(v, str) else v for v in r] for r in rows]  # ~120 bytes a row, as reported
    sheet["values"] = head + [short[i % len(short)] for i in range(40_000)]
    body = json.dumps(payload, ensure_ascii=False).encode()
    assert 3_000_000 < len(body) < 10 * 1024 * 1024  # under the book limit: the server must take it
    proc, log, base = start_server(tokens_file, tmp_path)
    try:
        import httpx
        r = httpx.post(base + "/xlwings/custom-scripts-call/validate_sheet", content=body, timeout=300,
                       headers={**auth(SHOKO), "content-type": "application/json"})
        assert len(r.content) <= 32 * 2**20  # the default answer limit
        assert r.status_code in (200, 413) and japanese(r.text[:2000])
        server_peak_mib = rss_kib(proc.pid, "VmHWM") / 1024
        heaviest = 0.0
        for _ in range(50):  # the pool is replaced after the call; its old worker exits (bounded: 10 s)
            heaviest = max((rss_kib(c) for c in children(proc.pid) if os.path.exists(f"/proc/{c}")), default=0) / 1024
            if heaviest < 512:  # the default memory mark, MiB
                break
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    print(f"40,000 rows ({len(body) / 1e6:.1f} MB): {r.status_code}, answer {len(r.content) / 1e6:.1f} MB, "
          f"server peak {server_peak_mib:.0f} MiB, heaviest worker after {heaviest:.0f} MiB")
    assert server_peak_mib < 400, server_peak_mib
    assert heaviest < 512, heaviest


def test_merges_at_once_are_limited_and_the_others_wait(config, monkeypatch, submissions):
    """Six merges sent together: never more than `merge_limit` in the worker pool at once, all answered."""
    import httpx

    from xl_kpi.server import app as server_app
    running, most = 0, 0

    async def fake_pool(_size, fn, *args):
        nonlocal running, most
        assert fn is server_app.upload.merge_request
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)
        running -= 1
        return 200, b'{"rows": 0}', None

    monkeypatch.setattr(server_app.work, "in_pool", fake_pool)
    app = create_app(ServerConfig(**{**config.__dict__, "merge_limit": 2}))
    data = (submissions / "商工労働部.xlsx").read_bytes()

    async def send_all():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return await asyncio.gather(*(c.post("/api/merge", files=[("files", ("a.xlsx", data))],
                                                 headers=auth(PLANNING)) for _ in range(6)))
    answers = asyncio.run(send_all())
    assert [r.status_code for r in answers] == [200] * 6
    assert most == 2
    assert ServerConfig(**{**config.__dict__, "workers": 2}).merges_at_once() == 1  # one worker left for the pane
    assert ServerConfig(**{**config.__dict__, "workers": 4}).merges_at_once() == 3
