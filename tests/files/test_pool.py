"""Reading many files on every core gives what reading them one by one gives, in order."""

import os
import threading

import pytest

from xl_kpi.files.run import pool
from xl_kpi.files.run.master import merge_files, validate_files


def test_helpers_read_only_from_the_file_count_where_they_pay_and_one_a_core():
    assert pool.workers_for(pool.POOL_MIN_FILES - 1, cores=8) == 1
    assert pool.workers_for(1000, cores=1) == 1
    assert pool.workers_for(pool.POOL_MIN_FILES, cores=2) == 2  # this process and one helper
    assert pool.workers_for(1000, cores=3) == 3
    # no more helpers than tasks to share
    assert pool.workers_for(pool.POOL_MIN_FILES, cores=64) == 1 + -(-pool.POOL_MIN_FILES // pool.FILES_PER_TASK)


def test_the_environment_caps_the_processes(monkeypatch):
    monkeypatch.setenv("XL_KPI_WORKERS", "1")
    assert pool.workers_for(1000) == 1
    monkeypatch.setenv("XL_KPI_WORKERS", "2")  # asked for: a pool of 2 even on 2 cores
    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert pool.workers_for(1000) == 2
    assert pool.workers_for(pool.POOL_MIN_FILES - 1) == 1
    monkeypatch.setenv("XL_KPI_WORKERS", "8")
    assert pool.workers_for(1000) == 2  # capped at the cores
    monkeypatch.setenv("XL_KPI_WORKERS", "not a number")
    assert pool.workers_for(1000) == 2  # the default: one a core


@pytest.fixture
def files(submissions):
    bad = submissions / "壊れた.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    return sorted(submissions.iterdir())


def snapshot(reads):
    out = []
    for wb, checks in reads:
        if isinstance(wb, Exception):
            out.append(("refused", type(wb).__name__, wb.code, str(wb)))
        else:
            out.append(([(s.name, [r.to_dict() for r in s.records], s.findings) for s in wb.sheets],
                        wb.findings, checks))
    return out


def test_pool_reads_equal_sequential_reads_in_order(files, monkeypatch):
    sequential = snapshot(pool.read_many(files, validate=True))
    monkeypatch.setattr(pool, "workers_for", lambda n, cores=None: 2)
    pooled = snapshot(pool.read_many(files, validate=True))
    assert pooled == sequential
    assert [x[0] for x in pooled if x[0] == "refused"] == ["refused"]
    assert any(len(c) for x in pooled if x[0] != "refused" for c in x[2])


def test_merge_and_validate_through_the_pool_are_byte_identical(files, tmp_path, monkeypatch):
    inputs = [f for f in files if f.name != "壊れた.xlsx"]
    merge_files(inputs, tmp_path / "seq.xlsx")
    report = validate_files(files).report
    monkeypatch.setattr(pool, "workers_for", lambda n, cores=None: 2)
    merge_files(inputs, tmp_path / "pool.xlsx")
    assert (tmp_path / "pool.xlsx").read_bytes() == (tmp_path / "seq.xlsx").read_bytes()
    assert list(validate_files(files).report) == list(report)


def test_this_process_and_a_helper_share_the_files_and_the_order_is_kept(tmp_path, monkeypatch):
    import time

    def slow_read(path, budgets, validate, register=None):
        time.sleep(0.02)  # a file's read: long enough for both processes to take some
        return os.getpid(), path

    monkeypatch.setattr(pool, "read_one", slow_read)
    monkeypatch.setattr(pool, "workers_for", lambda n, cores=None: 2)
    paths = [tmp_path / f"{i:03d}.xlsx" for i in range(pool.POOL_MIN_FILES)]
    reads = list(pool.read_many(paths))
    assert [p for _, p in reads] == paths
    readers = {pid for pid, _ in reads}
    assert os.getpid() in readers and len(readers) == 2
    # the helper took files from the back, this process from the front
    assert reads[0][0] == os.getpid() and reads[-1][0] != os.getpid()


def test_helpers_start_from_a_fork_server_while_another_thread_runs():
    assert pool._context().get_start_method() == "fork"
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert pool._context().get_start_method() == "forkserver"
    finally:
        stop.set()
        t.join()
