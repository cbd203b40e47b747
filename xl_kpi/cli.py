"""The ``xl-kpi`` command. Exit codes: 0 fine, 1 errors found in the content, 2 unusable input."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .core.errors import FileError, InputError, XlKpiError
from .core.findings import Report
from .core.rate import METHODS, grade, kpi_rate
from .core.rules import validate_records
from .files.csvio import read_csv_records

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2

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
    rate = kpi_rate(args.current, args.target, args.baseline, args.method,
                    lower_is_better=args.lower_is_better)
    if args.format == "json":
        print(json.dumps({"display": rate.display, "value": None if rate.value is None else str(rate.value),
                          "method": rate.method, "grade": grade(rate), "reason_code": rate.reason_code,
                          "reason": rate.reason}, ensure_ascii=False))
    else:
        print(rate.display)
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
    except FileError as err:
        _err(f"エラー: {err}")
        return EXIT_UNUSABLE
    except (InputError, XlKpiError) as err:
        _err(f"エラー: {err}")
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        _err("中断しました。")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
