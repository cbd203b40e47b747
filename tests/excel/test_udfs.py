import asyncio
import time

import pytest
import xlwings as xw
from xlwings import server

from xl_kpi import kpi_rate as core_rate
from xl_kpi.cli import main
from xl_kpi.excel import udfs


def call(name, *args):
    data = {"func_name": name, "args": [a if isinstance(a, list) else [[a]] for a in args],
            "caller_address": "Sheet1!A1", "formula_name": name.upper(), "version": xw.__version__,
            "runtime": "1.4", "culture_info_name": "ja-JP", "date_format": "yyyy/mm/dd", "client": "Office.js"}
    return asyncio.run(server.custom_functions_call(data, udfs))


def test_kpi_rate_same_display_as_cli_for_every_sample_row(sample_rows, capsys):
    from xl_kpi import format_rate
    for row in sample_rows:
        if not row["kpi_no"]:
            continue
        direct = udfs.kpi_rate([[row["current"]]], [[row["target"]]], [[row["baseline"]]], [[None]])
        served = call("kpi_rate", row["current"], row["target"], row["baseline"])
        assert main(["rate", "--current", row["current"], "--target", row["target"], "--baseline", row["baseline"]]) == 0
        cli = capsys.readouterr().out.strip()
        assert format_rate(direct) == format_rate(served[0][0]) == cli == row["rate"]


def test_not_computable_is_na_with_the_reason():
    out = udfs.kpi_rate([["5件"]], [["0件"]])
    assert out.startswith("#N/A") and "目標値が0" in out
    assert udfs.kpi_rate([["abc"]], [["10"]]).startswith("#N/A")
    assert udfs.kpi_rate([["5"]], [["10"]], None, [["magic"]]).startswith("#N/A")
    assert udfs.kpi_rate([[None]], [[None]]) == ""


def test_methods_and_direction_word():
    assert udfs.kpi_rate([[60]], [[100]], [[20]], [["progress"]]) == pytest.approx(0.5)
    assert udfs.kpi_rate([[12]], [[10]], None, [["低いほど良い"]]) == pytest.approx(10 / 12)
    assert udfs.kpi_rate([["2,488"]], [["2,098"]], None, [["lower-better-gap"]]) == pytest.approx(1708 / 2098)


def test_kpi_value_is_the_number_of_a_cell_and_na_for_words():
    assert udfs.kpi_value([["1,943人(平成30年度)"]]) == 1943.0
    assert udfs.kpi_value([["継続実施"]]).startswith("#N/A")


def test_kpi_unit_is_the_unit_with_its_period():
    assert udfs.kpi_unit([["32件/年(平成28～30年の平均)"]]) == "件/年"
    assert call("kpi_unit", "30件(累計)") == [["件"]]


def test_kpi_grade_grades_a_rate_in_letters_or_symbols_and_a_na_rate_as_dash():
    assert udfs.kpi_grade([[1.125]]) == "A" and udfs.kpi_grade([["85%"]], True) == "○"
    assert call("kpi_grade", 0.5, True) == [["△"]]
    assert udfs.kpi_grade([["#N/A 理由"]]) == "-"


def test_a_column_in_one_call_returns_a_column():
    n = 10_000
    current = [[f"{i % 97}件(累計)"] for i in range(n)]
    target = [["40件(累計)"]]  # one cell spreads over the column, as in Excel
    t0 = time.perf_counter()
    out = call("kpi_rate", current, target)
    elapsed = time.perf_counter() - t0
    assert len(out) == n and all(len(r) == 1 for r in out)
    assert out[45][0] == pytest.approx(float(core_rate("45", "40").value))
    print(f"KPI_RATE over {n:,} rows in one call: {elapsed:.3f} s")


def test_metadata_has_japanese_descriptions_for_every_argument():
    meta = server.custom_functions_meta(udfs)
    by_name = {f["name"]: f for f in meta["functions"]}
    assert set(by_name) >= {"KPI_RATE", "KPI_VALUE", "KPI_UNIT", "KPI_GRADE"}
    rate = by_name["KPI_RATE"]
    assert [p["name"] for p in rate["parameters"]] == ["current", "target", "baseline", "method", "decimals", "rounding"]
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in p["description"]) for p in rate["parameters"])
    assert [p.get("optional", False) for p in rate["parameters"]] == [False, False, True, True, True, True]
    assert "達成率" in rate["description"]


def test_broadcast_spreads_a_single_value_over_a_column_and_keeps_shapes():
    assert udfs.broadcast(lambda a, b: (a, b), [[1], [2]], 3) == [[(1, 3)], [(2, 3)]]
    assert udfs.broadcast(lambda a: a, [[1, 2]]) == [[1, 2]]
    assert udfs.broadcast(lambda a: a * 2, 4) == 8


def test_blank_and_unreadable_cells():
    assert udfs.kpi_value([[None]]) == "" and udfs.kpi_unit([[""]]) == ""
    assert udfs.kpi_unit([["たくさん"]]).startswith("#N/A")
    assert udfs.kpi_value([["abc"]]).startswith("#N/A")
    assert udfs.kpi_grade([["たくさん"]]).startswith("#N/A")
    assert udfs.kpi_grade([[True]]).startswith("#N/A")
    assert udfs.kpi_grade([[None]]) == "-"
    assert udfs.broadcast(lambda a: a, []) is not None


@pytest.mark.parametrize("value", [1e28, 1e300, 5e-324, "1" + "0" * 28 + "人", "1E+28", "x0y", "=cmd|' /C calc'!A0"])
def test_a_value_of_any_size_or_a_word_is_na_with_the_reason_in_every_udf(value):
    for out in (udfs.kpi_rate([[value]], [["100人"]]), udfs.kpi_rate([["100人"]], [[value]]),
                udfs.kpi_value([[value]])):
        assert isinstance(out, str) and out.startswith("#N/A") and len(out) > 5, out
    graded = udfs.kpi_grade([[value]])  # a rate of 10^28 is no rate; 5e-324 is 0 %
    assert graded == ("D" if value == 5e-324 else "-") or graded.startswith("#N/A")


def test_kpi_rate_and_kpi_grade_take_the_rounding_of_the_settings():
    assert udfs.kpi_rate([[131]], [[470]]) == pytest.approx(131 / 470)  # the 0% format rounds it half up
    assert udfs.kpi_rate([[131]], [[470]], None, None, 1, "切り捨て") == pytest.approx(0.278)
    assert udfs.kpi_rate([[131]], [[470]], None, None, 1.0, "truncate") == pytest.approx(0.278)
    assert udfs.kpi_rate([[131]], [[470]], None, None, 0, "truncate") == pytest.approx(0.27)
    assert udfs.kpi_rate([[131]], [[470]], None, None, 3, None).startswith("#N/A")
    assert udfs.kpi_grade([[0.9996]]) == "A"
    assert udfs.kpi_grade([[0.9996]], False, None, None, None, None, None, None, None, None, 1, "切り捨て") == "B"


def test_kpi_rate_reads_the_direction_like_the_ribbon_unless_told():
    assert udfs.kpi_rate([["4,917件"]], [["5,200件"]], [["7,822件"]]) == pytest.approx(5200 / 4917)
    assert udfs.kpi_rate([["4,917件"]], [["5,200件"]], [["7,822件"]], [["高いほど良い"]]) == pytest.approx(4917 / 5200)
