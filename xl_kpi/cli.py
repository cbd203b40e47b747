"""The ``xl-kpi`` command. Exit codes: 0 fine, 1 errors found in the content, 2 unusable input."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .core.errors import InputError, XlKpiError
from .core.findings import Report
from .core.rate import METHODS, grade, kpi_rate
from .core.rules import validate_records
from .files.csvio import read_csv_records

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 70

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn
    return register


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _print_report(report: Report, fmt: str) -> None:
    print(report.to_json() if fmt == "json" else report.to_text())


@command("rate")
def cmd_rate(args: argparse.Namespace) -> int:
    from .core.grading import grade_kpi, scheme_from_args
    rate = kpi_rate(args.current, args.target, args.baseline, args.method,
                    lower_is_better=args.lower_is_better)
    scheme = scheme_from_args(args.scheme, _year(args.plan_start), _year(args.plan_end), _year(args.year))
    graded = (grade(rate) if scheme.name == "bands" else
              grade_kpi(args.current, args.target, args.baseline, scheme=scheme, lower_is_better=args.lower_is_better,
                        revised_target=args.revised_target))
    if args.format == "json":
        print(json.dumps({"display": rate.display, "value": None if rate.value is None else str(rate.value),
                          "method": rate.method, "grade": graded, "scheme": scheme.name,
                          "reason_code": rate.reason_code, "reason": rate.reason}, ensure_ascii=False))
    else:
        print(rate.display if args.scheme is None else f"{rate.display}\t{graded}")
    if not rate.computable and args.format != "json":
        _err(rate.reason or "")
    return EXIT_OK


@command("check-csv")
def cmd_check_csv(args: argparse.Namespace) -> int:
    records = read_csv_records(args.file)
    report = validate_records(records)
    _print_report(report, args.format)
    return EXIT_OK if report.valid else EXIT_FINDINGS


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xl-kpi", description="総合戦略 KPI 取組状況の達成率計算・入力チェック・統合")
    p.add_argument("--version", action="version", version=f"xl-kpi {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("rate", help="達成率を計算して表示する（例: 113%%）")
    r.add_argument("--current", required=True, help="現在値（例: 45件(累計)）")
    r.add_argument("--target", required=True, help="目標値（例: 40件(累計)）")
    r.add_argument("--baseline", default=None, help="基準値（progress 方式で使用）")
    r.add_argument("--method", default="auto", choices=METHODS, help="計算方式（既定: auto）")
    r.add_argument("--lower-is-better", action="store_true", help="低いほど良い指標")
    r.add_argument("--revised-target", default=None, help="変更後の目標値（評価方式 symbols/baseline-relative/pace で使用）")
    r.add_argument("--scheme", default=None, help="評価方式: bands（既定）/ symbols / baseline-relative / pace")
    r.add_argument("--plan-start", help="計画開始年度（pace で使用。既定: 令和2）")
    r.add_argument("--plan-end", help="計画最終年度（pace で使用。既定: 令和6）")
    r.add_argument("--year", help="報告年度（pace で使用）")
    r.add_argument("--format", choices=("text", "json"), default="text")

    c = sub.add_parser("check-csv", help="取組状況の CSV（sample_kpis.csv の列）をチェックする")
    c.add_argument("file", type=Path)
    c.add_argument("--format", choices=("text", "json"), default="text")

    for extend in PARSER_EXTENSIONS:
        extend(sub)
    return p


PARSER_EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except XlKpiError as err:  # input and file errors: the user can act on the message
        _err(f"エラー: {err}")
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        _err("中断しました。")
        return 130
    except Exception as err:  # no traceback reaches a user unless asked for
        if os.environ.get("XL_KPI_DEBUG"):
            raise
        _err(f"予期しないエラーが発生しました（{type(err).__name__}: {err}）。"
             "XL_KPI_DEBUG=1 を設定して再実行すると詳細を表示します。")
        return EXIT_INTERNAL



# --- workbook commands (files layer) -------------------------------------------------------------

def _year(text: str | None) -> int | None:
    from .core.fiscal import parse_reporting_year
    return parse_reporting_year(text) if text else None


def _progress(enabled: bool):
    def show(step: str, done: int, total: int) -> None:
        if enabled and total > 1:
            end = "\n" if done >= total else ""
            print(f"\r{step}: {done}/{total}", end=end, file=sys.stderr, flush=True)
    return show


@command("template")
def cmd_template(args: argparse.Namespace) -> int:
    from .files.layout import DEFAULT_DEPARTMENTS, default_year
    from .files.safesave import atomic_write
    from .files.writer import Settings, build_template
    departments = DEFAULT_DEPARTMENTS
    if args.department and args.department not in departments:
        departments = (*departments, args.department)
    settings = Settings(year=_year(args.year) or default_year(), departments=departments,
                        **({"plan_end": _year(args.plan_end)} if args.plan_end else {}))
    atomic_write(args.output, build_template(settings, args.department), keep=0)
    print(f"様式を作成しました: {args.output}")
    return EXIT_OK


@command("import-csv")
def cmd_import_csv(args: argparse.Namespace) -> int:
    from .files.layout import default_year
    from .files.master import import_csv
    files = import_csv(args.csv, args.out_dir, _year(args.year) or default_year(), _year(args.plan_end))
    for f in files:
        print(f)
    print(f"{len(files)} 部署の提出用ブックを作成しました: {args.out_dir}", file=sys.stderr)
    return EXIT_OK


@command("validate")
def cmd_validate(args: argparse.Namespace) -> int:
    from .files.master import validate_inputs
    result = validate_inputs(args.files)
    _print_report(result.report, args.format)
    if result.unreadable:
        return EXIT_UNUSABLE
    return EXIT_OK if result.report.valid else EXIT_FINDINGS


@command("merge")
def cmd_merge(args: argparse.Namespace) -> int:
    from .files.master import merge_files
    out = merge_files(args.inputs, args.output, skip_invalid=args.skip_invalid, year=_year(args.year),
                      progress=_progress(args.format != "json"), previous=args.previous)
    report = out.report
    if args.format == "json":
        print(json.dumps({
            "master": str(out.master), "changed": out.changed, "rows": len(out.records),
            "backup": str(out.backup) if out.backup else None,
            "submissions": [{"department": s.department, "file": s.file, "sheet": s.sheet,
                             "sha256": s.sha256, "modified": s.modified, "time_source": s.time_source,
                             "rows": len(s.records)}
                            for s in out.submissions],
            "skipped": [f.to_dict() for f in out.skipped],
            "valid": report.valid, "counts": report.counts(),
            "findings": [f.to_dict() for f in report.findings]}, ensure_ascii=False, indent=2))
    else:
        print(report.to_text())
        state = "更新しました" if out.changed else "変更はありません（同じ内容です）"
        print(f"{out.master}: {len(out.records)} 行、{len(out.submissions)} 部署 — {state}")
        for f in out.skipped:
            print(f"スキップ: {f.file}: {f.message}", file=sys.stderr)
    return EXIT_OK if report.valid else EXIT_FINDINGS


@command("export")
def cmd_export(args: argparse.Namespace) -> int:
    from .files.master import export_csv
    text = export_csv(args.master, args.csv)
    if args.csv is None:
        sys.stdout.write(text)
    else:
        print(f"CSV を書き出しました: {args.csv}", file=sys.stderr)
    return EXIT_OK


@command("restore")
def cmd_restore(args: argparse.Namespace) -> int:
    from .files.safesave import list_backups, restore_backup
    if args.list:
        backups = list_backups(args.master)
        for i, b in enumerate(backups):
            print(f"{i}\t{b}")
        if not backups:
            _err(f"{args.master.name} のバックアップはありません（統合で上書きしたことがないマスターです）。")
        return EXIT_OK
    chosen = restore_backup(args.master, args.backup)
    print(f"{chosen.name} から復元しました: {args.master}")
    return EXIT_OK


@command("demo")
def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    return run_demo(args.out, progress=_progress(True))


def _workbook_parsers(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("template", help="公式様式（テンプレート）を作成する")
    t.add_argument("-o", "--output", type=Path, default=Path("取組状況_様式.xlsx"))
    t.add_argument("--year", help="報告年度（例: 令和2、R2、2020）。既定: 直近に終わった年度")
    t.add_argument("--plan-end", help="目標値の年度（既定: 令和6）")
    t.add_argument("--department", help="部署名（入力シートの名前になる）")

    i = sub.add_parser("import-csv", help="CSV から部署ごとの提出用ブックを作成する")
    i.add_argument("csv", type=Path)
    i.add_argument("--out-dir", type=Path, required=True)
    i.add_argument("--year")
    i.add_argument("--plan-end")

    v = sub.add_parser("validate", help="提出ブックをチェックする")
    v.add_argument("files", nargs="+", help="ファイルまたはフォルダー")
    v.add_argument("--format", choices=("text", "json"), default="text")

    m = sub.add_parser("merge", help="部署の提出を統合して取組状況（マスター）を作成・更新する")
    m.add_argument("inputs", nargs="+", help="ファイルまたはフォルダー")
    m.add_argument("-o", "--output", type=Path, required=True, help="マスターのブック")
    m.add_argument("--format", choices=("text", "json"), default="text")
    m.add_argument("--skip-invalid", action="store_true", help="安全に読めないファイルを飛ばして続ける")
    m.add_argument("--year", help="報告年度（既定: 提出ブックの設定）")
    m.add_argument("--previous", type=Path, default=None,
                   help="前年度のマスター（「推移」シートを引き継ぎ、前年度の値・目標値と比べてチェックする）")

    e = sub.add_parser("export", help="マスターを CSV に書き出す")
    e.add_argument("master", type=Path)
    e.add_argument("--csv", type=Path, default=None, help="出力先（省略時は標準出力）")

    r = sub.add_parser("restore", help="マスターをバックアップから復元する")
    r.add_argument("master", type=Path)
    r.add_argument("--backup", type=int, default=0, help="バックアップ番号（0 = 最新）")
    r.add_argument("--list", action="store_true", help="バックアップを一覧する")

    d = sub.add_parser("demo", help="同梱のサンプルで一連の処理（様式・提出・チェック・統合）を実行する")
    d.add_argument("--out", type=Path, default=Path("demo-out"))


PARSER_EXTENSIONS.append(_workbook_parsers)



# --- the yearly cycle ---------------------------------------------------------------------------

@command("feedback")
def cmd_feedback(args: argparse.Namespace) -> int:
    from .files.feedback import feedback_files
    from .files.master import collect_inputs
    results = feedback_files(collect_inputs(args.inputs), args.out_dir)
    if args.format == "json":
        print(json.dumps([{"file": str(r.source), "output": str(r.output) if r.output else None, "counts": r.counts,
                           "annotated": r.annotated, "findings": [f.to_dict() for f in r.findings]}
                          for r in results], ensure_ascii=False, indent=2))
    for r in results:
        c = r.counts
        state = f"→ {r.output}" if r.output else "読み込めないため作成しませんでした"
        print(f"{r.source.name}: エラー {c['error']} 件、警告 {c['warning']} 件、情報 {c['info']} 件 {state}",
              file=sys.stderr)
    return EXIT_UNUSABLE if any(r.output is None for r in results) else EXIT_OK


@command("rollover")
def cmd_rollover(args: argparse.Namespace) -> int:
    from .files.rollover import rollover
    files = rollover(args.master, _year(args.year), args.out_dir)
    for f in files:
        print(f)
    print(f"{len(files)} 部署の{args.year}年度の提出用ブックを作成しました: {args.out_dir}", file=sys.stderr)
    return EXIT_OK


def _cycle_parsers(sub: argparse._SubParsersAction) -> None:
    f = sub.add_parser("feedback", help="提出ブックのコピーに指摘をコメント（メモ）・色・「チェック結果」シートで書き込む")
    f.add_argument("inputs", nargs="+", help="ファイルまたはフォルダー")
    f.add_argument("--out-dir", type=Path, required=True, help="コピーの出力先（元のファイルは書き換えません）")
    f.add_argument("--format", choices=("text", "json"), default="text")
    r = sub.add_parser("rollover", help="マスターから翌年度の提出用ブック（前年度実績つき）を部署ごとに作成する")
    r.add_argument("master", type=Path)
    r.add_argument("--year", required=True, help="翌年度（例: 令和3）")
    r.add_argument("--out-dir", type=Path, required=True)


PARSER_EXTENSIONS.append(_cycle_parsers)


@command("addin")
def cmd_addin(args: argparse.Namespace) -> int:
    from .excel.addin import DEFAULT_SOURCE, build_addin
    out = build_addin(args.output, args.source or DEFAULT_SOURCE)
    print(f"アドインを作成しました: {out}（VBA モジュール XlKpiRibbon.bas の取り込みは Windows の Excel で一度だけ行います）")
    return EXIT_OK


def _addin_parser(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("addin", help="デスクトップ版 Excel アドイン（.xlam）を作成する")
    a.add_argument("action", choices=("build",))
    a.add_argument("-o", "--output", type=Path, default=Path("xl-kpi.xlam"))
    a.add_argument("--source", type=Path, default=None, help="customUI.xml などのフォルダー（既定: workbook/desktop）")


PARSER_EXTENSIONS.append(_addin_parser)


@command("report")
def cmd_report(args: argparse.Namespace) -> int:
    from .files.report import print_pdf, write_report
    write_report(args.master, args.output)
    print(f"レポートを作成しました: {args.output}", file=sys.stderr)
    if args.pdf:
        print_pdf(args.master, args.pdf)
        print(f"PDF を作成しました: {args.pdf}", file=sys.stderr)
    return EXIT_OK


@command("diff")
def cmd_diff(args: argparse.Namespace) -> int:
    from .core.diff import KINDS, diff_records
    from .files.master import master_records
    old, _ = master_records(args.old)
    new, _ = master_records(args.new)
    changes = diff_records(old, new)
    if args.format == "json":
        text = json.dumps({"old": str(args.old), "new": str(args.new), "changes": [c.to_dict() for c in changes]},
                          ensure_ascii=False, indent=2)
        _emit(text, args.output)
    elif args.format == "xlsx":
        from .files.writer import build_diff
        if args.output is None:
            raise InputError("--format xlsx には -o で出力先を指定してください。")
        args.output.write_bytes(build_diff(changes, str(args.old.name), str(args.new.name)))
        print(f"差分を書き出しました: {args.output}", file=sys.stderr)
    else:
        lines = [c.describe() for c in changes]
        counts = {}
        for c in changes:
            counts[KINDS[c.kind]] = counts.get(KINDS[c.kind], 0) + 1
        lines.append(f"変更 {len(changes)} 件" + ("（" + "、".join(f"{k} {v}" for k, v in counts.items()) + "）" if counts else ""))
        _emit("\n".join(lines) + "\n", args.output)
    return EXIT_OK


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        out.write_text(text, encoding="utf-8")


def _report_parsers(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("report", help="マスターから公開用の HTML レポート（と PDF）を作成する")
    r.add_argument("master", type=Path)
    r.add_argument("-o", "--output", type=Path, default=Path("report.html"))
    r.add_argument("--pdf", type=Path, default=None, help="マスターを印刷レイアウトで PDF にする（LibreOffice）")
    d = sub.add_parser("diff", help="2つのマスター（年度）の違いを一覧する")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    d.add_argument("--format", choices=("text", "json", "xlsx"), default="text")
    d.add_argument("-o", "--output", type=Path, default=None)


PARSER_EXTENSIONS.append(_report_parsers)


@command("serve")
def cmd_serve(args: argparse.Namespace) -> int:  # pragma: no cover - exercised through uvicorn in tests
    import os
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")
    import uvicorn

    from .server.app import ServerConfig
    ServerConfig.from_env()  # fail fast, with the Japanese message, before any worker starts
    uvicorn.run("xl_kpi.server.app:app_from_env", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="info", proxy_headers=True,
                forwarded_allow_ips=args.forwarded_allow_ips)
    return EXIT_OK


def _serve_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="Office.js アドインのサーバーを起動する（XL_KPI_TOKENS_FILE が必要）")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--forwarded-allow-ips", default="127.0.0.1", help="TLS を終端するリバースプロキシの IP")
    s.add_argument("--workers", type=int, default=1, help="ワーカープロセス数（CPU コア数まで）")


PARSER_EXTENSIONS.append(_serve_parser)


@command("manifest")
def cmd_manifest(args: argparse.Namespace) -> int:
    from .server.manifest import manifest_xml
    text = manifest_xml(args.base_url)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"マニフェストを書き出しました: {args.output}", file=sys.stderr)
    return EXIT_OK


def _manifest_parser(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser("manifest", help="Office アドインのマニフェスト（集中展開・サイドロード用）を書き出す")
    m.add_argument("--base-url", required=True, help="サーバーの HTTPS アドレス（例: https://kpi.city.example.jp）")
    m.add_argument("-o", "--output", type=Path, default=None)


PARSER_EXTENSIONS.append(_manifest_parser)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
