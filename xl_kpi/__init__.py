"""xl-kpi: 達成率, validation and merging of the KPI progress report (総合戦略の取組状況).

Public API::

    from xl_kpi import kpi_rate, parse_quantity, validate_records, read_csv_records
    kpi_rate("45件", "40件").display   # '113%'
"""

from .core.errors import FileError, InputError, QuantityError, XlKpiError
from .core.findings import Finding, Report
from .core.quantity import Quantity, format_quantity, parse_quantity
from .core.rate import DEFAULT_BANDS, GradeBands, Rate, format_rate, grade, kpi_rate, round_half_up
from .core.record import KpiRecord, Source
from .core.rules import evaluate, validate_records
from .files.writing.csvio import read_csv_records, sample_csv_path, write_csv_records

__version__ = "0.1.0"

__all__ = [
    "kpi_rate", "parse_quantity", "validate_records", "read_csv_records", "write_csv_records",
    "sample_csv_path", "format_quantity", "format_rate", "grade", "round_half_up", "evaluate",
    "Quantity", "Rate", "GradeBands", "DEFAULT_BANDS", "KpiRecord", "Source", "Finding", "Report",
    "XlKpiError", "InputError", "QuantityError", "FileError", "__version__",
]
