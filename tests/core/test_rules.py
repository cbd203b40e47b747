import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import xl_kpi
from xl_kpi import KpiRecord, Source, validate_records
from xl_kpi.core.findings import CATALOGUE, Report, entry, make_finding
from xl_kpi.core.record import CellNumber
from xl_kpi.core.rules import TEXT_FIELDS, check_record, evaluate
from xl_kpi.core.text import has_control_characters, looks_like_formula

# The official template's columns (xl_kpi/files/layout.py), written out: a finding must name
# exactly the cell of its field on row 7.
COLUMNS = dict(measure_id="A", measure_name="B", department="C", measure_content="D", kpi_no="E",
               kpi_item="F", baseline="G", target="H", current="I", rate="J", revised_target="K",
               revised_rate="L", revision_note="M", direction="N", projects="O", progress="P", plan="Q",
               covid_impact="R", covid_response="S", sdgs="T")


def rec(**kw):
    base = dict(goal_no="1", direction_letter="ア", measure_id="1-01", measure_name="施策", department="商工労働部",
                kpi_no="1", kpi_item="件数", baseline="5件(平成30年度)", target="30件",
                current="10件", rate="33%", sdgs="8・9")
    base.update(kw)
    return KpiRecord.from_mapping(base, Source("a.xlsx", "商工労働部", 7, COLUMNS))


def codes(*records):
    return validate_records(records).codes()


def test_a_clean_record_has_no_findings():
    assert codes(rec()) == []


@pytest.mark.parametrize("changes, code, field, severity", [
    ({"target": ""}, "missing-value", "target", "error"),
    ({"current": ""}, "missing-value", "current", "error"),
    ({"measure_name": ""}, "missing-value", "measure_name", "error"),
    ({"measure_id": "1-1"}, "invalid-measure-id", "measure_id", "error"),
    ({"measure_id": "2-01"}, "invalid-measure-id", "measure_id", "error"),
    ({"target": "たくさん"}, "unparseable-value", "target", "error"),
    ({"current": "5件、6件"}, "multiple-values", "current", "error"),
    ({"target": "39.9栽培面積: ha", "current": "10ha", "baseline": "", "rate": "25%"}, "garbled-value", "target",
     "warning"),
    ({"current": "10人", "rate": ""}, "unit-mismatch", "current", "error"),  # incomparable: no rate
    ({"current": "10件/年", "rate": ""}, "basis-mismatch", "current", "info"),  # one unit, per year: a basis
    ({"target": "30件(累計)", "current": "10件(累計)"}, "basis-mismatch", "baseline", "info"),
    ({"rate": "34%"}, "rate-mismatch", "rate", "error"),
    ({"target": "0件", "rate": ""}, "rate-not-computable", "rate", "warning"),
    ({"current": "4件", "rate": "13%"}, "below-baseline", "current", "warning"),
    ({"revised_rate": "50%"}, "revision-incomplete", "revised_target", "warning"),
    ({"revised_target": "20件", "revised_rate": "50%"}, "revision-incomplete", "revision_note", "warning"),
    ({"sdgs": "8、9"}, "invalid-sdgs", "sdgs", "error"),
    ({"sdgs": "18"}, "invalid-sdgs", "sdgs", "error"),
    ({"sdgs": "8・8"}, "invalid-sdgs", "sdgs", "error"),
    ({"progress": "=HYPERLINK(\"http://x\")"}, "formula-text", "progress", "warning"),
    ({"plan": "@SUM(A1)"}, "formula-text", "plan", "warning"),
    ({"plan": "\tタブ"}, "formula-text", "plan", "warning"),
    ({"plan": "x" * 32768}, "text-too-long", "plan", "error"),
    ({"plan": "a\x07b"}, "control-characters", "plan", "warning"),
    ({"baseline": "30件", "current": "31件", "rate": "103%"}, "baseline-equals-target", "baseline", "warning"),
    ({"current": "0.1", "target": "30%", "baseline": "", "rate": "33%"}, "percent-scale", "current", "warning"),
    ({"direction": "sideways"}, "invalid-direction", "direction", "error"),
])
def test_each_code_is_triggered_and_points_at_the_cell(changes, code, field, severity):
    report = validate_records([rec(**changes)])
    hits = [f for f in report if f.code == code]
    assert hits, report.codes()
    f = hits[0]
    assert (f.field, f.severity, f.file, f.sheet) == (field, severity, "a.xlsx", "商工労働部")
    assert (f.measure_id, f.kpi_no) == (changes.get("measure_id", "1-01"), "1")
    assert f.cell == COLUMNS[field] + "7"
    assert f.location == f"'商工労働部'!{COLUMNS[field]}7"
    assert f.message and "{" not in f.message


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
        ("1-01", "1", "baseline", "basis-mismatch"), ("1-02", "1", "baseline", "basis-mismatch"),
        ("2-08", "1", "baseline", "basis-mismatch"),  # 件/年 beside 件(累計): one unit, another basis
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


def _emitted_codes() -> set[str]:
    """Finding codes named as string literals in the package, outside the catalogue itself."""
    root = Path(xl_kpi.__file__).parent
    text = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py") if p.name != "findings.py")
    return set(re.findall(r"[\"']([a-z]+(?:-[a-z]+)+)[\"']", text))


def test_every_catalogue_code_is_emitted_somewhere():
    unused = sorted(set(CATALOGUE) - _emitted_codes())
    assert unused == []


def test_every_catalogue_entry_renders_its_value_and_detail():
    for code in CATALOGUE:
        f = make_finding(code, field="target", value="値X", detail="詳細Y", file="f.xlsx")
        assert f.severity in ("error", "warning", "info") and f.title
        template = entry(code).template
        if "{value}" in template:
            assert "値X" in f.message, code
        if "{detail}" in template:
            assert "詳細Y" in f.message, code
        if "{label}" in template:
            assert "目標値" in f.message, code
        assert "{" not in f.message and f.location == "f.xlsx"


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


# --- every finding of one record, exactly (code, severity, field, value, detail, cell) ----------

NO_BASELINE = ("達成率（現在値÷目標値）の計算には使わないため、そのまま計算しました。"
               "値が分かれば「6件(平成30年度)」のように計画策定時点の値を入力してください。")
RANGE_TARGET = "範囲に届けば達成として、下限（低いほど良い指標は上限）に対する達成率を計算しました。"
UNIT_DETAIL = "目標値「30件」と異なります（{} と {}）。"


@pytest.mark.parametrize("changes, expected", [
    ({"department": ""}, [("missing-value", "error", "department", "", "", "C7")]),
    ({"measure_id": "１-01"}, [("invalid-measure-id", "warning", "measure_id", "１-01", "半角で入力してください。", "A7")]),
    ({"measure_id": "2-01"}, [("invalid-measure-id", "error", "measure_id", "2-01",
                               "基本目標1の施策は「1-」で始まります。", "A7")]),
    ({"measure_id": "2-01", "measure_name": "施策(再掲)"}, []),
    ({"measure_id": "2-01", "goal_no": ""}, [("missing-section", "error", "goal_no", "2-01", "（基本目標が不明です）", "A7")]),
    ({"measure_id": "1-001", "goal_no": " 1 "}, []),
    ({"measure_id": "1-1"}, [("invalid-measure-id", "error", "measure_id", "1-1", "", "A7")]),
    ({"direction": "higher"}, []),
    ({"sdgs": "８・９"}, []),
    ({"sdgs": " "}, []),
    ({"sdgs": "8・・9"}, [("invalid-sdgs", "error", "sdgs", "8・・9", "区切りが続いています。", "T7")]),
    ({"sdgs": "0・18・x・8・8・17・1"}, [("invalid-sdgs", "error", "sdgs", "0・18・x・8・8・17・1",
                                       "0は1～17の範囲外です。 18は1～17の範囲外です。 「x」は目標番号ではありません。"
                                       " 8が重複しています。", "T7")]),
    ({"kpi_item": " "}, [("missing-value", "error", "kpi_item", "", "", "F7")]),
    ({"baseline": ""}, [("no-value", "info", "baseline", "", NO_BASELINE, "G7")]),
    ({"baseline": "たくさん"}, [("unparseable-value", "warning", "baseline", "たくさん", "", "G7")]),
    ({"baseline": "5件、6件"}, [("multiple-values", "warning", "baseline", "5件、6件", "", "G7")]),
    ({"current": "たくさん"}, [("unparseable-value", "error", "current", "たくさん", "", "I7")]),
    ({"target": "5件、6件", "rate": ""}, [("multiple-values", "error", "target", "5件、6件", "", "H7")]),
    ({"revised_target": "40件", "revision_note": "見直し", "revised_rate": "25%"}, []),
    ({"revised_target": "40件", "revision_note": "見直し", "revised_rate": ""}, []),
    ({"revised_target": "40件", "revision_note": "見直し", "revised_rate": "30%"},
     [("rate-mismatch", "error", "revised_rate", "30%", "25%", "L7")]),
    ({"revised_target": "40件", "revision_note": "見直し", "revised_rate": "x"},
     [("unparseable-value", "error", "revised_rate", "x", "", "L7")]),
    ({"revised_target": "たくさん", "revision_note": "見直し", "revised_rate": "25%"},
     [("unparseable-value", "error", "revised_target", "たくさん", "", "K7")]),
    ({"revised_target": "40人", "revision_note": "見直し", "revised_rate": "25%"},
     [("unit-mismatch", "warning", "revised_target", "40人", UNIT_DETAIL.format("人", "件"), "K7"),
      ("rate-not-computable", "warning", "revised_rate", "25%",
       "単位が異なるため計算できません（現在値: 件、目標値: 人）。", "L7")]),
    ({"revised_target": "40件(累計)", "revision_note": "見直し", "revised_rate": "25%"}, []),
    ({"revised_rate": "50%"}, [("revision-incomplete", "warning", "revised_target", "",
                                "変更後の達成率がありますが、変更後の目標値がありません。", "K7")]),
    ({"revised_target": "40件", "revised_rate": "25%"},
     [("revision-incomplete", "warning", "revision_note", "", "目標値を変更した理由を備考に記入してください。", "M7")]),
    ({"baseline": "5人", "rate": "33%"}, [("unit-mismatch", "warning", "baseline", "5人", UNIT_DETAIL.format("人", "件"),
                                          "G7")]),
    ({"current": "10人", "rate": ""}, [("unit-mismatch", "error", "current", "10人", UNIT_DETAIL.format("人", "件"), "I7"),
                                      ("rate-not-computable", "warning", "rate", "",
                                       "単位が異なるため計算できません（現在値: 人、目標値: 件）。", "J7")]),
    ({"baseline": "5件(累計)"}, [("basis-mismatch", "info", "baseline", "5件(累計)",
                                 UNIT_DETAIL.format("累計", "単年度"), "G7")]),
    ({"baseline": "5件/年"}, [("basis-mismatch", "info", "baseline", "5件/年", UNIT_DETAIL.format("年あたり", "単年度"),
                              "G7")]),
    ({"baseline": "5件(平均)"}, [("basis-mismatch", "info", "baseline", "5件(平均)",
                                 UNIT_DETAIL.format("平均", "単年度"), "G7")]),
    ({"current": "4件(累計)", "baseline": "5件", "rate": "13%"},
     [("basis-mismatch", "info", "current", "4件(累計)", UNIT_DETAIL.format("累計", "単年度"), "I7")]),
    ({"rate": "abc"}, [("unparseable-value", "error", "rate", "abc", "", "J7")]),
    ({"rate": "-"}, []),
    ({"rate": "33.4%"}, []),
    ({"rate": "0.33"}, []),
    ({"rate": "34%"}, [("rate-mismatch", "error", "rate", "34%", "33%", "J7")]),
    ({"target": "0件", "rate": "5%"}, [("direction-from-target", "info", "direction", "",
                                        "目標値「0件」が基準値「5件(平成30年度)」より小さいため、低いほど良い指標として計算しました。",
                                        "N7"),
                                       ("below-baseline", "warning", "current", "10件", "5件(平成30年度)", "I7"),
                                       ("rate-not-computable", "warning", "rate", "5%",
                                        "目標値が0のため計算できません。", "J7")]),
    ({"baseline": "30件", "current": "10件"}, [("baseline-equals-target", "warning", "baseline", "30件", "", "G7"),
                                              ("below-baseline", "warning", "current", "10件", "30件", "I7")]),
    ({"baseline": "30人", "current": "31件", "rate": "103%"},
     [("unit-mismatch", "warning", "baseline", "30人", UNIT_DETAIL.format("人", "件"), "G7")]),
    ({"target": "現状維持", "baseline": "30件", "current": "30件", "rate": "100%"}, []),
    ({"target": "30件を維持", "baseline": "30件", "current": "30件", "rate": "100%"}, []),
    ({"direction": "lower", "baseline": "5件", "current": "10件", "target": "3件", "rate": "30%"},
     [("below-baseline", "warning", "current", "10件", "5件", "I7")]),
    ({"direction": "lower", "baseline": "5件", "current": "4件", "target": "3件", "rate": "75%"}, []),
    # A target that says lower is better (減, 以下, 前年度比-20件) is read so without the direction column:
    # 10件 from 30件 is progress, not a fall below the baseline.
    ({"baseline": "30件", "current": "10件", "target": "20件減", "rate": "100%"}, []),
    ({"baseline": "30件", "current": "10件", "target": "前年度比-20 件", "rate": "100%"}, []),
    ({"baseline": "30件", "current": "40件", "target": "20件以下", "rate": "50%"},
     [("below-baseline", "warning", "current", "40件", "30件", "I7")]),
    ({"baseline": "10件", "current": "10件", "rate": "33%"}, []),
    ({"target": "継続実施", "current": "継続実施", "baseline": "10件", "rate": "100%"}, []),
    ({"target": "継続", "current": "0件", "baseline": "10件", "rate": "0%"},
     [("rate-not-computable", "warning", "rate", "0%",
       "目標値「継続」に対して現在値「0件」では達成状況を判断できません。", "J7")]),
    ({"current": "1.5", "target": "80%", "baseline": "", "rate": "188%"},
     [("no-value", "info", "baseline", "", NO_BASELINE, "G7"),
      ("percent-scale", "warning", "current", "1.5", "目標値は「80%」です。", "I7")]),
    ({"current": "1.5", "target": "1%", "baseline": "", "rate": ""},  # both at or below 1.5: one scale
     [("no-value", "info", "baseline", "", NO_BASELINE, "G7")]),
    ({"current": ""}, [("missing-value", "error", "current", "", "「15件(累計)」のように数値と単位を入力してください。", "I7")]),
    ({"baseline": "", "target": "20件の増加", "current": "10件"},  # progress needs the baseline
     [("missing-value", "warning", "baseline", "", "達成率の計算に必要です。"
       "「6件(平成30年度)」のように計画策定時点の値を入力してください。", "G7"),
      ("rate-not-computable", "warning", "rate", "33%", "進捗率の計算には数値の基準値が必要です。", "J7")]),
    ({"baseline": "なし", "target": "現状維持", "current": "10件", "rate": ""},  # so does 現状維持
     [("missing-value", "warning", "baseline", "なし", "「なし」は値なしとして扱います。達成率の計算に必要です。"
       "「6件(平成30年度)」のように計画策定時点の値を入力してください。", "G7"),
      ("rate-not-computable", "warning", "rate", "", "現状維持の目標には数値の基準値が必要です。", "J7")]),
    ({"baseline": "-"}, [("no-value", "info", "baseline", "-", "「-」は値なしとして扱います。" + NO_BASELINE, "G7")]),
    ({"current": "10件(令和元年度)、12件(令和2年度)", "rate": "40%"},
     [("values-by-year", "warning", "current", "10件(令和元年度)、12件(令和2年度)", "「12件(令和2年度)」", "I7")]),
    ({"direction_letter": ""}, [("missing-section", "error", "direction_letter", "1-01", "（基本的方向が不明です）", "A7")]),
    ({"measure_id": ""}, [("missing-value", "error", "measure_id", "",
                           "施策番号（例: 1-01）を入力してください。上の施策の続きの行なら、"
                           "施策番号・施策・部署・施策の内容をすべて空欄にしてください。", "A7")]),
    ({"direction": "sideways"}, [("invalid-direction", "error", "direction", "sideways", "", "N7")]),
    ({"direction": "lower", "baseline": "5件", "current": "5件", "target": "3件", "rate": "60%"}, []),
    ({"target": "39.9栽培面積: ha", "current": "10ha", "baseline": "", "rate": "25%"},
     [("garbled-value", "warning", "target", "39.9栽培面積: ha", "栽培面積:39.9ha", "H7"),
      ("no-value", "info", "baseline", "", NO_BASELINE, "G7")]),
    ({"goal_no": "@1"}, [("formula-text", "warning", "goal_no", "@1", "", ""),
                         ("invalid-measure-id", "error", "measure_id", "1-01", "基本目標@1の施策は「@1-」で始まります。", "A7")]),
    ({"current": "1.6", "target": "80%", "baseline": "", "rate": "2%"},
     [("no-value", "info", "baseline", "", NO_BASELINE, "G7")]),
    ({"current": "50%", "target": "1.5", "baseline": "", "rate": "33%"},
     [("no-value", "info", "baseline", "", NO_BASELINE, "G7"),
      ("percent-scale", "warning", "current", "50%", "目標値は「1.5」です。", "I7")]),
    ({"current": "0.5", "target": "1.5", "baseline": "", "rate": "33%"},
     [("no-value", "info", "baseline", "", NO_BASELINE, "G7")]),
    ({"current": "50%", "target": "150件", "baseline": "", "rate": "33%"},
     [("no-value", "info", "baseline", "", NO_BASELINE, "G7"),
      ("unit-mismatch", "error", "current", "50%", "目標値「150件」と異なります（% と 件）。", "I7"),
      ("rate-not-computable", "warning", "rate", "33%", "単位が異なるため計算できません（現在値: %、目標値: 件）。", "J7")]),
    ({"plan": "=1", "progress": "@x", "covid_impact": "a\x01"},
     [("formula-text", "warning", "progress", "@x", "", "P7"), ("formula-text", "warning", "plan", "=1", "", "Q7"),
      ("control-characters", "warning", "covid_impact", "a\x01", "", "R7")]),
    # a range: the target's rule, or the lower bound for any other field
    ({"target": "1.5～2%", "current": "1.8%", "baseline": "1.2%", "rate": "120%"},
     [("range-target", "info", "target", "1.5～2%", RANGE_TARGET, "H7")]),
    ({"revised_target": "35～40件", "revised_rate": "29%", "revision_note": "国の目標に合わせた"},
     [("range-target", "info", "revised_target", "35～40件", RANGE_TARGET, "K7")]),
    ({"current": "3～5件", "rate": "10%"},
     [("range-target", "info", "current", "3～5件", "下限の値を使いました。", "I7"),
      ("below-baseline", "warning", "current", "3～5件", "5件(平成30年度)", "I7")]),
    ({"target": "毎年度10件、累計50件", "current": "20件(累計)", "baseline": "0件(累計)", "rate": "40%"},
     [("per-year-and-cumulative", "info", "target", "毎年度10件、累計50件",
       "累計「50件(累計)」を目標とし、毎年の値「毎年度10件」は達成率に使いません。", "H7")]),
    ({"current": "95%(2023年度)、97%(2025年度)", "target": "100%", "baseline": "90%", "rate": "97%"},
     [("values-by-year", "warning", "current", "95%(2023年度)、97%(2025年度)", "「97%(令和7年度)」", "I7")]),
    # increases achieved against increases targeted need no baseline; a 継続 target none either
    ({"target": "10件の増加", "current": "8件の増加", "baseline": "", "rate": "80%"},
     [("no-value", "info", "baseline", "", NO_BASELINE, "G7")]),
    ({"target": "継続実施", "current": "継続実施", "baseline": "", "rate": ""},
     [("no-value", "info", "baseline", "", NO_BASELINE, "G7")]),
    ({"target": "", "current": "5件", "baseline": "", "rate": ""},
     [("missing-value", "error", "target", "", "「30件(累計)」のように数値と単位を入力してください。", "H7"),
      ("no-value", "info", "baseline", "", NO_BASELINE, "G7")]),
    # a revised target alone (its rate left to be computed) still needs the reason
    ({"revised_target": "40件", "revised_rate": ""},
     [("revision-incomplete", "warning", "revision_note", "", "目標値を変更した理由を備考に記入してください。", "M7")]),
    ({"plan": "x" * 32768}, [("text-too-long", "error", "plan", "x" * 20, "32,768文字", "Q7")]),
    ({"plan": "x" * 32767}, []),
    ({"plan": "x" * 20000, "progress": "y" * 20000}, []),
    ({"plan": "a\n=b", "progress": "a\nb"}, []),
])
def test_every_finding_of_one_record_exactly(changes, expected):
    got = [(f.code, f.severity, f.field, f.value, f.detail, f.cell) for f in validate_records([rec(**changes)])]
    assert got == expected


def test_evaluate_gives_both_rates_or_says_why_not():
    ev = evaluate(rec(revised_target="40件"))
    assert (ev.rate.display, ev.revised_rate.display) == ("33%", "25%")
    assert evaluate(rec(revised_target="  ")).revised_rate is None
    bad = evaluate(rec(current="たくさん")).rate
    assert (bad.value, bad.method, bad.reason_code) == (None, "auto", "unparseable")
    assert "「たくさん」" in bad.reason
    assert evaluate(rec(direction="lower", current="10件", target="5件")).rate.display == "50%"
    assert evaluate(rec(current="10件", target="20件の増加", baseline="5件")).rate.display == "25%"
    assert evaluate(rec(current="10件", target="20件の増加", baseline="")).rate.reason_code != ""


def test_evaluate_uses_baseline_and_direction_for_the_revised_rate_too():
    progress = evaluate(rec(current="10件", target="20件の増加", baseline="5件", revised_target="15件の増加"))
    assert (progress.rate.display, progress.revised_rate.display) == ("25%", "33%")
    lower = evaluate(rec(direction="lower", current="10件", target="5件", revised_target="8件"))
    assert (lower.rate.display, lower.revised_rate.display) == ("50%", "80%")


def test_an_unreadable_baseline_costs_no_rate_that_does_not_need_it():
    ev = evaluate(rec(baseline="たくさん", current="10件", target="20件"))
    assert ev.rate.display == "50%"
    lower = evaluate(rec(baseline="たくさん", direction="lower", current="10件", target="5件"))
    assert lower.rate.display == "50%"
    progress = evaluate(rec(baseline="たくさん", current="10件", target="20件の増加"))
    assert progress.rate.value is None and progress.rate.reason_code


def test_basis_names_in_messages():
    from decimal import Decimal

    from xl_kpi.core.quantity import Quantity
    from xl_kpi.core.rules import _describe_basis
    assert [_describe_basis(Quantity(Decimal(1), basis=b)) for b in (None, "cumulative", "average", "per-year",
                                                                       "per-month", "per-day", "per-week")] == \
        ["単年度", "累計", "平均", "年あたり", "月あたり", "日あたり", "per-week"]


def test_duplicates_point_at_the_first_row():
    a, b = rec(), rec(kpi_item="件数2")
    (f,) = validate_records([a, b])
    assert (f.code, f.field, f.value, f.cell) == ("duplicate-kpi", "kpi_no", "1", "E7")
    assert f.detail == "施策1-01 KPI1、先の行: E7"
    nocell = [KpiRecord.from_mapping({"goal_no": "1", "measure_name": "施策", "department": "部", "kpi_no": "1",
                                      "kpi_item": "件数", "baseline": "5件", "target": "30件", "current": "10件"},
                                     Source("a.csv", "", row)) for row in (3, 4)]
    (g,) = [x for x in validate_records(nocell) if x.code == "duplicate-kpi"]
    assert g.detail == "施策施策 KPI1、先の行: 3行目"
    after_unnumbered = [f.code for f in validate_records([rec(kpi_no="", kpi_item="x"), a, b]) if f.code == "duplicate-kpi"]
    assert after_unnumbered == ["duplicate-kpi"]
    unnumbered = [rec(kpi_no=""), rec(kpi_no="")]
    assert "duplicate-kpi" not in validate_records(unnumbered).codes()
    no_kpi = dict(kpi_no="1", kpi_item="", baseline="", target="", current="", rate="")
    assert validate_records([rec(**no_kpi), rec(**no_kpi)]).codes().count("duplicate-kpi") == 1


def test_a_relisted_copy_is_compared_field_by_field_with_its_original():
    orig = rec()
    copy = rec(goal_no="2", measure_name="施策(再掲)", kpi_item=" 件数 ", baseline="6件", target="31件", current="11件",
               revised_target="40件", revision_note="見直し", rate="35%", revised_rate="28%")
    orphan = rec(measure_id="1-09", goal_no="2", measure_name="施策(再掲)")  # its original is not in the list
    found = [f for f in validate_records([orphan, copy, orig]) if f.code == "relisted-differs"]
    rel = [(f.field, f.value, f.detail) for f in found]
    assert rel == [("baseline", "6件", "5件(平成30年度)"), ("target", "31件", "30件"), ("current", "11件", "10件"),
                   ("revised_target", "40件", "")]
    assert {(f.measure_id, f.kpi_no, f.file, f.sheet) for f in found} == {("1-01", "1", "a.xlsx", "商工労働部")}
    assert [f.cell for f in found] == ["G7", "H7", "I7", "K7"]
    other = rec(measure_id="1-02", goal_no="2", measure_name="施策(再掲)", current="11件", rate="37%")
    assert "relisted-differs" not in validate_records([orig, other]).codes()
    nameless = [rec(measure_id="", measure_name="施策"), rec(measure_id="", measure_name="施策(再掲)", current="9件",
                                                            rate="30%")]
    assert "relisted-differs" not in validate_records(nameless).codes()


def test_unnumbered_kpis_of_one_cell():
    x = rec(source_line="38", kpi_item="開催回数")
    y = rec(source_line="38", kpi_no="2", kpi_item="参加者数", target="30人", current="10人", baseline="")
    (f,) = [f for f in validate_records([x, y]) if f.code == "unnumbered-kpis"]
    assert (f.field, f.value, f.detail, f.kpi_no) == ("kpi_item", "参加者数", "（KPI1とKPI2、参照行 38）", "2")
    assert "unnumbered-kpis" not in codes(x, replace(y, source_line="39"))
    assert "unnumbered-kpis" not in codes(x, replace(y, kpi_no="1", kpi_item="x"))
    assert "unnumbered-kpis" not in codes(replace(x, kpi_item="①開催回数"), y)
    assert "unnumbered-kpis" not in codes(x, replace(y, kpi_item="②参加者数"))
    assert "unnumbered-kpis" not in codes(x, replace(y, source=Source("b.xlsx", "商工労働部", 8, COLUMNS)))
    assert "unnumbered-kpis" not in codes(replace(x, source_line=""), replace(y, source_line=""))
    empty = dict(kpi_no="", kpi_item="", baseline="", target="", current="", rate="")
    assert "unnumbered-kpis" not in codes(x, rec(source_line="38", **empty))
    named = [replace(x, measure_id=""), replace(y, measure_id="")]
    assert "unnumbered-kpis" in codes(*named)
COUNT = '#,##0"人(累計)"'


def test_the_rate_comes_from_the_typed_number_the_text_rounds():
    """1484.6 typed in a #,##0"人(累計)" cell shows 1,485人(累計): 1484.6 ÷ 3000 → 49 %, not 50 %."""
    typed = {"current": CellNumber(1484.6, COUNT, Decimal("1484.6"), "1,485人(累計)")}
    r = replace(rec(baseline="1,000人(累計)", target="3,000人(累計)", current="1,485人(累計)", rate="49%"),
                numbers=typed)
    assert evaluate(r).rate.display == "49%"
    assert evaluate(replace(r, numbers={})).rate.display == "50%"
    assert codes(r) == []  # the entered 49 % agrees with the number
    assert r.to_dict()["current"] == "1,485人(累計)" and "numbers" not in r.to_dict()


def test_a_number_the_text_does_not_show_is_not_used():
    stale = {"current": CellNumber(1200, COUNT, Decimal(1200), "1,200人(累計)")}
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


def test_kpis_of_two_measures_on_one_source_line_are_not_one_cell():
    x = rec(measure_id="1-01", source_line="38", kpi_item="開催回数")
    y = rec(measure_id="1-02", source_line="38", kpi_no="2", kpi_item="参加者数")   # same name 「施策」
    assert "unnumbered-kpis" not in codes(x, y)


def test_is_placeholder_of_what_is_not_text():
    from decimal import Decimal

    from xl_kpi.core.wording import is_placeholder
    assert is_placeholder(None) and not is_placeholder(0) and not is_placeholder(Decimal(5))


TEXT_CODES = {"formula-text", "control-characters", "text-too-long"}
_TEXT_PIECES = st.sampled_from(["施策", "件数", "a", " ", "\u3000", "\n", "\t", "\r", "\x07", "\x1f", "\x7f",
                                "=", "+", "-", "@", "'", "5", "\ufffc", "=SUM(A1)", "-5", "＝"])


@given(st.dictionaries(st.sampled_from(["goal_no", "goal_title", "measure_content", "kpi_item", "revision_note", "progress",
                                        "plan", "covid_impact", "sdgs", "origin_file", "source_line"]),
                       st.lists(_TEXT_PIECES, max_size=4).map("".join), max_size=4))
def test_text_findings_are_those_of_checking_each_field(texts):
    """The one-pass screen of a record's texts (rules._check_texts) lets no field through that the
    field-by-field checks would report: a field starting like a formula anywhere in the record
    (the first field too), a control character, the separator character itself in a text."""
    record = rec(**texts)
    expected = set()
    for name in TEXT_FIELDS:
        v = getattr(record, name)
        if looks_like_formula(v):
            expected.add(("formula-text", name))
        if has_control_characters(v):
            expected.add(("control-characters", name))
    found = {(f.code, f.field) for f in check_record(record) if f.code in TEXT_CODES}
    assert found == expected


def test_an_over_long_cell_is_found_whatever_the_other_texts():
    long_plan = "あ" * 32_768
    assert ("text-too-long", "plan") in [(f.code, f.field) for f in check_record(rec(plan=long_plan))]
    assert ("text-too-long", "plan") not in [(f.code, f.field) for f in check_record(rec(plan="あ" * 32_767))]


def test_a_number_shown_as_a_placeholder_counts_as_no_value():
    """An accounting format shows 0 as 「-」: the typed number's text is a placeholder, so the
    current value is missing, not 0 read through the text."""
    shown_dash = CellNumber(0, '#,##0;-#,##0;"-"', Decimal(0), "-")
    r = replace(rec(current="-"), numbers={"current": shown_dash})
    rate = evaluate(r).rate
    assert rate is not None and rate.value is None and rate.reason_code == "missing-current"
