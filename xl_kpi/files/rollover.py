"""Next year's pre-filled submissions from this year's master (``xl-kpi rollover``).

One workbook per department, in :data:`~.layout.ROLLOVER_LAYOUT`: measures, KPI items, 基準値,
目標値, 変更後の目標値, 備考, direction, SDGs and the texts (取組状況, 今後の予定 …, as a starting
point) carried; last year's value in 前年度実績; this year's 令和N年度末時点 and the rates empty.
The 設定 sheet keeps the master's departments, bands, plan period and grading scheme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.fiscal import format_fiscal_year
from ..core.merge import order_records
from ..core.record import KpiRecord
from .layout import DEFAULT_DEPARTMENTS, ROLLOVER_LAYOUT, Settings, safe_sheet_name
from .master import master_records
from .safesave import atomic_write
from .writer import build_template

CLEARED: dict[str, Any] = {"current": "", "rate": "", "revised_rate": "", "submitted_by": "", "origin_file": "",
           "origin_sheet": "", "origin_row": ""}


def next_year_record(r: KpiRecord) -> KpiRecord:
    """A master row as next year's pre-filled row: last year's value moves to 前年度実績."""
    department = r.department or r.submitted_by
    return replace(r, previous_value=r.current, department=department, **CLEARED)


def rollover_settings(settings: Settings | None, year: int, departments: Sequence[str]) -> Settings:
    base = settings or Settings(year=year)
    if base.year and year <= base.year:
        raise InputError(f"繰り越し先の年度（{format_fiscal_year(year)}）はマスターの報告年度"
                         f"（{format_fiscal_year(base.year)}）より後にしてください（例: --year "
                         f"{format_fiscal_year(base.year + 1, '')}）。", value=year)
    known = tuple(dict.fromkeys([*(base.departments or DEFAULT_DEPARTMENTS), *departments]))
    return replace(base, year=year, departments=known)


def rollover(master: Path, year: int, out_dir: Path) -> list[Path]:
    """Write next year's submissions, one per department; returns the files written."""
    records, settings = master_records(master)
    groups: dict[str, list[KpiRecord]] = {}
    for r in records:  # each department gets back the rows it submitted
        groups.setdefault(r.submitted_by or r.owner or "（部署未記入）", []).append(next_year_record(r))
    settings = rollover_settings(settings, year, list(groups))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for dept, recs in groups.items():
        path = out_dir / f"{safe_sheet_name(dept)}.xlsx"
        atomic_write(path, build_template(settings, dept, order_records(recs), ROLLOVER_LAYOUT), keep=0)
        written.append(path)
    return written
