"""Merge and save: atomic, locked, refused while open, backed up, restorable, crash- and race-safe."""

import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

import pytest

from xl_kpi.cli import main
from xl_kpi.core.errors import FileError
from xl_kpi.files import safesave
from xl_kpi.files.master import merge_files
from xl_kpi.files.reader import read_workbook
from xl_kpi.files.safesave import atomic_write, list_backups, restore_backup
from xl_kpi.files.writer import Settings, build_template


def test_failed_save_leaves_master_identical_and_no_temporary(submissions, tmp_path, monkeypatch):
    master = tmp_path / "m.xlsx"
    merge_files([p for p in submissions.iterdir() if p.name != "環境部.xlsx"], master)
    before = master.read_bytes()

    def boom(*_a, **_k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(safesave.os, "replace", boom)
    with pytest.raises(OSError):
        merge_files([submissions], master)
    assert master.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_exception_while_building_keeps_the_master(submissions, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    before = master.read_bytes()

    def fail():
        raise RuntimeError("simulated crash before saving")
    with pytest.raises(RuntimeError):
        merge_files([submissions / "環境部.xlsx"], master, year=2021, before_save=fail)
    assert master.read_bytes() == before


@pytest.mark.parametrize("owner, app", [("~$m.xlsx", "Excel"), (".~lock.m.xlsx#", "LibreOffice")])
def test_master_open_in_excel_or_libreoffice_is_refused(owner, app, submissions, tmp_path, capsys):
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    before = master.read_bytes()
    (tmp_path / owner).write_bytes(b"x")
    with pytest.raises(FileError) as info:
        merge_files([submissions], master, year=2021)
    assert info.value.code == "file-locked" and app in str(info.value)
    assert main(["merge", str(submissions), "-o", str(master), "--year", "R3"]) == 2
    assert app in capsys.readouterr().err and master.read_bytes() == before


def test_backups_rotate_and_restore(tmp_path):
    master = tmp_path / "m.xlsx"
    for i in range(14):
        atomic_write(master, f"version {i}".encode(), keep=5)
    backups = list_backups(master)
    assert len(backups) == 5 and backups[0].read_bytes() == b"version 12"
    restore_backup(master, 0)
    assert master.read_bytes() == b"version 12"
    assert list_backups(master)[0].read_bytes() == b"version 13"  # the replaced one is kept too


def test_restore_command(submissions, tmp_path, capsys):
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    first = master.read_bytes()
    merge_files([submissions], master, year=2021)
    assert master.read_bytes() != first
    assert main(["restore", str(master), "--list"]) == 0 and "0\t" in capsys.readouterr().out
    assert main(["restore", str(master), "--latest"]) == 0
    assert master.read_bytes() == first
    assert main(["restore", str(tmp_path / "none.xlsx"), "--latest"]) == 2


def test_stale_temporary_of_a_killed_writer_is_removed(tmp_path):
    master = tmp_path / "m.xlsx"
    stale = tmp_path / ".m.xlsx.999999999.tmp"
    stale.write_bytes(b"half")
    atomic_write(master, b"new")
    assert not stale.exists() and master.read_bytes() == b"new"


# --- concurrency and crashes ----------------------------------------------------------------

def _department_file(d: Path, dept: str, base_records) -> Path:
    recs = [replace(r, department=dept, measure_id=f"1-{50 + i:02d}", submitted_by="")
            for i, r in enumerate(base_records)]
    p = d / f"{dept}.xlsx"
    p.write_bytes(build_template(Settings(year=2020), dept, recs))
    return p


def _merge_one(args):
    path, master = args
    from xl_kpi.files.master import merge_files as mf
    mf([path], Path(master))
    return path


@pytest.mark.slow
def test_eight_concurrent_merges_lose_no_submission(submissions, tmp_path):
    base = read_workbook(submissions / "商工労働部.xlsx").sheets[0].records[:3]
    depts = [f"部署{i}" for i in range(8)]
    files = [_department_file(tmp_path, d, base) for d in depts]
    master = tmp_path / "master.xlsx"
    with get_context("spawn").Pool(8) as pool:
        done = pool.map(_merge_one, [(str(f), str(master)) for f in files])
    assert len(done) == 8
    recs = read_workbook(master).sheets[0].records
    assert sorted({r.submitted_by for r in recs}) == sorted(depts)
    assert len(recs) == 24


@pytest.mark.slow
def test_sigkill_during_merge_leaves_old_or_new_master(submissions, tmp_path):
    master = tmp_path / "m.xlsx"
    others = [p for p in submissions.iterdir() if p.name != "環境部.xlsx"]
    merge_files(others, master)
    old = master.read_bytes()
    probe = tmp_path / "probe.xlsx"
    probe.write_bytes(old)
    merge_files([submissions / "環境部.xlsx"], probe)
    new = probe.read_bytes()
    assert new != old
    rng = random.Random(20261128)
    outcomes = {"old": 0, "new": 0}
    cmd = [sys.executable, "-m", "xl_kpi.cli", "merge", str(submissions / "環境部.xlsx"), "-o", str(master)]
    for i in range(20):
        master.write_bytes(old)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = master.read_bytes()
        assert data in (old, new), f"kill {i}: master is neither the old nor the new one"
        outcomes["old" if data == old else "new"] += 1
        assert read_workbook(master).sheets[0].records  # always opens
    assert sum(outcomes.values()) == 20
    print("kills survived:", outcomes)


def test_lock_timeout_and_bad_backup_number(tmp_path):
    from xl_kpi.files.safesave import master_lock
    master = tmp_path / "m.xlsx"
    atomic_write(master, b"one")
    atomic_write(master, b"two")
    with pytest.raises(FileError) as info:
        restore_backup(master, 5)
    assert "5" in str(info.value)
    with master_lock(master):
        ctx = get_context("fork")
        q = ctx.Queue()

        def try_lock():
            try:
                with master_lock(master, timeout=0.2):
                    q.put("locked")
            except FileError as err:
                q.put(err.code)
        p = ctx.Process(target=try_lock)
        p.start()
        p.join(10)
        assert q.get(timeout=5) == "file-locked"
