"""=KPI_GRADE(): the grading schemes of xl_kpi/core/grading.py (tested by hand-computed rows in
tests/core/test_grading.py) reached through the custom function, as Excel calls it."""


def test_kpi_grade_udf_takes_a_scheme_and_a_column():
    """=KPI_GRADE(rate, symbols, scheme, current, target, baseline, year …) — the same table rows."""
    import asyncio

    import xlwings as xw
    from xlwings import server

    from xl_kpi.excel import udfs
    current = [["28件"], ["27.9件"], [""], ["継続実施"]]
    out = udfs.kpi_grade(None, False, "pace", current, [["40件"]], [["20件"]], "令和3")
    assert out == [["A"], ["B"], ["N"], ["-"]]  # 0.4, 0.395, no data, no number against 40件
    assert udfs.kpi_grade(None, False, "記号", [["37件"]], [["40件"]], [["20件"]]) == "○"
    assert udfs.kpi_grade(None, False, "baseline-relative", [["108件"]], [["80件"]], [["100件"]],
                          direction="低いほど良い") == "B"
    assert udfs.kpi_grade(None, False, "pace", [["1"]], [["2"]]).startswith("#N/A") and "報告年度" in \
        udfs.kpi_grade(None, False, "pace", [["1"]], [["2"]])
    assert udfs.kpi_grade([[1.125]], False, "bands") == "A"
    data = {"func_name": "kpi_grade", "args": [[[None]], [[False]], [["pace"]], [["28件"]], [["40件"]], [["20件"]],
                                               [["令和3"]], [[None]], [[None]], [[None]]],
            "caller_address": "Sheet1!A1", "formula_name": "KPI_GRADE", "version": xw.__version__,
            "runtime": "1.4", "culture_info_name": "ja-JP", "date_format": "yyyy/mm/dd", "client": "Office.js"}
    assert asyncio.run(server.custom_functions_call(data, udfs)) == [["A"]]
