"""Saving the master safely: a lock, owner-file checks, atomic replace and rotating backups.

The master is never patched in place. New bytes go to a temporary file beside the target, are
flushed to disk, and replace the target in one ``os.replace``; a failure at any point leaves the
previous master byte-identical and no temporary file behind. The previous master is kept in
``<stem>.backups/`` (the newest :data:`KEEP_BACKUPS`), and :func:`restore_backup` brings one back.
A lock file inside that folder serialises concurrent merges (nothing extra beside the master);
a master open in Excel (``~$name``) or LibreOffice (``.~lock.name#``) is refused.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from ...core.errors import FileError
from ...core.fiscal import japan_time

KEEP_BACKUPS = 10
LOCK_TIMEOUT_S = 600.0
_CRASH_AT_ENV = "XL_KPI_TEST_CRASH_AT"


def _checkpoint(step: str) -> None:
    """A named step of a save, for the crash tests (not an API): when the environment variable
    ``XL_KPI_TEST_CRASH_AT`` names this step the process kills itself here (SIGKILL, no clean-up),
    as a power cut or ``kill -9`` would. Steps: ``written``, ``synced``, ``backup-copied``,
    ``before-replace``, ``replaced``."""
    if os.environ.get(_CRASH_AT_ENV) == step:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def owner_files(path: Path) -> list[Path]:
    """Owner/lock files that say the workbook is open in Excel or LibreOffice."""
    return [p for p in (path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#"))
            if p.exists()]


def refuse_if_open(path: Path) -> None:
    for p in owner_files(path):
        app = "Excel" if p.name.startswith("~$") else "LibreOffice"
        raise FileError(f"{path.name} は{app}で開かれています（{p.name}）。閉じてからもう一度実行してください。",
                        code="file-locked", path=str(path))


@contextlib.contextmanager
def master_lock(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Exclusive lock for merges into one master (a lock file in its backups folder, so nothing
    appears beside the master on a shared drive); waits up to `timeout`."""
    lock_path = backup_dir(path) / f".{path.name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                _lock(fh)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise FileError(f"{path.name} は他の統合処理で使用中です。しばらくしてから実行してください。",
                                    code="file-locked", path=str(path)) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                _unlock(fh)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fh) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(fh) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fh) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fh) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def backup_dir(path: Path) -> Path:
    return path.with_name(f"{path.stem}.backups")


def list_backups(path: Path) -> list[Path]:
    """Backups of a master, newest first."""
    d = backup_dir(path)
    if not d.is_dir():
        return []
    return sorted(d.glob(f"{path.stem}.*{path.suffix}"), reverse=True)


def backup_time(backup: Path) -> str:
    """When a backup was taken, in Japan time (``2026-11-28 16:00:05+09:00``), from its name."""
    stamp = backup.stem.rsplit(".", 1)[-1]
    try:
        taken = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return "-"
    return japan_time(taken).isoformat(sep=" ")


def _fsync_dir(d: Path) -> None:
    if os.name == "nt":  # pragma: no cover
        return
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, keep: int = KEEP_BACKUPS) -> Path | None:
    """Replace `path` with `data` atomically; back up the previous version (none when ``keep`` is
    0, as for a template). Returns the backup."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    backup = None
    try:
        _write_synced(tmp, data)
        if path.exists() and keep > 0:
            backup = _backup(path, keep)
        _checkpoint("before-replace")
        os.replace(tmp, path)
        _checkpoint("replaced")
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return backup


def _write_synced(tmp: Path, data: bytes) -> None:
    """Write `data` to `tmp` and flush it to disk."""
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        _checkpoint("written")
        os.fsync(fh.fileno())
    _checkpoint("synced")


STALE_AFTER_S = 3600.0


def _stale(tmp: Path, pid: int) -> bool:
    """Left by a writer that is gone: its process no longer exists (POSIX), or, where processes
    cannot be probed safely (on Windows os.kill terminates), the file is over an hour old."""
    if pid == os.getpid():
        return False
    if os.name == "nt":  # pragma: no cover - Windows only
        return time.time() - tmp.stat().st_mtime > STALE_AFTER_S
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete temporary files left by a writer that was killed: beside `path` and in its backups."""
    removed = []
    places = ((path.parent, f".{path.name}.*.tmp"), (backup_dir(path), f"{path.stem}.*{path.suffix}.*.tmp"))
    for folder, pattern in places:
        for tmp in folder.glob(pattern):
            pid = tmp.name[:-len(".tmp")].rsplit(".", 1)[-1]
            if pid.isdigit() and _stale(tmp, int(pid)):
                with contextlib.suppress(OSError):
                    tmp.unlink()
                    removed.append(tmp)
    return removed


def _backup(path: Path, keep: int) -> Path:
    d = backup_dir(path)
    d.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = d / f"{path.stem}.{stamp}{path.suffix}"
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        _write_synced(tmp, path.read_bytes())
        _checkpoint("backup-copied")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    for old in list_backups(path)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def restore_backup(path: Path, which: int = 0) -> Path:
    """Put backup number `which` (0 = newest) back as the master; the current one is backed up."""
    backups = list_backups(path)
    if not backups:
        raise FileError(f"{path.name} のバックアップがありません。", code="unreadable-file", path=str(path))
    if not 0 <= which < len(backups):
        raise FileError(f"バックアップ番号 {which} はありません（0～{len(backups) - 1}）。",
                        code="unreadable-file", path=str(path))
    chosen = backups[which]
    refuse_if_open(path)
    with master_lock(path):
        atomic_write(path, chosen.read_bytes())
    return chosen
