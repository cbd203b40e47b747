"""The last rough edges a new user meets (issue 27): what merge says it did, what the demo's
counts add up to, help columns beside Japanese metavars, words that are not quantities, and what
a script gets when merge refuses."""

import json
import re
import unicodedata

import pytest

from tests.support import hostile
from xl_kpi.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_merge_to_a_new_path_says_it_created_the_master_then_that_nothing_changed(capsys, submissions, tmp_path):
    master = tmp_path / "新しいマスター.xlsx"
    code, out, err = run(capsys, "merge", str(submissions), "-o", str(master))
    assert code == 0, err
    last = out.splitlines()[-1]
    assert last.endswith("作成しました") and "更新" not in last, out
    code, out, err = run(capsys, "merge", str(submissions), "-o", str(master))
    assert out.splitlines()[-1].endswith("変更はありません（同じ内容です）"), out


def test_demo_says_which_rows_hold_no_kpi_when_its_grades_add_to_fewer_than_its_rows(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--out", str(tmp_path / "demo"))
    assert code == 0
    rows = int(re.search(r"4\. 統合: .*?（(\d+) 行", out).group(1))
    grades = out.split("達成状況（KPI 37 件）: ")[1].splitlines()[0]
    graded = sum(int(n) for n in re.findall(r"[A-D-] (\d+) 件", grades))
    assert (rows, graded) == (38, 37)
    assert "うち KPI のない行 1 行（1-03）: 施策の2つ目以降の事業だけを書いた行" in out, out


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: two for a wide or full-width character (出, Ｘ)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def help_columns(out: str) -> tuple[int, list[tuple[int, str]]]:
    """The column where -h's help starts, and for each line of the 引数/オプション sections
    that carries help text, the column where that text starts."""
    lines = out.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln in ("引数:", "オプション:"))
    column = None
    starts = []
    for line in lines[first:]:
        if not line.startswith("  "):
            continue
        if line.startswith("  -h, --help"):
            column = display_width(re.match(r"  -h, --help +", line).group(0))
        m = re.match(r"( +)\S.*?  +(?=\S)|( +)(?=\S)", line)
        if m is None or (m.group(2) is not None and len(m.group(2)) < 8):
            continue  # a header that starts its help on the next line
        starts.append((display_width(m.group(0)), line))
    assert column is not None
    return column, starts


@pytest.mark.parametrize("name", ["merge", "diff", "feedback", "publish", "serve", "rate", "restore"])
def test_help_columns_align_beside_full_width_metavars(capsys, monkeypatch, name):
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main([name, "--help"])
    out = capsys.readouterr().out
    column, starts = help_columns(out)
    misaligned = [line for start, line in starts if start != column]
    assert not misaligned, "\n".join(misaligned)
    too_wide = [line for _, line in starts if display_width(line) > 98]
    assert not too_wide, "\n".join(too_wide)


def test_the_files_publish_makes_are_listed_in_one_column(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main(["publish", "--help"])
    table = [ln for ln in capsys.readouterr().out.splitlines() if re.match(r"  [._]\S+ ", ln)]
    assert len(table) == 4
    starts = {display_width(re.match(r"  \S+ +", ln).group(0)) for ln in table}
    assert len(starts) == 1 and all(display_width(ln) <= 98 for ln in table), "\n".join(table)


@pytest.mark.parametrize("argv", [
    ["--current", "abc", "--target", "40件"],
    ["--current", "増えた", "--target", "40件"],
    ["--current", "増加", "--target", "40件", "--format", "json"],
    ["--current", "45件", "--target", "増えた", "--format", "json"],
])
def test_a_word_that_is_not_a_quantity_exits_2_with_a_japanese_message(capsys, argv):
    code, out, err = run(capsys, "rate", *argv)
    assert code == 2 and out == "", out
    word = argv[1] if argv[1] != "45件" else argv[3]
    assert err.startswith("エラー: ") and f"「{word}」" in err and "（例: 45件）" in err, err


@pytest.mark.parametrize("current, target, printed", [
    ("-", "40件", "-"), ("未集計", "40件", "-"), ("45件", "推進", "-"), ("継続", "継続", "100%"), ("45件", "40件", "113%"),
])
def test_placeholders_and_words_of_aim_are_rates_not_errors(capsys, current, target, printed):
    code, out, _ = run(capsys, "rate", "--current", current, "--target", target)
    assert (code, out.strip()) == (0, printed)


def test_a_refused_merge_writes_the_refusal_as_json_on_stdout_for_scripts(capsys, submissions, tmp_path):
    (submissions / "商工労働部.xls").write_bytes(hostile.legacy_xls())
    master = tmp_path / "m.xlsx"
    code, out, err = run(capsys, "merge", str(submissions), "-o", str(master), "--format", "json")
    assert code == 2 and not master.exists()
    doc = json.loads(out)
    assert (doc["refused"], doc["changed"], doc["code"], doc["master"]) == (True, False, "legacy-xls", str(master))
    assert doc["message"].startswith("安全に読み込めないファイルがあります。マスターは変更していません。")
    assert [(f["file"], f["code"]) for f in doc["files"]] == [("商工労働部.xls", "legacy-xls")]
    assert "商工労働部.xls" in err  # people still read the refusal on stderr


def test_a_merge_of_an_empty_folder_refuses_in_json_too(capsys, tmp_path):
    (tmp_path / "提出").mkdir()
    code, out, _ = run(capsys, "merge", str(tmp_path / "提出"), "-o", str(tmp_path / "m.xlsx"), "--format", "json")
    doc = json.loads(out)
    assert code == 2 and doc["refused"] is True and "提出ブックがありません" in doc["message"] and doc["files"] == []


def test_a_merge_that_went_through_says_it_was_not_refused(capsys, submissions, tmp_path):
    code, out, _ = run(capsys, "merge", str(submissions), "-o", str(tmp_path / "m.xlsx"), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["refused"] is False and doc["changed"] is True
