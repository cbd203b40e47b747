"""The 「計画」 sheet read back into the plan register. Reading goes by the header texts, so a column
the planning division moves or a row it inserts (a KPI the council added) is read as meant; what is
wrong in an edited row is a finding at its cell, like any input (:func:`register_from_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...core.findings import Finding, make_finding
from ...core.record import DIRECTION_LABELS, KpiRecord, Source, value_text
from ...core.register import REGISTER_SHEET, PlanRegister, register_from_records
from ..addressing import column_letter
from ..layout import REGISTER_COLUMNS
from .rows import DIRECTIONS

_HEADER_FIELDS = {h: f for f, h, _ in REGISTER_COLUMNS}


def _text(v: Any) -> str:
    return value_text(v).strip()


def register_from_rows(rows: Sequence[Sequence[Any]], file: str, *, departments: Sequence[str] = (),
                       plan_start: int = 0, plan_end: int = 0) -> tuple[PlanRegister, list[Finding]]:
    """The register a 「計画」 sheet holds (``rows[0]`` is row 1), and what is wrong in it: a
    missing header, a KPI twice, a row without measure or department, a 指標の方向 that is none of
    the choices — each at its cell."""
    header_at = next((i for i, row in enumerate(rows[:20])
                      if sum(1 for v in row if _text(v) in _HEADER_FIELDS) >= 3), None)
    if header_at is None:
        return PlanRegister(origin=f"{file}の「{REGISTER_SHEET}」シート", file=file), [make_finding(
            "missing-header", file=file, sheet=REGISTER_SHEET, value="施策番号",
            detail="「計画」シートに見出しの行（施策番号・KPI番号・部署 …）がありません。")]
    columns = {_HEADER_FIELDS[_text(v)]: j for j, v in enumerate(rows[header_at]) if _text(v) in _HEADER_FIELDS}
    findings: list[Finding] = []
    for needed in ("measure_id", "kpi_no", "department", "target"):
        if needed not in columns:
            findings.append(make_finding("missing-header", file=file, sheet=REGISTER_SHEET,
                                         value=dict((f, h) for f, h, _ in REGISTER_COLUMNS)[needed],
                                         detail="「計画」シートの見出しにこの列がありません。"))
    letters = {f: column_letter(j + 1) for f, j in columns.items()}
    records: list[KpiRecord] = []
    for i in range(header_at + 1, len(rows)):
        row = rows[i]
        values = {f: _text(row[j]) if j < len(row) else "" for f, j in columns.items()}
        if not any(values.values()):
            continue
        relisted = values.pop("relisted", "")
        direction = values.get("direction", "")
        values["direction"] = DIRECTIONS.get(direction, direction)
        values.pop("unit", None)
        rec = KpiRecord.from_mapping(values, Source(file, REGISTER_SHEET, i + 1, letters))
        rec.relisted = "1" if relisted and relisted not in ("0", "いいえ", "×") else "0"
        if rec.direction and rec.direction not in DIRECTION_LABELS:
            findings.append(make_finding("invalid-direction", record=rec, field="direction", value=direction))
            rec.direction = ""
        records.append(rec)
    register, problems = register_from_records(records, departments, plan_start=plan_start, plan_end=plan_end,
                                               origin=f"{file}の「{REGISTER_SHEET}」シート", file=file)
    return register, findings + problems
