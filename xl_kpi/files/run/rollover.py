"""Next year's pre-filled submissions from this year's master (``xl-kpi rollover``).

One workbook per department, in :data:`~xl_kpi.files.layout.ROLLOVER_LAYOUT`: measures, KPI items, 基準値,
目標値, 変更後の目標値, 備考, direction, SDGs and the texts (取組状況, 今後の予定 …, as a starting
point) carried; last year's value in 前年度実績; this year's 令和N年度末時点 and the rates empty.
The 設定 sheet keeps the master's departments, bands, plan period and grading scheme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ...core.errors import InputError
from ...core.evaluation import NOT_SUBMITTED
from ...core.fiscal import format_fiscal_year
from ...core.merge import order_records
from ...core.record import KpiRecord
from ..layout import DEFAULT_DEPARTMENTS, ROLLOVER_LAYOUT, Settings, safe_sheet_name
from ..reading.reader import read_workbook
from ..writing.plan_workbook import build_plan
from ..writing.template import build_template
from .master import PLAN_FILE, master_records
from .safesave import atomic_write

CLEARED: dict[str, Any] = {"current": "", "rate": "", "revised_rate": "", "submitted_by": "", "origin_file": "",
           "origin_sheet": "", "origin_row": ""}


def next_year_record(r: KpiRecord) -> KpiRecord:
    """A master row as next year's pre-filled row: last year's value moves to 前年度実績 (a KPI
    not submitted last year has none)."""
    department = r.department or r.submitted_by
    previous = "" if r.current == NOT_SUBMITTED and not r.submitted_by else r.current
    return replace(r, previous_value=previous, department=department, **CLEARED)


def rollover_settings(settings: Settings | None, year: int, departments: Sequence[str]) -> Settings:
    base = settings or Settings(year=year)
    if base.year and year <= base.year:
        raise InputError(f"繰り越し先の年度（{format_fiscal_year(year)}）はマスターの報告年度"
                         f"（{format_fiscal_year(base.year)}）より後にしてください（例: --year "
                         f"{format_fiscal_year(base.year + 1, '')}）。", value=year)
    known = tuple(dict.fromkeys([*(base.departments or DEFAULT_DEPARTMENTS), *departments]))
    return replace(base, year=year, departments=known)


def rollover(master: Path, year: int, out_dir: Path) -> list[Path]:
    """Write next year's submissions, one per department, and the plan workbook (the master's
    「計画」, which next year's first merge takes); returns the files written."""
    wb = read_workbook(master)
    records, settings = master_records(master, workbook=wb)
    register = wb.register()[0]
    groups: dict[str, list[KpiRecord]] = {}
    for r in records:  # each department gets back the rows it submitted
        groups.setdefault(r.submitted_by or r.owner or "（部署未記入）", []).append(next_year_record(r))
    settings = rollover_settings(settings, year, list(groups))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for dept, recs in groups.items():
        path = out_dir / f"{safe_sheet_name(dept)}.xlsx"
        part = register.with_kpis(register.owned_by(dept)) if register else None
        atomic_write(path, build_template(settings, dept, order_records(recs), ROLLOVER_LAYOUT, part), keep=0)
        written.append(path)
    if register is not None:
        atomic_write(out_dir / PLAN_FILE, build_plan(settings, register), keep=0)
        written.append(out_dir / PLAN_FILE)
    return written
