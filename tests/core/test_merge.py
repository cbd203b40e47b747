"""Merge semantics of the pure layer: newest submission per department, kept rows, conflicts, order."""

from xl_kpi.core.merge import Submission, merge_submissions, order_key, order_records
from xl_kpi.core.record import KpiRecord, Source


def rec(measure_id="1-01", kpi_no="1", dept="商工労働部", goal="1", letter="ア", **kw):
    return KpiRecord(goal_no=goal, direction_letter=letter, measure_id=measure_id, measure_name=kw.pop("name", "施策"),
                     department=dept, kpi_no=kpi_no, kpi_item=kw.pop("item", "件数"), submitted_by=kw.pop("by", dept),
                     source=Source("a.xlsx", dept, 5), **kw)


def ids(records):
    return [(r.measure_id, r.kpi_no) for r in records]


def test_submission_label_names_the_sheet_when_there_is_one():
    assert Submission("環境部", "環境部.xlsx", "環境部").label == "環境部.xlsx［環境部］"
    assert Submission("環境部", "環境部.csv").label == "環境部.csv"


def test_a_resubmission_holding_every_row_of_the_older_replaces_it_and_says_so():
    old = Submission("環境部", "a.xlsx", "環境部", modified="2021-05-01T00:00:00+00:00",
                     records=[rec("1-06", dept="環境部", current="1件")])
    new = Submission("環境部", "b.xlsx", "環境部", modified="2021-05-02T00:00:00+00:00",
                     records=[rec("1-06", dept="環境部", current="2件")])
    result = merge_submissions([], [new, old])
    assert [r.current for r in result.records] == ["2件"]
    assert result.used == [new] and result.superseded == [old] and result.kept_departments == []
    (f,) = result.findings
    assert (f.code, f.severity, f.file, f.sheet) == ("superseded-submission", "warning", "a.xlsx", "環境部")
    assert f.detail == ("環境部の提出が複数あります。新しい「b.xlsx［環境部］」（2021-05-02T00:00:00+00:00、更新日時）に"
                        "この提出のすべての行があるため、"
                        "古い「a.xlsx［環境部］」（2021-05-01T00:00:00+00:00、更新日時）は使いませんでした。"
                        "古い方を提出フォルダーから除いてください。")


def test_two_different_submissions_at_the_same_time_are_both_refused():
    a = Submission("環境部", "a.xlsx", "2", modified="t", sha256="x", records=[rec(dept="環境部", current="a2")])
    b = Submission("環境部", "a.xlsx", "1", modified="t", sha256="x", records=[rec(dept="環境部", current="a1")])
    result = merge_submissions([rec(dept="環境部", current="old")], [a, b], shown_time=lambda t: f"<{t}>")
    assert [r.current for r in result.records] == ["old"] and result.used == [] and result.superseded == []
    assert [(f.code, f.severity, f.file, f.sheet) for f in result.findings] == [
        ("submission-order", "error", "a.xlsx", "1"), ("submission-order", "error", "a.xlsx", "2")]
    assert result.findings[0].detail.startswith(
        "環境部の提出 「a.xlsx［1］」（<t>、更新日時）、「a.xlsx［2］」（<t>、更新日時） は")
    same_file = Submission("環境部", "a.xlsx", "2", modified="t", sha256="x", records=[rec(dept="環境部", current="a2")])
    assert [r.current for r in merge_submissions([], [a, same_file]).records] == ["a2"]


def test_rows_of_departments_that_did_not_submit_are_kept_from_the_master():
    existing = [rec("1-01", dept="商工労働部", current="old"), rec("1-06", dept="環境部", current="old")]
    sub = Submission("環境部", "env.xlsx", "環境部", records=[rec("1-06", dept="環境部", current="new")])
    result = merge_submissions(existing, [sub])
    assert [(r.measure_id, r.current) for r in result.records] == [("1-01", "old"), ("1-06", "new")]
    assert result.kept_departments == ["商工労働部"] and result.findings == []


def test_rows_take_the_submitting_department():
    r = rec("1-06", dept="企画管理部 環境部", by="")
    result = merge_submissions([], [Submission("環境部", "env.xlsx", records=[r])])
    assert [x.submitted_by for x in result.records] == ["環境部"]
    same = rec("1-07", dept="環境部")
    assert merge_submissions([], [Submission("環境部", "e", records=[same])]).records[0] is same


def test_empty_submission_is_a_warning_naming_it():
    result = merge_submissions([], [Submission("環境部", "env.xlsx", "環境部")])
    (f,) = result.findings
    assert (f.code, f.severity, f.file, f.sheet) == ("empty-submission", "warning", "env.xlsx", "環境部")
    assert f.detail == "環境部の提出「env.xlsx［環境部］」に行がありません。"
    assert result.used[0].department == "環境部"


def test_the_same_kpi_from_two_departments_is_a_conflict_on_both_rows():
    a = Submission("環境部", "env.xlsx", records=[rec("1-06", dept="環境部")])
    b = Submission("商工労働部", "sho.xlsx", records=[rec("1-06", dept="商工労働部"), rec("1-07", dept="商工労働部")])
    result = merge_submissions([], [a, b])
    conflicts = [f for f in result.findings if f.code == "conflicting-submission"]
    assert [(f.field, f.value, f.measure_id, f.kpi_no, f.sheet, f.severity) for f in conflicts] == [
        ("kpi_no", "1", "1-06", "1", "商工労働部", "error"), ("kpi_no", "1", "1-06", "1", "環境部", "error")]
    assert {f.detail for f in conflicts} == {"施策1-06 KPI1: 商工労働部、環境部"}
    assert ids(result.records) == [("1-06", "1"), ("1-06", "1"), ("1-07", "1")]
    assert [s.department for s in result.used] == ["商工労働部", "環境部"]


def test_every_conflicting_group_is_found_after_a_group_without_conflict():
    a = Submission("環境部", "e", records=[rec("1-06", dept="環境部")])
    b = Submission("商工労働部", "s", records=[rec("1-04", dept="商工労働部"), rec("1-06", dept="商工労働部")])
    found = merge_submissions([], [a, b]).findings  # 商工労働部's rows come first, 1-04 alone
    assert [(f.code, f.measure_id, f.sheet) for f in found] == [
        ("conflicting-submission", "1-06", "商工労働部"), ("conflicting-submission", "1-06", "環境部")]


def test_a_conflict_needs_two_departments_and_a_numbered_kpi():
    twice = Submission("環境部", "e", records=[rec("1-06", dept="環境部"), rec("1-06", dept="環境部")])
    assert merge_submissions([], [twice]).findings == []
    no_kpi = dict(kpi_no="", item="")
    a = Submission("環境部", "e", records=[rec("1-06", dept="環境部", **no_kpi)])
    b = Submission("商工労働部", "s", records=[rec("1-06", dept="商工労働部", **no_kpi)])
    assert merge_submissions([], [a, b]).findings == []
    unnumbered = dict(kpi_no="")
    a = Submission("環境部", "e", records=[rec("1-06", dept="環境部", **unnumbered)])
    b = Submission("商工労働部", "s", records=[rec("1-06", dept="商工労働部", **unnumbered)])
    assert merge_submissions([], [a, b]).findings == []
    rows = [rec("", dept="環境部", name="施策", kpi_no="2"), rec("1-07", dept="環境部")]
    unplaced = merge_submissions([], [Submission("環境部", "e", records=rows)])
    assert ids(unplaced.records) == [("1-07", "1")]
    (f,) = unplaced.findings
    assert (f.code, f.severity, f.field, f.file, f.sheet, f.kpi_no) == ("missing-value", "error", "measure_id",
                                                                      "a.xlsx", "環境部", "2")
    assert f.detail == ("施策が分からないため、このKPIの行はマスターに取り込みませんでした。"
                        "施策番号（例: 1-01）を入力してください。上の施策の続きの行なら、"
                        "施策番号・施策・部署・施策の内容をすべて空欄にしてください。")


def test_published_order_goal_direction_relisted_measure_kpi():
    rows = [
        rec("2-01", goal="2", letter="ア"),
        rec("1-03", letter="イ"),
        rec("1-02", kpi_no="2"),
        rec("1-02", kpi_no="", item=""),
        rec("1-02", kpi_no="1"),
        rec("1-10", letter="ア"),
        rec("1-09", letter="ア", name="施策(再掲)"),
        rec("1-01", letter="ア", relisted="1"),
        rec("1-05", letter="ウ"),
        rec("1-04", letter="Z"),
        rec("1-04", letter=""),
        rec("1-11", goal=""),
    ]
    assert ids(order_records(rows)) == [
        ("1-02", "1"), ("1-02", "2"), ("1-02", ""), ("1-10", "1"), ("1-01", "1"), ("1-09", "1"),
        ("1-03", "1"), ("1-05", "1"), ("1-04", "1"), ("1-04", "1"), ("2-01", "1"), ("1-11", "1")]
    # a row without a direction letter sorts after the 五十音 ones, an unknown letter after it by code point
    gojuon = len("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ")
    assert [order_key(rec(letter=x))[1] for x in ("ア", "イ", "ワ", "", "Y", "Z", "Zz")] == \
        [0, 1, gojuon - 1, gojuon, gojuon + ord("Y"), gojuon + ord("Z"), gojuon + ord("Z")]


def test_order_keys_of_numbers_and_missing_parts():
    assert order_key(rec("1-02", kpi_no="3")) == (1, 0, 0, (1, 2), 3)
    assert order_key(rec("", kpi_no="", item="")) == (1, 0, 0, (10**6,), 10**6 + 1)
    assert order_key(rec("1-02", kpi_no="①")) == (1, 0, 0, (1, 2), 10**6)
    assert order_key(rec("1-02", kpi_no="KPI12", goal="基本目標3")) == (3, 0, 0, (1, 2), 12)
    assert order_key(rec("1-02", goal=""))[0] == 10**6
    assert order_key(rec("1-02", name="施策（再掲）"))[2] == 1


def test_ties_keep_their_input_order():
    a, b = rec("1-01", item="a"), rec("1-01", item="b")
    assert [r.kpi_item for r in order_records([b, a])] == ["b", "a"]
    assert [r.kpi_item for r in order_records(iter([a, b]))] == ["a", "b"]


def test_a_kpi_in_two_files_of_a_department_takes_the_newer_and_names_both_files_and_cells():
    def kpi(current, source):
        from dataclasses import replace
        return replace(rec("1-06", dept="環境部", current=current), source=source)
    older = Submission("環境部", "a.xlsx", "環境部", modified="2021-05-01", time_source="提出日時",
                       records=[kpi("1件", Source("a.xlsx", "環境部", 7, {"measure_id": "E", "kpi_no": "H"})),
                                rec("1-07", dept="環境部", current="3件")])
    newer = Submission("環境部", "b.xlsx", "", modified="2021-05-02", records=[kpi("2件", Source("b.xlsx", "", 9))])
    result = merge_submissions([], [newer, older], shown_time=lambda t: t.replace("-", "/"))
    assert [(r.measure_id, r.current) for r in result.records] == [("1-06", "2件"), ("1-07", "3件")]
    assert result.used == [older, newer] and result.superseded == []
    (f,) = result.findings
    assert (f.code, f.severity, f.file, f.sheet, f.cell, f.value) == (
        "duplicate-submission", "warning", "a.xlsx", "環境部", "H7", "1")
    assert f.detail == ("環境部の施策1-06 KPI1が「a.xlsx［環境部］」（2021/05/01、提出日時）のH7と"
                        "「b.xlsx」（2021/05/02、更新日時）の9行目の両方にあります。新しいb.xlsxの値を使いました。")
