"""findings.json_document: the JSON the CLI prints (merge, validate, diff) and Report.to_json."""

import json

from hypothesis import given
from hypothesis import strategies as st

from xl_kpi.core.findings import Report, json_document, make_finding


def test_json_document_puts_a_key_a_line_and_each_list_item_on_its_own_line():
    text = json_document({"valid": False, "counts": {"error": 1}, "skipped": [],
                          "findings": [{"code": "missing-value", "cell": "H7"}, {"code": "date-in-value", "value": "令和3年"}]})
    assert text == (
        '{\n'
        '  "valid": false,\n'
        '  "counts": {"error": 1},\n'
        '  "skipped": [],\n'
        '  "findings": [\n'
        '    {"code": "missing-value", "cell": "H7"},\n'
        '    {"code": "date-in-value", "value": "令和3年"}\n'
        '  ]\n'
        '}')


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                           max_leaves=8)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_json_document_reads_back_as_the_data(data):
    assert json.loads(json_document(data)) == data


def test_a_reports_json_lists_its_findings_one_a_line():
    f = make_finding("unknown-department", file="商工労働部.xlsx", sheet="商工労働部", cell="E7",
                     field="department", value="商工労働局")
    text = Report([f]).to_json()
    assert json.loads(text)["findings"] == [f.to_dict()]
    assert text.splitlines()[1:3] == ['  "valid": true,', '  "counts": {"error": 0, "warning": 1, "info": 0},']
    assert text.splitlines()[4] == "    " + json.dumps(f.to_dict(), ensure_ascii=False)


def test_json_lines_take_iterators_and_make_the_same_document():
    from xl_kpi.core.findings import json_lines
    data = {"rows": 2, "skipped": [], "findings": [{"code": "a"}, {"code": "b"}]}
    lazy = {"rows": 2, "skipped": iter(()), "findings": (x for x in data["findings"])}
    pieces = list(json_lines(lazy))
    assert "".join(pieces) == json_document(data)
    assert json.loads("".join(pieces)) == data
    assert len(pieces) > 4  # written as made, not as one text
    assert "".join(json_lines({})) == "{\n}" and json.loads("{\n}") == {}


def test_japanese_keys_and_values_are_written_as_they_are():
    """Staff read the output: 「部署」 and 「商工労働部」 stay text, not \\u escapes."""
    text = json_document({"部署": "商工労働部", "指摘": [{"値": "1,399人"}]})
    assert '"部署": "商工労働部"' in text and '{"値": "1,399人"}' in text and "\\u" not in text
