"""What the inbox does with a file: check it as ``xl-kpi validate`` checks it, decide whether it
is taken, and — for the planning division — the state of every department of the plan, the files
to merge and the master they give (``xl-kpi merge``'s rules, its code).

Settings (environment, read when the server or the CLI starts):

- ``XL_KPI_PLAN``: the plan register — 計画.xlsx (``xl-kpi import-csv``), the plan's CSV or a
  master with a 「計画」 sheet. Its departments are the ones the inbox expects; each file is checked
  against it; the inbox's master is merged with it (``xl-kpi merge --plan``).
- ``XL_KPI_INBOX_ALLOW_ERRORS=1``: take a submission that has errors (it then waits for the
  planning division's 受理). By default errors block it and the department is told what to fix.
- ``XL_KPI_INBOX_REVIEW=1``: the planning division accepts each submission by hand (受理); by
  default one without errors is accepted on arrival.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..core.errors import FileError, InputError
from ..core.evaluation import NOT_SUBMITTED, PARTLY, SUBMITTED, evaluate_report
from ..core.findings import Finding
from ..core.register import PlanRegister, canonical_department
from .store import ACCEPTED, PENDING, REOPENED, Inbox, Stored

TRUE = ("1", "true", "yes", "on")
FILENAME_LIMIT = 120


@dataclass
class InboxSettings:
    plan: Path | None = None
    allow_errors: bool = False
    review: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> InboxSettings:
        env = os.environ if env is None else env
        plan = env.get("XL_KPI_PLAN", "").strip()
        if plan and not Path(plan).is_file():
            raise InputError(f"XL_KPI_PLAN の計画ファイル {plan} がありません。計画.xlsx（xl-kpi import-csv が作る）、"
                             "計画のCSV、または「計画」シートのあるマスターを指定してください。")
        return cls(Path(plan) if plan else None, env.get("XL_KPI_INBOX_ALLOW_ERRORS", "").lower() in TRUE,
                   env.get("XL_KPI_INBOX_REVIEW", "").lower() in TRUE)

    def register(self) -> PlanRegister | None:
        if self.plan is None:
            return None
        from ..files.run.master import read_plan
        return read_plan(self.plan)[0]


class Refused(Exception):
    """A submission not taken: the HTTP status, the Japanese message and the findings."""

    def __init__(self, status: int, message: str, findings: Sequence[dict] = (), counts: Mapping[str, int] | None = None):
        super().__init__(message)
        self.status, self.message, self.findings = status, message, list(findings)
        self.counts = dict(counts or {})


@dataclass
class Checked:
    department: str
    sha256: str
    counts: dict[str, int]
    findings: list[dict]
    coverage: str
    missing: list[str]


def safe_filename(name: str) -> str:
    """The upload's own name, without folders or control characters, bounded; ``提出.xlsx`` if none."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch >= " " and ch not in '<>:"|?*').strip().strip(".")
    if not base:
        return "提出.xlsx"
    if len(base) > FILENAME_LIMIT:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: FILENAME_LIMIT - len(ext) - 1] + dot + ext) if dot and len(ext) <= 5 else base[:FILENAME_LIMIT]
    return base


def check_file(data: bytes, filename: str, register: PlanRegister | None,
               department: str | None) -> Checked:
    """Check one uploaded workbook as ``xl-kpi validate --plan`` does. ``department``: the
    sender's (a department token), which every department sheet of the file must be; None for
    the planning division, who may submit for one department. Raises :class:`Refused`."""
    from ..files.layout import Settings, default_year
    from ..files.run.master import validate_files
    if not data:
        raise Refused(400, "ファイルが空です。提出するブック（.xlsx）を選んでください。")
    with tempfile.TemporaryDirectory(prefix="xl-kpi-inbox-") as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        result = validate_files([path], register=register)
        findings = [f.to_dict() for f in result.report.findings]
        counts = result.report.counts()
        if result.unreadable or not result.files:
            raise Refused(400, "ブックを安全に読み込めませんでした。指摘を確認してください。", findings, counts)
        wb = result.files[0]
        subs = wb.submissions()
    known = register.departments if register is not None else ()
    departments = list(dict.fromkeys(canonical_department(s.department, known) or s.department for s in subs))
    if not departments:
        raise Refused(400, "部署の提出シートがありません（マスターや計画のブックは提出できません）。"
                           "部署の提出用ブックを提出してください。", findings, counts)
    if len(departments) > 1:
        raise Refused(400, f"1つのブックに複数の部署（{'、'.join(departments)}）のシートがあります。"
                           "部署ごとに提出してください。", findings, counts)
    dept = departments[0]
    if department is not None and dept != department:
        raise Refused(403, f"このブックは「{dept}」の提出です。「{department}」のトークンでは"
                           f"「{department}」の提出だけができます。", findings, counts)
    coverage, missing = SUBMITTED, []
    if register is not None and len(register):
        settings = wb.settings or Settings(year=default_year())
        content = evaluate_report(subs, settings, register=register)
        row = next((s for s in content.status if s.department == dept), None)
        if row is not None:
            coverage, missing = row.state or SUBMITTED, list(row.missing)
    return Checked(dept, hashlib.sha256(data).hexdigest(), counts, findings, coverage, missing)


def state_on_arrival(counts: Mapping[str, int], settings: InboxSettings) -> str:
    """accepted, or pending (waiting for the planning division's 受理); raises when errors block it."""
    if counts.get("error", 0):
        return PENDING
    return PENDING if settings.review else ACCEPTED


def submit(inbox: Inbox, settings: InboxSettings, register: PlanRegister | None, *, data: bytes, filename: str,
           department: str | None, token_id: str) -> Stored:
    """Check and store one submission; it is committed when this returns. Raises :class:`Refused`."""
    name = safe_filename(filename)
    if not name.lower().endswith((".xlsx", ".xlsm")):
        raise Refused(400, f"「{name}」は Excel ブック（.xlsx）ではありません。提出用ブックを .xlsx で保存して提出してください。")
    checked = check_file(data, name, register, department)
    if checked.counts.get("error", 0) and not settings.allow_errors:
        raise Refused(422, f"エラーが {checked.counts['error']} 件あります。直してからもう一度提出してください"
                           "（受け付けていません）。", checked.findings, checked.counts)
    return inbox.add(department=checked.department, token_id=token_id, filename=name, content=data,
                     sha256=checked.sha256, counts=checked.counts, findings=checked.findings,
                     coverage=checked.coverage, missing=checked.missing,
                     state=state_on_arrival(checked.counts, settings))


# --- the planning division's view -------------------------------------------------------------

UNSUBMITTED_LABEL = NOT_SUBMITTED
REOPENED_LABEL = "差し戻し"
PENDING_LABEL = "確認待ち"


@dataclass
class DepartmentState:
    department: str
    label: str  # 提出済 / 一部 / 未提出 / 差し戻し / 確認待ち
    latest: Stored | None
    accepted: Stored | None

    def to_dict(self) -> dict:
        return {"department": self.department, "status": self.label,
                "latest": self.latest.to_dict() if self.latest else None,
                "accepted_id": self.accepted.id if self.accepted else None}


def department_states(inbox: Inbox, register: PlanRegister | None) -> list[DepartmentState]:
    """Every department of the plan (then any other that submitted), with the state of its latest
    submission: 差し戻し when reopened, 確認待ち when waiting for 受理, else 提出済 / 一部 by how
    much of the plan it covers; 未提出 when nothing came."""
    latest = inbox.latest()
    accepted = {s.department: s for s in inbox.latest_accepted(with_content=False)}
    names = list(register.departments) if register is not None else []
    names += sorted(d for d in latest if d not in names)
    out = []
    for dept in names:
        last = latest.get(dept)
        if last is None:
            label = UNSUBMITTED_LABEL
        elif last.state == REOPENED:
            label = REOPENED_LABEL
        elif last.state == PENDING:
            label = PENDING_LABEL
        else:
            label = PARTLY if last.coverage == PARTLY else SUBMITTED
        out.append(DepartmentState(dept, label, last, accepted.get(dept)))
    return out


def export_files(inbox: Inbox, out_dir: Path) -> list[Path]:
    """The latest accepted file of each department written to ``out_dir`` under its own name (a
    name two departments share gets the department in front), its modification time the time it
    was received — the time a merge gives a workbook that records no 提出日時 and was not saved
    since it was made (:mod:`xl_kpi.files.reading.submitted`), so every export merges to the same master.
    Returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = inbox.latest_accepted()
    names = [s.filename for s in chosen]
    written = []
    for s in chosen:
        name = s.filename if names.count(s.filename) == 1 else f"{s.department}_{s.filename}"
        path = out_dir / name
        path.write_bytes(s.content or b"")
        received = datetime.fromisoformat(s.received_at).timestamp()
        os.utime(path, (received, received))
        written.append(path)
    return written


def merge_inbox_at(url: str, settings: InboxSettings) -> tuple[bytes, list[Finding], int]:
    """:func:`merge_inbox` of the inbox at ``url``, opened here: what a worker process runs."""
    inbox = Inbox.open(url)
    try:
        return merge_inbox(inbox, settings)
    finally:
        inbox.close()


def merge_inbox(inbox: Inbox, settings: InboxSettings) -> tuple[bytes, list[Finding], int]:
    """The master of the latest accepted submission of each department — ``xl-kpi merge --plan
    XL_KPI_PLAN`` over the files ``export_files`` writes. Returns its bytes, findings and rows."""
    from ..files.run.master import merge_files
    with tempfile.TemporaryDirectory(prefix="xl-kpi-inbox-") as tmp:
        files = export_files(inbox, Path(tmp) / "提出")
        if not files:
            raise FileError("受理した提出がまだありません。", code="unreadable-file")
        master = Path(tmp) / "取組状況.xlsx"
        outcome = merge_files(sorted(files), master, plan=settings.plan)
        return master.read_bytes(), outcome.report.findings, len(outcome.records)
