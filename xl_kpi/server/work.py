"""CPU-heavy work off the event loop: custom-function calls and scripts run in a pool of worker
processes, one per core, so a call over a million cells leaves ``/health`` and every other
request answering. The event loop only authenticates and moves bytes: the request body goes
to a worker as it arrived, is parsed and checked there (:mod:`.payload`), and the answer comes
back as ready-to-send JSON, with an HTTP status and, for a 500, the text for the server log.

Everything a worker hands back is bounded: at most ``max_findings`` findings (the total is
counted, and a ``findings-truncated`` finding says the rest were cut) and at most ``max_response``
bytes (a 413 otherwise). Workers are recycled: each exits after ``max_tasks`` tasks, and the pool
is replaced (its running tasks finish first) when a worker's memory passes ``max_memory``. Merges
run here too, behind a limit on concurrent merges kept by the caller.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("XLWINGS_ON_SERVER", "true")

import orjson  # noqa: E402
import xlwings as xw  # noqa: E402
from xlwings import server as xws  # noqa: E402

from ..core.errors import XlKpiError  # noqa: E402
from ..core.findings import make_finding  # noqa: E402
from ..excel import actions, scripts, udfs  # noqa: E402
from ..excel.adapter import active_kpi_sheet, book_settings  # noqa: E402
from . import payload, security  # noqa: E402
from .payload import UserError  # noqa: E402

DEPARTMENT_SCRIPTS = {"compute_rates", "validate_sheet", "new_submission", "stamp_submission", "annotate_findings"}
PARAMS = {f.__name__: len(f.__xlfunc__["args"]) for f in udfs.UDFS}  # type: ignore[union-attr]  # @xw.func
SERVER_ERROR = "サーバーでエラーが発生しました。管理者に連絡してください。"

Answer = tuple[int, bytes, "str | None"]  # status, JSON body, what to log for a 500

T = TypeVar("T")
log = logging.getLogger("xl_kpi.server")


@dataclass(frozen=True)
class Limits:
    """What bounds the workers and their answers (set from :class:`~xl_kpi.server.app.ServerConfig`)."""

    max_findings: int = 1_000                 # findings in one answer (the total is still counted)
    max_response: int = 32 * 1024 * 1024      # bytes of one answer
    max_tasks: int = 500                      # tasks a worker runs before it is replaced
    max_memory: int = 512 * 1024 * 1024       # a worker's resident memory that retires the pool


LIMITS = Limits()
_pools: dict[int, ProcessPoolExecutor] = {}


def configure(limits: Limits) -> None:
    """Set the limits (in the server process, and in each worker as it starts). Workers started
    under other limits are stopped: the next call starts them again with these."""
    global LIMITS
    if limits != LIMITS and _pools:
        shut_down()
    LIMITS = limits


def pool(size: int = 0) -> ProcessPoolExecutor:
    """The process pool (``size`` 0: one worker per core), created once per server process."""
    size = size or os.cpu_count() or 1
    if size not in _pools:
        ctx = multiprocessing.get_context("spawn")
        kwargs: dict[str, Any] = {"initializer": configure, "initargs": (LIMITS,)}
        if sys.version_info >= (3, 11):  # each worker exits after max_tasks and a fresh one takes its place
            kwargs["max_tasks_per_child"] = LIMITS.max_tasks
        _pools[size] = ProcessPoolExecutor(max_workers=size, mp_context=ctx, **kwargs)
    return _pools[size]


def worker_pids(size: int = 0) -> list[int]:
    executor = _pools.get(size or os.cpu_count() or 1)
    return sorted((getattr(executor, "_processes", None) or {}).keys())


def resident_bytes(pid: int) -> int:
    """A process's resident memory (Linux ``/proc``; 0 where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def recycle_if_heavy(size: int = 0) -> bool:
    """Replace the pool when one of its workers holds more than ``max_memory``: new calls go to a
    fresh pool at once, the old one's running tasks finish and its processes exit. True if replaced."""
    size = size or os.cpu_count() or 1
    executor = _pools.get(size)
    if executor is None:
        return False
    heavy = [(pid, rss) for pid in worker_pids(size) if (rss := resident_bytes(pid)) > LIMITS.max_memory]
    if not heavy:
        return False
    del _pools[size]
    log.info(f"worker pool replaced: worker {heavy[0][0]} held {heavy[0][1] / 2**20:,.0f} MiB "
             f"(mark {LIMITS.max_memory / 2**20:,.0f} MiB)")
    executor.shutdown(wait=False)
    warm_up(size)
    return True


def shut_down() -> None:
    """Stop every worker process now. Left to the interpreter's exit, the workers of a server
    stopped by SIGTERM stayed behind, orphaned (each ~100 MB), at every restart of the service."""
    while _pools:
        _size, executor = _pools.popitem()
        workers = list((getattr(executor, "_processes", None) or {}).values())  # pid → Process
        for p in workers:  # a worker may be in the middle of a long call: do not wait for it
            p.terminate()
        for p in workers:
            p.join(timeout=5)
        executor.shutdown(wait=True, cancel_futures=True)


def warm_up(size: int = 0) -> None:
    """Start every worker now (each imports xlwings and xl-kpi once) rather than on a user's call."""
    executor = pool(size)
    for _ in range(size or os.cpu_count() or 1):
        executor.submit(ready)


def ready() -> bool:
    return True


async def in_pool(size: int, fn: Callable[..., Answer], *args) -> Answer:
    try:
        return await asyncio.get_running_loop().run_in_executor(pool(size), fn, *args)
    finally:
        recycle_if_heavy(size)


def dumps(data: object) -> bytes:
    return orjson.dumps(data, default=str)


def answer(fn: Callable[[], object]) -> Answer:
    """Run ``fn`` and turn its outcome — or its exception — into an answer, with the cyclic garbage
    collector paused (see :func:`without_gc`)."""
    with without_gc():
        return _answer(fn)


@contextlib.contextmanager
def without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a worker runs one call. A call allocates its book
    (tens of thousands of cells) and records at once, and the collector would traverse them again
    and again while they live: a third of a ``validate_sheet`` request's CPU. Its objects are freed
    by reference counting when the call ends; the collector, resumed, collects any cycle left."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _answer(fn: Callable[[], object]) -> Answer:
    try:
        body = dumps(fn())
        if len(body) > LIMITS.max_response:
            return 413, dumps({"detail": too_large_answer(len(body))}), None
        return 200, body, None
    except Refused as refused:
        return 400, refused.body, None
    except UserError as err:
        return err.status, dumps({"detail": err.message}), None
    except XlKpiError as err:
        return 400, dumps({"detail": str(err), "code": err.code}), None
    except xw.XlwingsError as err:
        return 400, dumps({"detail": f"スクリプトの呼び出し方が違います（{err}）。"}), None
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as err:
        if raised_reading_the_payload(err):  # xlwings' remote book met a shape the payload should not have
            return 400, dumps({"detail": f"ブックのデータの形式が違います（{type(err).__name__}: "
                                         f"{security.sanitize_log(err, 80)}）。"}), None
        return 500, dumps({"detail": SERVER_ERROR}), f"{type(err).__name__}: {err}"
    except Exception as err:  # noqa: BLE001 - reported to the server log, generic to the client
        return 500, dumps({"detail": SERVER_ERROR}), f"{type(err).__name__}: {err}"


REMOTE_BOOK = os.path.join("xlwings", "pro", "_xlremote.py")


def raised_reading_the_payload(err: BaseException) -> bool:
    """True when ``err`` was raised in xlwings' remote book (``xlwings/pro/_xlremote.py``), which
    reads the client's JSON as it is: a missing key or a wrong type there is the payload's shape."""
    tb = err.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return bool(last and last.endswith(REMOTE_BOOK))


def too_large_answer(size: int) -> str:
    return (f"結果が大きすぎます（{size / 2**20:,.1f} MB、上限 {LIMITS.max_response / 2**20:,.0f} MB）。"
            "シートを分けるか、CLI（xl-kpi validate / merge）で処理してください。")


def capped(findings: list[dict], limit: int | None = None) -> list[dict]:
    """At most ``limit`` findings, then one ``findings-truncated`` finding saying how many there
    were: an answer's size stays bounded whatever the sheet holds."""
    limit = LIMITS.max_findings if limit is None else limit
    if len(findings) <= limit:
        return findings
    cut = make_finding("findings-truncated", value=f"{len(findings):,}", detail=f"{limit:,}")
    return [*findings[:limit], cut.to_dict()]


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a new event loop. Not ``asyncio.run``: in a worker's main
    thread it installs a SIGINT handler, and checking the handler back formats the repr of the
    finished task (``signal.getsignal`` → enum lookup → ``ValueError("%r …")``), result included:
    the repr of every finding of a validation, ~10 % of the request's CPU. Async generators are
    finalised before the loop closes, as ``asyncio.run`` does."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def call_function(body: bytes) -> Answer:
    """``/xlwings/custom-functions-call`` in a worker."""
    def run():
        data = payload.function_call(payload.parse_object(body), PARAMS)
        data.setdefault("version", xw.__version__)
        return {"result": run_coroutine(xws.custom_functions_call(data, udfs))}
    return answer(run)


def run_script(script: str, body: bytes, role: str, department: str) -> Answer:
    """``/xlwings/custom-scripts-call/{script}`` in a worker: the book's actions and the result."""
    def run():
        data, args = payload.book(payload.parse_object(body))
        try:
            book = xw.Book(json=data)
        except Exception:
            raise UserError(400, "ブックのデータの形式が違います。") from None
        try:
            authorize_script(security.Principal(role, department), script, book, args)
            result = run_coroutine(script_result(script, book, args))
            out = book.json()
            out["result"] = result.to_dict() if result is not None else None
            if out["result"] is not None and isinstance(out["result"].get("findings"), list):
                out["result"]["findings_total"] = len(out["result"]["findings"])
                out["result"]["findings"] = capped(out["result"]["findings"])
            return out
        finally:
            book.close()
    return answer(run)


def merge_outcome(paths: list[Path], master: Path, skip_invalid: bool, previous: Path | None) -> dict:
    """The files layer's merge of uploaded files (the rules of ``xl-kpi merge``) as the answer's data:
    the master's bytes in base64 and the findings, capped. Refused (exit 2 in the CLI): a 400 with
    every finding (capped too)."""
    from ..files.run.master import InputsRefused, merge_files
    try:
        outcome = merge_files(paths, master, skip_invalid=skip_invalid, previous=previous)
    except InputsRefused as err:
        raise Refused(dumps({"detail": str(err), "code": err.code, "findings_total": len(err.findings),
                             "findings": capped([f.to_dict() for f in err.findings])})) from None
    report = outcome.report
    findings = [f.to_dict() for f in report.findings]
    return {"rows": len(outcome.records), "valid": report.valid, "counts": report.counts(),
            "findings_total": len(findings), "findings": capped(findings),
            "skipped": capped([f.to_dict() for f in outcome.skipped]),
            "filename": "取組状況.xlsx", "master_base64": base64.b64encode(master.read_bytes()).decode()}


class Refused(Exception):
    """A merge refused with its findings: the 400's body, ready to send."""

    def __init__(self, body: bytes):
        super().__init__("refused")
        self.body = body


async def script_result(script: str, book, args: list) -> actions.ActionResult | None:
    """Run an xlwings script on ``book``; the action's result, read in the same task's context."""
    actions.LAST_RESULT.set(None)
    await xws.custom_scripts_call(scripts, script, typehint_to_value={xw.Book: book}, args=args)
    return actions.LAST_RESULT.get()


def authorize_script(who: security.Principal, script: str, book, args: list) -> None:
    """Planning may run everything; a department only its own sheets, and never the merge."""
    if who.role == security.PLANNING:
        return
    if script not in DEPARTMENT_SCRIPTS:
        raise UserError(403, "この操作は企画担当（planning）のみ実行できます。")
    if script == "stamp_submission":  # writes the workbook's own 提出日時 only
        return
    if script == "new_submission":
        wanted = str(args[0]) if args else ""
        if wanted and wanted != who.department:
            raise UserError(403, f"{who.department}の担当者は他の部署（{wanted}）のシートを作成できません。")
        return
    kpi = active_kpi_sheet(book)
    departments = {r.owner for r in kpi.records if r.owner} | ({kpi.department} if kpi.department else set())
    settings = book_settings(book)
    if settings is not None and settings.departments and who.department in settings.departments:
        # a name 設定 does not list (商工労働局 for 商工労働部) is no other department's row: the
        # check reports it as unknown-department, which the department must be able to see
        departments &= {*settings.departments}
    if departments - {who.department}:
        others = "、".join(sorted(departments - {who.department}))
        raise UserError(403, f"{who.department}の担当者は他の部署（{others}）の行を処理できません。")
