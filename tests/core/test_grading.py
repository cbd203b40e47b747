"""Grading schemes: each grade below was worked out by hand from the scheme's definition
(issue 14: いの町 ◎○△×, 長与町 S/A/B/C/− against the baseline, the national A/B/F/N pace),
never by calling the code twice. The arithmetic is in the comment of each row."""

from decimal import Decimal

import pytest

from xl_kpi.core.errors import InputError
from xl_kpi.core.grading import (
    PlanPeriod,
    Scheme,
    count_grades,
    grade_kpi,
    grade_record,
    parse_scheme,
    scheme_from_args,
)
from xl_kpi.core.quantity import parse_quantity
from xl_kpi.core.rate import DEFAULT_BANDS, NO_LOWER_BOUND, GradeBands, Rate
from xl_kpi.core.record import KpiRecord

PLAN = PlanPeriod(2020, 2024, 2021)  # 令和2–6年度, reporting 令和3年度: 2 of 5 years → 0.4

# (scheme, current, target, baseline, lower_is_better, revised_target, expected)
TABLE = [
    # bands (A ≥ 100 %, B ≥ 80 %, C ≥ 50 %, else D) on the whole percent, half up
    ("bands", "45件(累計)", "40件(累計)", None, False, None, "A"),    # 112.5 % → 113 %
    ("bands", "32件", "40件", None, False, None, "B"),                # 80 %
    ("bands", "19.9件", "40件", None, False, None, "C"),              # 49.75 % → 50 % (half up)
    ("bands", "19.7件", "40件", None, False, None, "D"),              # 49.25 % → 49 %
    ("bands", "", "40件", None, False, None, "-"),                    # nothing to rate
    # symbols (いの町): ◎ ≥ 100 %, ○ ≥ 90 % with a gain, △ below, × no gain or ended
    ("symbols", "40件", "40件", "20件", False, None, "◎"),            # 100 %
    ("symbols", "37件", "40件", "20件", False, None, "○"),            # 92.5 % → 93 %, +17 over baseline
    ("symbols", "36件", "40件", None, False, None, "○"),              # 90 %, no baseline to compare
    ("symbols", "30件", "40件", "20件", False, None, "△"),            # 75 %
    ("symbols", "20件", "40件", "20件", False, None, "×"),            # 50 % but no gain over 20件
    ("symbols", "15件", "40件", "20件", False, None, "×"),            # fell below the baseline
    ("symbols", "事業終了", "40件", "20件", False, None, "×"),         # the programme ended
    ("symbols", "廃止", "継続実施", None, False, None, "×"),            # abolished
    ("symbols", "12件", "40件", None, False, "12件", "◎"),            # the 変更後の目標値 is in force
    ("symbols", "", "40件", None, False, None, "-"),
    # baseline-relative (長与町): S reached, A better than baseline, B ≤ 10 % worse, C worse, − n/a
    ("baseline-relative", "40件", "40件", "20件", False, None, "S"),
    ("baseline-relative", "25件", "40件", "20件", False, None, "A"),  # +5
    ("baseline-relative", "20件", "40件", "20件", False, None, "B"),  # equal: 0 % worse
    ("baseline-relative", "18件", "40件", "20件", False, None, "B"),  # 2 ≤ 10 % of 20
    ("baseline-relative", "17.9件", "40件", "20件", False, None, "C"),  # 2.1 > 2
    ("baseline-relative", "90件", "80件", "100件", True, None, "A"),   # lower is better: 100 → 90
    ("baseline-relative", "108件", "80件", "100件", True, None, "B"),  # 8 worse ≤ 10
    ("baseline-relative", "111件", "80件", "100件", True, None, "C"),  # 11 worse > 10
    ("baseline-relative", "30件", "40件", "新規", False, None, "−"),   # no baseline number
    ("baseline-relative", "", "40件", "20件", False, None, "−"),
    # pace (国): progress = (c − b)/(t − b) against elapsed share 0.4
    ("pace", "28件", "40件", "20件", False, None, "A"),               # 8/20 = 0.4 ≥ 0.4
    ("pace", "27.9件", "40件", "20件", False, None, "B"),             # 7.9/20 = 0.395
    ("pace", "16件", "40件", "新規", False, None, "A"),                # baseline 0: 16/40 = 0.4
    ("pace", "92件", "80件", "100件", True, None, "A"),                # (92−100)/(80−100) = 0.4
    ("pace", "93件", "80件", "100件", True, None, "B"),                # 7/20 = 0.35
    ("pace", "継続実施", "継続実施", None, False, None, "F"),             # execution-type KPI
    ("pace", "", "40件", "20件", False, None, "N"),                    # no data yet
    ("pace", "26件", "40件", "20件", False, "35件", "A"),              # revised: 6/15 = 0.4
]


@pytest.mark.parametrize("name,current,target,baseline,lower,revised,expected", TABLE)
def test_every_scheme_grades_as_computed_by_hand(name, current, target, baseline, lower, revised, expected):
    scheme = Scheme(name, plan=PLAN)
    assert grade_kpi(current, target, baseline, scheme=scheme, lower_is_better=lower,
                     revised_target=revised) == expected


@pytest.mark.parametrize("year,share", [(2020, Decimal("0.2")), (2021, Decimal("0.4")), (2024, Decimal(1)),
                                        (2026, Decimal(1)), (2019, Decimal(0))])
def test_elapsed_share_is_years_completed_of_the_plan(year, share):
    assert PlanPeriod(2020, 2024, year).elapsed_share == share


@pytest.mark.parametrize("year,current,expected", [(2020, "24件", "A"),   # 4/20 = 0.2 ≥ 0.2
                                                   (2020, "23.9件", "B"),  # 0.195
                                                   (2024, "39件", "B"),    # 0.95 < 1
                                                   (2024, "40件", "A")])
def test_pace_moves_with_the_reporting_year(year, current, expected):
    scheme = Scheme("pace", plan=PlanPeriod(2020, 2024, year))
    assert grade_kpi(current, "40件", "20件", scheme=scheme) == expected


def test_scheme_names_are_read_in_japanese_or_english():
    assert parse_scheme("進捗（A/B/F/N）") == "pace"
    assert parse_scheme("記号") == "symbols"
    assert parse_scheme("baseline-relative") == "baseline-relative"
    assert parse_scheme("") == "bands"
    with pytest.raises(InputError, match="評価方式"):
        parse_scheme("五段階")


def test_pace_without_a_reporting_year_is_refused_or_ungraded():
    with pytest.raises(InputError, match="報告年度"):
        scheme_from_args("pace", 2020, 2024, None)
    with pytest.raises(InputError, match="計画最終年度"):
        PlanPeriod(2024, 2020, 2021)
    unplanned = Scheme("pace")  # a 設定 sheet without a readable 報告年度
    assert grade_kpi("28件", "40件", "20件", scheme=unplanned) == "-"
    assert grade_kpi("", "40件", scheme=unplanned) == "N"


def test_counts_cover_every_grade_of_the_scheme():
    scheme = Scheme("symbols")
    assert count_grades(["◎", "◎", "×", "-"], scheme) == {"◎": 2, "○": 0, "△": 0, "×": 1, "-": 1}


def test_refusals_say_what_was_given_and_what_is_allowed():
    with pytest.raises(InputError) as err:
        parse_scheme("五段階")
    assert str(err.value) == ("評価方式「五段階」は使えません（達成率区分（A/B/C/D）、記号（◎○△×）、"
                              "基準値比較（S/A/B/C/−）、進捗（A/B/F/N））。") and err.value.value == "五段階"
    with pytest.raises(InputError) as err:
        Scheme("五段階")
    assert str(err.value) == "評価方式「五段階」は使えません（bands, symbols, baseline-relative, pace）。"
    assert err.value.value == "五段階"
    with pytest.raises(InputError) as err:
        PlanPeriod(2024, 2020, 2021)
    assert str(err.value) == "計画最終年度（2020）が計画開始年度（2024）より前です。" and err.value.value == 2020
    with pytest.raises(InputError) as err:
        scheme_from_args("pace", 2020, 2024, None)
    assert str(err.value) == "評価方式 pace には報告年度（--year 令和N）が必要です。"
    assert PlanPeriod(2024, 2024, 2024).elapsed_share == 1   # a one-year plan is a plan


def test_scheme_from_args_keeps_the_bands_and_the_plan_period():
    mine = GradeBands(((90, "A", "◎"), (NO_LOWER_BOUND, "B", "○")))
    assert scheme_from_args("symbols", None, None, None, mine) == Scheme("symbols", mine)
    assert scheme_from_args(None, None, None, None) == Scheme("bands", DEFAULT_BANDS)
    assert scheme_from_args("pace", None, None, 2021) == Scheme("pace", DEFAULT_BANDS, PlanPeriod(2020, 2024, 2021))
    assert scheme_from_args("進捗", 2015, 2019, 2017, mine) == Scheme("pace", mine, PlanPeriod(2015, 2019, 2017))


@pytest.mark.parametrize("name,current,target,baseline,lower,expected", [
    ("bands", "90件", "80件", None, False, "A"),            # default direction: 90 ÷ 80 = 112.5 %
    ("bands", "90件", "80件", None, True, "B"),             # lower is better: 80 ÷ 90 = 88.9 % → 89 %
    ("bands", "120件", "50件の増加", "100件", False, "D"),   # progress: (120 − 100) ÷ 50 = 40 %
    ("symbols", "150件", "50件の増加", "100件", False, "◎"),  # (150 − 100) ÷ 50 = 100 %
    ("symbols", "30件", "1件2件", None, False, "-"),         # a target of two values: no rate
    ("symbols", "90件", "80件", "100件", True, "△"),        # 89 %, better than 100: not ×, not yet ○
    ("symbols", "38件", "40件", "50人", False, "○"),         # 95 %; a baseline in people compares with nothing
    ("symbols", "0件", "40件", None, False, "×"),            # 0 %: no progress
    ("symbols", "0.4件", "40件", None, False, "△"),          # 1 %: some
    ("symbols", "21件", "40件", "20件", False, "△"),         # 52.5 % → 53 %, one better than the baseline
    ("baseline-relative", "21件", "40件", "20件", False, "A"),  # one better than the baseline
    ("pace", "28件", "", "20件", False, "-"),                 # no target
    ("pace", "12件", "現状維持", None, False, "F"),
    ("pace", "1件", "継続", None, False, "F"),
    ("pace", "継続中", "完了", None, False, "F"),
    ("pace", "12件", "増加", "10件", False, "-"),             # an increase of no stated size: no progress
    ("pace", "継続実施", "40件", "20件", False, "-"),          # words for a numeric target: a value, not none yet
])
def test_edges_of_each_scheme(name, current, target, baseline, lower, expected):
    scheme = Scheme(name, plan=PLAN)
    assert grade_kpi(current, target, baseline, scheme=scheme, lower_is_better=lower) == expected


def test_a_read_quantity_is_graded_as_its_text():
    assert grade_kpi(parse_quantity("廃止"), "40件", "20件", scheme=Scheme("symbols")) == "×"
    assert grade_kpi(parse_quantity("37件"), "40件", "20件", scheme=Scheme("symbols")) == "○"
    assert grade_kpi("90件", "80件") == "A"   # bands, higher is better unless told


def test_marks_outside_the_scheme_count_as_none():
    assert count_grades(["A", "Z", "-", "S"], Scheme("pace")) == {"A": 1, "B": 0, "F": 0, "N": 0, "-": 3}


def test_grade_record_uses_the_records_fields_or_the_given_rate():
    r = KpiRecord(measure_id="1-01", kpi_no="1", baseline="", target="40件", revised_target="30件",
                  current="27件", direction="lower")
    # bands: a given 達成率 is graded as it is (50 % → C), else the texts: lower is better, 30件 ÷ 27件
    assert grade_record(r, Scheme("bands"), Rate(Decimal("0.5"), "ratio")) == "C"
    assert grade_record(r, Scheme("bands")) == "A"       # 40 ÷ 27 = 148 % (the 達成率 column's target)
    assert grade_record(r, Scheme("symbols")) == "◎"     # 30 ÷ 27 = 111 % against the revised target
    assert grade_record(KpiRecord(kpi_no="1", target="40件", current="36件"), Scheme("symbols")) == "○"
    assert grade_record(KpiRecord(kpi_no="1", target="40件", baseline="20件", current="26件"),
                        Scheme("pace", plan=PLAN)) == "B"   # 6 ÷ 20 = 0.3 < 0.4 (from 0 it would be 0.65)
    revised = KpiRecord(kpi_no="1", target="40件", revised_target="30件", current="28件")
    assert grade_record(revised, Scheme("symbols")) == "○"   # 28 ÷ 30 = 93 %, not 28 ÷ 40 = 70 %
    two = GradeBands(((50, "S", "◎"), (NO_LOWER_BOUND, "T", "×")))
    assert grade_record(r, Scheme("bands", two), Rate(Decimal("0.5"), "ratio")) == "S"
    assert grade_kpi("20件", "40件", scheme=Scheme("bands", two)) == "S"
    assert grade_record(KpiRecord(kpi_no="1", target="40件", current="28件"),
                        Scheme("pace", plan=PLAN)) == "A"   # a blank baseline counts as 0: 28 ÷ 40 = 0.7


def test_a_qualitative_target_of_doing_something_is_execution_type():
    scheme = Scheme("pace", plan=PLAN)
    assert grade_kpi("一部の学校で実施", "R6年度末までに全校で実施体制を構築し、効果を検証する", scheme=scheme) == "F"


def test_a_kpi_graded_without_a_direction_takes_it_from_a_target_below_its_baseline():
    """死傷事故件数 7,822 → 5,200, now 6,000: lower is better, the target not reached yet."""
    from xl_kpi.core.grading import Scheme, grade_kpi
    grades = {name: grade_kpi("6,000件", "5,200件", "7,822件(平成30年度)", scheme=Scheme(name))
              for name in ("bands", "baseline-relative", "symbols")}
    assert grades == {"bands": "B", "baseline-relative": "A", "symbols": "△"}
    stated = {name: grade_kpi("6,000件", "5,200件", "7,822件(平成30年度)", scheme=Scheme(name), direction="higher")
              for name in ("bands", "baseline-relative", "symbols")}
    assert stated == {"bands": "A", "baseline-relative": "S", "symbols": "◎"}  # 指標の方向 高いほど良い decides


def test_a_records_stated_direction_decides_its_grade():
    from xl_kpi.core.grading import Scheme, grade_record
    from xl_kpi.core.record import Source
    r = KpiRecord(measure_id="1-01", kpi_no="1", kpi_item="人口", baseline="7,822人(平成30年度)", target="5,200人",
                  current="6,000人", direction="higher", source=Source("a.xlsx", "s", 5))
    assert grade_record(r, Scheme("baseline-relative")) == "S"


def test_bands_grade_on_the_percent_as_the_scheme_rounds_it():
    """9,996 of 10,000 is 99.96 %: 100 % (A) half up, 99 % (B) truncated."""
    from xl_kpi.core.grading import Scheme, grade_kpi, grade_record
    from xl_kpi.core.rate import TRUNCATE, Rounding, kpi_rate
    from xl_kpi.core.record import Source
    truncated = Scheme(rounding=Rounding(0, TRUNCATE))
    assert (grade_kpi("9,996件", "10,000件"), grade_kpi("9,996件", "10,000件", scheme=truncated)) == ("A", "B")
    r = KpiRecord(measure_id="1-01", kpi_no="1", target="10,000件", current="9,996件", source=Source("a.xlsx", "s", 5))
    rate = kpi_rate("9,996件", "10,000件")
    assert (grade_record(r, Scheme(), rate), grade_record(r, truncated, rate)) == ("A", "B")
