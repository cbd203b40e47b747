"""Merge and save: atomic, locked, refused while open, backed up, restorable, crash- and race-safe."""

import inspect
import os
import signal
import subprocess
import sys
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

import pytest

from xl_kpi.cli import main
from xl_kpi.core.errors import FileError
from xl_kpi.files.layout import Settings
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run import safesave
from xl_kpi.files.run.master import merge_files
from xl_kpi.files.run.safesave import atomic_write, list_backups, restore_backup
from xl_kpi.files.writing.template import build_template


def _temporaries(folder: Path) -> list[str]:
    """Every temporary file under `folder`, the backups folder included."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.tmp"))


@pytest.mark.parametrize("failing", ["final", "backup"])
def test_failed_replace_leaves_master_identical_and_no_temporary(failing, submissions, tmp_path, monkeypatch):
    master = tmp_path / "m.xlsx"
    merge_files([p for p in submissions.iterdir() if p.name != "環境部.xlsx"], master)
    before = master.read_bytes()
    real_replace = os.replace
    calls = []

    def full_disk(src, dst):
        into_backups = Path(dst).parent == safesave.backup_dir(master)
        calls.append("backup" if into_backups else "final")
        if calls[-1] == failing:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)
    monkeypatch.setattr(safesave.os, "replace", full_disk)
    with pytest.raises(OSError):
        merge_files([submissions], master)
    assert calls[-1] == failing and ("backup" in calls or failing == "backup")
    assert master.read_bytes() == before
    assert _temporaries(tmp_path) == []


@pytest.mark.parametrize("step", ["written", "synced", "backup-copied", "before-replace"])
def test_exception_at_each_step_of_the_save_keeps_the_master(step, submissions, tmp_path, monkeypatch):
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    before = master.read_bytes()
    reached = []

    def crash(name):
        reached.append(name)
        if name == step:
            raise RuntimeError(f"simulated crash at {name}")
    monkeypatch.setattr(safesave, "_checkpoint", crash)
    with pytest.raises(RuntimeError):
        merge_files([submissions / "環境部.xlsx"], master, year=2021)
    assert reached[-1] == step
    assert master.read_bytes() == before
    assert _temporaries(tmp_path) == []


def test_merge_files_has_no_test_hook_parameter():
    assert "before_save" not in inspect.signature(merge_files).parameters


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
    from xl_kpi.files.run.master import merge_files as mf
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


# A process killed (SIGKILL: no clean-up, no finally) at each step of the save, made to happen by
# the save's private checkpoint hook (safesave._checkpoint reads XL_KPI_TEST_CRASH_AT).
KILL_STEPS = {"written": "old", "synced": "old", "backup-copied": "old", "before-replace": "old",
              "replaced": "new"}


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_sigkill_at_each_step_of_the_save_leaves_old_or_new_master(submissions, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([p for p in submissions.iterdir() if p.name != "環境部.xlsx"], master)
    old = master.read_bytes()
    probe = tmp_path / "probe" / "m.xlsx"
    probe.parent.mkdir()
    probe.write_bytes(old)
    merge_files([submissions / "環境部.xlsx"], probe)
    new = probe.read_bytes()
    assert new != old
    cmd = [sys.executable, "-m", "xl_kpi.cli", "merge", str(submissions / "環境部.xlsx"), "-o", str(master)]
    for step, expected in KILL_STEPS.items():
        master.write_bytes(old)
        env = {**os.environ, "XL_KPI_TEST_CRASH_AT": step}
        proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
        assert proc.returncode == -signal.SIGKILL, f"{step}: not killed there ({proc.stderr.decode()[-300:]})"
        assert master.read_bytes() == {"old": old, "new": new}[expected], f"killed at {step}"
        assert read_workbook(master).sheets[0].records  # always opens
        # the next save clears what the killed writer left (its temporaries, beside or in backups/)
        atomic_write(master, master.read_bytes())
        assert _temporaries(tmp_path) == [], f"killed at {step}"


def test_lock_timeout_and_bad_backup_number(tmp_path):
    from xl_kpi.files.run.safesave import master_lock
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
