"""Reading (and validating) many submissions on every core.

Reading a workbook is CPU-bound Python, so a merge or validate of many files — from
:data:`POOL_MIN_FILES` on, on two cores or more — shares the files between this process and
helper processes (one fewer than the cores). The helpers take the files from the back; this
process reads from the front and takes over every file no helper has started, so neither waits
while the other has work. Results come back in the order the files were given, each as the
:class:`WorkbookRead` or the :class:`FileError` that refused the file, so the outcome is the same
bytes whichever way the files were read.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from ...core.errors import FileError
from ...core.evaluation import check_submission
from ...core.findings import Finding
from ...core.register import PlanRegister
from ..reading.preflight import Budgets
from ..reading.reader import WorkbookRead, read_workbook

POOL_MIN_FILES = 40     # below this, starting a helper costs more than it saves (benchmarks/bench_merge.py)
FILES_PER_TASK = 4      # files a helper reads per task: few round trips, and little left to wait for at the end

Read = tuple[WorkbookRead | FileError, list[list[Finding]]]  # (read or refusal, findings per sheet)


def read_one(path: Path, budgets: Budgets | None, validate: bool, register: PlanRegister | None = None) -> Read:
    """One file's read, and when ``validate`` the findings of checking each of its sheets
    (:func:`~xl_kpi.core.evaluation.check_submission`: what reading found and every rule, against
    ``register`` or else the plan the workbook's own 「計画」 sheet holds)."""
    try:
        wb = read_workbook(path, budgets)
    except FileError as err:
        return err, []
    if not validate:
        return wb, []
    plan = register if register is not None else wb.register()[0]
    return wb, [check_submission(s.records, s.findings, wb.settings, plan)[1] for s in wb.sheets]


def workers_for(files: int, cores: int | None = None) -> int:
    """Processes that read `files` files, this one included: 1 (no helper) for fewer than
    :data:`POOL_MIN_FILES` files or one core, else one a core. ``XL_KPI_WORKERS`` sets the number
    (1: this process alone), capped at the cores."""
    wanted = 0
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        setting = os.environ.get("XL_KPI_WORKERS", "")
        wanted = int(setting) if setting.isdigit() and int(setting) >= 1 else 0
    if wanted == 1 or files < POOL_MIN_FILES or cores < 2:
        return 1
    return min(wanted or cores, cores, 1 + -(-files // FILES_PER_TASK))


def read_many(paths: Sequence[Path], budgets: Budgets | None = None, validate: bool = False,
              register: PlanRegister | None = None) -> Iterator[Read]:
    """Each file's :func:`read_one`, in the order given (lazily: a caller can show progress)."""
    n = workers_for(len(paths))
    if n == 1:
        for p in paths:
            yield read_one(p, budgets, validate, register)
        return
    tasks = [list(paths[i:i + FILES_PER_TASK]) for i in range(0, len(paths), FILES_PER_TASK)]
    with ProcessPoolExecutor(max_workers=n - 1, mp_context=_context()) as helpers:
        # submitted last task first: the helpers start from the back while this process reads from the front
        futures: dict[int, Future[list[Read]]] = {
            k: helpers.submit(_read_task, tasks[k], budgets, validate, register) for k in reversed(range(len(tasks)))}
        for k, task in enumerate(tasks):
            if futures[k].cancel():  # no helper has started it: read it here
                for p in task:
                    yield read_one(p, budgets, validate, register)
            else:
                yield from futures[k].result()


def _read_task(paths: list[Path], budgets: Budgets | None, validate: bool,
               register: PlanRegister | None) -> list[Read]:
    return [read_one(p, budgets, validate, register) for p in paths]


def _context():
    """How helpers start: forked from this process (its modules already imported) when it runs
    no other thread, since a fork copies only the calling thread; else from a fork server."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["xl_kpi.files.run.pool"])
        return ctx
    return multiprocessing.get_context("spawn")
