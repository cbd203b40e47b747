from dataclasses import replace
from decimal import Decimal

import pytest

from xl_kpi import KpiRecord, Source, validate_records
from xl_kpi.core.findings import CATALOGUE, Report, make_finding
from xl_kpi.core.record import CellNumber
from xl_kpi.core.rules import evaluate


def rec(**kw):
    base = dict(goal_no="1", direction_letter="ア", measure_id="1-01", measure_name="施策", department="商工労働部",
                kpi_no="1", kpi_item="件数", baseline="5件(平成30年度)", target="30件",
                current="10件", rate="33%", sdgs="8・9")
    base.update(kw)
    columns = dict(zip(base, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return KpiRecord.from_mapping(base, Source("a.xlsx", "商工労働部", 7, columns))


def codes(*records):
    return validate_records(records).codes()


def test_a_clean_record_has_no_findings():
    assert codes(rec()) == []


@pytest.mark.parametrize("changes, code, field", [
    ({"target": ""}, "missing-value", "target"),
    ({"current": ""}, "missing-value", "current"),
    ({"measure_name": ""}, "missing-value", "measure_name"),
    ({"measure_id": "1-1"}, "invalid-measure-id", "measure_id"),
    ({"measure_id": "2-01"}, "invalid-measure-id", "measure_id"),
    ({"target": "たくさん"}, "unparseable-value", "target"),
    ({"current": "5件、6件"}, "multiple-values", "current"),
    ({"target": "39.9栽培面積: ha", "current": "10ha", "baseline": "", "rate": "25%"}, "garbled-value", "target"),
    ({"current": "10人", "rate": ""}, "unit-mismatch", "current"),
    ({"target": "30件(累計)", "current": "10件(累計)"}, "basis-mismatch", "baseline"),
    ({"rate": "34%"}, "rate-mismatch", "rate"),
    ({"target": "0件", "rate": ""}, "rate-not-computable", "rate"),
    ({"current": "4件"  , "rate": "13%"}, "below-baseline", "current"),
    ({"revised_rate": "50%"}, "revision-incomplete", "revised_target"),
    ({"revised_target": "20件", "revised_rate": "50%"}, "revision-incomplete", "revision_note"),
    ({"sdgs": "8、9"}, "invalid-sdgs", "sdgs"),
    ({"sdgs": "18"}, "invalid-sdgs", "sdgs"),
    ({"sdgs": "8・8"}, "invalid-sdgs", "sdgs"),
    ({"progress": "=HYPERLINK(\"http://x\")"}, "formula-text", "progress"),
    ({"plan": "@SUM(A1)"}, "formula-text", "plan"),
    ({"plan": "\tタブ"}, "formula-text", "plan"),
    ({"plan": "x" * 32768}, "text-too-long", "plan"),
    ({"plan": "a\x07b"}, "control-characters", "plan"),
    ({"baseline": "30件", "current": "31件", "rate": "103%"}, "baseline-equals-target", "baseline"),
    ({"current": "0.1", "target": "30%", "baseline": "", "rate": "33%"}, "percent-scale", "current"),
    ({"direction": "sideways"}, "invalid-direction", "direction"),
])
def test_each_code_is_triggered_and_points_at_the_cell(changes, code, field):
    report = validate_records([rec(**changes)])
    hits = [f for f in report if f.code == code]
    assert hits, report.codes()
    f = hits[0]
    assert f.field == field
    assert f.sheet == "商工労働部" and f.file == "a.xlsx"
    assert f.message and f.severity == f.severity.lower()
    if field in ("target", "current", "rate", "measure_id", "plan", "progress", "sdgs"):
        assert f.cell.endswith("7")
        assert f.location == f"'商工労働部'!{f.cell}"


def test_harmless_leading_minus_is_not_a_formula():
    assert "formula-text" not in codes(rec(projects="-"), rec(projects="-5", kpi_no="2"))


def test_duplicate_kpi_and_relisted_and_unnumbered():
    a, b = rec(), rec(kpi_item="件数2")
    assert validate_records([a, b]).flatten(["code", "kpi_no"]) == [["duplicate-kpi", "1"]]
    orig = rec()
    copy = rec(goal_no="2", measure_name="施策(再掲)", current="11件", rate="37%")
    assert copy.is_relisted and copy.key != orig.key
    rel = [f for f in validate_records([orig, copy]) if f.code == "relisted-differs"]
    assert [(f.field, f.value) for f in rel] == [("current", "11件")]
    x = rec(source_line="38", kpi_item="開催回数")
    y = rec(source_line="38", kpi_no="2", kpi_item="参加者数", target="30人", current="10人", baseline="")
    assert "unnumbered-kpis" in codes(x, y)
    y2 = rec(source_line="38", kpi_no="2", kpi_item="②参加者数", target="30人", current="10人", baseline="")
    assert "unnumbered-kpis" not in codes(rec(source_line="38", kpi_item="①開催回数"), y2)


def test_validation_collects_every_finding():
    report = validate_records([rec(target="", sdgs="99", measure_id="x")])
    assert {"missing-value", "invalid-sdgs", "invalid-measure-id"} <= set(report.codes())
    assert not report.valid


def test_measure_without_kpi_is_fine():
    r = rec(kpi_no="", kpi_item="", baseline="", target="", current="", rate="")
    assert not r.has_kpi and codes(r) == []
    assert evaluate(r).rate is None


def test_known_faults_of_the_sample(sample_records):
    report = validate_records(sample_records)
    got = set(map(tuple, report.flatten(["measure_id", "kpi_no", "field", "code"])))
    expected = {
        ("1-08", "1", "target", "garbled-value"), ("1-08", "1", "current", "garbled-value"),
        ("1-18", "2", "kpi_item", "unnumbered-kpis"), ("1-18", "2", "baseline", "baseline-equals-target"),
        ("1-01", "1", "baseline", "basis-mismatch"), ("1-02", "1", "baseline", "unit-mismatch"),
        ("2-08", "1", "baseline", "unit-mismatch"),
        ("2-10", "1", "current", "below-baseline"), ("2-12", "2", "current", "below-baseline"),
        ("1-07", "1", "current", "below-baseline"),
    }
    assert expected <= got
    # Legitimate: rates above 100 %, the revised 1-01, the second project row of 1-03.
    assert not {c for m, _, _, c in got if m in ("1-05", "2-08") and c == "rate-mismatch"}
    assert report.valid and report.counts()["error"] == 0
    # Labels are recognised, not reported: 2-01 ①'s baseline label, 2-07's ①②.
    assert not [f for f in report if f.measure_id in ("2-01", "2-07") and f.code == "unparseable-value"]


def test_rate_mismatch_against_the_sample_is_caught(sample_records):
    from dataclasses import replace
    wrong = [replace(r, rate="31%") if r.measure_id == "1-03" and r.kpi_no == "1" else r for r in sample_records]
    hits = [f for f in validate_records(wrong) if f.code == "rate-mismatch"]
    assert [(f.measure_id, f.value, f.cell) for f in hits] == [("1-03", "31%", "N4")]
    assert "30%" in hits[0].message


def test_every_catalogue_entry_renders():
    for code, item in CATALOGUE.items():
        severity, title = item[0], item[1]
        f = make_finding(code, field="target", value="x", detail="d", file="f.xlsx")
        assert f.severity == severity and f.message and title
        assert f.location == "f.xlsx"


def test_report_outputs():
    import json
    report = Report([make_finding("missing-value", field="target", sheet="部", cell="H3")])
    data = json.loads(report.to_json())
    assert data["valid"] is False and data["findings"][0]["location"] == "'部'!H3"
    assert "エラー 1 件" in report.to_text()


def test_relisted_flag_comes_from_the_name_when_not_given():
    r = KpiRecord.from_mapping({"measure_name": "施策(再掲)"})
    assert r.relisted == "1" and r.is_relisted
    assert KpiRecord.from_mapping({"measure_name": "施策", "relisted": "x"}).relisted == "0"
    assert KpiRecord.from_texts({"measure_name": "施策（再掲）"}, Source()).relisted == "1"


def test_records_as_a_pandas_table(sample_records):
    from xl_kpi.core.record import records_to_frame
    df = records_to_frame(sample_records)
    assert len(df) == 38 and df.loc[0, "measure_id"] == "1-01" and df.loc[0, "source_row"] == 2
    assert df.groupby("goal_no").size().to_dict() == {"1": 22, "2": 16}


COUNT = '#,##0"人(累計)"'


def test_the_rate_comes_from_the_typed_number_the_text_rounds():
    """1484.6 typed in a #,##0"人(累計)" cell shows 1,485人(累計): 1484.6 ÷ 3000 → 49 %, not 50 %."""
    typed = {"current": CellNumber(1484.6, COUNT, Decimal("1484.6"))}
    r = replace(rec(baseline="1,000人(累計)", target="3,000人(累計)", current="1,485人(累計)", rate="49%"),
                numbers=typed)
    assert evaluate(r).rate.display == "49%"
    assert evaluate(replace(r, numbers={})).rate.display == "50%"
    assert codes(r) == []  # the entered 49 % agrees with the number
    assert r.to_dict()["current"] == "1,485人(累計)" and "numbers" not in r.to_dict()


def test_a_number_the_text_does_not_show_is_not_used():
    stale = {"current": CellNumber(1200, COUNT, Decimal(1200))}
    r = replace(rec(baseline="1,000人(累計)", target="3,000人(累計)", current="1,485人(累計)", rate="50%"),
                numbers=stale)
    assert evaluate(r).rate.display == "50%" and codes(r) == []


# --- placeholders (issue 11 item 1): no value, never a parse error, never a lost rate -----------

PLACEHOLDERS = ["-", "－", "―", "—", "‐", "なし", "未集計", "該当なし", "調査中"]


@pytest.mark.parametrize("mark", PLACEHOLDERS)
def test_a_placeholder_baseline_keeps_the_ratio_and_names_the_cell(mark):
    r = rec(baseline=mark, target="2.5km", current="0.22km", rate="9%")
    report = validate_records([r])
    assert evaluate(r).rate.display == "9%"
    assert not {"unparseable-value", "rate-not-computable", "rate-mismatch", "missing-value"} & set(report.codes())
    [f] = [f for f in report if f.field == "baseline"]
    assert (f.code, f.severity, f.cell, f.value) == ("no-value", "info", r.source.cell("baseline"), mark)
    assert "入力" in f.message  # says what to type instead


@pytest.mark.parametrize("mark", PLACEHOLDERS)
def test_a_placeholder_baseline_where_the_method_needs_it_is_missing(mark):
    r = rec(baseline=mark, target="20人の増加", current="110人", rate="")
    report = validate_records([r])
    hits = {(f.field, f.code, f.severity) for f in report}
    assert ("baseline", "missing-value", "warning") in hits
    assert ("rate", "rate-not-computable", "warning") in hits
    assert "unparseable-value" not in report.codes()
    assert evaluate(r).rate.reason_code == "missing-baseline"


@pytest.mark.parametrize("field", ["current", "target"])
@pytest.mark.parametrize("mark", PLACEHOLDERS)
def test_a_placeholder_current_or_target_is_a_missing_value_error_with_a_dash(field, mark):
    r = rec(**{field: mark, "rate": "-"})
    report = validate_records([r])
    [f] = [f for f in report if f.field == field]
    assert (f.code, f.severity, f.value) == ("missing-value", "error", mark)
    assert mark in f.message
    rate = evaluate(r).rate
    assert rate.display == "-" and rate.reason_code == f"missing-{field}"


def test_a_blank_baseline_that_the_ratio_does_not_need_is_info():
    report = validate_records([rec(baseline="")])
    assert report.flatten(["field", "code", "severity"]) == [["baseline", "no-value", "info"]]


def test_a_placeholder_revised_target_is_no_revision():
    r = rec(revised_target="-", revised_rate="-")
    assert evaluate(r).revised_rate is None
    assert validate_records([r]).codes() == []


def test_values_of_several_years_use_the_latest_with_a_warning():
    r = rec(current="H22住基台帳 12件\nH17国勢調査 9件", rate="40%")
    [f] = [f for f in validate_records([r]) if f.code == "values-by-year"]
    assert (f.field, f.severity, f.cell) == ("current", "warning", r.source.cell("current"))
    assert "12件" in f.message and evaluate(r).rate.display == "40%"


def test_a_dash_typed_twice_is_missing_and_flagged_as_formula_like():
    report = validate_records([rec(current="--", rate="")])
    assert {("current", "missing-value"), ("current", "formula-text")} <= set(map(tuple, report.flatten(["field", "code"])))
