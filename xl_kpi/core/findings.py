"""Findings: validation results as data, with stable codes and one Japanese message catalogue.

A finding has a kebab-case ``code`` (stable: tests, CLI JSON, the 「チェック結果」 sheet and cell
highlighting all key on it), a severity, where it points (file, sheet, cell, field, measure, KPI),
the offending value and a Japanese message rendered from :data:`CATALOGUE`.
"""

from __future__ import annotations

import json
from typing import Iterable, NamedTuple, Sequence

from .record import FIELD_LABELS, KpiRecord

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_LABELS = {ERROR: "エラー", WARNING: "警告", INFO: "情報"}

# code → (default severity, Japanese title, message template). Templates may use {label} (the
# field's Japanese name), {value} and {detail}.
CATALOGUE: dict[str, tuple[str, str, str]] = {
    # content (core)
    "missing-value": (ERROR, "未入力", "{label}が入力されていません。{detail}"),
    "invalid-measure-id": (ERROR, "施策番号の形式", "施策番号「{value}」は「基本目標-2桁の番号」（例: 1-01）の形式ではありません。{detail}"),
    "unparseable-value": (ERROR, "数値として読めない", "{label}「{value}」を数量として読み取れません。{detail}"),
    "multiple-values": (ERROR, "複数の値", "{label}「{value}」に複数の数値があります。KPIごとに行を分け、①②で番号を付けてください。"),
    "garbled-value": (WARNING, "ラベルの位置", "{label}「{value}」は数値と単位の間にラベルが入っています。「{detail}」のように入力してください。"),
    "unit-mismatch": (WARNING, "単位の不一致", "{label}「{value}」の単位が{detail}"),
    "basis-mismatch": (WARNING, "集計方法の不一致", "{label}「{value}」の集計方法（単年度・累計・平均など）が{detail}"),
    "percent-scale": (WARNING, "割合の表記", "{label}「{value}」は割合の表記が他の値と異なります（85% と 0.85 など）。{detail}"),
    "rate-mismatch": (ERROR, "達成率の不一致", "入力された{label}「{value}」は計算値「{detail}」と異なります。計算値を使用します。"),
    "rate-not-computable": (WARNING, "達成率を計算できない", "{label}を計算できません: {detail}"),
    "below-baseline": (WARNING, "基準値を下回る", "{label}「{value}」は基準値「{detail}」を下回っています（目標に対して後退しています）。"),
    "baseline-equals-target": (WARNING, "基準値と目標値が同じ", "基準値「{value}」が目標値と同じです。基準値には計画策定時点の値を入力してください。"),
    "unnumbered-kpis": (WARNING, "KPIの番号なし", "1つのセルに複数のKPIが番号（①②）なしで記載されていました。KPIごとに行を分け、番号を付けてください。{detail}"),
    "revision-incomplete": (WARNING, "目標値変更の記入漏れ", "{label}が未入力です。{detail}"),
    "invalid-sdgs": (ERROR, "SDGs目標の形式", "SDGs「{value}」は1～17の目標番号を「・」で区切って入力してください。{detail}"),
    "relisted-differs": (WARNING, "再掲の内容が異なる", "再掲の{label}「{value}」が元の施策の値「{detail}」と異なります。"),
    "duplicate-kpi": (ERROR, "KPIの重複", "同じKPI（{detail}）が複数行にあります。"),
    "formula-text": (WARNING, "数式と解釈される文字列", "{label}「{value}」は先頭の文字のためExcelで数式と解釈される恐れがあります。文字列として保存します。"),
    "text-too-long": (ERROR, "文字数超過", "{label}の文字数（{detail}）がExcelの上限（32,767文字）を超えています。"),
    "control-characters": (WARNING, "制御文字", "{label}に表示できない制御文字が含まれています。"),
    "invalid-direction": (ERROR, "指標の方向", "指標の方向「{value}」は「高いほど良い」か「低いほど良い」を選んでください。"),
    # the yearly cycle (core/yearly.py)
    "stale-value": (WARNING, "前年度と同じ値", "{label}「{value}」が前年度実績と同じです。{detail}"),
    "target-changed-without-revision": (WARNING, "目標値の変更", "目標値「{value}」が前年度の「{detail}」と異なります。目標値は元の値のままにして、変更後の目標値と備考（変更の理由）に入力してください。"),
    # workbook (files)
    "template-mismatch": (ERROR, "テンプレート不一致", "{detail}"),
    "missing-header": (ERROR, "見出しがない", "見出し「{value}」が見つかりません。{detail}"),
    "missing-sheet": (ERROR, "シートがない", "{detail}"),
    "unknown-department": (WARNING, "未登録の部署", "部署「{value}」は設定シートの部署一覧にありません。{detail}"),
    "formula-in-input": (ERROR, "入力欄の数式", "{label}に数式「{value}」があります。値を入力してください。"),
    "merged-input": (WARNING, "結合されたセル", "入力欄に結合セル（{value}）があります。結合された範囲の値は先頭のセルのみ読み取ります。"),
    "hidden-row": (WARNING, "非表示の行", "非表示の行（{value}行目）があります。内容を確認してください。"),
    "date-in-value": (ERROR, "日付になった値", "{label}「{value}」はExcelが日付として保存した値です。{detail}（先頭に ' を付けると日付になりません）。"),
    "rounded-display": (INFO, "表示形式で丸めた値", "{label}のセルの値 {detail} は表示形式により「{value}」と表示されています。表示どおり「{value}」として読み取りました。"),
    "measure-carried-down": (INFO, "上の施策の行", "施策番号・施策などが空欄のため、上の施策「{value}」の行として読み取りました。"),
    "invalid-section": (ERROR, "見出し行の番号", "見出し行「{value}」に番号がありません。{detail}"),
    "missing-section": (ERROR, "見出し行がない", "この行の上に【基本目標N】と【基本的方向：X】の見出し行がありません。{detail}様式の見出し行（例: 「【基本目標1】…」「【基本的方向：ア】…」）の下に入力してください。"),
    "duplicate-department-sheet": (ERROR, "同じ部署のシートが複数", "{detail}"),
    "department-mismatch": (ERROR, "部署の不一致", "{detail}"),
    "missing-department-label": (WARNING, "部署名がない", "シート2行目に部署名がありません。「部署: {value}」と入力してください。{detail}"),
    "cell-comment": (INFO, "セルのコメント", "{label}のセルにコメントがあります（{detail}）:「{value}」"),
    "number-as-text": (INFO, "文字列の数値", "{label}「{value}」は数値ではなく文字列として入力されています。"),
    # merge
    "conflicting-submission": (ERROR, "提出の競合", "同じKPIが複数の部署から提出されています（{detail}）。両方を残しました。"),
    "superseded-submission": (WARNING, "提出の置き換え", "{detail}"),
    "submission-order": (ERROR, "提出の順序が不明", "{detail}"),
    "empty-submission": (WARNING, "空の提出", "{detail}"),
    # preflight (files) — a file that cannot be read safely
    "empty-file": (ERROR, "空のファイル", "ファイルが空です。{detail}"),
    "not-xlsx": (ERROR, "Excelファイルではない", "Excelブック（.xlsx）ではありません。{detail}"),
    "legacy-xls": (ERROR, "古い形式", "古い形式（.xls）のブックです。Excelで「.xlsx」形式で保存し直してください。{detail}"),
    "encrypted-file": (ERROR, "パスワード付き", "パスワードで保護（暗号化）されたブックは読み込めません。保護を解除して保存し直してください。{detail}"),
    "corrupt-file": (ERROR, "壊れたファイル", "ファイルが壊れているか、途中で切れています。{detail}"),
    "file-too-large": (ERROR, "サイズ超過", "ファイルサイズ（{value}）が上限（{detail}）を超えています。"),
    "zip-bomb": (ERROR, "展開サイズ超過", "展開後のサイズまたは圧縮率が上限を超えています（{detail}）。"),
    "too-many-entries": (ERROR, "構成要素が多すぎる", "ブック内の要素数（{value}）が上限（{detail}）を超えています。"),
    "xml-entities": (ERROR, "不正なXML", "ブックにXMLエンティティ宣言が含まれています（{detail}）。安全のため読み込みません。"),
    "too-many-cells": (ERROR, "セル数超過", "セル数（{value}）が上限（{detail}）を超えています。"),
    "macros-present": (WARNING, "マクロ", "ブックにマクロが含まれています。値のみを読み込み、マクロは取り込みません。{detail}"),
    "external-links": (WARNING, "外部リンク", "外部ブックへのリンクがあります。{detail}"),
    "data-connections": (WARNING, "データ接続", "外部データ接続があります。取り込みません。{detail}"),
    "dropped-content": (WARNING, "失われる内容", "{detail}"),
    "file-locked": (ERROR, "使用中", "{detail}"),
    "no-workbooks": (ERROR, "提出ブックがない", "{detail}"),
    "ignored-file": (INFO, "読み込まないファイル", "{detail}"),
    "subfolder-not-read": (WARNING, "サブフォルダー", "{detail}"),
    "unreadable-file": (ERROR, "読み込めない", "{detail}"),
}


class Finding(NamedTuple):
    """One finding. The Japanese ``message`` is rendered from the catalogue when read."""

    code: str
    severity: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    field: str = ""
    measure_id: str = ""
    kpi_no: str = ""
    value: str = ""
    detail: str = ""

    @property
    def message(self) -> str:
        template = CATALOGUE[self.code][2]
        return template.format(label=FIELD_LABELS.get(self.field, self.field),
                               value=_clip(self.value), detail=self.detail).strip()

    @property
    def title(self) -> str:
        return CATALOGUE[self.code][1]

    @property
    def location(self) -> str:
        """``'商工労働部'!H12`` / ``file.csv:H12`` / the file name."""
        if self.sheet:
            sheet = self.sheet.replace("'", "''")
            return f"'{sheet}'!{self.cell}" if self.cell else f"'{sheet}'"
        if self.cell:
            return f"{self.file}:{self.cell}" if self.file else self.cell
        return self.file

    def to_dict(self) -> dict[str, str]:
        d = self._asdict()
        d["message"] = self.message
        d["location"] = self.location
        return d


def make_finding(code: str, *, record: KpiRecord | None = None, field: str = "", value: object = "",
                 detail: str = "", severity: str | None = None, file: str = "", sheet: str = "",
                 cell: str = "") -> Finding:
    """A finding of the catalogue, taking its place from the record's source if given."""
    text = "" if value is None else str(value)
    sev = severity or CATALOGUE[code][0]
    if record is not None:
        src = record.source
        return Finding(code, sev, file or src.file, sheet or src.sheet,
                       cell or src.cell(field), field, record.measure_id, record.kpi_no,
                       text, detail)
    return Finding(code, sev, file, sheet, cell, field, "", "", text, detail)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class Report:
    """All findings of a validation run, in the order found."""

    def __init__(self, findings: Iterable[Finding] = ()):
        self.findings: list[Finding] = list(findings)

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def valid(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def flatten(self, keys: Sequence[str]) -> list[list[str]]:
        """``report.flatten(["measure_id", "field", "code"])`` — compact rows for assertions."""
        return [[getattr(f, k) for k in keys] for f in self.findings]

    def to_json(self) -> str:
        return json.dumps({"valid": self.valid, "counts": self.counts(),
                           "findings": [f.to_dict() for f in self.findings]},
                          ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        lines = [f"{SEVERITY_LABELS[f.severity]} [{f.code}] "
                 f"{f.file + ' ' if f.file and f.sheet else ''}{f.location}: {f.message}"
                 for f in self.findings]
        c = self.counts()
        lines.append(f"エラー {c[ERROR]} 件、警告 {c[WARNING]} 件、情報 {c[INFO]} 件")
        return "\n".join(lines)
