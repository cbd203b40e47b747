"""How results look wherever they are shown — cells written by the workbook writer and the Excel
actions, the HTML report, the task pane: a rate as a cell value, severity colours, ranks and counts.

Pure (no Excel library): the writers take these values and apply them in their own way.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .errors import QuantityError
from .findings import ERROR, INFO, WARNING, Finding, Report
from .quantity import CUMULATIVE, read_quantity
from .rate import HALF_UP, Rate, Rounding
from .units import convert, format_in_unit

# Cell fills by severity (Excel's "Bad" / "Neutral" / a light blue), and of header rows.
SEVERITY_COLORS = {ERROR: "#F8CBAD", WARNING: "#FFE699", INFO: "#DDEBF7"}
HEADER_COLOR = "#DDEBF7"
META_HEADER_COLOR = "#EDEDED"
# Which severity wins when one cell has several findings.
SEVERITY_RANK = {INFO: 0, WARNING: 1, ERROR: 2}
NOT_COMPUTABLE = "-"


def rate_cell(rate: Rate | None) -> float | str:
    """A computed 達成率 as a cell holds it: the fraction (formatted 0%), '-' when it cannot be
    computed, '' when the row has no KPI. Shown in ``rate.rounding.number_format``."""
    if rate is None:
        return ""
    if rate.value is None:
        return NOT_COMPUTABLE
    return percent_cell(rate.value, rate.rounding)


def percent_cell(value: Decimal, rounding: Rounding) -> float:
    """A fraction as a cell formatted ``rounding.number_format`` holds it: a number format rounds
    half up, so a truncated rate is written as shown (27.87 % → 0.278 in 0.0%)."""
    return float(value) if rounding.mode == HALF_UP else float(rounding.fraction(value))


def severity_counts(findings: Iterable[Finding] = ()) -> dict[str, int]:
    """Findings per severity, every severity present (error, warning, info)."""
    return Report(findings).counts()


def worst_by_cell(findings: Iterable[Finding]) -> dict[str, str]:
    """The severity of the most severe finding of each cell named."""
    ranked = sorted((f for f in findings if f.cell), key=lambda f: SEVERITY_RANK[f.severity])
    return {f.cell: f.severity for f in ranked}


def in_unit_of(text: str, reference: str) -> str:
    """A value cell's text as a report shows it beside its target: as written when in the target's
    unit and scale, else converted to them with every digit (3,500万円(累計) beside 100,000千円 →
    35,000千円(累計); 30名 beside 50人 → 30人). A text that is no number in that unit stays as written."""
    q, t = read_quantity(text), read_quantity(reference)
    if isinstance(q, QuantityError) or isinstance(t, QuantityError) or q.value is None or t.value is None \
            or not q.unit or not t.unit or q.unit == t.unit:
        return text
    value = convert(q.value, q.unit, t.unit)
    if value is None:
        return text
    return format_in_unit(value, t.unit) + ("(累計)" if q.basis == CUMULATIVE else "")
