"""The pure domain of xl-kpi: quantities, 達成率, records, findings, rules and merge semantics.

Imports neither openpyxl nor xlwings; pandas only inside ``records_to_frame``.
"""
