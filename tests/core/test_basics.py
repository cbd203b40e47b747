"""The small pieces of the pure layer, each result written out: errors, fiscal years, records,
text checks and the finding/report forms users read."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_kpi.core.errors import FileError, InputError, QuantityError, XlKpiError
from xl_kpi.core.findings import CATALOGUE, Finding, Report, _positional, make_finding
from xl_kpi.core.fiscal import FiscalSpan, format_fiscal_year, parse_fiscal_year, parse_reporting_year
from xl_kpi.core.record import KpiRecord, Source, first_department, records_to_frame
from xl_kpi.core.text import has_control_characters, looks_like_formula, to_halfwidth

# --- errors ------------------------------------------------------------------------------------


def test_errors_carry_message_code_value_and_place():
    err = XlKpiError("読めません", code="x-code", value=3)
    assert (str(err), err.code, err.value) == ("読めません", "x-code", 3)
    assert (XlKpiError("m").code, InputError("m").code, QuantityError("m").code, FileError("m").code) == (
        "error", "invalid-input", "unparseable-value", "file-error")
    assert XlKpiError("m").value is None
    f = FileError("壊れています", code="corrupt-file", path="a.xlsx", sheet="部", cell="H3", value=7)
    assert (str(f), f.code, f.path, f.sheet, f.cell, f.value, f.finding) == (
        "壊れています", "corrupt-file", "a.xlsx", "部", "H3", 7, None)
    assert issubclass(QuantityError, InputError) and issubclass(FileError, XlKpiError)


# --- fiscal years ------------------------------------------------------------------------------


def test_fiscal_span_reads_as_japanese():
    assert str(FiscalSpan(2020, 2020)) == "令和2年度"
    assert str(FiscalSpan(2016, 2018)) == "平成28～30年度"
    assert str(FiscalSpan(2019, 2022)) == "令和元～4年度"


def test_years_outside_the_eras_are_an_input_error():
    with pytest.raises(InputError) as info:
        format_fiscal_year(1925)
    assert str(info.value) == "年度 1925 は和暦に変換できません。" and info.value.value == 1925
    assert format_fiscal_year(1926) == "昭和元年度" and format_fiscal_year(2019, suffix="") == "令和元"


def test_western_years_and_ranges():
    assert parse_fiscal_year("2016～2018年度") == FiscalSpan(2016, 2018, True)
    assert parse_fiscal_year("2019年") == FiscalSpan(2019, 2019, False)
    assert parse_fiscal_year("H28-R2年度") == FiscalSpan(2016, 2020, True)
    assert parse_fiscal_year("令和元年") == FiscalSpan(2019, 2019, False)
    assert parse_fiscal_year("なし") is None


def test_reporting_year_forms_and_refusals():
    assert [parse_reporting_year(x) for x in ("令和2", "R2", "令和2年度", "2020", "２０２０", 2020, "平成元")] == \
        [2020, 2020, 2020, 2020, 2020, 2020, 1989]
    for bad in ("12345", "R2x", "二〇二〇", "20"):
        with pytest.raises(InputError) as info:
            parse_reporting_year(bad)
        assert str(info.value) == f"年度「{bad}」を読み取れません（例: 令和2、R2、2020）。" and info.value.value == bad


# --- records -----------------------------------------------------------------------------------


def test_source_cell_needs_a_column_and_a_row():
    src = Source("a.xlsx", "部", 12, {"target": "H"})
    assert (src.cell("target"), src.cell("current")) == ("H12", "")
    assert Source("a.xlsx", "部", 0, {"target": "H"}).cell("target") == ""
    assert src.cells == {"target": "H12"} and Source(columns={"target": "H"}).cells == {}


def test_relisted_flag_given_is_kept_and_otherwise_read_from_the_name():
    assert KpiRecord.from_mapping({"measure_name": "施策(再掲)", "relisted": "0"}).relisted == "0"
    assert KpiRecord.from_mapping({"measure_name": "施策", "relisted": "1"}).relisted == "1"
    assert KpiRecord.from_mapping({"measure_name": "施策(再掲)", "relisted": "yes"}).relisted == "1"
    named = KpiRecord.from_mapping({"measure_name": "再掲載記事の発信"})  # 再掲 in the name, not the suffix
    assert named.relisted == "0" and not named.is_relisted
    src = Source("b.csv", "", 4)
    rec = KpiRecord.from_texts({"measure_name": "施策（再掲）", "relisted": "0", "unknown": "x"}, src)
    assert rec.relisted == "0" and rec.source is src
    assert KpiRecord.from_texts({"measure_name": "施策", "relisted": "1"}, src).relisted == "1"
    assert KpiRecord.from_mapping({"target": 30.0, "current": 2.5, "baseline": None}).to_dict()["target"] == "30"
    r = KpiRecord.from_mapping({"target": 30.0, "current": 2.5, "baseline": None, "kpi_item": "件数"})
    assert (r.target, r.current, r.baseline, r.kpi_item) == ("30", "2.5", "", "件数")


def test_first_department_of_a_shared_measure():
    assert [first_department(t) for t in ("企画管理部 環境部", "企画管理部、環境部", " 環境部/企画管理部 ",
                                          "福祉保健部・子ども家庭部", "環境部", "", "  ", "、環境部")] == \
        ["企画管理部", "企画管理部", "環境部", "福祉保健部", "環境部", "", "", "環境部"]


def test_records_as_a_frame_keep_where_each_came_from():
    rec = KpiRecord(measure_id="1-01", source=Source("a.xlsx", "部", 9))
    df = records_to_frame([rec])
    assert list(df.columns[-3:]) == ["source_file", "source_sheet", "source_row"]
    assert df.loc[0, ["measure_id", "source_file", "source_sheet", "source_row"]].tolist() == ["1-01", "a.xlsx", "部", 9]
    assert list(records_to_frame([]).columns) == list(df.columns)


# --- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, formula", [
    ("", False), ("=", False), ("=1", True), ("@", False), ("@SUM(A1)", True), ("\t", True), ("\r", True),
    ("\tx", True), ("+", False), ("-", False), ("+1", False), ("-1,000", False), ("-1.5", False),
    ("-a", True), ("+A1", True), ("- ", False), ("-1,0a", True), ("Xa", False), ("X=", False), ("a=b", False),
])
def test_what_excel_would_take_for_a_formula(text, formula):
    assert looks_like_formula(text) is formula


def test_control_characters_and_halfwidth():
    assert [has_control_characters(t) for t in ("a\x07", "a\tb\nc\r", "\x7f", "\x0b", "普通")] == \
        [True, False, True, True, False]
    assert to_halfwidth("ＡＢ１２　－〜～，、") == "AB12 -~~,、"


# --- findings and reports ----------------------------------------------------------------------


def test_make_finding_defaults_and_record_place():
    assert make_finding("missing-value") == Finding("missing-value", "error", "", "", "", "", "", "", "", "")
    assert make_finding("missing-value", value=None).value == ""
    assert make_finding("missing-value", value=12).value == "12"
    rec = KpiRecord(measure_id="1-02", kpi_no="2", source=Source("a.xlsx", "部", 7, {"target": "H"}))
    f = make_finding("missing-value", record=rec, field="target", detail="d")
    assert f == Finding("missing-value", "error", "a.xlsx", "部", "H7", "target", "1-02", "2", "", "d")
    g = make_finding("missing-value", record=rec, field="target", file="b.xlsx", sheet="別", cell="Z1",
                     severity="info")
    assert (g.severity, g.file, g.sheet, g.cell) == ("info", "b.xlsx", "別", "Z1")


def test_long_values_are_clipped_in_messages_at_sixty_characters():
    sixty, more = "あ" * 60, "あ" * 61
    assert make_finding("unparseable-value", field="target", value=sixty).message == \
        f"目標値「{sixty}」を数量として読み取れません。"
    assert make_finding("unparseable-value", field="target", value=more).message == \
        f"目標値「{sixty}…」を数量として読み取れません。"


def test_finding_as_a_dict_has_its_message_and_place():
    d = make_finding("missing-value", field="target", sheet="部", cell="H3").to_dict()
    assert d["message"] == "目標値が入力されていません。" and d["location"] == "'部'!H3"
    assert d["code"] == "missing-value" and len(d) == 12
    assert make_finding("missing-value", file="a.csv", cell="H3").location == "a.csv:H3"
    assert make_finding("missing-value", cell="H3").location == "H3"
    assert make_finding("missing-value", sheet="部's").location == "'部''s'"
    f = make_finding("missing-value", field="target", file="a.xlsx", sheet="部", cell="H3", value="x")
    assert list(f.to_dict().items()) == [*f._asdict().items(), ("message", f.message), ("location", f.location)]


def test_every_message_renders_as_its_template_with_named_fields():
    """Messages are rendered from positional copies of the templates: the same text, braces kept."""
    for code, (_severity, _title, template, *_guide) in CATALOGUE.items():
        assert _positional(template).format("{L}", "V", "D") == template.format(label="{L}", value="V", detail="D"), code
    assert _positional("{{a}} {value!r:>4}・{label}") == "{{a}} {1!r:>4}・{0}"


def test_report_counts_json_and_text():
    report = Report([make_finding("missing-value", field="target", file="a.xlsx", sheet="部", cell="H3"),
                     make_finding("missing-value", field="current", file="a.xlsx"),
                     make_finding("hidden-row", value="9", sheet="部", cell="A9")])
    assert report.counts() == {"error": 2, "warning": 1, "info": 0}
    assert len(report) == 3 and not report.valid and Report([report.findings[2]]).valid
    text = report.to_json()
    assert text.startswith('{\n  "valid": false,\n  "counts": {"error": 2, "warning": 1, "info": 0},\n  "findings": [\n    {')
    assert "目標値が入力されていません。" in text
    assert json.loads(text)["findings"][0]["location"] == "'部'!H3"
    assert report.to_text().split("\n") == [
        "エラー [missing-value] a.xlsx '部'!H3: 目標値が入力されていません。",
        "エラー [missing-value] a.xlsx: 現在値が入力されていません。",
        "警告 [hidden-row] '部'!A9: 非表示の行（9行目）があります。内容を確認してください。",
        "エラー 2 件、警告 1 件、情報 0 件",
    ]


# --- added on main: OS errors in Japanese, severities from the 設定 sheet, Japan time ---------


def test_os_errors_in_japanese():
    import errno

    from xl_kpi.core.errors import describe_os_error
    assert describe_os_error(FileNotFoundError(errno.ENOENT, "x")) == "ファイルがありません。名前と場所を確かめてください"
    assert describe_os_error(OSError(errno.ENOSPC, "x")) == "ディスクの空きがありません"
    assert describe_os_error(PermissionError(errno.EPERM, "x")) == describe_os_error(OSError(errno.EACCES, "x"))
    assert describe_os_error(OSError("no errno")) == "ファイルを読み書きできません（OSError）"
    assert describe_os_error(TimeoutError(errno.ETIMEDOUT, "x")) == "ファイルを読み書きできません（TimeoutError）"


def test_severity_names_and_overrides():
    from xl_kpi.core.findings import parse_severity, with_severities
    assert [parse_severity(x) for x in ("警告", " Warning ", "error", "エラー", "情報", "info", "", None, "重大")] == \
        ["warning", "warning", "error", "error", "info", "info", None, None, None]
    fs = [make_finding("hidden-row"), make_finding("missing-value")]
    assert [f.severity for f in with_severities(fs, {"hidden-row": "error"})] == ["error", "error"]
    assert [f.code for f in with_severities(fs, {"hidden-row": "info"})] == ["hidden-row", "missing-value"]
    assert with_severities(iter(fs), {}) == fs
    placed = make_finding("hidden-row", file="a.xlsx", sheet="商工労働部", cell="H12", field="target", value="5件",
                          detail="理由")
    assert with_severities([placed], {"hidden-row": "info"}) == [placed._replace(severity="info")]


def test_a_finding_renders_its_place_and_a_field_without_a_label_by_its_name():
    f = make_finding("missing-value", file="a.csv", cell="H12", field="追加の列")
    assert f.to_dict()["location"] == "a.csv:H12" == f.location
    assert f.to_dict()["message"] == f.message and "追加の列" in f.message


def test_japan_time_is_plus_nine_hours_in_whole_seconds():
    from datetime import datetime, timezone

    from xl_kpi.core.fiscal import japan_time
    t = japan_time(datetime(2021, 5, 10, 0, 30, 15, 999999, tzinfo=timezone.utc))
    assert t.isoformat() == "2021-05-10T09:30:15+09:00"


def test_from_texts_keeps_the_cell_numbers_given():
    from decimal import Decimal

    from xl_kpi.core.record import CellNumber
    src = Source("a.xlsx", "部", 5)
    assert KpiRecord.from_texts({"current": "1,485人"}, src).numbers == {}
    typed = {"current": CellNumber(1484.6, '#,##0"人"', Decimal("1484.6"), "1,485人")}
    assert KpiRecord.from_texts({"current": "1,485人"}, src, typed).numbers == typed


@given(st.text(alphabet=st.sampled_from([chr(c) for c in __import__("xl_kpi.core.text", fromlist=["_TABLE"])._TABLE]
                                        + list("abc123件人()、。累計①")), max_size=20))
def test_to_halfwidth_skips_only_texts_the_table_would_not_change(text):
    from xl_kpi.core.text import _TABLE
    assert to_halfwidth(text) == text.translate(_TABLE)
