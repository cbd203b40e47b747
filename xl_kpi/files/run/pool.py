"""Reading (and validating) many submissions on every core.

Reading a workbook is CPU-bound Python, so a merge or validate of many files uses a process pool
sized to the cores — only above :data:`POOL_MIN_FILES` and :data:`POOL_MIN_CORES`, where the pool's start-up (a fork
server, one import of the reader per worker) pays for itself. Results come back in the order
the files were given, each as the :class:`WorkbookRead` or the :class:`FileError` that refused
the file, so the outcome is the same bytes whichever way the files were read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from ...core.errors import FileError
from ...core.evaluation import check_submission
from ...core.findings import Finding
from ...core.register import PlanRegister
from ..reading.preflight import Budgets
from ..reading.reader import WorkbookRead, read_workbook

POOL_MIN_FILES = 40     # below this a pool costs more than it saves (benchmarks/bench_merge.py)
# With 2 cores the parent, which builds the master after the reads (most of a merge), and the
# pickling of the records back cost more than the second reader saves: 200 realistic files
# merged in 22.0 s with a pool of 2 against 15.4 s in one process (benchmarks/bench_merge.py on
# an idle 2-core machine). From 3 cores on a pool is used by default.
POOL_MIN_CORES = 3
FILES_PER_TASK = 8      # files a worker reads per task (fewer round trips, still balanced)

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
    """Processes to use for `files` files: 1 (no pool) for few files or fewer than
    :data:`POOL_MIN_CORES` cores. ``XL_KPI_WORKERS`` sets the processes (1: never a pool; 2 or
    more: a pool of that size, capped at the cores, from :data:`POOL_MIN_FILES` files on)."""
    wanted = 0
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        setting = os.environ.get("XL_KPI_WORKERS", "")
        wanted = int(setting) if setting.isdigit() and int(setting) >= 1 else 0
    if wanted == 1 or files < POOL_MIN_FILES or cores < 2:
        return 1
    if not wanted and cores < POOL_MIN_CORES:
        return 1
    return min(wanted or cores, cores, -(-files // FILES_PER_TASK))


def read_many(paths: Sequence[Path], budgets: Budgets | None = None, validate: bool = False,
              register: PlanRegister | None = None) -> Iterator[Read]:
    """Each file's :func:`read_one`, in the order given (lazily: a caller can show progress)."""
    n = workers_for(len(paths))
    if n == 1:
        for p in paths:
            yield read_one(p, budgets, validate, register)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        ctx.set_forkserver_preload(["xl_kpi.files.run.pool"])
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as ex:
        task = partial(read_one, budgets=budgets, validate=validate, register=register)
        yield from ex.map(task, paths, chunksize=FILES_PER_TASK)
