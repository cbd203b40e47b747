"""Year over year (xl_kpi/core/yearly.py): a value left as last year's, a target changed in place.
Each finding is written out in full: code, place, value and the sentence the user reads."""

from decimal import Decimal

from xl_kpi.core.findings import parse_severity
from xl_kpi.core.fiscal import DATE_PATTERN, FiscalSpan, date_span
from xl_kpi.core.grading import Scheme
from xl_kpi.core.rate import GradeBands
from xl_kpi.core.record import KpiRecord
from xl_kpi.core.summary import evaluated
from xl_kpi.core.yearly import same_number, same_value, stale_values, year_over_year_findings

ASK = "の値を入力してください（前年度から変わっていない場合はそのままで構いません）。"


def test_same_value_whatever_the_spelling_but_never_of_blanks():
    assert same_value("1,399人(累計)", "1399 人（累計）")
    assert same_value(" 5件", "5件 ")
    assert not same_value("", "")
    assert not same_value("  ", "5件") and not same_value("5件", "")
    assert not same_value("5件", "6件") and not same_value("5件", "5人")
    assert not same_value("集計中", "未集計")       # two texts that are no value are not one value
    assert not same_number("継続実施", "継続実施")    # the same words, but no number left unchanged
    assert not same_number("未集計", "未集計")        # a placeholder twice: no value at all
    assert not same_number("約5件と6件", "約5件と6件")  # a text that is no one quantity, twice


def test_a_value_equal_to_the_previous_years_is_asked_about():
    r = KpiRecord(measure_id="1-01", kpi_no="1", current="1,399人(累計)", previous_value="1399人(累計)")
    fresh = KpiRecord(measure_id="1-02", kpi_no="1", current="1,420人(累計)", previous_value="1,399人(累計)")
    (f,) = stale_values([r, fresh])
    assert (f.code, f.measure_id, f.field, f.value) == ("stale-value", "1-01", "current", "1,399人(累計)")
    first_year = KpiRecord(measure_id="1-03", kpi_no="1", current="5件")  # no 前年度実績: nothing to compare
    assert [g.measure_id for g in stale_values([first_year, fresh, r])] == ["1-01"]
    assert f.detail == "今年度末時点" + ASK


def test_year_over_year_compares_with_last_years_rows():
    previous = [KpiRecord(measure_id="1-01", kpi_no="1", target="30件", current="5件"),
                KpiRecord(measure_id="1-02", kpi_no="1", target="10件", current="2件"),
                KpiRecord(measure_id="1-03", measure_name="施策C（再掲）", kpi_no="1", target="10件", current="7件"),
                KpiRecord(measure_id="1-04", kpi_no="1", target="10件", current="8件")]
    records = [KpiRecord(measure_id="1-09", kpi_no="1", target="5件", current="1件"),     # new this year
               KpiRecord(measure_id="1-04", measure_name="施策D（再掲）", kpi_no="1", target="20件",
                         current="8件"),                                                # relisted now
               KpiRecord(measure_id="1-03", kpi_no="1", target="12件", current="7件"),    # relisted last year
               KpiRecord(measure_id="1-01", kpi_no="1", target="30件", current="5 件"),
               KpiRecord(measure_id="1-02", kpi_no="1", target="12件", current="4件")]
    found = year_over_year_findings(records, previous, 2021)
    assert [(f.code, f.measure_id, f.field, f.value, f.detail) for f in found] == [
        ("stale-value", "1-01", "current", "5 件", "令和3年度末時点" + ASK),
        ("target-changed-without-revision", "1-02", "target", "12件", "10件")]
    assert found[1].message.startswith("目標値「12件」が前年度の「10件」と異なります。")
    (f,) = year_over_year_findings(records[3:4], previous)   # no year given: this year
    assert f.detail == "今年度末時点" + ASK


def test_a_date_outside_the_calendar_is_no_date():
    def fy(text):
        return date_span(DATE_PATTERN.search(text))
    assert fy("令和3年3月31日") == FiscalSpan(2020, 2020)      # March: the fiscal year before
    assert fy("令和3年12月") == FiscalSpan(2021, 2021)
    assert fy("令和3年13月") is None and fy("令和3年0月") is None
    assert fy("令和3年3月32日") is None and fy("令和3年3月0日") is None
    assert fy("2021/5") == FiscalSpan(2021, 2021) and fy("2021.5.1") == FiscalSpan(2021, 2021)
    assert fy("2021.5") is None                                 # a number with decimals, not May 2021


def test_severity_words_in_either_language():
    assert parse_severity(" 警告 ") == "warning" and parse_severity("WARNING") == "warning"
    assert parse_severity(None) is None and parse_severity("") is None and parse_severity("重大") is None


def test_evaluated_grades_by_the_scheme_when_one_is_given():
    rows = [KpiRecord(measure_id="1-01", kpi_no="1", target="40件", baseline="20件", current="37件"),
            KpiRecord(measure_id="1-02")]                                       # no KPI: left out
    (e,) = evaluated(rows, scheme=Scheme("symbols"))
    assert (e.record.measure_id, e.rate.value, e.grade) == ("1-01", Decimal("0.925"), "○")  # 92.5 % → 93 %
    strict = GradeBands(((95, "A", "◎"), (-10**9, "B", "○")))
    assert [x.grade for x in evaluated(rows, scheme=Scheme("bands", strict))] == ["B"]   # 93 % < 95 %
    assert [x.grade for x in evaluated(rows, strict)] == ["B"]
    assert [x.grade for x in evaluated(rows)] == ["B"]                                   # 80 % ≤ 93 %


def test_evaluated_grades_the_rate_the_caller_computed():
    from xl_kpi.core.rate import Rate
    from xl_kpi.core.rules import Evaluation
    r = KpiRecord(measure_id="1-01", kpi_no="1", target="40件", current="37件")
    given = {id(r): Evaluation(Rate(Decimal("0.5"), "ratio"), None)}
    assert [e.grade for e in evaluated([r], evaluations=given, scheme=Scheme("bands"))] == ["C"]  # 50 %, not 93 %
