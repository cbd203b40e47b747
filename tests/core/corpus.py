"""The real-report corpus (tests/data/kpi_texts.csv) and its expectations file, read for the tests.

``kpi_expectations.csv`` says, per corpus row (source_id + kpi_item), what the cells alone do not:
the KPI's direction (``lower``), the method the source states for its 達成率, and for each cell or
published rate that xl-kpi does not read or reproduce as published, an explanation code from
:data:`EXPLANATIONS` with the figure that proves it (``check``). The corpus test verifies every
explanation; none is taken on trust.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "kpi_texts.csv"
EXPECTATIONS = DATA / "kpi_expectations.csv"
FIELDS = ("baseline", "target", "current")

# Explanation code → what the test checks.
EXPLANATIONS = {
    # cells
    "multiple-values": "the cell holds two or more values; xl-kpi refuses it with the multiple-values finding",
    "unparseable-value": "words xl-kpi does not read as a quantity or a known text target (全国展開を目指す); "
                         "refused with the unparseable-value finding, never guessed",
    "source-typo": "the published text is malformed (check: the text the source meant, which parses to the expected value)",
    "relative-target": "the target is relative (25%減) and restates a level in a note; xl-kpi reads the relative target "
                       "(check: the value read)",
    # published rates
    "source-method": "the source states its method (column method); computed with it, the rate is reproduced",
    "other-denominator": "the source divides by a figure not in the cells, e.g. the year's 期待値 (check: that figure"
                         "[;truncate]); current ÷ check gives the published rate",
    "difference-in-points": "the published figure is current − target in points, not a rate; checked",
    "published-blank": "the source publishes no rate (a dash) although the cells give one",
    "finding": "a cell of the row is refused with the finding named in check (e.g. multiple-values); "
               "validation reports it, so the rate is not taken silently",
}


@dataclass
class Expectation:
    direction: str = ""
    method: str = "auto"
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)  # field → (code, check)


@dataclass
class CorpusRow:
    line: int
    data: dict[str, str]
    expect: Expectation

    @property
    def key(self) -> tuple[str, str]:
        return self.data["source_id"], self.data["kpi_item"]

    @property
    def id(self) -> str:
        return f"L{self.line}"

    def __getitem__(self, name: str) -> str:
        return self.data[name]


def load_expectations() -> dict[tuple[str, str], Expectation]:
    out: dict[tuple[str, str], Expectation] = {}
    with EXPECTATIONS.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            e = out.setdefault((row["source_id"], row["kpi_item"]), Expectation())
            e.direction = row["direction"] or e.direction
            e.method = row["method"] or e.method
            if row["field"] != "row":
                assert row["explanation"] in EXPLANATIONS, row
                e.cells[row["field"]] = (row["explanation"], row["check"])
    return out


def load_corpus() -> list[CorpusRow]:
    expectations = load_expectations()
    with CORPUS.open(encoding="utf-8", newline="") as f:
        rows = [CorpusRow(i, r, expectations.get((r["source_id"], r["kpi_item"]), Expectation()))
                for i, r in enumerate(csv.DictReader(f), start=2)]
    keys = {r.key for r in rows}
    unknown = set(expectations) - keys
    assert not unknown, f"expectations for rows not in the corpus: {sorted(unknown)}"
    return rows


# How a reader compares two readings of a cell: 億/千万/百万/万/千 multiply, and units written
# several ways are one (the test's own table, independent of the parser's).
_MAGNITUDES = (("兆", 10**12), ("億", 10**8), ("千万", 10**7), ("百万", 10**6), ("万", 10**4), ("千", 10**3))
_SAME_UNIT = {"ヶ所": "か所", "ケ所": "か所", "カ所": "か所", "箇所": "か所", "名": "人"}


def in_one_scale(value: Decimal, unit: str) -> tuple[Decimal, str]:
    """(3, '億円') → (300000000, '円'); (5, 'ヶ所') → (5, 'か所')."""
    for word, factor in _MAGNITUDES:
        if unit.startswith(word):
            value, unit = value * factor, unit[len(word):]
            break
    return value, _SAME_UNIT.get(unit, unit)


_PUBLISHED_RE = re.compile(r"[-▲△−]?\s*\d+(?:\.\d+)?")


def published_percent(text: str) -> tuple[Decimal, int] | None:
    """'10.7%' → (10.7, 1 decimal); '▲24.5%' → (-24.5, 1); '‐' or '' → None."""
    m = _PUBLISHED_RE.search(text.replace(",", ""))
    if m is None:
        return None
    s = re.sub(r"\s", "", m.group()).replace("▲", "-").replace("△", "-").replace("−", "-")
    places = len(s.split(".")[1]) if "." in s else 0
    return Decimal(s), places
