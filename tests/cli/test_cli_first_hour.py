"""The edges a new user meets in the first hour (issue 17): help, usage errors, output paths,
console encodings, progress in logs, years, restore, serve and manifest."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xl_kpi.cli import COMMANDS, build_parser, main

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli(*argv, env=None, cwd=None):
    """The command in its own process (stdout/stderr are pipes, not a terminal)."""
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "xl_kpi.cli", *argv], capture_output=True,
                          env=full, cwd=cwd, timeout=300)


# --- help and usage errors -------------------------------------------------------------------------

def test_bare_command_lists_every_command_with_a_japanese_line(capsys):
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    for name in COMMANDS:
        line = next((ln for ln in out.splitlines() if ln.strip().startswith(name + " ")), None)
        assert line is not None and JAPANESE.search(line), name
    assert "--help" in out


def test_top_level_help_lists_the_commands_in_japanese(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "使い方" in out and "usage:" not in out and "show this help" not in out
    assert all(name in out for name in COMMANDS)


def test_every_command_has_a_description_and_every_option_a_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(sub.choices) == set(COMMANDS)
    for name, p in sub.choices.items():
        assert p.description and JAPANESE.search(p.description), name
        for action in p._actions:
            assert action.help and JAPANESE.search(action.help), (name, action.dest)


def test_subcommand_help_is_japanese(capsys):
    for name in COMMANDS:
        with pytest.raises(SystemExit):
            main([name, "--help"])
        out = capsys.readouterr().out
        assert "使い方: xl-kpi " + name in out and "options:" not in out, name


@pytest.mark.parametrize("argv, expected", [
    (["validate"], "validate"),
    (["merge", "x.xlsx"], "-o"),
    (["rate", "--current", "1"], "--target"),
    (["report", "m.xlsx", "--bogus"], "--bogus"),
    (["diff", "a.xlsx", "b.xlsx", "--format", "pdf"], "pdf"),
])
def test_usage_errors_exit_2_in_japanese_with_what_to_do(capsys, argv, expected):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("エラー: ") and expected in err and JAPANESE.search(err.splitlines()[0])
    assert f"xl-kpi {argv[0]} --help" in err
    assert "error:" not in err and "usage:" not in err


@pytest.mark.parametrize("argv, expected", [
    (["serve", "--port", "0"], "1～65535"),
    (["serve", "--workers", "two"], "ワーカー数"),
    (["restore", "m.xlsx", "--backup", "-1"], "バックアップ番号"),
])
def test_numbers_out_of_range_are_usage_errors(capsys, argv, expected):
    code, _, err = run(capsys, *argv)
    assert code == 2 and expected in err


def test_a_workbook_given_to_check_csv_points_at_validate(capsys, tmp_path):
    run(capsys, "template", "-o", str(tmp_path / "t.xlsx"))
    code, _, err = run(capsys, "check-csv", str(tmp_path / "t.xlsx"))
    assert code == 2 and "xl-kpi validate" in err


def test_unknown_command_suggests_the_nearest(capsys):
    code, _, err = run(capsys, "merg")
    assert code == 2 and "merge" in err and "xl-kpi --help" in err


# --- messages and console ---------------------------------------------------------------------

def test_a_refused_workbook_is_named_once(capsys, tmp_path):
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(tmp_path / "other.xlsx"))
    wb.add_worksheet().write(0, 0, "hello")
    wb.close()
    (tmp_path / "fake.xlsx").write_text("<html></html>", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(tmp_path / "other.xlsx"), str(tmp_path / "fake.xlsx"))
    assert code == 2 and out.count("other.xlsx") == 1 and out.count("fake.xlsx") == 1, out
    code, _, err = run(capsys, "merge", str(tmp_path), "-o", str(tmp_path / "m" / "m.xlsx"), "--skip-invalid")
    listed = [ln for ln in err.splitlines() if "fake.xlsx" in ln or "other.xlsx" in ln]
    assert code == 2 and len(listed) == 2, err  # every input refused: nothing merged, each listed
    assert all(ln.count("fake.xlsx") + ln.count("other.xlsx") == 1 for ln in listed), err
    assert any("Excelブック（.xlsx）ではありません" in ln for ln in listed)


def test_messages_name_the_missing_file_once_in_japanese(capsys, tmp_path):
    missing = tmp_path / "missing.xlsx"
    for argv in (["export", str(missing)], ["report", str(missing), "-o", str(tmp_path / "r.html")],
                 ["diff", str(missing), str(missing)], ["check-csv", str(tmp_path / "nope.csv")]):
        code, _, err = run(capsys, *argv)
        name = Path(argv[1]).name
        assert code == 2 and err.count(name) == 1, err
        assert "No such file" not in err and "ありません" in err, err


def test_unencodable_characters_never_crash_a_cp932_console(tmp_path):
    from xl_kpi.files.writing.csvio import sample_csv_path
    text = sample_csv_path().read_text(encoding="utf-8").replace(",3%,12件(累計)", ",3%,𠮷😀件(累計)", 1)
    assert "𠮷😀" in text
    bad = tmp_path / "吉.csv"
    bad.write_text(text, encoding="utf-8")
    proc = cli("check-csv", str(bad), env={"PYTHONIOENCODING": "cp932"})
    assert proc.returncode == 1, proc.stderr.decode("cp932", "replace")
    out = proc.stdout.decode("cp932")
    assert "?😀" not in out and "??件" in out and "Traceback" not in proc.stderr.decode("cp932", "replace")
    # Data for programs is UTF-8 whatever the console: nothing in it is replaced.
    proc = cli("check-csv", str(bad), "--format", "json", env={"PYTHONIOENCODING": "cp932"})
    assert proc.returncode == 1 and "𠮷😀件(累計)" in proc.stdout.decode("utf-8")


def test_a_reader_that_stops_early_is_not_an_error(capsys, monkeypatch):
    """`xl-kpi rate … --format json | head -c 1`: the pipe closes, a write fails with EPIPE
    (Python ignores SIGPIPE, so the write raises BrokenPipeError: docs.python.org, "signal —
    Note on SIGPIPE"). Pipes here are too roomy to close in time, so the stream is a stand-in."""
    import io

    class ClosedPipe(io.RawIOBase):
        def writable(self):
            return True

        def write(self, b):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BufferedWriter(ClosedPipe()), encoding="utf-8"))
    code = main(["rate", "--current", "45件", "--target", "40件", "--format", "json"])
    err = capsys.readouterr().err
    assert code == 0 and "予期しないエラー" not in err and "BrokenPipe" not in err


def test_progress_is_one_line_per_step_in_a_log(submissions, tmp_path):
    proc = cli("merge", str(submissions), "-o", str(tmp_path / "m.xlsx"))
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 0, err
    assert "\r" not in err
    steps = [ln for ln in err.splitlines() if ln.startswith(("読み込み", "統合"))]
    assert steps == ["読み込み（全 7 件）…", "統合…"], err  # six departments and 計画.xlsx


# --- output paths -------------------------------------------------------------------------------

@pytest.fixture
def master(submissions, tmp_path):
    from xl_kpi.files.run.master import merge_files
    m = tmp_path / "取組状況.xlsx"
    merge_files([submissions], m)
    return m


def test_every_output_option_creates_missing_folders(capsys, master, tmp_path):
    out = tmp_path / "new" / "deeper"
    cases = [
        (["report", str(master), "-o", str(out / "r.html")], out / "r.html"),
        (["export", str(master), "--csv", str(out / "e.csv")], out / "e.csv"),
        (["diff", str(master), str(master), "-o", str(out / "d.txt")], out / "d.txt"),
        (["diff", str(master), str(master), "--format", "xlsx", "-o", str(out / "d.xlsx")], out / "d.xlsx"),
        (["manifest", "--base-url", "https://kpi.example.jp", "-o", str(out / "m.xml")], out / "m.xml"),
        (["template", "-o", str(out / "t.xlsx")], out / "t.xlsx"),
        (["guide", "-o", str(out / "guide.html")], out / "guide.html"),
    ]
    for argv, produced in cases:
        code, _, err = run(capsys, *argv)
        assert code == 0 and produced.is_file(), (argv, err)


@pytest.mark.parametrize("argv, hint", [
    (["template", "-o", "t.csv"], ".xlsx"),
    (["merge", "x", "-o", "m.csv"], ".xlsx"),
    (["export", "m.xlsx", "--csv", "out.xlsx"], ".csv"),
    (["report", "m.xlsx", "-o", "m.xlsx"], ".html"),
    (["report", "m.xlsx", "--pdf", "m.html"], ".pdf"),
    (["diff", "a.xlsx", "b.xlsx", "--format", "xlsx", "-o", "d.csv"], ".xlsx"),
    (["manifest", "--base-url", "https://kpi.example.jp", "-o", "m.json"], ".xml"),
])
def test_an_output_named_for_another_format_is_refused(capsys, tmp_path, monkeypatch, argv, hint):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 2 and hint in err and JAPANESE.search(err)
    assert not any(tmp_path.iterdir())


def test_a_filled_workbook_is_not_overwritten_without_force(capsys, tmp_path):
    from xl_kpi.files.writing.csvio import sample_csv_path
    book = tmp_path / "商工労働部.xlsx"
    book.write_bytes(b"filled in by the department")
    code, _, err = run(capsys, "template", "-o", str(book))
    assert code == 2 and "--force" in err and book.read_bytes() == b"filled in by the department"
    code, _, err = run(capsys, "import-csv", str(sample_csv_path()), "--out-dir", str(tmp_path), "--year", "令和2")
    assert code == 2 and "商工労働部.xlsx" in err and book.read_bytes() == b"filled in by the department"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["商工労働部.xlsx"]
    assert run(capsys, "template", "-o", str(book), "--force")[0] == 0 and book.read_bytes().startswith(b"PK")


# --- years --------------------------------------------------------------------------------------

def _settings(path):
    from xl_kpi.files.reading.reader import read_workbook
    return read_workbook(path).settings


def test_template_default_year_is_not_after_the_plan_end(capsys, tmp_path):
    code, _, _ = run(capsys, "template", "-o", str(tmp_path / "t.xlsx"))
    s = _settings(tmp_path / "t.xlsx")
    assert code == 0 and s.year <= s.plan_end


def test_a_year_after_the_plan_end_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "template", "--year", "令和8", "--plan-end", "令和6", "-o", str(tmp_path / "t.xlsx"))
    assert code == 2 and "令和8年度" in err and "令和6年度" in err and "--plan-end" in err
    assert not (tmp_path / "t.xlsx").exists()
    code, _, err = run(capsys, "template", "--year", "令和9", "-o", str(tmp_path / "t.xlsx"))
    assert code == 2 and "--plan-end" in err
    code, _, _ = run(capsys, "template", "--year", "令和9", "--plan-end", "令和11", "-o", str(tmp_path / "t.xlsx"))
    s = _settings(tmp_path / "t.xlsx")
    assert code == 0 and (s.year, s.plan_end) == (2027, 2029)


def test_merge_year_after_the_masters_plan_end_is_refused(capsys, master):
    before = master.read_bytes()
    code, _, err = run(capsys, "merge", str(master.parent / "提出"), "-o", str(master), "--year", "令和8")
    assert code == 2 and "令和8年度" in err and "計画最終年度" in err and master.read_bytes() == before


def test_text_reports_say_where_codes_are_explained(capsys, submissions):
    code, out, err = run(capsys, "validate", str(submissions))
    assert code == 0 and "xl-kpi guide" in err and "xl-kpi guide" not in out


def test_pdf_without_libreoffice_says_what_to_install(capsys, master, tmp_path, monkeypatch):
    import shutil
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, _, err = run(capsys, "report", str(master), "-o", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "p.pdf"))
    assert code == 2 and "LibreOffice" in err and "インストール" in err and (tmp_path / "r.html").exists()


def test_an_unreadable_year_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "template", "--year", "来年", "-o", str(tmp_path / "t.xlsx"))
    assert code == 2 and "来年" in err and "令和" in err


# --- restore ------------------------------------------------------------------------------------

def test_restore_needs_latest_or_a_number(capsys, master, submissions):
    from xl_kpi.files.run.master import merge_files
    before = master.read_bytes()
    merge_files([submissions], master, year=2021)
    code, _, err = run(capsys, "restore", str(master))
    assert code == 2 and "--latest" in err and "--backup" in err and "--list" in err
    assert master.read_bytes() != before
    code, out, _ = run(capsys, "restore", str(master), "--list")
    assert code == 0 and out.startswith("0\t") and "+09:00" in out
    code, _, _ = run(capsys, "restore", str(master), "--latest")
    assert code == 0 and master.read_bytes() == before


# --- serve and manifest -------------------------------------------------------------------------

def test_serve_without_a_licence_key_names_the_variable_and_the_choice(tmp_path):
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"tokens": [{"token": "x" * 24, "role": "planning"}]}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    env["XL_KPI_TOKENS_FILE"] = str(tokens)
    proc = subprocess.run([sys.executable, "-m", "xl_kpi.cli", "serve"], capture_output=True, env=env,
                          cwd=tmp_path, timeout=120)
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 2, err
    assert "XLWINGS_LICENSE_KEY" in err and "noncommercial" in err and "LicenseError" not in err
    env.pop("XL_KPI_TOKENS_FILE")
    proc = subprocess.run([sys.executable, "-m", "xl_kpi.cli", "serve"], capture_output=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 2 and "XL_KPI_TOKENS_FILE" in proc.stderr.decode("utf-8")


def test_serve_points_the_manifest_at_its_own_port_and_says_so(capsys, monkeypatch, tmp_path):
    import uvicorn
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"tokens": [{"token": "x" * 24, "role": "planning"}]}), encoding="utf-8")
    monkeypatch.setenv("XL_KPI_TOKENS_FILE", str(tokens))
    monkeypatch.delenv("XL_KPI_BASE_URL", raising=False)
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append(k))
    code, _, err = run(capsys, "serve", "--port", "8123")
    assert code == 0 and calls and calls[0]["port"] == 8123
    assert os.environ["XL_KPI_BASE_URL"] == "https://localhost:8123"
    assert "XL_KPI_BASE_URL" in err and "https://localhost:8123" in err


def test_manifest_names_the_option_the_user_typed(capsys):
    code, _, err = run(capsys, "manifest", "--base-url", "http://kpi.example.jp")
    assert code == 2 and "--base-url" in err and "XL_KPI_BASE_URL" not in err and "https://" in err


# --- the master's files and times -------------------------------------------------------------

def test_submission_times_are_japan_time(master):
    import python_calamine
    rows = python_calamine.CalamineWorkbook.from_path(str(master)).get_sheet_by_name("提出状況").to_python()
    times = [r[4] for r in rows[1:] if r and r[0]]
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", t) for t in times), times


def test_nothing_but_the_master_and_its_backups_folder_beside_it(capsys, submissions, tmp_path):
    out = tmp_path / "out"
    assert run(capsys, "merge", str(submissions), "-o", str(out / "取組状況.xlsx"))[0] == 0
    assert run(capsys, "merge", str(submissions), "-o", str(out / "取組状況.xlsx"), "--year", "令和3")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["取組状況.backups", "取組状況.xlsx"]
    assert len(list((out / "取組状況.backups").glob("取組状況.*.xlsx"))) == 1
    code, _, _ = run(capsys, "merge", str(tmp_path / "missing"), "-o", str(tmp_path / "other" / "m.xlsx"))
    assert code == 2 and not (tmp_path / "other").exists()
    for extra in ([], ["--force"]):
        assert run(capsys, "template", "-o", str(tmp_path / "t" / "様式.xlsx"), *extra)[0] == 0
    assert [p.name for p in (tmp_path / "t").iterdir()] == ["様式.xlsx"]


# --- findings: alarm fatigue and the summary ---------------------------------------------------

def test_basis_mismatch_is_information_unless_the_settings_say_otherwise(capsys, submissions, tmp_path):
    import openpyxl
    code, out, _ = run(capsys, "validate", str(submissions), "--format", "json")
    found = [f for f in json.loads(out)["findings"] if f["code"] == "basis-mismatch"]
    assert code == 0 and len(found) == 21 and {f["severity"] for f in found} == {"info"}
    text = run(capsys, "validate", str(submissions))[1].splitlines()
    ranks = ["エラー警告情報".index(line[:2]) for line in text[:-1]]
    assert ranks == sorted(ranks), "errors, then warnings, then information"
    # The planning division makes it a warning in 設定 > 指摘の重要度 (as a clerk edits the cell).
    book = submissions / "商工労働部.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["設定"]
    row = next(r for r in ws.iter_rows() if r[1].value == "basis-mismatch")
    assert row[2].value == "情報"
    row[2].value = "警告"
    wb.save(book)
    code, out, _ = run(capsys, "validate", str(book), "--format", "json")
    sev = {f["severity"] for f in json.loads(out)["findings"] if f["code"] == "basis-mismatch"}
    assert sev == {"warning"}


def test_demo_summary_explains_codes_and_grades_and_says_what_to_open(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--out", str(tmp_path / "demo"))
    assert code == 0
    assert "評価の凡例: A(◎): 100%以上" in out and "-: 計算できない" in out
    lines = [ln.strip() for ln in out.splitlines()]
    first = lines.index("主な指摘（対応が必要なものから）:")
    listed = [ln for ln in lines[first + 1:] if ln.startswith(("エラー", "警告", "情報"))]
    assert listed[-1].startswith("情報 basis-mismatch（集計方法の不一致）: 21 件")
    assert all(not ln.startswith("情報") for ln in listed[:-1])
    assert "xl-kpi guide" in out
    assert f"次に開くファイル: {tmp_path / 'demo' / '取組状況_統合.xlsx'}" in out


# --- the printed report -------------------------------------------------------------------------

def pdf_words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """The words of each page with their boxes (poppler's ``pdftotext -bbox``)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    word = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [[(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in re.findall(word, page)]
            for page in re.findall(r"<page.*?</page>", out, re.S)]


def overlapping(words) -> list[tuple[str, str]]:
    """Pairs of words printed on top of each other (over 20 % of the smaller box)."""
    words = sorted(words, key=lambda w: w[1])
    hits = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b[1] >= a[3]:
                break
            ix, iy = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
            smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
            if ix > 0 and iy > 0 and ix * iy > 0.2 * smaller:
                hits.append((a[4], b[4]))
    return hits


@pytest.mark.libreoffice
def test_pdf_prints_the_published_sheets_and_every_sheet_fits(capsys, master, tmp_path):
    import shutil
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    code, _, err = run(capsys, "report", str(master), "-o", str(tmp_path / "r.html"),
                       "--pdf", str(tmp_path / "pdf" / "公表.pdf"))
    assert code == 0, err
    pages = [" ".join(w[4] for w in p) for p in pdf_words(tmp_path / "pdf" / "公表.pdf")]
    assert "総合戦略に記載されている各種施策の取組状況（令和2年度）" in pages[0].replace(" ", "")
    assert any(p.startswith("集計") for p in pages)
    assert not any("SHA-256" in p or "コード" in p.split()[:1] or "計画最終年度" in p for p in pages)

    code, _, err = run(capsys, "report", str(master), "-o", str(tmp_path / "r.html"),
                       "--pdf", str(tmp_path / "all.pdf"), "--all-sheets")
    assert code == 0, err
    words = pdf_words(tmp_path / "all.pdf")
    texts = [" ".join(w[4] for w in p) for p in words]
    status = [t for t in texts if "SHA-256" in t]
    assert len(status) == 1 and "部署" in status[0] and "更新日時" in status[0] and "情報" in status[0]
    assert len(re.findall(r"\+09:00", status[0])) == 6
    assert any("指摘の重要度" in t for t in texts) and any(t.startswith("コード") for t in texts)
    for n, page in enumerate(words, start=1):
        assert overlapping(page) == [], f"page {n}"


def test_addin_build_after_a_plain_install_finds_workbook_desktop_from_the_repository_root(
        capsys, monkeypatch, tmp_path):
    from xl_kpi.excel import addin
    root = Path(__file__).resolve().parents[2]
    monkeypatch.setattr(addin, "DEFAULT_SOURCE", tmp_path / "site-packages" / "workbook" / "desktop")
    monkeypatch.chdir(root)
    code, out, err = run(capsys, "addin", "build", "-o", str(tmp_path / "addin" / "xl-kpi.xlam"))
    assert code == 0, err
    assert (tmp_path / "addin" / "xl-kpi.xlam").read_bytes().startswith(b"PK")


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_progress_on_a_terminal_updates_one_line_without_escape_sequences(submissions, tmp_path):
    import pty
    main_fd, terminal = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "xl_kpi.cli", "merge", str(submissions), "-o", str(tmp_path / "m.xlsx")],
                          stdout=subprocess.DEVNULL, stderr=terminal, timeout=300)
    os.close(terminal)
    chunks = []
    while True:
        try:
            data = os.read(main_fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(main_fd)
    shown = b"".join(chunks).decode("utf-8")
    assert proc.returncode == 0
    assert "\r読み込み: 1/7" in shown and "\r読み込み: 7/7" in shown and "\x1b" not in shown


def test_a_submitted_time_typed_in_the_settings_sheet_is_japan_time(monkeypatch):
    """A clerk types 2021/6/1 9:00 in 設定 (Excel stores no zone); a server on UTC must not move it."""
    import time
    from datetime import datetime

    from xl_kpi.files.reading.submitted import settings_time, shown_time, submission_time
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        when = settings_time(datetime(2021, 6, 1, 9, 0))
        assert when.isoformat() == "2021-06-01T09:00:00+09:00"
        iso, _ = submission_time(Path("none.xlsx"), "", datetime(2021, 6, 1, 9, 0))
        assert iso == "2021-06-01T09:00:00+09:00" and shown_time(iso) == "2021-06-01 09:00:00"
        assert shown_time("2021-05-10T01:00:00+00:00") == "2021-05-10 10:00:00"
    finally:
        monkeypatch.undo()
        time.tzset()
