"""Core throughput: quantities parsed, rates computed and rows validated per second.

Run: python benchmarks/bench_core.py [--rows 100000]
Baseline in the same run: a naive script that strips non-digits and divides floats (what a
hand-made spreadsheet macro does) over the same texts — the ratio says what correctness costs.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_records  # noqa: E402

from xl_kpi.core.quantity import _parse_cell_text, _read_cell_text, _read_cell_text_uncached  # noqa: E402
from xl_kpi.core.rate import kpi_rate  # noqa: E402
from xl_kpi.core.rules import validate_records  # noqa: E402


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def naive(records):
    digits = re.compile(r"[\d.]+")
    out = []
    for r in records:
        try:
            c = float(digits.search(r.current.replace(",", "")).group())
            t = float(digits.search(r.target.replace(",", "")).group())
            out.append(round(c / t * 100) if t else None)
        except (AttributeError, ValueError):
            out.append(None)
    return out


def parse_and_rate_only(records):
    """The least any validator must do: read the three KPI texts and compute the rate."""
    out = 0
    for r in records:
        try:
            b = _parse_cell_text(r.baseline) if r.baseline else None
            t = _parse_cell_text(r.target) if r.target else None
            c = _parse_cell_text(r.current) if r.current else None
            if t is not None and c is not None:
                out += kpi_rate(c, t, b).value is not None
        except Exception:  # noqa: BLE001 - unreadable texts count as work done
            pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    n = ap.parse_args().rows
    records = synthetic_records(n)
    texts = [t for r in records for t in (r.baseline, r.target, r.current) if t]

    _read_cell_text.cache_clear()
    parse_s, _ = timed(lambda: [_read_cell_text_uncached(t) for t in texts])
    naive_s, _ = timed(lambda: naive(records))
    _read_cell_text.cache_clear()
    rate_s, _ = timed(lambda: [kpi_rate(r.current, r.target, r.baseline or None) for r in records if r.target])
    _read_cell_text.cache_clear()
    floor_s, _ = timed(lambda: parse_and_rate_only(records))
    _read_cell_text.cache_clear()
    val_s, report = timed(lambda: validate_records(records))

    print(f"rows: {n:,}  distinct KPI texts: {len(set(texts)):,}")
    print(f"parse_quantity (uncached): {len(texts) / parse_s:,.0f} quantities/s")
    print(f"kpi_rate:                  {n / rate_s:,.0f} rates/s")
    print(f"validate_records:          {n / val_s:,.0f} rows/s   ({len(report):,} findings)")
    print(f"naive float script:        {n / naive_s:,.0f} rows/s (baseline)")
    print(f"parse 3 texts + rate only: {n / floor_s:,.0f} rows/s (what any validator must do)")
    print(f"validate speed / floor:    {floor_s / val_s:.2f}")
    print(f"parse speed / naive:       {(len(texts) / parse_s) / (n / naive_s):.3f} quantities per naive row")
    print(f"ratio validate/naive time: {val_s / naive_s:.1f}x   goal: validate >= 100,000 rows/s -> "
          f"{'met' if n / val_s >= 100_000 else 'NOT met'}")
    share = floor_s / val_s  # validate_records' speed as a share of the parse-and-rate floor's
    print(f"validate_records / parse-and-rate floor: {share:.2f}x the floor's rows/s   goal: >= 0.5x -> "
          f"{'met' if share >= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
