"""CPU-heavy work off the event loop: custom-function calls and scripts run in a pool of worker
processes, one per core, so a call over a million cells leaves ``/health`` and every other
request answering. The event loop only authenticates and moves bytes: the request body goes
to a worker as it arrived, is parsed and checked there (:mod:`.payload`), and the answer comes
back as ready-to-send JSON, with an HTTP status and, for a 500, the text for the server log.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, TypeVar

os.environ.setdefault("XLWINGS_ON_SERVER", "true")

import orjson  # noqa: E402
import xlwings as xw  # noqa: E402
from xlwings import server as xws  # noqa: E402

from ..core.errors import XlKpiError  # noqa: E402
from ..excel import actions, scripts, udfs  # noqa: E402
from ..excel.adapter import active_kpi_sheet, book_settings  # noqa: E402
from . import payload, security  # noqa: E402
from .payload import UserError  # noqa: E402

DEPARTMENT_SCRIPTS = {"compute_rates", "validate_sheet", "new_submission", "stamp_submission", "annotate_findings"}
PARAMS = {f.__name__: len(f.__xlfunc__["args"]) for f in udfs.UDFS}  # type: ignore[union-attr]  # @xw.func
SERVER_ERROR = "サーバーでエラーが発生しました。管理者に連絡してください。"

Answer = tuple[int, bytes, "str | None"]  # status, JSON body, what to log for a 500

T = TypeVar("T")

_pools: dict[int, Executor] = {}


def pool(size: int = 0) -> Executor:
    """The process pool (``size`` 0: one worker per core), created once per server process."""
    size = size or os.cpu_count() or 1
    if size not in _pools:
        _pools[size] = ProcessPoolExecutor(max_workers=size, mp_context=multiprocessing.get_context("spawn"))
    return _pools[size]


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
    return await asyncio.get_running_loop().run_in_executor(pool(size), fn, *args)


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
        return 200, dumps(fn()), None
    except UserError as err:
        return err.status, dumps({"detail": err.message}), None
    except XlKpiError as err:
        return 400, dumps({"detail": str(err), "code": err.code}), None
    except xw.XlwingsError as err:
        return 400, dumps({"detail": f"スクリプトの呼び出し方が違います（{err}）。"}), None
    except Exception as err:  # noqa: BLE001 - reported to the server log, generic to the client
        return 500, dumps({"detail": SERVER_ERROR}), f"{type(err).__name__}: {err}"


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
            return out
        finally:
            book.close()
    return answer(run)


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
