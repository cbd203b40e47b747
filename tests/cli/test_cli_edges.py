"""The last rough edges a new user meets (issue 27): what merge says it did, what the demo's
counts add up to, help columns beside Japanese metavars, words that are not quantities, and what
a script gets when merge refuses."""

import json
import re

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
