"""The ``xl-kpi`` command. Exit codes: 0 fine, 1 errors found in the content, 2 unusable input
(a usage error, a file that cannot be read, a setting missing), 70 a bug.

Each command is one registration — ``@command(name, one Japanese line, arguments)`` on its
handler — so ``xl-kpi`` alone and ``xl-kpi --help`` list every command and each has its own
Japanese ``--help``. Handlers import what they need when they run, so a command starts fast.
Output never crashes on a console that cannot show a character (it is replaced), progress is a
line per step when the output goes to a log, and every output file's folder is created.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .core.errors import InputError, XlKpiError, describe_os_error
from .core.findings import json_document, json_lines

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 70

Handler = Callable[[argparse.Namespace], int]
Arguments = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class CommandInfo:
    summary: str       # one Japanese line, listed by `xl-kpi` and `xl-kpi --help`
    description: str   # the top of `xl-kpi NAME --help`
    arguments: Arguments


COMMANDS: dict[str, Handler] = {}
COMMAND_INFO: dict[str, CommandInfo] = {}


def command(name: str, summary: str, arguments: Arguments, description: str = "") -> Callable[[Handler], Handler]:
    """Register a handler as ``xl-kpi NAME``: its one-line summary, its --help text and options."""
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        COMMAND_INFO[name] = CommandInfo(summary, description or summary + "。", arguments)
        return fn
    return register


class UsageError(InputError):
    """The command line cannot be used as typed; says what to type instead."""

    def __init__(self, message: str, prog: str = "xl-kpi"):
        super().__init__(message, code="usage")
        self.prog = prog


# --- the parser: Japanese help and usage errors ---------------------------------------------------

def display_width(text: str) -> int:
    """The columns a terminal gives ``text``: two for each wide or full-width character (East
    Asian Width W or F: 出力先, （）), one for the rest."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# A line may not start with closing punctuation nor end with an opening bracket (禁則).
_NO_LINE_START, _NO_LINE_END = "、。，．）」』】〕：・ー", "（「『【〔"


def wrap_display(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns: Japanese may break between any two
    characters, other words only at spaces, and punctuation keeps to its neighbour."""
    pieces: list[str] = []
    for token in re.findall(r"\s+|[!-~]+|.", text.strip()):
        if pieces and (token[0] in _NO_LINE_START or pieces[-1][-1] in _NO_LINE_END) and not token.isspace():
            pieces[-1] += token
        else:
            pieces.append(token)
    lines, line = [], ""
    for piece in pieces:
        if line and display_width(line + piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        if line or not piece.isspace():
            line += piece
    return [*lines, line.rstrip()] if line.strip() else lines


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Japanese headings, and option help in one column however wide the metavars' characters
    are: argparse counts characters, a terminal shows 出力先 in six columns."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "使い方: " if prefix is None else prefix)

    def add_argument(self, action):
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            invocations = [action, *self._iter_indented_subactions(action)]
            widest = max(display_width(self._format_action_invocation(a)) for a in invocations)
            self._action_max_length = max(self._action_max_length, widest + self._current_indent)

    def _format_action(self, action):
        header = self._format_action_invocation(action)
        help_position = min(self._action_max_length + 2, self._max_help_position)
        header_width = help_position - self._current_indent - 2
        if not (action.help and action.help.strip()):
            return super()._format_action(action)  # no help: nothing to align
        lines = self._split_lines(self._expand_help(action), max(self._width - help_position, 11))
        parts = [" " * self._current_indent + header]
        if display_width(header) <= header_width:
            parts[0] += " " * (header_width - display_width(header) + 2) + lines.pop(0)
        parts = [part + "\n" for part in parts] + [" " * help_position + line + "\n" for line in lines]
        parts += [self._format_action(sub) for sub in self._iter_indented_subactions(action)]
        return self._join_parts(parts)

    def _split_lines(self, text, width):
        return wrap_display(self._whitespace_matcher.sub(" ", text), width)


_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.+)", "必要な引数がありません: {0}"),
    (r"unrecognized arguments: (.+)", "使えない引数です: {0}"),
    (r"one of the arguments (.+) is required", "{0} のどれかを指定してください"),
    (r"argument (.+?): invalid choice: '?(.*?)'? \(choose from (.+)\)", "{0}: 「{1}」は選べません（選べるもの: {2}）"),
    (r"argument (.+?): invalid (\w+) value: '?(.*?)'?$", "{0}: 「{2}」は数として読めません"),
    (r"argument (.+?): expected one argument", "{0} のあとに値を1つ指定してください"),
    (r"argument (.+?): not allowed with argument (.+)", "{0} と {1} は同時に指定できません"),
    (r"ambiguous option: (.+?) could match (.+)", "{0} は {1} のどれか分かりません"),
    (r"argument (.+?): (.+)", "{0}: {1}"),
)


def _japanese(message: str) -> str:
    for pattern, text in _ARGPARSE_MESSAGES:
        m = re.fullmatch(pattern, message.strip(), re.S)
        if m:
            return text.format(*m.groups())
    return message


class JapaneseParser(argparse.ArgumentParser):
    """argparse with Japanese help headings and usage errors raised as :class:`UsageError`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "引数"
        self._optionals.title = "オプション"
        self.add_argument("-h", "--help", action="help", help="この説明を表示して終了する")

    def error(self, message: str):
        text = _japanese(message)
        m = re.search(r"「(.*?)」は選べません", text)
        if self.prog == "xl-kpi" and m:
            near = difflib.get_close_matches(m.group(1), COMMANDS, n=1)
            text = f"コマンド「{m.group(1)}」はありません" + (f"。もしかして: xl-kpi {near[0]}" if near else "")
        raise UsageError(text, self.prog)


def _listing() -> str:
    width = max(len(n) for n in COMMAND_INFO) + 2
    lines = [f"  {n.ljust(width)}{info.summary}" for n, info in COMMAND_INFO.items()]
    return "コマンド:\n" + "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = JapaneseParser(
        prog="xl-kpi", usage="xl-kpi コマンド [オプション …]",
        description="総合戦略 KPI 取組状況の達成率計算・入力チェック・統合・公開。",
        epilog=_listing() + "\n\n各コマンドの説明: xl-kpi コマンド --help（例: xl-kpi merge --help）\n"
        "利用者ガイド: xl-kpi guide -o guide.html（サーバーでは /guide）")
    p.add_argument("--version", action="version", version=f"xl-kpi {__version__}",
                   help="バージョンを表示して終了する")
    sub = p.add_subparsers(dest="command", metavar="コマンド", parser_class=JapaneseParser, required=True,
                           help=argparse.SUPPRESS)
    for name, info in COMMAND_INFO.items():
        info.arguments(sub.add_parser(name, prog=f"xl-kpi {name}", help=info.summary, description=info.description))
    for extend in PARSER_EXTENSIONS:
        extend(sub)
    return p


PARSER_EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []


# --- the console ------------------------------------------------------------------------------

def _tolerant_console() -> None:
    """Characters the console's encoding cannot show (𠮷 or an emoji on cp932) become ``?``."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or detached stream
                reconfigure(errors="replace")


def _emit_data(text: str | Iterable[str]) -> None:
    """Data for programs (CSV, JSON, XML) on stdout as UTF-8 whatever the console's encoding,
    so nothing in it is replaced; text for people goes through :func:`print`. ``text`` may come
    in pieces (written as they come), and ends with a line break."""
    buffer = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()

    def write(piece: str) -> None:
        if buffer is None:
            sys.stdout.write(piece)
        else:
            buffer.write(piece.encode("utf-8"))
    last = ""
    for piece in [text] if isinstance(text, str) else text:
        if piece:
            write(piece)
            last = piece
    if not last.endswith("\n"):
        write("\n")
    (sys.stdout if buffer is None else buffer).flush()


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _progress(enabled: bool = True):
    """Progress on stderr: one updating line on a terminal; in a log, one line as each step starts."""
    live = sys.stderr.isatty()
    started: set[str] = set()

    def show(step: str, done: int, total: int) -> None:
        if not enabled:
            return
        if live and total > 1:  # spaces, not an escape sequence: Windows consoles show those as text
            end = "\n" if done >= total else ""
            print(f"\r{step}: {done}/{total}".ljust(24), end=end, file=sys.stderr, flush=True)
        elif step not in started:
            started.add(step)
            print(f"{step}（全 {total} 件）…" if total > 1 else f"{step}…", file=sys.stderr, flush=True)
    return show


def _silence_stdout() -> None:
    """Point stdout at the null device so the interpreter's last flush does not fail again
    (the Python documentation's advice for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_console()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:
        print(parser.format_help())
        return EXIT_OK
    try:
        args = parser.parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as err:
        prog = f"xl-kpi {argv[0]}" if err.prog == "xl-kpi" and argv[0] in COMMANDS else err.prog
        text = str(err) if str(err).endswith("。") else f"{err}。"
        _err(f"エラー: {text}\n使い方の説明: {prog} --help")
        return EXIT_UNUSABLE
    except XlKpiError as err:  # input and file errors: the user can act on the message
        _err(f"エラー: {err}")
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        _err("中断しました。")
        return 130
    except BrokenPipeError:  # the reader stopped early (`xl-kpi export m.xlsx | head`): not an error
        _silence_stdout()
        return EXIT_OK
    except Exception as err:  # no traceback reaches a user unless asked for
        if os.environ.get("XL_KPI_DEBUG"):
            raise
        _err(f"予期しないエラーが発生しました（{type(err).__name__}: {err}）。"
             "XL_KPI_DEBUG=1 を設定して再実行すると詳細を表示します。")
        return EXIT_INTERNAL


# --- argument types -----------------------------------------------------------------------------

def output_path(*suffixes: str, kind: str) -> Callable[[str], Path]:
    """An output file name that must end with one of `suffixes` (``-o t.csv`` for a workbook is refused)."""
    def parse(text: str) -> Path:
        p = Path(text)
        if p.suffix.lower() not in suffixes:
            stem = p.stem if p.suffix else p.name
            raise argparse.ArgumentTypeError(
                f"「{text}」に{kind}を書き出せません。{' か '.join(suffixes)} で終わる名前にしてください"
                f"（例: {stem or 'out'}{suffixes[0]}）")
        return p
    return parse


def fiscal_year(text: str) -> int:
    from .core.fiscal import parse_reporting_year
    try:
        return parse_reporting_year(text)
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err).rstrip("。"))


def count(low: int, high: int, what: str) -> Callable[[str], int]:
    """A whole number from `low` to `high` (a port, a number of workers)."""
    def parse(text: str) -> int:
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"「{text}」は{what}として使えません（{low}～{high} の整数）")
        return int(text)
    return parse


def https_url(text: str) -> str:
    from urllib.parse import urlparse
    u = urlparse(text)
    if u.scheme != "https" or not u.netloc:
        raise argparse.ArgumentTypeError(
            f"「{text}」は https:// で始まるサーバーのアドレスにしてください（Office アドインは HTTPS が必須です。"
            "例: https://kpi.city.example.jp）")
    return text


def _ready(path: Path) -> Path:
    """An output path whose folder exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _force(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true", help="同じ名前のブックがあっても上書きする（記入済みの内容は失われます）")


def _not_overwriting(paths: Sequence[Path], force: bool, command: str) -> None:
    """Refuse to replace a workbook someone may have filled in, unless --force."""
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        names = "、".join(p.name for p in existing[:3]) + (f" ほか {len(existing) - 3} 件" if len(existing) > 3 else "")
        raise UsageError(f"{names} は既にあります。記入済みの内容を失わないよう上書きしません。別の名前（-o）や"
                         "フォルダーを指定するか、上書きしてよければ --force を付けてください", f"xl-kpi {command}")


def _write_text(path: Path, text: str) -> None:
    _ready(path).write_text(text, encoding="utf-8")


GUIDE_HINT = "指摘の意味と直し方の例: xl-kpi guide -o 利用者ガイド.html の付録「指摘コードの一覧」（サーバーでは /guide）"


def _print_report(report, fmt: str) -> None:
    if fmt == "json":
        _emit_data(report.to_json())
        return
    print(report.to_text())
    if len(report):
        _err(GUIDE_HINT)


def _format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="出力の形式: text（読む人向け、既定）か json（プログラム向け）")


def _years(p: argparse.ArgumentParser, plan_end: bool = True) -> None:
    p.add_argument("--year", type=fiscal_year, default=None, metavar="年度",
                   help="報告年度（例: 令和2、R2、令和2年度、2020）。既定: 直近に終わった年度（計画最終年度まで）")
    if plan_end:
        p.add_argument("--plan-end", type=fiscal_year, default=None, metavar="年度",
                       help="計画最終年度 = 目標値の年度（既定: 令和6）。報告年度はこれより後にできません")


def _new_books(p: argparse.ArgumentParser) -> None:
    """The options of the commands that make submission workbooks: their years, and --force."""
    _years(p)
    _force(p)


def _years_of_new_books(args: argparse.Namespace, paths: Sequence[Path], command: str) -> tuple[int, int]:
    """The reporting year and plan end of new submission workbooks at ``paths``, none of which
    may replace a workbook someone filled in (unless --force)."""
    years = resolve_years(args)
    _not_overwriting(paths, args.force, command)
    return years


def resolve_years(args: argparse.Namespace) -> tuple[int, int]:
    """The reporting year and plan end of --year/--plan-end: defaults that agree, or a usage error."""
    from .core.fiscal import format_fiscal_year as fy
    from .files.layout import DEFAULT_PLAN_END, default_year
    end = args.plan_end or DEFAULT_PLAN_END
    year = args.year or default_year(plan_end=end)
    if year > end:
        given = "" if args.plan_end else f"（--plan-end を省略したため既定の{fy(end)}）"
        raise UsageError(
            f"報告年度 {fy(year)} が計画最終年度 {fy(end)}{given} より後です。目標値は計画最終年度末時点の値です。"
            f"新しい計画の最終年度を --plan-end で指定してください（例: --year {fy(year, '')} --plan-end "
            f"{fy(max(year, end + 5), '')}）", f"xl-kpi {args.command}")
    return year, end


# --- getting started ---------------------------------------------------------------------------

def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("demo-out"), help="結果を書き出すフォルダー（既定: demo-out）")


@command("demo", "同梱のサンプルで一連の処理を試す", _demo_args,
         "同梱のサンプル（富山市の令和2年度の公表資料）で、様式の作成・部署ごとの提出・入力チェック・統合・CSV 書き出しを\n"
         "順に実行し、結果のまとめと次に開くファイルを表示します。")
def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    return run_demo(args.out, progress=_progress(True))


def _guide_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", type=output_path(".html", ".htm", ".md", kind="利用者ガイド"),
                   default=Path("xl-kpi_利用者ガイド.html"),
                   help="書き出すファイル（.html、または .md で Markdown。既定: xl-kpi_利用者ガイド.html）")


@command("guide", "利用者ガイド（部署の担当者・企画担当向け）を書き出す", _guide_args,
         "様式の書き方、リボンのボタンと作業ウィンドウ、指摘コードごとの意味と直し方、統合・公表、サーバーの設定を\n"
         "まとめた日本語の利用者ガイドを書き出します。サーバー（xl-kpi serve）では /guide で表示できます。")
def cmd_guide(args: argparse.Namespace) -> int:
    from .guide import guide_html, guide_markdown
    text = guide_markdown() if args.output.suffix.lower() == ".md" else guide_html()
    _write_text(args.output, text)
    print(f"利用者ガイドを書き出しました: {args.output}", file=sys.stderr)
    return EXIT_OK


# --- the template and submissions ---------------------------------------------------------------

def _template_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", type=output_path(".xlsx", kind="Excel ブック"),
                   default=Path("取組状況_様式.xlsx"), help="作成するブック（既定: 取組状況_様式.xlsx）")
    p.add_argument("--department", help="部署名（入力シートの名前になる。省略時は「入力」）")
    _new_books(p)


@command("template", "公式様式（テンプレート）を作成する", _template_args,
         "各部署が記入する公式様式（入力シートと設定シート）を作成します。\n"
         "報告年度は計画最終年度より後にできません（目標値は計画最終年度末時点の値です）。")
def cmd_template(args: argparse.Namespace) -> int:
    from .core.fiscal import format_fiscal_year
    from .files.layout import DEFAULT_DEPARTMENTS, Settings
    from .files.run.safesave import atomic_write
    from .files.writing.template import build_template
    year, plan_end = _years_of_new_books(args, [args.output], "template")
    departments: tuple[str, ...] = DEFAULT_DEPARTMENTS
    if args.department and args.department not in departments:
        departments = (*departments, args.department)
    settings = Settings(year=year, plan_end=plan_end, departments=departments)
    atomic_write(args.output, build_template(settings, args.department), keep=0)
    print(f"様式を作成しました: {args.output}（報告年度 {format_fiscal_year(year)}、"
          f"目標値 {format_fiscal_year(plan_end)}末時点）")
    return EXIT_OK


def _import_csv_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("csv", type=Path, help="取組状況の CSV（sample_kpis.csv と同じ列）")
    p.add_argument("--out-dir", type=Path, required=True, help="部署ごとのブックを作るフォルダー（なければ作成）")
    _new_books(p)


@command("import-csv", "CSV から部署ごとの提出用ブックを作成する", _import_csv_args,
         "取組状況の CSV を部署ごとに分け、記入済みの提出用ブック（公式様式）を作成します。\n"
         "CSV の内容を計画として「計画.xlsx」にも書き出し、最初の統合はこの計画と照らし合わせます。\n"
         "前年度の内容を配って更新してもらうときに使います。")
def cmd_import_csv(args: argparse.Namespace) -> int:
    from .files.run.master import PLAN_FILE, import_csv, submission_paths
    year, plan_end = _years_of_new_books(args, submission_paths(args.csv, args.out_dir), "import-csv")
    files = import_csv(args.csv, args.out_dir, year, plan_end)
    for f in files:
        print(f)
    books = [f for f in files if f.name != PLAN_FILE]
    print(f"{len(books)} 部署の提出用ブックと計画（{PLAN_FILE}: 統合のときに照らし合わせる計画）を作成しました: "
          f"{args.out_dir}", file=sys.stderr)
    return EXIT_OK


def _plan_arg(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--plan", type=Path, default=None, metavar="計画", help=help)


def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="ブック", help="提出ブック（.xlsx）またはそれを入れたフォルダー")
    _format(p)
    _plan_arg(p, "照らし合わせる計画（計画のCSV、または「計画」シートのあるブック）。"
                 "省くと、ブック自身の「計画」シートがあればそれと照らし合わせる")


@command("validate", "提出ブックをチェックする", _validate_args,
         "提出ブックの入力内容と様式をチェックし、指摘をシート・セルの位置つきで表示します。\n"
         "終了コード: 0 エラーなし、1 エラーあり、2 安全に読み込めないファイルがある。")
def cmd_validate(args: argparse.Namespace) -> int:
    from .files.run.master import read_plan, validate_inputs
    register = None
    if args.plan is not None:
        register, problems = read_plan(args.plan)
        for f in problems:
            _err(f"計画: [{f.code}] {f.location} {f.message}")
    result = validate_inputs(args.files, register=register)
    _print_report(result.report, args.format)
    if result.unreadable:
        return EXIT_UNUSABLE
    return EXIT_OK if result.report.valid else EXIT_FINDINGS


# --- the master ----------------------------------------------------------------------------------

def _merge_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="提出", help="提出ブック、フォルダー、または部署ごとのシートを持つブック")
    p.add_argument("-o", "--output", type=output_path(".xlsx", kind="マスター（Excel ブック）"), metavar="出力先", required=True,
                   help="マスターのブック（なければ作成、あれば前の版をバックアップして更新）")
    _format(p)
    p.add_argument("--skip-invalid", action="store_true", help="安全に読めないファイルを飛ばして続ける")
    _years(p, plan_end=False)
    p.add_argument("--previous", type=Path, default=None, metavar="前年度のマスター",
                   help="前年度のマスター（「推移」と「計画」を引き継ぎ、前年度の値と比べてチェックする）")
    _plan_arg(p, "照らし合わせる計画（計画のCSV、または「計画」シートのあるブック）。省くと、マスターの「計画」"
                 "シート、入力の計画.xlsx、前年度のマスターの順に探し、どれもなければ統合した行から作る")


@command("merge", "部署の提出を統合してマスターを作成・更新する", _merge_args,
         "部署の提出ブックを統合し、取組状況のマスター（取組状況・集計・チェック結果・提出状況・設定）を作成・更新します。\n"
         "提出は計画（「計画」シート）と照らし合わせ、提出のないKPIも計画の値で「未提出」として残します。\n"
         "部署の新しい提出はその部署の同じKPIの行を置き換え、他の行は残ります。前のマスターはバックアップされます\n"
         "（xl-kpi restore）。安全に読めないファイルがあるとマスターを変更せずに終了します（終了コード 2）。")
def cmd_merge(args: argparse.Namespace) -> int:
    from .files.run.master import merge_files
    existed = args.output.exists()
    try:
        out = merge_files(args.inputs, args.output, skip_invalid=args.skip_invalid, year=args.year,
                          progress=_progress(args.format != "json"), previous=args.previous, plan=args.plan)
    except XlKpiError as err:
        if args.format == "json":
            _emit_data(json_document(_refusal(err, args.output)))
        raise  # and the message on stderr, exit 2
    report = out.report
    if args.format == "json":
        _emit_data(json_lines({
            "refused": False, "master": str(out.master), "changed": out.changed, "rows": len(out.records),
            "backup": str(out.backup) if out.backup else None,
            "submissions": [{"department": s.department, "file": s.file, "sheet": s.sheet,
                             "sha256": s.sha256, "modified": s.modified, "time_source": s.time_source,
                             "rows": len(s.records), "state": s.state, "missing": list(s.missing)}
                            for s in out.submissions],
            "plan": {"kpis": len(out.content.register) if out.content else 0,
                     "created": bool(out.content and out.content.register_created)},
            "skipped": [f.to_dict() for f in out.skipped],
            "valid": report.valid, "counts": report.counts(),
            "findings": (f.to_dict() for f in report.findings)}))
    else:
        print(report.to_text())
        state = ("変更はありません（同じ内容です）" if not out.changed else
                 "更新しました" if existed else "作成しました")
        print(f"{out.master}: {len(out.records)} 行、{len(out.submissions)} 部署 — {state}")
        for f in out.skipped:
            print(f"スキップ: {f.file}: {f.message}", file=sys.stderr)
    return EXIT_OK if report.valid else EXIT_FINDINGS


def _refusal(err: XlKpiError, master: Path) -> dict[str, object]:
    """What ``merge --format json`` prints when it refuses (exit 2): the code, the Japanese
    message, and each file that could not be read safely (the master is unchanged)."""
    findings = getattr(err, "findings", None)
    path = getattr(err, "path", None)
    files = ([f.to_dict() for f in findings] if findings else
             [{"file": Path(path).name, "code": err.code, "message": str(err)}] if path else [])
    return {"refused": True, "code": err.code, "message": str(err), "master": str(master), "changed": False,
            "files": files}


# --- the yearly cycle ------------------------------------------------------------------------------

def _feedback_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="提出", help="提出ブックまたはフォルダー")
    p.add_argument("--out-dir", type=Path, required=True, metavar="フォルダー",
                   help="コピーの出力先（部署のファイルは書き換えません）")
    _format(p)


@command("feedback", "指摘をコメントにした提出ブックのコピーを作る（部署へ返す用）", _feedback_args,
         "提出ブックをチェックし、同じ名前のコピーを出力先に作ります。各指摘は該当セルのコメント（メモ）になり\n"
         "（日本語の説明とコード）、セルは重要度の色になり、「チェック結果」シートから各セルへ移動できます。\n"
         "値・数式・結合セル・書式はそのままです。読み込めないファイルがあると終了コード 2。")
def cmd_feedback(args: argparse.Namespace) -> int:
    from .files.run.feedback import feedback_files
    from .files.run.master import collect_inputs
    results = feedback_files(collect_inputs(args.inputs), args.out_dir)
    if args.format == "json":
        _emit_data(json.dumps([{"file": str(r.source), "output": str(r.output) if r.output else None,
                                "counts": r.counts, "annotated": r.annotated,
                                "findings": [f.to_dict() for f in r.findings]} for r in results],
                              ensure_ascii=False, indent=2))
    for r in results:
        c = r.counts
        state = f"→ {r.output}" if r.output else "読み込めないため作成しませんでした"
        _err(f"{r.source.name}: エラー {c['error']} 件、警告 {c['warning']} 件、情報 {c['info']} 件 {state}")
    return EXIT_UNUSABLE if any(r.output is None for r in results) else EXIT_OK


def _rollover_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("master", type=Path, metavar="マスター", help="今年度のマスターのブック")
    p.add_argument("--year", type=fiscal_year, required=True, metavar="年度", help="翌年度（例: 令和3）")
    p.add_argument("--out-dir", type=Path, required=True, metavar="フォルダー", help="提出用ブックの出力先")


@command("rollover", "マスターから翌年度の提出用ブック（前年度実績つき）を作る", _rollover_args,
         "マスターの行を部署ごとの翌年度の提出用ブックにします。施策・KPI・基準値・目標値・変更後の目標値・\n"
         "SDGs・取組状況などを引き継ぎ、今年度の値は「前年度実績」列に移して、今年度末時点の列を空にします。\n"
         "マスターの計画（「計画」シート）は「計画.xlsx」として書き出し、次年度の最初の統合が使います。")
def cmd_rollover(args: argparse.Namespace) -> int:
    from .core.fiscal import format_fiscal_year
    from .files.run.master import PLAN_FILE
    from .files.run.rollover import rollover
    files = rollover(args.master, args.year, args.out_dir)
    for f in files:
        print(f)
    books = [f for f in files if f.name != PLAN_FILE]
    plan = f"と計画（{PLAN_FILE}）" if len(books) < len(files) else ""
    _err(f"{len(books)} 部署の{format_fiscal_year(args.year)}の提出用ブック{plan}を作成しました: {args.out_dir}")
    return EXIT_OK


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("master", type=Path, metavar="マスター", help="マスターのブック")
    p.add_argument("--csv", type=output_path(".csv", kind="CSV"), default=None,
                   help="書き出す CSV（省略時は標準出力）")


@command("export", "マスターを CSV に書き出す", _export_args,
         "マスターの行を取組状況の CSV（sample_kpis.csv と同じ列、UTF-8）に書き出します。達成率は表示どおり（113%）です。")
def cmd_export(args: argparse.Namespace) -> int:
    from .files.run.master import export_csv
    if args.csv is None:
        _emit_data(export_csv(args.master, None))
    else:
        export_csv(args.master, _ready(args.csv))
        print(f"CSV を書き出しました: {args.csv}", file=sys.stderr)
    return EXIT_OK


def _restore_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("master", type=Path, metavar="マスター", help="マスターのブック")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--latest", action="store_true", help="最新のバックアップから復元する")
    which.add_argument("--backup", type=count(0, 10_000, "バックアップ番号"), default=None, metavar="N",
                       help="番号 N のバックアップから復元する（番号は --list で確認。0 = 最新）")
    which.add_argument("--list", action="store_true", help="バックアップを番号・日時つきで一覧する")


@command("restore", "マスターをバックアップから復元する", _restore_args,
         "統合のたびに保存される前の版（<マスター名>.backups フォルダー）を一覧し、指定した版をマスターに戻します。\n"
         "今のマスターもバックアップされるので、復元は取り消せます。")
def cmd_restore(args: argparse.Namespace) -> int:
    from .files.run.safesave import backup_time, list_backups, restore_backup
    if args.list:
        backups = list_backups(args.master)
        for i, b in enumerate(backups):
            print(f"{i}\t{backup_time(b)}\t{b}")
        if not backups:
            _err(f"{args.master.name} のバックアップはありません（統合で上書きしたことがないマスターです）。")
        return EXIT_OK
    if not args.latest and args.backup is None:
        raise UsageError("どのバックアップから復元するかを指定してください: 最新なら --latest、"
                         "番号で選ぶなら --backup N（番号と日時は --list で一覧できます）", "xl-kpi restore")
    chosen = restore_backup(args.master, 0 if args.latest else args.backup)
    print(f"{chosen.name} から復元しました: {args.master}（復元前のマスターもバックアップしました）")
    return EXIT_OK


# --- publishing ------------------------------------------------------------------------------

def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("master", type=Path, metavar="マスター", help="マスターのブック")
    p.add_argument("-o", "--output", type=output_path(".html", ".htm", kind="HTML レポート"),
                   default=Path("report.html"), help="HTML レポート（既定: report.html）")
    p.add_argument("--pdf", type=output_path(".pdf", kind="PDF"), default=None,
                   help="マスターの取組状況と集計を公表用の印刷レイアウトで PDF にする（LibreOffice が必要）")
    p.add_argument("--all-sheets", action="store_true",
                   help="PDF にチェック結果・提出状況・設定のシートも含める")


@command("report", "マスターから公開用の HTML レポート（と PDF）を作成する", _report_args,
         "マスターから、ネットワークなしで開ける 1 つの HTML レポート（基本目標別・部署別の集計、グラフ、KPI の一覧、\n"
         "チェック結果）を作成します。--pdf でマスターの取組状況と集計を公表用の印刷レイアウトで PDF にします。")
def cmd_report(args: argparse.Namespace) -> int:
    from .files.publishing.report import print_pdf, write_report
    write_report(args.master, _ready(args.output))
    print(f"レポートを作成しました: {args.output}", file=sys.stderr)
    if args.pdf:
        print_pdf(args.master, _ready(args.pdf), all_sheets=args.all_sheets)
        print(f"PDF を作成しました: {args.pdf}", file=sys.stderr)
    return EXIT_OK


def _publish_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("master", type=Path, metavar="マスター", help="マスターのブック")
    p.add_argument("--out-dir", type=Path, required=True, metavar="フォルダー", help="公開用ファイルの出力先")
    p.add_argument("--city-code", default=None, metavar="NNNNNN",
                   help="全国地方公共団体コード（6桁、検査数字つき。省略時は設定シートの値）")
    p.add_argument("--city-name", default=None, metavar="名称", help="地方公共団体名（省略時は設定シートの値）")


@command("publish", "マスターからウェブ公開用のファイル一式（HTML・PDF・公開用ブック・オープンデータ CSV）を作る",
         _publish_args,
         "報告年度の名前（取組状況_令和N年度）で次のファイルを作成します:\n"
         "  .html         アクセシビリティに配慮した HTML レポート（JIS X 8341-3 の適合レベル AA が目標）\n"
         "  .pdf          取組状況と集計のタグ付き PDF（LibreOffice が必要）\n"
         "  _公開用.xlsx  取組状況と集計だけのブック（提出元の列・設定・チェック結果なし）\n"
         "  .csv          オープンデータの CSV（UTF-8 BOM つき、1行 1 KPI、全国地方公共団体コードつき）")
def cmd_publish(args: argparse.Namespace) -> int:
    from .files.publishing.publish import publish
    out = publish(args.master, args.out_dir, code=args.city_code, name=args.city_name)
    for f in out.files:
        print(f)
    _err(f"公開用のファイルを {len(out.files)} 件作成しました: {args.out_dir}")
    return EXIT_OK


def _diff_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", type=Path, help="前のマスター（例: 前年度）")
    p.add_argument("new", type=Path, help="新しいマスター")
    p.add_argument("--format", choices=("text", "json", "xlsx"), default=None,
                   help="出力の形式: text、json、xlsx（既定: -o の拡張子から、なければ text）")
    p.add_argument("-o", "--output", type=Path, metavar="出力先", default=None, help="出力先（省略時は標準出力。xlsx では必須）")


DIFF_SUFFIXES = {"xlsx": (".xlsx",), "json": (".json",)}


@command("diff", "2つのマスター（年度）の違いを一覧する", _diff_args,
         "2つのマスターを比べ、KPI ごとの値・達成率・評価の変化、追加・削除された KPI、目標値の変更、文章の変更を一覧します。")
def cmd_diff(args: argparse.Namespace) -> int:
    from .core.diff import KINDS, diff_records
    from .files.run.master import master_records
    fmt = args.format or {".xlsx": "xlsx", ".json": "json"}.get((args.output or Path()).suffix.lower(), "text")
    if fmt == "xlsx" and args.output is None:
        raise UsageError("--format xlsx には -o で出力先を指定してください（例: -o 差分.xlsx）", "xl-kpi diff")
    if args.output is not None:
        wanted = DIFF_SUFFIXES.get(fmt)
        if (wanted and args.output.suffix.lower() not in wanted) or (fmt == "text" and args.output.suffix.lower() == ".xlsx"):
            raise UsageError(f"-o「{args.output}」は形式 {fmt} と合いません。{fmt} なら "
                             f"{(wanted or ('.txt',))[0]} で終わる名前にしてください", "xl-kpi diff")
    old, _ = master_records(args.old)
    new, _ = master_records(args.new)
    changes = diff_records(old, new)
    if fmt == "json":
        text = json_document({"old": str(args.old), "new": str(args.new), "changes": [c.to_dict() for c in changes]})
        _emit(text, args.output, data=True)
    elif fmt == "xlsx":
        from .files.writing.diff_workbook import build_diff
        _ready(args.output).write_bytes(build_diff(changes, str(args.old.name), str(args.new.name)))
        print(f"差分を書き出しました: {args.output}", file=sys.stderr)
    else:
        lines = [c.describe() for c in changes]
        counts: dict[str, int] = {}
        for c in changes:
            counts[KINDS[c.kind]] = counts.get(KINDS[c.kind], 0) + 1
        kinds = "、".join(f"{k} {v}" for k, v in counts.items())
        lines.append(f"変更 {len(changes)} 件" + (f"（{kinds}）" if counts else ""))
        _emit("\n".join(lines) + "\n", args.output)
    return EXIT_OK


def _emit(text: str, out: Path | None, data: bool = False) -> None:
    if out is not None:
        _write_text(out, text)
    elif data:
        _emit_data(text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- calculation and checks ---------------------------------------------------------------------

def _rate_args(p: argparse.ArgumentParser) -> None:
    from .core.rate import METHODS
    p.add_argument("--current", required=True, help="現在値（例: 45件(累計)）")
    p.add_argument("--target", required=True, help="目標値（例: 40件(累計)）")
    p.add_argument("--baseline", default=None, help="基準値（progress 方式で使用）")
    p.add_argument("--method", default="auto", choices=METHODS, help="計算方式（既定: auto = 目標値の書き方で選ぶ）")
    p.add_argument("--lower-is-better", action="store_true", help="低いほど良い指標（目標値 ÷ 現在値）")
    p.add_argument("--higher-is-better", action="store_true",
                   help="高いほど良い指標（目標値が基準値より小さくても 現在値 ÷ 目標値。指定がなければセルの書き方で決めます）")
    p.add_argument("--revised-target", default=None, help="変更後の目標値（評価方式 symbols・baseline-relative・pace で使用）")
    p.add_argument("--scheme", default=None, metavar="評価方式",
                   help="評価方式: bands（既定）/ symbols / baseline-relative / pace（「評価」を出力に加える）")
    p.add_argument("--plan-start", type=fiscal_year, default=None, metavar="年度", help="計画開始年度（pace。既定: 令和2）")
    p.add_argument("--plan-end", type=fiscal_year, default=None, metavar="年度", help="計画最終年度（pace。既定: 令和6）")
    p.add_argument("--year", type=fiscal_year, default=None, metavar="年度", help="報告年度（pace で必要）")
    p.add_argument("--decimals", default="0", choices=("0", "1"),
                   help="達成率の小数の桁数: 0 = 整数の%%（既定）、1 = 小数第1位（設定シートの「達成率の表示」と同じ）")
    p.add_argument("--rounding", default="half-up", choices=("half-up", "truncate", "四捨五入", "切り捨て"),
                   help="丸め方: half-up = 四捨五入（既定、ExcelのROUND）、truncate = 切り捨て（ROUNDDOWN）")
    _format(p)


# Text with no number where the rate needs one exits 2 whether or not it reads as a word (abc,
# 増えた); a placeholder (-, 未集計) or a target in words (推進) is a rate of 「-」 with its reason.
NOT_A_NUMBER = {"non-numeric-current": "current", "non-numeric-target": "target"}
RATE_HINT = "数値と単位で入力してください（例: 45件）。値がないときは「-」を入力します。"


@command("rate", "達成率を計算して表示する（例: 113%）", _rate_args,
         "現在値・目標値（と基準値）のセルの文字から達成率を計算し、公表資料と同じ表示（既定は整数の%、四捨五入。"
         "--decimals 1 --rounding truncate で小数第1位・切り捨て）で表示します。\n"
         "計算できないときは「-」と理由を表示します。例: xl-kpi rate --current 45件 --target 40件")
def cmd_rate(args: argparse.Namespace) -> int:
    from .core.errors import QuantityError
    from .core.grading import grade_kpi, scheme_from_args
    from .core.rate import grade, kpi_rate, parse_rounding
    rounding = parse_rounding(args.decimals, args.rounding)
    direction = "lower" if args.lower_is_better else "higher" if args.higher_is_better else ""
    try:
        rate = kpi_rate(args.current, args.target, args.baseline, args.method, rounding=rounding, direction=direction)
    except QuantityError as err:
        raise InputError(f"{err}{RATE_HINT}", value=err.value) from None
    if rate.reason_code in NOT_A_NUMBER:  # a word (増えた) where a number is needed: typed, so a usage error
        raise InputError(f"{rate.reason}{RATE_HINT}", value=getattr(args, NOT_A_NUMBER[rate.reason_code]))
    scheme = scheme_from_args(args.scheme, args.plan_start, args.plan_end, args.year, rounding=rounding)
    graded = (grade(rate) if scheme.name == "bands" else
              grade_kpi(args.current, args.target, args.baseline, scheme=scheme, direction=direction,
                        revised_target=args.revised_target))
    if args.format == "json":
        _emit_data(json.dumps({"display": rate.display, "value": None if rate.value is None else str(rate.value),
                               "method": rate.method, "grade": graded, "scheme": scheme.name,
                               "reason_code": rate.reason_code, "reason": rate.reason}, ensure_ascii=False))
    else:
        print(rate.display if args.scheme is None else f"{rate.display}\t{graded}")
    if not rate.computable and args.format != "json":
        _err(rate.reason or "")
    return EXIT_OK


def _check_csv_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="CSV ファイル（sample_kpis.csv と同じ列、UTF-8 か Shift_JIS）")
    _format(p)


@command("check-csv", "取組状況の CSV をチェックする", _check_csv_args,
         "取組状況の CSV（xl-kpi export で書き出したものや sample_kpis.csv と同じ列）をチェックし、\n"
         "指摘を行・列の位置つきで表示します。終了コード: 0 エラーなし、1 エラーあり、2 読み込めない。")
def cmd_check_csv(args: argparse.Namespace) -> int:
    from .core.rules import validate_records
    from .files.writing.csvio import read_csv_records
    if args.file.is_file() and args.file.open("rb").read(2) == b"PK":
        raise UsageError(f"{args.file.name} は CSV ではなく Excel ブックです。ブックのチェックは "
                         f"xl-kpi validate {args.file} で行います", "xl-kpi check-csv")
    report = validate_records(read_csv_records(args.file))
    _print_report(report, args.format)
    return EXIT_OK if report.valid else EXIT_FINDINGS


# --- Excel and the server -------------------------------------------------------------------------

def _addin_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("build",), help="build: アドインを作成する")
    p.add_argument("-o", "--output", type=output_path(".xlam", kind="Excel アドイン"),
                   default=Path("xl-kpi.xlam"), help="作成するアドイン（既定: xl-kpi.xlam）")
    p.add_argument("--source", type=Path, default=None, help="customUI.xml などのフォルダー（既定: workbook/desktop）")


@command("addin", "デスクトップ版 Excel アドイン（.xlam）を作成する", _addin_args,
         "Windows の Excel に「KPI」タブ（達成率の計算・入力チェック・シートの統合・新しい提出シート）を加える\n"
         "xlwings アドインを作成します。VBA モジュールの取り込みは Windows の Excel で一度だけ行います\n"
         "（workbook/desktop/README.md）。")
def cmd_addin(args: argparse.Namespace) -> int:
    from .excel.addin import build_addin, default_source
    out = build_addin(args.output, args.source or default_source())
    print(f"アドインを作成しました: {out}（VBA モジュール XlKpiRibbon.bas の取り込みは Windows の Excel で一度だけ行います）")
    return EXIT_OK


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", metavar="アドレス", help="待ち受けるアドレス（既定: 127.0.0.1 = この PC のみ）")
    p.add_argument("--port", type=count(1, 65535, "ポート番号"), default=8000, metavar="番号",
                   help="待ち受けるポート（既定: 8000）")
    p.add_argument("--trusted-proxy", "--forwarded-allow-ips", dest="trusted_proxy", default=None, metavar="IP",
                   help="TLS を終端するリバースプロキシの IP（カンマ区切り）。指定したときだけ、その接続の "
                        "X-Forwarded-For を利用者のアドレスとして監査ログに書きます（既定: 信頼しない）")
    p.add_argument("--workers", type=count(1, 64, "ワーカー数"), default=1, metavar="数",
                   help="ワーカープロセス数（CPU コア数まで）")
    p.add_argument("--header-timeout", type=count(1, 600, "秒数"), default=10, metavar="秒",
                   help="リクエストのヘッダーを待つ秒数。過ぎると 408 で切断（既定: 10）")
    p.add_argument("--body-timeout", type=count(1, 600, "秒数"), default=30, metavar="秒",
                   help="リクエストの本文の続きを待つ秒数。過ぎると 408 で切断（既定: 30）")
    p.add_argument("--keep-alive-timeout", type=count(1, 600, "秒数"), default=5, metavar="秒",
                   help="応答のあと次のリクエストを待つ秒数（既定: 5）")
    p.add_argument("--max-connections", type=count(1, 100_000, "接続数"), default=100, metavar="数",
                   help="同時に開いておける接続の数。超えた接続には 503（既定: 100）")


LICENCE_HELP = ("XLWINGS_LICENSE_KEY を設定してください。市役所など非商用の利用は "
                "XLWINGS_LICENSE_KEY=noncommercial（PolyForm Noncommercial ライセンス）、"
                "商用の利用は購入したライセンスキーを設定します。")


def _serve_settings_problems() -> list[str]:
    """Every setting ``serve`` cannot start without that is missing or wrong: all named at once."""
    problems = []
    tokens = os.environ.get("XL_KPI_TOKENS_FILE")
    if not tokens or not Path(tokens).is_file():
        where = f"の {tokens} がありません" if tokens else "が設定されていません"
        problems.append(f"XL_KPI_TOKENS_FILE（アクセストークンの JSON ファイル）{where}。ファイルを作って設定してください。"
                        "書き方は利用者ガイド（xl-kpi guide）の「サーバーの設定」にあります。")
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        problems.append(LICENCE_HELP)
    return problems


def _port_in_use(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in Japanese), or None when it can."""
    import errno
    import socket
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return (f"ポート {port}（{host}）は他のプログラムが使っています。別の xl-kpi serve が動いていないかを確かめるか、"
                        f"--port で別のポートを指定してください。")
            return (f"アドレス {host}:{port} で待ち受けられません（{describe_os_error(err)}）。"
                    "--host と --port を確かめてください。")
    return None


@command("serve", "Office.js アドインのサーバーを起動する", _serve_args,
         "Excel（Windows・Mac・Web）の Office.js アドインのサーバーを起動します。環境変数:\n"
         "  XL_KPI_TOKENS_FILE   アクセストークンの JSON ファイル（必須。変更は数秒で反映）\n"
         "  XLWINGS_LICENSE_KEY  noncommercial（非商用）または購入したキー（必須）\n"
         "  XL_KPI_BASE_URL      利用者が開く HTTPS のアドレス（例: https://kpi.city.example.jp）\n"
         "  XL_KPI_DATA_DIR      提出箱（SQLite）のフォルダー（既定: ./xl-kpi-data）、または\n"
         "  XL_KPI_DATABASE_URL  postgresql://… の提出箱、XL_KPI_PLAN 計画（提出を待つ部署）\n"
         "利用者ガイドは /guide、マニフェストは /manifest.xml、企画担当の提出状況は /inbox で配信します。")
def cmd_serve(args: argparse.Namespace) -> int:  # uvicorn itself is exercised in tests/server
    problems = _serve_settings_problems()
    if problems:
        raise InputError("サーバーを起動できません。\n" + "\n".join(f"- {p}" for p in problems))
    busy = _port_in_use(args.host, args.port)
    if busy:
        raise InputError(busy)
    if not os.environ.get("XL_KPI_BASE_URL"):
        os.environ["XL_KPI_BASE_URL"] = f"https://localhost:{args.port}"
        _err(f"注意: XL_KPI_BASE_URL が未設定のため、マニフェストは https://localhost:{args.port} を指します"
             "（この PC での試用のみ）。職員に配るときは XL_KPI_BASE_URL=https://（サーバーのアドレス）を設定してください。")
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")
    # read by the app (body) and the HTTP protocol (headers, connections) in every worker process
    os.environ["XL_KPI_BODY_TIMEOUT"] = str(args.body_timeout)
    os.environ["XL_KPI_HEADER_TIMEOUT"] = str(args.header_timeout)
    os.environ["XL_KPI_MAX_CONNECTIONS"] = str(args.max_connections)
    try:
        import uvicorn

        from .server.app import LOG_CONFIG, ServerConfig
        from .server.protocol import GuardedHttpProtocol
    except Exception as err:
        if type(err).__name__ == "LicenseError":
            raise InputError(f"xlwings のライセンスキーが使えません（{err}）。" + LICENCE_HELP)
        raise
    ServerConfig.from_env()  # fail fast, with the Japanese message, before any worker starts
    _open_inbox()
    try:
        uvicorn.run("xl_kpi.server.app:app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level="info", log_config=LOG_CONFIG, access_log=False,
                    http=GuardedHttpProtocol, timeout_keep_alive=args.keep_alive_timeout,
                    proxy_headers=bool(args.trusted_proxy), forwarded_allow_ips=args.trusted_proxy or "")
    except SystemExit as stop:  # uvicorn exits 1 when it cannot bind (the port taken since the check)
        if stop.code:
            raise InputError(_port_in_use(args.host, args.port) or "サーバーを起動できませんでした（ログを確かめてください）。")
    return EXIT_OK


def _inbox_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "export"], metavar="操作",
                   help="list: 部署ごとの提出状況と提出の一覧、export: 受理した最新の提出を部署ごとに書き出す")
    p.add_argument("--out-dir", type=Path, default=None, metavar="フォルダー", help="export の書き出し先（なければ作成）")
    _format(p)


@command("inbox", "サーバーが受け付けた提出（提出箱）を一覧・書き出しする", _inbox_args,
         "xl-kpi serve が受け付けた提出（提出箱）を読みます。サーバーと同じ環境変数を使います:\n"
         "  XL_KPI_DATABASE_URL  postgresql://…（省くと XL_KPI_DATA_DIR の SQLite ファイル）\n"
         "  XL_KPI_DATA_DIR      SQLite のファイルを置くフォルダー（既定: ./xl-kpi-data）\n"
         "  XL_KPI_PLAN          計画（計画.xlsx・計画のCSV・マスター）: 提出を待つ部署の一覧\n"
         "xl-kpi inbox export --out-dir 提出 のあと xl-kpi merge 提出 --plan 計画.xlsx -o 取組状況.xlsx で、\n"
         "サーバーの「統合してダウンロード」と同じマスターができます。")
def cmd_inbox(args: argparse.Namespace) -> int:
    from .inbox.service import InboxSettings, department_states, export_files
    from .inbox.store import Inbox, database_url, describe_url
    if args.action == "export" and args.out_dir is None:
        raise UsageError("書き出し先を --out-dir で指定してください（例: --out-dir 提出）", "xl-kpi inbox export")
    url = database_url()
    inbox = Inbox.open(url)
    try:
        if args.action == "export":
            files = export_files(inbox, args.out_dir)
            for f in files:
                print(f)
            print(f"{len(files)} 部署の受理した最新の提出を書き出しました: {args.out_dir}（{describe_url(url)}）",
                  file=sys.stderr)
            return EXIT_OK
        settings = InboxSettings.from_env()
        states = department_states(inbox, settings.register())
        if args.format == "json":
            _emit_data(json_lines({"database": describe_url(url), "departments": [s.to_dict() for s in states],
                                   "submissions": [s.to_dict() for s in inbox.listing()]}))
            return EXIT_OK
        print(f"提出箱: {describe_url(url)}")
        for st in states:
            last = st.latest
            detail = (f"受付番号 {last.id}  {last.received_at}  {last.filename}  エラー {last.counts['error']}・"
                      f"警告 {last.counts['warning']}" if last else "")
            print(f"{st.department}\t{st.label}\t{detail}".rstrip())
            if last is not None and last.message:
                print(f"\t差し戻しの理由: {last.message}")
        return EXIT_OK
    finally:
        inbox.close()


def _open_inbox() -> None:
    """Create or migrate the inbox database before the workers start, and say where it is."""
    from .inbox.service import InboxSettings
    from .inbox.store import Inbox, database_url, describe_url
    settings = InboxSettings.from_env()
    url = database_url()
    Inbox.open(url).close()
    plan = f"計画: {settings.plan}" if settings.plan else "計画: なし（XL_KPI_PLAN で提出を待つ部署を指定できます）"
    _err(f"提出箱のデータベース: {describe_url(url)}（{plan}）")


def _manifest_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base-url", type=https_url, default=None,
                   help="サーバーの HTTPS アドレス（例: https://kpi.city.example.jp。既定: 環境変数 XL_KPI_BASE_URL）")
    p.add_argument("-o", "--output", type=output_path(".xml", kind="マニフェスト"), metavar="出力先", default=None,
                   help="書き出すファイル（例: manifest.xml。省略時は標準出力）")
    p.add_argument("--app-domain", action="append", default=[], metavar="URL",
                   help="作業ウィンドウが開く、アドイン以外のドメイン（例: https://login.city.example.jp。"
                        "繰り返し指定可。アドイン自身のアドレスは不要）")


@command("manifest", "Office アドインのマニフェストを書き出す", _manifest_args,
         "Office.js アドインのマニフェスト（集中展開・サイドロード用）を書き出します。"
         "すべての読み込み先は --base-url の下の HTTPS です。")
def cmd_manifest(args: argparse.Namespace) -> int:
    from .server.manifest import manifest_xml
    base = args.base_url or os.environ.get("XL_KPI_BASE_URL")
    if not base:
        raise UsageError("サーバーのアドレスを --base-url で指定してください（例: --base-url https://kpi.city.example.jp）",
                         "xl-kpi manifest")
    text = manifest_xml(base, app_domains=args.app_domain)
    if args.output is None:
        _emit_data(text)
    else:
        _write_text(args.output, text)
        print(f"マニフェストを書き出しました: {args.output}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
