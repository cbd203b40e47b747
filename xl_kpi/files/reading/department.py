"""The department a KPI sheet is filed under: its 「部署: …」 label, the 部署 its rows name, or the
sheet's name without a copy suffix — and what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ...core.evaluation import department_hint
from ...core.findings import Finding, make_finding
from ...core.record import KpiRecord, department_names, first_department
from ..layout import LAYOUT, Settings, SheetLayout


def sheet_department(info_cell: Any) -> str:
    """部署 named in the info row (「部署: 商工労働部」), or ''."""
    if isinstance(info_cell, str) and info_cell.strip().startswith("部署"):
        name = info_cell.split(":", 1)[-1].split("：", 1)[-1].strip()
        if name and not name.startswith("（"):
            return first_department(name)
    return ""


_COPY_SUFFIX_RE = re.compile(r"(\s*[(（]\s*(\d+|旧|古|old|copy|コピー)\s*[)）]|\s*の?コピー(\s*\d+)?|[_\s-]*(old|旧))$", re.I)


def sheet_base_name(name: str) -> str:
    """A sheet's name without the suffix of a copy (「商工労働部 (2)」, 「…(旧)」, 「…のコピー」)."""
    base = name
    while True:
        stripped = _COPY_SUFFIX_RE.sub("", base).strip()
        if stripped == base or not stripped:
            return base
        base = stripped


def settle_department(label: str, records: list[KpiRecord], sheet: str, settings: Settings | None, file: str,
                      layout: SheetLayout = LAYOUT) -> tuple[str, list[KpiRecord], list[Finding]]:
    """The department a department sheet is filed under, its rows taking it as their submitter,
    and what is wrong with it (:func:`sheet_department_findings`) — the same for a file and for an
    add-in's book."""
    department, found = sheet_department_findings(label, records, sheet, settings, file, layout)
    if department != label:
        records = [replace(r, submitted_by=department) for r in records]
    return department, records, found


def sheet_department_findings(label: str, records: Sequence[KpiRecord], sheet: str,
                              settings: Settings | None, file: str,
                              layout: SheetLayout = LAYOUT) -> tuple[str, list[Finding]]:
    """The department a sheet is filed under, and what is wrong with it.

    The 「部署: …」 label above the table names it; every row must name it among its 部署 (else
    ``department-mismatch``). Without a label, the one department the rows name (or the sheet's
    name without a copy suffix) is used, with a ``missing-department-label`` warning."""
    out: list[Finding] = []
    label_cell = f"A{layout.info_row}"
    department = label
    if not label:
        owners = sorted({r.owner for r in records if r.owner})
        department = owners[0] if len(owners) == 1 else sheet_base_name(sheet)
        out.append(make_finding("missing-department-label", file=file, sheet=sheet, cell=label_cell,
                                value=department, detail=f"「{department}」の提出として扱いました。"))
    elif settings is not None and settings.departments and label not in settings.departments:
        out.append(make_finding("unknown-department", file=file, sheet=sheet, cell=label_cell, value=label,
                                detail=department_hint(label, tuple(settings.departments))))
    known = settings.departments if settings is not None else ()
    for rec in records:
        named = department_names(rec.department, known)
        if named and department not in named and "".join(named) != department:
            out.append(make_finding(
                "department-mismatch", record=rec, field="department", value=rec.department,
                detail=f"シートの「部署: {department}」（{label_cell}）と、この行の部署「{rec.department}」が"
                       f"異なります。この行が{department}の施策なら部署を「{department}」に、"
                       f"別の部署の施策ならその部署のシートで提出してください。"))
    return department, out
