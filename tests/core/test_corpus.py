"""The parser and 達成率 measured on KPI texts from other governments' published reports.

tests/data/kpi_texts.csv holds the cells exactly as published (sources in tests/data/README.md);
tests/data/kpi_expectations.csv explains, with a checked figure, every cell xl-kpi does not read
and every published rate it does not reproduce. Run with ``-s`` to see the shares.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from tests.core.corpus import EXPLANATIONS, FIELDS, CorpusRow, in_one_scale, load_corpus, published_percent
from xl_kpi import KpiRecord, QuantityError, Source, kpi_rate, parse_quantity, validate_records
from xl_kpi.core.quantity import Quantity
from xl_kpi.core.rate import HALF_UP, TRUNCATE, Rounding

ROWS = load_corpus()
PARSED_SHARE_GOAL = Decimal("0.98")


def read_cell(text: str) -> tuple[str, Quantity | QuantityError | None]:
    """('value' | 'text' | 'placeholder' | 'refused', what was read)."""
    try:
        q = parse_quantity(text)
    except QuantityError as err:
        return ("placeholder", err) if err.code == "missing-value" else ("refused", err)
    return ("value" if q.value is not None else "text"), q


def cells():
    for row in ROWS:
        for name in FIELDS:
            if row[name].strip():
                yield row, name


def expected(row: CorpusRow, name: str) -> tuple[Decimal, str] | None:
    if name == "baseline" or not row[f"expect_{name}_value"]:
        return None
    return Decimal(row[f"expect_{name}_value"]), row[f"expect_{name}_unit"]


def same_reading(q: Quantity, value: Decimal, unit: str) -> bool:
    """Same value (in one scale) and unit; a bare number matches a unit given in a separate column."""
    if not q.unit and not q.per:
        return q.value == value or q.value == in_one_scale(value, unit)[0]
    base, _, per = unit.partition("/")
    got_per = q.per or (q.unit.partition("/")[2] if "/" in q.unit else "")
    got = in_one_scale(q.value, q.unit.partition("/")[0])
    # A per-year figure whose cell says only 人 (the 年 is in the column header) is the same reading.
    return got == in_one_scale(value, base) and got_per in (per, "")


def test_corpus_is_large_and_sourced():
    assert len(ROWS) >= 200
    assert all(r["source_url"].startswith("http") and r["source_id"] for r in ROWS)


def test_cells_are_read_as_the_publisher_meant(capsys):
    outcomes: Counter[str] = Counter()
    unexplained, wrong, stale = [], [], []
    several = 0
    for row, name in cells():
        kind, got = read_cell(row[name])
        outcomes[kind] += 1
        code, check = row.expect.cells.get(name, ("", ""))
        if kind != "refused" and code in ("multiple-values", "unparseable-value", "source-typo"):
            stale.append((row.id, name, row[name], code))  # explained as refused, but now read
        if kind == "refused":
            if code == got.code and code in ("multiple-values", "unparseable-value"):
                several += code == "multiple-values"
                continue
            if code == "source-typo" and read_cell(check)[0] == "value" \
                    and same_reading(read_cell(check)[1], *expected(row, name)):
                continue
            unexplained.append((row.id, name, row[name], got.code))
            continue
        exp = expected(row, name)
        if kind == "value" and exp is not None and not same_reading(got, *exp):
            if code == "relative-target" and got.value == Decimal(check):
                continue
            wrong.append((row.id, name, row[name], f"{got.value} {got.unit_text}", exp))
    total = sum(outcomes.values())
    read = outcomes["value"] + outcomes["text"] + outcomes["placeholder"]
    with capsys.disabled():
        print(f"\ncorpus cells: {total}  value+unit {outcomes['value']}  text target {outcomes['text']}  "
              f"placeholder {outcomes['placeholder']}  refused {outcomes['refused']} "
              f"({several} of them hold several values)  → read {read / total:.1%} of all cells, "
              f"{read / (total - several):.1%} of cells holding one value (goal ≥ {PARSED_SHARE_GOAL:.0%})")
    assert not unexplained, unexplained
    assert not wrong, wrong
    assert not stale, stale
    assert Decimal(read) / total >= PARSED_SHARE_GOAL  # the measure: over ALL cells
    assert Decimal(read) / (total - several) >= PARSED_SHARE_GOAL


# Sources that truncate their published 達成率 (the check of their other-denominator rows says so).
TRUNCATING = frozenset(r["source_id"] for r in ROWS for code, check in r.expect.cells.values()
                       if code == "other-denominator" and check.endswith(";truncate"))


def setting(row: CorpusRow, published: tuple[Decimal, int] | None) -> Rounding:
    """The 達成率の表示 a city would choose to publish as this source does: its decimals, and
    truncation for a source that truncates."""
    decimals = min(published[1], 1) if published else 0
    return Rounding(decimals, TRUNCATE if row["source_id"] in TRUNCATING else HALF_UP)


def compute(row: CorpusRow, rounding: Rounding | None = None):
    try:
        return kpi_rate(row["current"], row["target"], row["baseline"] or None, row.expect.method,
                        lower_is_better=row.expect.direction == "lower", rounding=rounding or Rounding())
    except QuantityError as err:
        return err


def record(row: CorpusRow) -> KpiRecord:
    values = {"goal_no": "1", "measure_id": "1-01", "measure_name": "施策", "department": "部",
              "kpi_no": "1", "kpi_item": row["kpi_item"], "baseline": row["baseline"],
              "target": row["target"], "current": row["current"],
              "direction": row.expect.direction}
    return KpiRecord.from_mapping(values, Source("corpus.csv", "", row.line, {}))


def reproduces(rate, published: tuple[Decimal, int]) -> bool:
    """The rate, shown with the source's setting (its decimals, half up or truncated), is the published one."""
    return rate.value is not None and rate.display == f"{published[0]}%"


def explained(row: CorpusRow, rate, published: tuple[Decimal, int] | None) -> str | None:
    """The explanation code of a published rate not reproduced, once its check holds; else None."""
    code, check = row.expect.cells.get("rate", ("", ""))
    value = None if isinstance(rate, QuantityError) else rate.value
    if code == "source-method":
        return code if published and not isinstance(rate, QuantityError) and reproduces(rate, published) else None
    if code == "other-denominator":
        figure, _, how = check.partition(";")
        assert (how == "truncate") == (row["source_id"] in TRUNCATING)
        shown = kpi_rate(row["current"], figure, rounding=setting(row, published))
        return code if published and reproduces(shown, published) else None
    if code == "difference-in-points":
        diff = parse_quantity(row["current"]).value - parse_quantity(row["target"]).value
        return code if diff == published[0] else None
    if code == "published-blank":
        return code if published is None and value is not None else None
    if code == "finding":
        codes = {f.code for f in validate_records([record(row)])}
        return code if check in codes else None
    return None


def test_published_rates_are_reproduced_or_explained(capsys):
    tally: Counter[str] = Counter()
    unexplained = []
    for row in ROWS:
        if not row["published_rate"].strip():
            continue
        published = published_percent(row["published_rate"])
        rate = compute(row, setting(row, published))
        method_given = row.expect.method != "auto"
        if published and not isinstance(rate, QuantityError) and reproduces(rate, published):
            tally["reproduced (source's method)" if method_given else "reproduced (auto)"] += 1
            continue
        why = explained(row, rate, published)
        if why is None:
            shown = rate if isinstance(rate, QuantityError) else (rate.display, rate.method, rate.reason_code)
            unexplained.append((row.id, row["current"], row["target"], row["baseline"], row["published_rate"], shown))
        else:
            tally[f"explained: {why}"] += 1
    total = sum(tally.values()) + len(unexplained)
    with capsys.disabled():
        print(f"\npublished rates: {total}  " + "  ".join(f"{k} {v}" for k, v in sorted(tally.items())))
    assert not unexplained, unexplained


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_every_row_gives_a_rate_or_a_reason(row):
    rate = compute(row)
    if isinstance(rate, QuantityError):
        assert rate.code in ("multiple-values", "unparseable-value")
        assert any(row.expect.cells.get(n, ("",))[0] in ("multiple-values", "source-typo", "unparseable-value")
                   for n in FIELDS)
        return
    if rate.value is None:
        assert rate.reason_code and rate.reason and rate.reason.endswith("。")


def test_every_explanation_code_is_documented():
    used = {code for r in ROWS for code, _ in r.expect.cells.values()}
    assert used <= set(EXPLANATIONS)


def test_rows_of_sources_that_print_one_decimal_or_truncate_are_reproduced_with_that_setting():
    """Every published rate with a decimal is shown exactly so (its text) by the rounding 設定 offers."""
    checked = Counter()
    for row in ROWS:
        published = published_percent(row["published_rate"]) if row["published_rate"].strip() else None
        if not published or published[1] != 1:
            continue
        rounding = setting(row, published)
        code, check = row.expect.cells.get("rate", ("", ""))
        if code == "other-denominator":
            rate = kpi_rate(row["current"], check.partition(";")[0], rounding=rounding)
        elif code in ("", "source-method"):
            rate = compute(row, rounding)
        else:
            continue
        assert rate.display == f"{published[0]}%", (row.id, row["published_rate"], rate.display, rounding)
        checked[rounding.label] += 1
    assert checked["小数第1位・四捨五入"] >= 50 and checked["小数第1位・切り捨て"] >= 2, checked
