"""The xlwings binding: custom functions (``udfs``), ribbon actions (``actions``/``scripts``) and
the adapter between an open workbook and records. Imports xlwings; no domain logic here."""
