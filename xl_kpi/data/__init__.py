"""Embedded data: the published sample (sample_kpis.csv, Toyama City, public data)."""
