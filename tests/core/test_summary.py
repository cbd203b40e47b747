"""The 集計 tables of the pure layer: rates, grades, counts and medians of hand-made records."""

from decimal import Decimal

from xl_kpi.core.rate import GradeBands
from xl_kpi.core.record import KpiRecord
from xl_kpi.core.rules import evaluate
from xl_kpi.core.summary import SummaryRow, below, by_department, by_goal, evaluated, summarize, total


def kpi(current, target="100", goal="1", dept="商工労働部", by="", **kw):
    fields = dict(goal_no=goal, measure_id=f"{goal}-01", department=dept, submitted_by=by, kpi_no="1",
                  kpi_item="件数", current=current, target=target)
    return KpiRecord(**{**fields, **kw})


RECORDS = [kpi("120"), kpi("85"), kpi("60", goal="2", dept="環境部"), kpi("10", goal="2", by="環境部"),
           kpi("", target="", kpi_no="", kpi_item=""), kpi("継続", target="0", goal="2"),
           kpi("x", target="0", goal="2")]


def test_evaluated_keeps_kpis_with_their_rate_and_grade():
    items = evaluated(RECORDS)
    assert [(it.rate.display, it.grade) for it in items] == [
        ("120%", "A"), ("85%", "B"), ("60%", "C"), ("10%", "D"), ("-", "-"), ("-", "-")]
    assert [it.record for it in items] == [RECORDS[i] for i in (0, 1, 2, 3, 5, 6)]


def test_evaluated_reuses_given_rates_and_bands():
    bands = GradeBands(((50, "P", "○"), (-10**9, "F", "×")))
    assert [it.grade for it in evaluated(RECORDS[:3], bands)] == ["P", "P", "P"]
    given = {id(r): evaluate(RECORDS[0]) for r in RECORDS[:2]}
    assert [it.rate.display for it in evaluated(RECORDS[:2], evaluations=given)] == ["120%", "120%"]


def test_summarize_by_goal_counts_bands_and_medians():
    rows = summarize(evaluated(RECORDS), by_goal)
    assert [(r.key, r.label, r.kpis, r.bands, r.not_computable) for r in rows] == [
        ("1", "基本目標1", 2, {"A": 1, "B": 1, "C": 0, "D": 0}, 0),
        ("2", "基本目標2", 4, {"A": 0, "B": 0, "C": 1, "D": 1}, 2)]
    assert [r.median for r in rows] == [Decimal("1.025"), Decimal("0.35")]
    assert rows[1].rates == [Decimal("0.6"), Decimal("0.1")]


def test_by_department_uses_the_submitter_then_the_owner():
    assert by_department(kpi("1", dept="企画管理部 環境部")) == ("企画管理部", "企画管理部")
    assert by_department(kpi("1", dept="企画管理部", by="環境部")) == ("環境部", "環境部")
    rows = summarize(evaluated(RECORDS), by_department)
    assert [(r.key, r.kpis) for r in rows] == [("商工労働部", 4), ("環境部", 2)]


def test_total_and_its_empty_form():
    t = total(evaluated(RECORDS))
    assert (t.key, t.label, t.kpis, t.bands, t.not_computable) == ("all", "合計", 6, {"A": 1, "B": 1, "C": 1, "D": 1}, 2)
    empty = total([])
    assert (empty.key, empty.label, empty.kpis, empty.bands, empty.median) == (
        "all", "合計", 0, {"A": 0, "B": 0, "C": 0, "D": 0}, None)
    bands = GradeBands(((50, "P", "○"), (-10**9, "F", "×")))
    assert total([], bands).bands == {"P": 0, "F": 0}
    assert total(evaluated(RECORDS, bands), bands).bands == {"P": 3, "F": 1}


def test_below_lists_computable_rates_under_the_threshold_in_order():
    items = evaluated([kpi("49.9"), kpi("50"), kpi("10"), kpi("継続", target="0")])
    assert [it.record.current for it in below(items)] == ["49.9", "10"]
    assert [it.record.current for it in below(items, Decimal("0.1"))] == []
    assert [it.record.current for it in below(items, Decimal("0.5000001"))] == ["49.9", "50", "10"]


def test_summary_row_median_of_nothing_is_none():
    assert SummaryRow("k", "l").median is None
    assert SummaryRow("k", "l", rates=[Decimal(1), Decimal(3), Decimal(2)]).median == Decimal(2)
