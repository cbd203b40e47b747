import json
import subprocess
import sys
from pathlib import Path

import pytest

from xl_kpi.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rate_prints_the_published_display(capsys):
    assert run(capsys, "rate", "--current", "45件", "--target", "40件") == (0, "113%\n", "")


def test_rate_every_sample_row_matches(capsys, sample_rows):
    for row in sample_rows:
        if row["kpi_no"]:
            code, out, _ = run(capsys, "rate", "--current", row["current"], "--target", row["target"],
                               "--baseline", row["baseline"])
            assert (code, out.strip()) == (0, row["rate"]), row["measure_id"]


def test_rate_not_computable_prints_dash_and_reason(capsys):
    code, out, err = run(capsys, "rate", "--current", "5", "--target", "0")
    assert (code, out) == (0, "-\n") and "目標値が0" in err


def test_rate_json_and_methods(capsys):
    code, out, _ = run(capsys, "rate", "--current", "60", "--target", "100", "--baseline", "20",
                       "--method", "progress", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["display"] == "50%" and data["method"] == "progress" and data["grade"] == "C"
    code, out, _ = run(capsys, "rate", "--current", "2,488", "--target", "2,098", "--method", "lower-better-gap")
    assert (code, out.strip()) == (0, "81%")


def test_rate_unreadable_input_exits_2_in_japanese(capsys):
    code, out, err = run(capsys, "rate", "--current", "abc", "--target", "10")
    assert code == 2 and out == "" and "現在値" in err and "読み取れません" in err


def test_check_csv_sample_text_and_json(capsys, tmp_path):
    from xl_kpi.files.writing.csvio import sample_csv_path
    code, out, _ = run(capsys, "check-csv", str(sample_csv_path()))
    assert code == 0 and "garbled-value" in out and "警告" in out
    code, out, _ = run(capsys, "check-csv", str(sample_csv_path()), "--format", "json")
    data = json.loads(out)
    assert data["valid"] is True
    f = next(x for x in data["findings"] if x["code"] == "garbled-value")
    assert set(f) >= {"code", "severity", "file", "sheet", "cell", "field", "measure_id", "kpi_no", "value", "message"}
    assert (f["measure_id"], f["cell"]) == ("1-08", "L11")


def test_check_csv_errors_exit_1_and_unreadable_exit_2(capsys, tmp_path):
    from xl_kpi.files.writing.csvio import sample_csv_path
    text = sample_csv_path().read_text(encoding="utf-8").replace(",3%,12件(累計)", ",4%,12件(累計)")
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "check-csv", str(bad), "--format", "json")
    assert code == 1 and [f["code"] for f in json.loads(out)["findings"] if f["severity"] == "error"] == ["rate-mismatch"]
    (tmp_path / "empty.csv").write_bytes(b"")
    code, _, err = run(capsys, "check-csv", str(tmp_path / "empty.csv"))
    assert code == 2 and "空" in err
    code, _, err = run(capsys, "check-csv", str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv" in err
    (tmp_path / "cols.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = run(capsys, "check-csv", str(tmp_path / "cols.csv"))
    assert code == 2 and "measure_id" in err


def test_console_script_is_installed():
    """The `xl-kpi` command pip installs (pyproject [project.scripts]) runs the CLI, as a user runs it."""
    from importlib.metadata import entry_points

    (ep,) = entry_points(group="console_scripts", name="xl-kpi")
    assert ep.value == "xl_kpi.cli:main"
    script = Path(sys.executable).parent / "xl-kpi"
    assert script.is_file(), f"{script}: not installed (pip install -e .)"
    proc = subprocess.run([str(script), "rate", "--current", "1件(累計)", "--target", "12件(累計)"],
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "8%\n", "")
    proc = subprocess.run([str(script), "rate", "--current", "たくさん", "--target", "12件"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "たくさん" in proc.stderr and "Traceback" not in proc.stderr


def test_unexpected_errors_never_show_a_traceback(capsys, monkeypatch):
    from xl_kpi import cli

    def boom(_args):
        raise RuntimeError("disk on fire")
    monkeypatch.setitem(cli.COMMANDS, "rate", boom)
    monkeypatch.delenv("XL_KPI_DEBUG", raising=False)
    code, out, err = run(capsys, "rate", "--current", "1", "--target", "2")
    assert code == 70 and "予期しないエラー" in err and "Traceback" not in err
    monkeypatch.setenv("XL_KPI_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["rate", "--current", "1", "--target", "2"])


def test_check_csv_reads_cp932_skips_blank_lines_and_reports_bad_csv(capsys, tmp_path):
    from xl_kpi.files.writing.csvio import sample_csv_path
    text = sample_csv_path().read_text(encoding="utf-8")
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes((text + "\n,,,\n").encode("cp932", errors="replace"))
    code, out, _ = run(capsys, "check-csv", str(sjis), "--format", "json")
    assert code == 0 and json.loads(out)["valid"]
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81\xff" * 10)
    code, _, err = run(capsys, "check-csv", str(binary))
    assert code == 2 and "文字コード" in err
    huge = tmp_path / "huge.csv"
    huge.write_text(text.splitlines()[0] + "\n" + '"' + "x" * 200_000 + '"\n', encoding="utf-8")
    code, _, err = run(capsys, "check-csv", str(huge))
    assert code == 2 and "huge.csv" in err


@pytest.mark.parametrize("current", ["1e28", "1" + "0" * 28 + "人", "1E+28"])
def test_rate_of_a_number_too_large_exits_2_with_the_reason_not_70(capsys, current):
    code, out, err = run(capsys, "rate", "--current", current, "--target", "100人")
    assert code == 2 and out == "" and "大きすぎ" in err


@pytest.mark.parametrize("current", ["x0y", "=cmd|' /C calc'!A0"])
def test_rate_of_digits_in_a_word_or_a_formula_is_refused_not_zero(capsys, current):
    code, out, err = run(capsys, "rate", "--current", current, "--target", "100人")
    assert code == 2 and out == "" and "数値ではありません" in err


@pytest.mark.parametrize(("argv", "shown"), [
    ((), "28%"), (("--decimals", "1"), "27.9%"), (("--decimals", "1", "--rounding", "truncate"), "27.8%"),
    (("--decimals", "1", "--rounding", "切り捨て"), "27.8%"), (("--rounding", "truncate"), "27%"),
])
def test_rate_shows_the_decimals_and_rounding_asked_for(capsys, argv, shown):
    assert run(capsys, "rate", "--current", "131", "--target", "470", *argv) == (0, f"{shown}\n", "")


def test_rate_grades_on_the_shown_percent(capsys):
    code, out, _ = run(capsys, "rate", "--current", "9995", "--target", "10000", "--rounding", "truncate",
                       "--scheme", "bands")
    assert (code, out) == (0, "99%\tB\n")


def test_rate_reads_the_direction_from_the_cells_unless_told(capsys):
    """死傷事故件数 7,822 → 5,200, now 4,917 (published 105.8 %): the target below the baseline says lower is better."""
    argv = ("rate", "--current", "4,917件", "--target", "5,200件", "--baseline", "7,822件")
    assert run(capsys, *argv) == (0, "106%\n", "")
    assert run(capsys, *argv, "--decimals", "1") == (0, "105.8%\n", "")
    assert run(capsys, *argv, "--higher-is-better") == (0, "95%\n", "")
