"""Merge throughput: `xl-kpi merge` against a hand-written pandas script and the I/O floor.

Run: python benchmarks/bench_merge.py [--files 30 200 1000] [--kinds realistic generated] [--out benchmarks/out]

For each size N it generates N synthetic department submissions (50–100 KPI rows each, text and
numbers varied from the embedded sample, one department per file) with the official template.
``generated`` merges them as written; ``realistic`` merges them after the edits staff make
(:mod:`realistic`: typed numbers with number formats, a comment, a fill, and every 50th file a
formula and a LibreOffice round trip). It measures in the same run, each in a fresh process
(wall time and peak RSS):
  xl-kpi         : `xl-kpi merge DIR -o master.xlsx` (preflight, read, validate, merge, master)
  pandas+calamine: the script a clerk writes today — pandas.read_excel(engine="calamine") per
                   file, concat, to_excel
  pandas         : the same script with pandas' default reader (openpyxl)
  floor          : python-calamine reading every cell of every file + XlsxWriter constant_memory
and prints the ratios xl-kpi/pandas+calamine, xl-kpi/pandas and xl-kpi/floor against the goals
(≤ 1.0× pandas+calamine, ≤ 2.5× the floor, ≤ 1 GiB), with the growth from the smallest to the
largest size.

``--remerge`` measures the master that grows without a ceiling instead (issue 25): N files of
exactly ``--rows`` KPI rows (default 1,000 × 50 = 50,000 rows) merged into a new master, then merged
again into that master (the monthly case: the master is an input too) and the master validated,
each in a fresh process, against the floor of the same cells — python-calamine reading every
submission and every sheet of the master, XlsxWriter ``constant_memory`` writing them, one run.
Goals: the merge again ≤ 2.5 × that floor and ≤ 1.5 GB peak; neither run refused by a budget.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

PANDAS_SCRIPT = r"""
import sys, glob, pandas as pd
files = sorted(glob.glob(sys.argv[1] + "/*.xlsx"))
engine = sys.argv[3] if len(sys.argv) > 3 else None
frames = [pd.read_excel(f, sheet_name=0, header=3, engine=engine) for f in files]
pd.concat(frames, ignore_index=True).to_excel(sys.argv[2], index=False)
"""
GOAL_VS_PANDAS = 1.0     # × the pandas + calamine script
GOAL_VS_FLOOR = 2.5      # × the calamine + XlsxWriter floor
GOAL_PEAK_MIB = 1024
GOAL_REMERGE_PEAK_MIB = 1536

REMERGE_FLOOR_SCRIPT = r"""
import sys, glob, python_calamine, xlsxwriter
files = sorted(glob.glob(sys.argv[1] + "/*.xlsx"))
wb = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True})
ws = wb.add_worksheet()
r = 0
def copy(sheet):
    global r
    for row in sheet.to_python():
        for c, v in enumerate(row):
            if v != "":
                ws.write(r, c, v)
        r += 1
for f in files:
    copy(python_calamine.CalamineWorkbook.from_path(f).get_sheet_by_index(0))
master = python_calamine.CalamineWorkbook.from_path(sys.argv[3])
for name in master.sheet_names:
    copy(master.get_sheet_by_name(name))
wb.close()
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


def generate(n: int, out: Path, seed: int = 7, rows: int | None = None) -> Path:
    """N submissions of 50–100 KPI rows each, or of exactly ``rows``."""
    from synthetic import department_records

    from xl_kpi.files.layout import Settings
    from xl_kpi.files.writing.template import build_template
    d = out / (f"subs_{n}" if rows is None else f"subs_{n}x{rows}")
    if d.exists() and len(list(d.glob("*.xlsx"))) == n:
        return d
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    settings = Settings(year=2020)
    for i in range(n):
        recs = department_records(i, rows or rng.randint(50, 100), seed + i)
        (d / f"dept_{i:04d}.xlsx").write_bytes(build_template(settings, recs[0].department, recs))
    return d


def measure(cmd: list[str], extra_env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,),
            stdout=None) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MiB, CPU seconds user + system with its children) of a
    command run in a fresh process. On a shared machine the CPU ratio is the steadier one."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: .pyc cached
    env.update(extra_env or {})
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *cmd], stdout=stdout or subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in ok:
        raise SystemExit(f"{cmd[0]} failed:\n{proc.stderr[-2000:]}")
    peak_kib, user, system = proc.stderr.strip().splitlines()[-1].split()
    return elapsed, int(peak_kib) / 1024, float(user) + float(system)


def folders(kinds: list[str], sizes: list[int], out: Path) -> list[tuple[str, int, Path]]:
    """(kind, N, folder of N submissions) for every kind and size."""
    from realistic import realistic_pool, realistic_subset
    runs = []
    for kind in kinds:
        if kind == "generated":
            runs += [(kind, n, generate(n, out)) for n in sizes]
        else:
            pool = realistic_pool(generate(max(sizes), out), out / f"real_pool_{max(sizes)}")
            runs += [(kind, n, realistic_subset(pool, n, out)) for n in sizes]
    return runs


def measure_size(kind: str, n: int, d: Path, out: Path, with_default_pandas: bool) -> dict:
    py = sys.executable
    master = out / f"master_{kind}_{n}.xlsx"
    if master.exists():
        master.unlink()
    cmds = {
        "xl-kpi": [py, "-m", "xl_kpi.cli", "merge", str(d), "-o", str(master), "--format", "json"],
        "pandas+calamine": [py, "-c", PANDAS_SCRIPT, str(d), str(out / f"pandas_{n}.xlsx"), "calamine"],
        "pandas": [py, "-c", PANDAS_SCRIPT, str(d), str(out / f"pandas_{n}.xlsx")],
        "floor": [py, "-c", FLOOR_SCRIPT, str(d), str(out / f"floor_{n}.xlsx")],
    }
    if not with_default_pandas:
        del cmds["pandas"]
    # xl-kpi merge exits 1 when it merged and the master lists error findings: a complete merge
    rows = {name: measure(cmd, ok=(0, 1) if name == "xl-kpi" else (0,)) for name, cmd in cmds.items()}
    from xl_kpi.files.run.pool import POOL_MIN_FILES, workers_for
    if with_default_pandas and n >= POOL_MIN_FILES:  # the other way round: with, or without, a pool
        master.unlink()
        other = {"XL_KPI_WORKERS": "1" if workers_for(n) > 1 else "2"}
        rows["xl-kpi 1 process" if other["XL_KPI_WORKERS"] == "1" else "xl-kpi pool of 2"] = measure(
            cmds["xl-kpi"], other, ok=(0, 1))
    x = rows["xl-kpi"]
    r = {"kind": kind, "files": n, **{f"{k}_s": v[0] for k, v in rows.items()},
         **{f"{k}_mib": v[1] for k, v in rows.items()}, **{f"{k}_cpu_s": v[2] for k, v in rows.items()},
         **_cpu_ratios(rows, n),
         "vs_pandas_calamine": x[0] / rows["pandas+calamine"][0], "vs_floor": x[0] / rows["floor"][0]}
    if "pandas" in rows:
        r["vs_pandas"] = x[0] / rows["pandas"][0]
    return r


def _cpu_ratios(rows: dict, n: int) -> dict:
    """CPU time ratios, from a single-process xl-kpi run (a pool's workers are not counted)."""
    from xl_kpi.files.run.pool import workers_for
    one = rows.get("xl-kpi 1 process") or (rows["xl-kpi"] if workers_for(n) == 1 else None)
    if one is None:
        return {}
    return {"cpu_vs_pandas_calamine": one[2] / rows["pandas+calamine"][2], "cpu_vs_floor": one[2] / rows["floor"][2]}


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_row(r: dict) -> None:
    default = f" | pandas {r['pandas_s']:6.2f}s ({r['vs_pandas']:.2f}x)" if "vs_pandas" in r else ""
    print(f"{r['kind']:>9} {r['files']:>5} files: xl-kpi {r['xl-kpi_s']:7.2f}s {r['xl-kpi_mib']:6.0f} MiB | "
          f"pandas+calamine {r['pandas+calamine_s']:6.2f}s | floor {r['floor_s']:6.2f}s{default} | "
          f"xl-kpi/pandas+calamine {r['vs_pandas_calamine']:.2f}x "
          f"({verdict(r['vs_pandas_calamine'] <= GOAL_VS_PANDAS)})  "
          f"xl-kpi/floor {r['vs_floor']:.2f}x ({verdict(r['vs_floor'] <= GOAL_VS_FLOOR)})  "
          f"peak {verdict(r['xl-kpi_mib'] <= GOAL_PEAK_MIB)}{_extra(r)}", flush=True)


def _extra(r: dict) -> str:
    out = ""
    if "xl-kpi 1 process_s" in r:
        out += f" | 1 process {r['xl-kpi 1 process_s']:.2f}s"
    if "cpu_vs_floor" in r:
        out += f" | CPU time ÷ pandas+calamine {r['cpu_vs_pandas_calamine']:.2f}x, ÷ floor {r['cpu_vs_floor']:.2f}x"
    return out


def print_growth(rows: list[dict]) -> None:
    if len(rows) < 2:
        return
    a, b = rows[0], rows[-1]
    growth = (b["xl-kpi_s"] / a["xl-kpi_s"]) / (b["files"] / a["files"])
    print(f"{a['kind']} growth {a['files']}→{b['files']} files: time ×{b['xl-kpi_s'] / a['xl-kpi_s']:.1f} "
          f"for ×{b['files'] / a['files']:.0f} files "
          f"({'no worse than linear' if growth <= 1.05 else 'worse than linear'}: {growth:.2f} of linear)")


def print_table(results: list[dict]) -> None:
    """The README's table (Markdown)."""
    print("\n| files | kind | xl-kpi | pandas + calamine | pandas (default) | floor | "
          "÷ pandas + calamine (≤ 1.0) | ÷ floor (≤ 2.5) | peak MiB (≤ 1024) | xl-kpi in 1 process | "
          "CPU time ÷ pandas + calamine, ÷ floor |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        default = f"{r['pandas_s']:.2f} s" if "pandas_s" in r else "–"
        one = f"{r['xl-kpi 1 process_s']:.2f} s" if "xl-kpi 1 process_s" in r else "–"
        cpu = f"{r['cpu_vs_pandas_calamine']:.2f}, {r['cpu_vs_floor']:.2f}" if "cpu_vs_floor" in r else "–"
        print(f"| {r['files']:,} | {r['kind']} | {r['xl-kpi_s']:.2f} s | {r['pandas+calamine_s']:.2f} s | {default} | "
              f"{r['floor_s']:.2f} s | {r['vs_pandas_calamine']:.2f} | {r['vs_floor']:.2f} | {r['xl-kpi_mib']:.0f} | "
              f"{one} | {cpu} |")


def measure_remerge(n: int, rows: int, out: Path) -> dict:
    """A new master from N files of ``rows`` rows, the merge again into it, its validation, the floor."""
    py = sys.executable
    d = generate(n, out, rows=rows)
    master = out / f"remerge_{n}x{rows}.xlsx"
    if master.exists():
        master.unlink()
    merge = [py, "-m", "xl_kpi.cli", "merge", str(d), "-o", str(master), "--format", "json"]
    refused = []

    def run(name: str, cmd: list[str]) -> tuple[float, float, float]:
        log = out / f"remerge_{name}.json"
        with open(log, "w") as fh:
            result = measure(cmd, ok=(0, 1), stdout=fh)
        text = log.read_text(encoding="utf-8", errors="replace")
        refused.extend(code for code in ("too-many-cells", "zip-bomb", "too-many-entries", "file-too-large")
                       if f'"{code}"' in text)
        return result
    rows_out = {"new master": run("new", merge), "merge again": run("again", merge),
                "validate": run("validate", [py, "-m", "xl_kpi.cli", "validate", str(master), "--format", "json"]),
                "floor": measure([py, "-c", REMERGE_FLOOR_SCRIPT, str(d), str(out / f"floor_remerge_{n}.xlsx"),
                                  str(master)])}
    again, floor = rows_out["merge again"], rows_out["floor"]
    return {"files": n, "rows": n * rows, "master_mb": master.stat().st_size / 1e6, "refused": sorted(set(refused)),
            **{f"{k}_s": v[0] for k, v in rows_out.items()}, **{f"{k}_mib": v[1] for k, v in rows_out.items()},
            "vs_floor": again[0] / floor[0], "cpu_vs_floor": again[2] / floor[2]}


def print_remerge(r: dict) -> None:
    print(f"{r['files']:,} files × {r['rows'] // r['files']} rows = {r['rows']:,} KPI rows "
          f"(master {r['master_mb']:.1f} MB): new master {r['new master_s']:.2f} s {r['new master_mib']:.0f} MiB | "
          f"merge again {r['merge again_s']:.2f} s {r['merge again_mib']:.0f} MiB | "
          f"validate {r['validate_s']:.2f} s {r['validate_mib']:.0f} MiB | floor {r['floor_s']:.2f} s | "
          f"merge again ÷ floor {r['vs_floor']:.2f}x ({verdict(r['vs_floor'] <= GOAL_VS_FLOOR)}; CPU "
          f"{r['cpu_vs_floor']:.2f}x) | peak {verdict(r['merge again_mib'] <= GOAL_REMERGE_PEAK_MIB)} | "
          f"refused by a budget: {', '.join(r['refused']) or 'none'}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, nargs="+", default=[30, 200, 1000])
    ap.add_argument("--kinds", nargs="+", choices=["realistic", "generated"], default=["realistic", "generated"])
    ap.add_argument("--default-pandas-up-to", type=int, default=200,
                    help="also time pandas' default reader up to this many files (it is slow)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    ap.add_argument("--remerge", action="store_true",
                    help="merge N files of --rows rows into a new master, then again into it, and validate it")
    ap.add_argument("--rows", type=int, default=50, help="KPI rows per file with --remerge (default 50)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.remerge:
        results = [measure_remerge(n, args.rows, args.out) for n in sorted(args.files)]
        for r in results:
            print_remerge(r)
        (args.out / "remerge_results.json").write_text(json.dumps(results, indent=2))
        return
    results = []
    for kind, n, d in folders(args.kinds, sorted(args.files), args.out):
        results.append(measure_size(kind, n, d, args.out, n <= args.default_pandas_up_to))
        print_row(results[-1])
    for kind in args.kinds:
        print_growth([r for r in results if r["kind"] == kind])
    print_table(results)
    (args.out / "merge_results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
