"""What changed between two masters, KPI by KPI (the pure layer of `xl-kpi diff`)."""

from dataclasses import replace

from xl_kpi.core.diff import Change, diff_records


def kpi(measure_id="1-01", kpi_no="1", **kw):
    from xl_kpi.core.record import KpiRecord
    fields = dict(goal_no="1", measure_id=measure_id, measure_name="施策", department="環境部", kpi_no=kpi_no,
                  kpi_item="件数", baseline="5件", target="100件", current="85件")
    return KpiRecord(**{**fields, **kw})


def changes(old, new):
    return [(c.kind, c.measure_id, c.kpi_no, c.field, c.old, c.new, c.item) for c in diff_records(old, new)]


def test_no_change_is_no_change():
    assert diff_records([kpi()], [kpi()]) == []


def test_added_and_dropped_name_the_kpi_or_the_measure():
    old = [kpi("1-01"), kpi("1-02", kpi_no="", kpi_item="", measure_name="旧施策", projects="事業A")]
    new = [kpi("1-01"), kpi("1-03", kpi_item="新KPI")]
    assert changes(old, new) == [("added", "1-03", "1", "", "", "", "新KPI"),
                                 ("dropped", "1-02", "", "", "", "", "旧施策")]


def test_changes_after_an_added_kpi_are_still_found():
    old = [kpi("1-02")]
    new = [kpi("1-01"), kpi("1-02", current="86件")]
    assert [(c.kind, c.measure_id) for c in diff_records(old, new)] == [
        ("added", "1-01"), ("value", "1-02"), ("rate", "1-02")]


def test_a_value_change_moves_rate_and_grade():
    assert changes([kpi()], [kpi(current="105件")]) == [
        ("value", "1-01", "1", "current", "85件", "105件", ""),
        ("rate", "1-01", "1", "rate", "85%", "105%", ""),
        ("grade", "1-01", "1", "grade", "B", "A", "")]


def test_a_rate_change_within_a_grade_is_no_grade_change():
    assert [c[0] for c in changes([kpi()], [kpi(current="90件")])] == ["value", "rate"]


def test_a_value_becoming_unreadable_loses_rate_and_grade():
    assert changes([kpi()], [kpi(current="")]) == [
        ("value", "1-01", "1", "current", "85件", "", ""),
        ("rate", "1-01", "1", "rate", "85%", "-", ""),
        ("grade", "1-01", "1", "grade", "B", "-", "")]


def test_a_revised_target_is_its_own_kind_with_its_rate():
    assert changes([kpi()], [kpi(revised_target="170件")]) == [
        ("revised", "1-01", "1", "revised_target", "", "170件", ""),
        ("rate", "1-01", "1", "revised_rate", "", "50%", "")]


def test_text_fields_each_change():
    old = kpi()
    new = replace(old, plan="新しい計画", sdgs="8", kpi_item="件数（延べ）", direction="lower", measure_name="施策")
    assert changes([old], [new]) == [
        ("rate", "1-01", "1", "rate", "85%", "118%", ""),
        ("grade", "1-01", "1", "grade", "B", "A", ""),
        ("text", "1-01", "1", "kpi_item", "件数", "件数（延べ）", ""),
        ("text", "1-01", "1", "plan", "", "新しい計画", ""),
        ("text", "1-01", "1", "sdgs", "", "8", ""),
        ("text", "1-01", "1", "direction", "", "lower", "")]


def test_every_listed_field_is_compared():
    fields = ["baseline", "target", "current", "revised_target", "measure_name", "department", "measure_content",
              "kpi_item", "revision_note", "projects", "progress", "plan", "covid_impact", "covid_response",
              "sdgs", "direction"]
    for f in fields:
        got = [c.field for c in diff_records([kpi()], [replace(kpi(), **{f: "別の値"})]) if c.kind != "rate"]
        assert f in got, f


def test_kpis_match_by_goal_measure_number_and_relisting():
    base = kpi()
    assert [c.kind for c in diff_records([base], [replace(base, goal_no="2")])] == ["added", "dropped"]
    assert [c.kind for c in diff_records([base], [replace(base, kpi_no="2")])] == ["added", "dropped"]
    assert [c.kind for c in diff_records([base], [replace(base, relisted="1")])] == ["added", "dropped"]
    assert [c.kind for c in diff_records([base], [replace(base, measure_id="1-09")])] == ["added", "dropped"]
    nameless = replace(base, measure_id="")
    assert [c.kind for c in diff_records([nameless], [replace(nameless, measure_name="別")])] == ["added", "dropped"]
    assert [c.kind for c in diff_records([nameless], [replace(nameless, current="90件")])] == ["value", "rate"]


def test_rows_without_a_kpi_match_by_their_project():
    a = kpi(kpi_no="", kpi_item="", baseline="", target="", current="", projects="事業A", progress="旧")
    b = replace(a, progress="新")
    c = replace(a, projects="事業B")
    assert changes([a], [b]) == [("text", "1-01", "", "progress", "旧", "新", "")]
    assert [x.kind for x in diff_records([a], [c])] == ["added", "dropped"]
    numbered = kpi(projects="事業A")
    assert [x.kind for x in diff_records([numbered], [replace(numbered, projects="事業B")])] == ["text"]


def test_describe_and_to_dict():
    assert Change("added", "1-03", "1", "", "", "", "新KPI").describe() == "[追加] 1-03 KPI1 新KPI"
    assert Change("dropped", "", "", "", "", "", "旧施策").describe() == "[削除] - KPI- 旧施策"
    assert Change("value", "1-01", "1", "current", "85件", "").describe() == "[値] 1-01 KPI1 現在値: 85件 → （空欄）"
    assert Change("rate", "1-01", "1", "rate", "", "50%").describe() == "[達成率] 1-01 KPI1 達成率: （空欄） → 50%"
    assert Change("rate", "1-01", "1", "revised_rate", "1%", "2%").describe() == \
        "[達成率] 1-01 KPI1 変更後の達成率: 1% → 2%"
    assert Change("grade", "1-01", "1", "grade", "B", "A").describe() == "[評価] 1-01 KPI1 評価: B → A"
    assert Change("revised", "1-01", "1", "revised_target", "", "9件").describe() == \
        "[目標値の変更] 1-01 KPI1 変更後の目標値: （空欄） → 9件"
    assert Change("text", "1-01", "1", "odd", "a", "b").describe() == "[文章] 1-01 KPI1 odd: a → b"
    assert Change("text", "1-01", "1", "plan", "a", "b").to_dict() == {
        "kind": "text", "measure_id": "1-01", "kpi_no": "1", "field": "plan", "old": "a", "new": "b", "item": ""}
