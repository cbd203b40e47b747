"""Merge throughput: `xl-kpi merge` against a hand-written pandas script and the I/O floor.

Run: python benchmarks/bench_merge.py [--files 10 100 200 1000] [--out benchmarks/out]

For each size N it generates N synthetic department submissions (50–100 KPI rows each, text and
numbers varied from the embedded sample, one department per file) with the official template,
then measures in the same run, each in a fresh process (wall time and peak RSS):
  xl-kpi   : `xl-kpi merge DIR -o master.xlsx` (preflight, read, validate, merge, styled master)
  pandas   : what a city would write — pandas.read_excel per file, concat, to_excel
  floor    : python-calamine reading every cell of every file + XlsxWriter constant_memory writing them
and prints the ratios xl-kpi/pandas and xl-kpi/floor, with the growth from the smallest to the
largest size.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

PANDAS_SCRIPT = r"""
import sys, glob, pandas as pd
files = sorted(glob.glob(sys.argv[1] + "/*.xlsx"))
frames = [pd.read_excel(f, sheet_name=0, header=3) for f in files]
pd.concat(frames, ignore_index=True).to_excel(sys.argv[2], index=False)
"""

FLOOR_SCRIPT = r"""
import sys, glob, python_calamine, xlsxwriter
files = sorted(glob.glob(sys.argv[1] + "/*.xlsx"))
wb = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True})
ws = wb.add_worksheet()
r = 0
for f in files:
    book = python_calamine.CalamineWorkbook.from_path(f)
    for row in book.get_sheet_by_index(0).to_python():
        for c, v in enumerate(row):
            if v != "":
                ws.write(r, c, v)
        r += 1
wb.close()
"""


def generate(n: int, out: Path, seed: int = 7) -> Path:
    from synthetic import department_records

    from xl_kpi.files.writer import Settings, build_template
    d = out / f"subs_{n}"
    if d.exists() and len(list(d.glob("*.xlsx"))) == n:
        return d
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    settings = Settings(year=2020)
    for i in range(n):
        recs = department_records(i, rng.randint(50, 100), seed + i)
        (d / f"dept_{i:04d}.xlsx").write_bytes(build_template(settings, recs[0].department, recs))
    return d


def measure(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of a command run in a fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{proc.stderr[-2000:]}")
    peak_kib = int(proc.stderr.strip().splitlines()[-1])
    return elapsed, peak_kib / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, nargs="+", default=[10, 100, 200, 1000])
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    results = []
    for n in args.files:
        d = generate(n, args.out)
        rows = {}
        for name, cmd in (
            ("xl-kpi", [py, "-m", "xl_kpi.cli", "merge", str(d), "-o", str(args.out / f"master_{n}.xlsx"), "--format", "json"]),
            ("pandas", [py, "-c", PANDAS_SCRIPT, str(d), str(args.out / f"pandas_{n}.xlsx")]),
            ("floor", [py, "-c", FLOOR_SCRIPT, str(d), str(args.out / f"floor_{n}.xlsx")]),
        ):
            master = args.out / f"master_{n}.xlsx"
            if name == "xl-kpi" and master.exists():
                master.unlink()
            rows[name] = measure(cmd)
        x, p, f = rows["xl-kpi"], rows["pandas"], rows["floor"]
        results.append({"files": n, "xl_kpi_s": x[0], "pandas_s": p[0], "floor_s": f[0],
                        "xl_kpi_mib": x[1], "pandas_mib": p[1], "floor_mib": f[1],
                        "vs_pandas": x[0] / p[0], "vs_floor": x[0] / f[0]})
        r = results[-1]
        print(f"{n:>5} files: xl-kpi {x[0]:7.2f}s {x[1]:7.0f} MiB | pandas {p[0]:7.2f}s {p[1]:6.0f} MiB | "
              f"floor {f[0]:6.2f}s {f[1]:5.0f} MiB | xl-kpi/pandas {r['vs_pandas']:.2f}x  xl-kpi/floor {r['vs_floor']:.2f}x",
              flush=True)
    if len(results) > 1:
        a, b = results[0], results[-1]
        growth = (b["xl_kpi_s"] / a["xl_kpi_s"]) / (b["files"] / a["files"])
        print(f"growth {a['files']}→{b['files']} files: time ×{b['xl_kpi_s'] / a['xl_kpi_s']:.1f} for ×{b['files'] / a['files']:.0f} files "
              f"({'no worse than linear' if growth <= 1.05 else 'worse than linear'}: {growth:.2f} of linear)")
    (args.out / "merge_results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
