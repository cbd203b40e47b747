"""The main job on the embedded sample: template, submissions, validate, merge, export, and a
summary a newcomer can read: grades with their legend, findings actionable first with their
Japanese names, where to read what each code means, and which file to open next."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from .core.findings import SEVERITY_LABELS, actionable_first, entry
from .core.rate import DEFAULT_BANDS
from .core.summary import evaluated
from .files.layout import Settings
from .files.run.master import PLAN_FILE, export_csv, import_csv, merge_files, validate_files
from .files.run.safesave import atomic_write
from .files.writing.csvio import sample_csv_path
from .files.writing.template import build_template

SAMPLE_YEAR = 2020  # the sample reports FY2020 (令和2年度)


def run_demo(out: Path, progress=None) -> int:
    out.mkdir(parents=True, exist_ok=True)
    say = lambda text: print(text, flush=True)  # noqa: E731
    template = out / "取組状況_様式.xlsx"
    atomic_write(template, build_template(Settings(year=SAMPLE_YEAR)), keep=0)
    say(f"1. 様式: {template}")
    subs = import_csv(sample_csv_path(), out / "提出", SAMPLE_YEAR)
    books = [p for p in subs if p.name != PLAN_FILE]
    say(f"2. 部署ごとの提出ブック: {len(books)} 件と計画（{PLAN_FILE}）（{out / '提出'}）")
    v = validate_files(subs)
    c = v.report.counts()
    say(f"3. 入力チェック: エラー {c['error']} 件、警告 {c['warning']} 件、情報 {c['info']} 件")
    master = out / "取組状況_統合.xlsx"
    m = merge_files([out / "提出"], master, progress=progress or (lambda *a: None))
    say(f"4. 統合: {master}（{len(m.records)} 行、{len(m.submissions)} 部署）")
    without_kpi = [r for r in m.records if not r.has_kpi]
    if without_kpi:
        measures = "、".join(dict.fromkeys(r.measure_id for r in without_kpi))
        say(f"   うち KPI のない行 {len(without_kpi)} 行（{measures}）: 施策の2つ目以降の事業だけを書いた行で、"
            "達成率・評価はありません")
    csv_out = out / "取組状況_統合.csv"
    export_csv(master, csv_out)
    same = csv_out.read_bytes() == sample_csv_path().read_bytes()
    say(f"5. CSV 書き出し: {csv_out}（元の CSV と{'一致' if same else '不一致'}）")
    items = evaluated(m.records)
    grades = Counter(it.grade for it in items)
    letters = (*DEFAULT_BANDS.letters, "-")
    say(f"達成状況（KPI {len(items)} 件）: " + "、".join(f"{g} {grades.get(g, 0)} 件" for g in letters))
    say("  評価の凡例: " + "、".join(DEFAULT_BANDS.describe()) + "、-: 計算できない")
    say("主な指摘（対応が必要なものから）:")
    for line in finding_lines(m.report.findings):
        say("  " + line)
    say("  各コードの意味と直し方: xl-kpi guide -o 利用者ガイド.html（付録「指摘コードの一覧」）")
    say(f"次に開くファイル: {master}（「集計」シートに達成状況、「チェック結果」シートに指摘の一覧）")
    return 0 if same else 1


def finding_lines(findings, limit: int = 8) -> list[str]:
    """``警告 garbled-value（ラベルの位置）: 3 件`` per code, errors first, then warnings, then information."""
    counts = Counter((f.severity, f.code) for f in actionable_first(findings))
    return [f"{SEVERITY_LABELS[sev]} {code}（{entry(code).title}）: {n} 件"
            for (sev, code), n in list(counts.items())[:limit]]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_demo(Path("demo-out")))
