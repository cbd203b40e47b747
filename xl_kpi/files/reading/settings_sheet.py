"""The 「設定」 sheet read back into Settings: labelled values, department list, grade bands and
severities; an entry that cannot be read is a finding, and the default is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...core.errors import InputError
from ...core.findings import CATALOGUE, Finding, make_finding, parse_severity
from ...core.fiscal import format_fiscal_year, parse_reporting_year
from ...core.grading import BANDS, parse_scheme
from ...core.municipality import check_digit
from ...core.rate import DEFAULT_ROUNDING, NO_LOWER_BOUND, GradeBands, parse_rounding
from ..layout import (
    DEFAULT_PLAN_END,
    DEFAULT_PLAN_START,
    ROUNDING_LABEL,
    SETTINGS_SHEET,
    SEVERITY_TABLE,
    Settings,
)

SettingsRows = tuple[dict[str, Any], list[str], list[tuple[Any, Any, Any]], list[tuple[Any, Any]]]
TABLES = ("評価区分", "部署一覧", SEVERITY_TABLE)


def parse_settings_rows(rows: Sequence[Sequence[Any]]) -> SettingsRows:
    """(labelled values, department list, grade-band rows, (code, severity) rows) of a 「設定」 sheet."""
    values: dict[str, Any] = {}
    departments: list[str] = []
    bands: list[tuple[Any, Any, Any]] = []
    severities: list[tuple[Any, Any]] = []
    mode = ""
    for row in rows:
        row = list(row) + [None] * (4 - len(row))
        label = str(row[0] or "").strip()
        if label:
            mode = label
            if row[1] is not None and label not in TABLES:
                values[label] = row[1]
            continue
        if mode == "部署一覧" and row[1]:
            departments.append(str(row[1]).strip())
        elif mode == "評価区分" and row[2]:
            bands.append((row[1], row[2], row[3]))
        elif mode == SEVERITY_TABLE and row[1]:
            severities.append((row[1], row[2]))
    return values, departments, bands, severities


def settings_from_rows(rows: list[list[Any]], file: str, findings: list[Finding]) -> Settings:
    """The 「設定」 sheet's cells as Settings; unreadable entries become findings and defaults."""
    values, departments, band_rows, severity_rows = parse_settings_rows(rows[:500])
    bands = [(int(low) if isinstance(low, (int, float)) else NO_LOWER_BOUND, str(letter), str(symbol or ""))
             for low, letter, symbol in band_rows]
    try:
        year = parse_reporting_year(str(values.get("報告年度", "")))
    except InputError:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     value=str(values.get("報告年度", "")),
                                     detail="設定シートの報告年度を読み取れません（例: 令和2）。", severity="warning"))
        year = 0
    plan_start = _settings_year(values, "計画開始年度", DEFAULT_PLAN_START, file, findings)
    plan_end = _settings_year(values, "計画最終年度", DEFAULT_PLAN_END, file, findings)
    try:
        scheme = parse_scheme(values.get("評価方式"))
    except InputError as err:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     value=str(values.get("評価方式", "")),
                                     detail=f"{err} 既定の達成率区分で評価します。", severity="warning"))
        scheme = BANDS
    try:
        rounding = parse_rounding(values.get(ROUNDING_LABEL))
    except InputError as err:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     value=str(values.get(ROUNDING_LABEL, "")),
                                     detail=f"{err} 既定の「{DEFAULT_ROUNDING.label}」で表示します。", severity="warning"))
        rounding = DEFAULT_ROUNDING
    try:
        grade_bands = GradeBands(tuple(bands)) if bands else GradeBands()
    except InputError:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET,
                                     detail="設定シートの評価区分を読み取れません。既定の区分を使います。", severity="warning"))
        grade_bands = GradeBands()
    return Settings(year=year, plan_end=plan_end, departments=tuple(departments), bands=grade_bands,
                    version=str(values.get("様式", "")).strip(),
                    severities=_severities(severity_rows, file, findings), plan_start=plan_start, scheme=scheme,
                    city_code=_code_text(values.get("全国地方公共団体コード")),
                    city_name=str(values.get("地方公共団体名") or "").strip(), rounding=rounding)


def _code_text(raw: Any) -> str:
    """A code cell as text: a number Excel made of a typed code gets its leading zeros back."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer():
        text = str(int(raw))
        if len(text) == 5 and check_digit(text.zfill(6)[:5]) == text[-1]:
            return text.zfill(6)  # 011002 typed as a number: 11002
        return text.zfill(5) if len(text) == 4 else text
    return str(raw or "").strip()


def _settings_year(values: dict[str, Any], label: str, default: int, file: str, findings: list[Finding]) -> int:
    """A fiscal year of the 「設定」 sheet (令和2, R2, 2020 or a number Excel made of 2020)."""
    raw = values.get(label)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        return parse_reporting_year(int(raw) if isinstance(raw, float) and raw.is_integer() else str(raw))
    except InputError:
        findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET, value=str(raw),
                                     detail=f"設定シートの{label}を読み取れません（例: 令和2）。既定の"
                                            f"{format_fiscal_year(default)}を使います。", severity="warning"))
        return default


def _severities(rows: list[tuple[Any, Any]], file: str, findings: list[Finding]) -> dict[str, str]:
    """The 指摘の重要度 rows as code → severity; an unknown code or severity becomes a finding."""
    out: dict[str, str] = {}
    for code, label in rows:
        code, severity = str(code).strip(), parse_severity(label)
        if code in CATALOGUE and severity:
            out[code] = severity
        else:
            findings.append(make_finding("template-mismatch", file=file, sheet=SETTINGS_SHEET, value=f"{code} {label or ''}",
                                         detail=f"設定シートの{SEVERITY_TABLE}「{code}」「{label or ''}」を読み取れません"
                                         "（コードは利用者ガイドの一覧から、重要度はエラー・警告・情報から）。",
                                         severity="warning"))
    return out
