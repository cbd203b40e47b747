"""Shared presentation values: a rate as a cell value, severity colours, counts and the worst per cell."""

from decimal import Decimal

from xl_kpi.core.findings import Report, make_finding
from xl_kpi.core.presentation import SEVERITY_COLORS, rate_cell, severity_counts, worst_by_cell
from xl_kpi.core.rate import Rate, kpi_rate


def test_rate_cell():
    assert rate_cell(kpi_rate("45", "40")) == 1.125
    assert rate_cell(Rate(Decimal("-0.647"), "ratio")) == -0.647
    assert rate_cell(kpi_rate("1", "0")) == "-"
    assert rate_cell(None) == ""


def test_severity_counts_and_colours():
    findings = [make_finding("missing-value"), make_finding("hidden-row"), make_finding("missing-value")]
    assert severity_counts(findings) == {"error": 2, "warning": 1, "info": 0}
    assert severity_counts() == {"error": 0, "warning": 0, "info": 0}
    assert severity_counts(findings) == Report(findings).counts()
    assert SEVERITY_COLORS == {"error": "#F8CBAD", "warning": "#FFE699", "info": "#DDEBF7"}


def test_the_worst_finding_of_a_cell_wins():
    fs = [make_finding("hidden-row", cell="A9", value="1"), make_finding("missing-value", cell="A9"),
          make_finding("hidden-row", cell="A9", value="2"), make_finding("merged-input", cell="B1"),
          make_finding("superseded-submission", cell="B1", severity="info"), make_finding("missing-value")]
    assert worst_by_cell(fs) == {"A9": "error", "B1": "warning"}


def test_a_truncated_rate_is_written_to_its_cell_as_shown_and_a_half_up_one_as_it_is():
    from decimal import Decimal

    from xl_kpi.core.presentation import percent_cell
    from xl_kpi.core.rate import TRUNCATE, Rounding
    assert percent_cell(Decimal("0.27875"), Rounding(1, TRUNCATE)) == 0.278
    assert percent_cell(Decimal("0.27875"), Rounding(1)) == 0.27875


def test_a_value_beside_a_target_without_a_number_or_a_unit_stays_as_written():
    from xl_kpi.core.presentation import in_unit_of
    assert in_unit_of("30名", "継続実施") == "30名" and in_unit_of("30名", "50") == "30名"
    assert in_unit_of("継続", "50人") == "継続" and in_unit_of("3,500万円", "1億円") == "0.35億円"
    assert in_unit_of("30名", "50人と60人") == "30名" and in_unit_of("30名と40名", "50人") == "30名と40名"
