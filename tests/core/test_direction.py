"""Direction (issue 24, point 3): a target below its baseline makes the KPI lower-is-better (said by an
info finding); without a baseline an item that names something to reduce gets a warning asking for
指標の方向; 指標の方向 always decides; below-baseline uses the KPI's direction."""

from __future__ import annotations

import pytest

from xl_kpi import KpiRecord, Source, parse_quantity, validate_records
from xl_kpi.core.direction import (
    BELOW_BASELINE,
    ITEM_WORDS,
    STATED,
    TARGET_WORDS,
    Direction,
    kpi_direction,
    record_direction,
    reduce_word,
)
from xl_kpi.core.grading import BASELINE_RELATIVE, Scheme, grade_record
from xl_kpi.core.rules import evaluate


def _q(text: str):
    return parse_quantity(text) if text else None


def _record(**values: str) -> KpiRecord:
    base = {"goal_no": "1", "direction_letter": "ア", "measure_id": "1-01", "measure_name": "施策",
            "department": "市民生活部", "kpi_no": "1", "kpi_item": "件数"}
    base.update(values)
    return KpiRecord.from_mapping(base, Source("a.xlsx", "s", 5, {"kpi_item": "F", "baseline": "G", "target": "H",
                                                                  "current": "I", "direction": "N"}))


def _codes(rec: KpiRecord) -> dict[str, str]:
    return {f.code: f.severity for f in validate_records([rec]).findings}


def test_a_target_below_its_baseline_makes_the_kpi_lower_is_better_with_an_info_finding():
    """死傷事故件数 7,822 → 5,200, now 4,917: published 105.8 % (one decimal)."""
    rec = _record(kpi_item="死傷事故件数", baseline="7,822件(平成30年度)", target="5,200件", current="4,917件")
    assert record_direction(rec).source == BELOW_BASELINE
    assert evaluate(rec).rate.display == "106%"
    codes = _codes(rec)
    assert codes.get("direction-from-target") == "info"
    assert "below-baseline" not in codes  # 4,917 is below 7,822: progress for a lower-is-better KPI


def test_the_stated_direction_decides_over_the_target():
    rec = _record(kpi_item="人口", baseline="41万人(平成30年度)", target="40万人", current="40.5万人", direction="higher")
    assert record_direction(rec).source == STATED and not record_direction(rec).lower
    assert "direction-from-target" not in _codes(rec)
    assert evaluate(rec).rate.display == "101%"


def test_an_increase_target_below_the_baseline_stays_higher_is_better():
    d = kpi_direction("", "観光客数", _q("500人"), _q("100人増"))
    assert (d.lower, d.source) == (False, TARGET_WORDS)


def test_without_a_baseline_an_item_that_names_something_to_reduce_asks_for_the_direction():
    """目標 5410件, 現在 5161件, 死傷事故件数, no baseline: published 104.8 %."""
    rec = _record(kpi_item="死傷事故件数", target="5410件", current="5161件")
    d = record_direction(rec)
    assert (d.lower, d.source, d.word) == (True, ITEM_WORDS, "死傷")
    findings = [f for f in validate_records([rec]).findings if f.code == "direction-needed"]
    assert len(findings) == 1 and findings[0].severity == "warning" and findings[0].cell == "N5"
    assert "死傷" in findings[0].message and "指標の方向" in findings[0].message and "95%" in findings[0].message
    assert evaluate(rec).rate.display == "105%"


@pytest.mark.parametrize("item", ["交通事故死傷者数", "待機児童数", "温室効果ガスの排出量", "主要道路の渋滞箇所数",
                                  "不登校児童生徒数", "空き家数", "刑法犯認知件数"])
def test_items_that_name_something_to_reduce(item):
    assert reduce_word(item)


@pytest.mark.parametrize("item", ["交通事故防止講習の受講者数", "空き家バンクの登録件数", "空き家の活用件数",
                                  "CO2排出削減量", "観光客数", "待機児童解消のための保育所整備数"])
def test_actions_against_it_are_not_things_to_reduce(item):
    assert reduce_word(item) == ""


def test_a_stated_direction_silences_the_warning():
    rec = _record(kpi_item="死傷事故件数", target="5410件", current="5161件", direction="lower")
    assert "direction-needed" not in _codes(rec)
    assert evaluate(rec).rate.display == "105%"


def test_below_baseline_uses_the_kpis_direction():
    lower = _record(kpi_item="待機児童数", baseline="16人(令和2年度)", target="10人以下", current="20人")
    assert "below-baseline" in _codes(lower)
    better = _record(kpi_item="待機児童数", baseline="16人(令和2年度)", target="10人以下", current="8人")
    assert "below-baseline" not in _codes(better)
    derived = _record(kpi_item="件数", baseline="30件(令和2年度)", target="20件", current="35件")
    assert "below-baseline" in _codes(derived)


def test_grades_use_the_derived_direction():
    rec = _record(kpi_item="死傷事故件数", baseline="7,822件(平成30年度)", target="5,200件", current="6,000件")
    assert grade_record(rec, Scheme(BASELINE_RELATIVE)) == "A"  # improved on the baseline, target not reached


def test_a_population_target_below_its_baseline_is_lower_is_better_until_the_direction_says_otherwise():
    """The sample's seed table, 4-10: 圏域の総人口 501,670人 → 490,000人程度, 494,439人, published 101 %:
    a decline accepted, not sought — the info finding asks for 指標の方向, which then gives 101 %."""
    rec = _record(kpi_item="圏域の総人口", baseline="501,670人(平成27年度)", target="490,000人程度", current="494,439人")
    assert record_direction(rec).lower and evaluate(rec).rate.display == "99%"
    assert _codes(rec).get("direction-from-target") == "info"
    stated = _record(kpi_item="圏域の総人口", baseline="501,670人(平成27年度)", target="490,000人程度",
                     current="494,439人", direction="higher")
    assert evaluate(stated).rate.display == "101%" and "direction-from-target" not in _codes(stated)


def test_a_baseline_stated_as_a_floor_does_not_orient_a_lower_target():
    """「100件以上」 is no level to fall below: the target 80件 is higher-is-better by default, while a
    baseline that is only approximate (「100件程度」) still makes the lower target lower-is-better."""
    assert kpi_direction("", "件数", _q("100件以上"), _q("80件")) == Direction(False)
    assert kpi_direction("", "件数", _q("100件程度"), _q("80件")) == Direction(True, BELOW_BASELINE)
