"""Start-up: `xl-kpi validate` of one realistic submission, wall time including the interpreter.

Run: python benchmarks/bench_validate.py [--runs 7]
The file is a generated submission edited the way staff leave it (benchmarks/realistic.py:
typed numbers with number formats, a comment, a fill). Baselines in the same run, each in a
fresh process: the bare interpreter (`python -c pass`) and the least a validator does — python-
calamine reading every cell of the file. Goal: ≤ 0.15 s wall (median of the runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

GOAL_S = 0.15
# An installed package has its bytecode cached; a development shell may forbid writing it.
INSTALLED_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
READ_ONLY = "import sys, python_calamine; b = python_calamine.CalamineWorkbook.from_path(sys.argv[1]); " \
            "[b.get_sheet_by_name(n).to_python() for n in b.sheet_names]"


def wall(cmd: list[str], runs: int) -> float:
    """Median wall time of a command in fresh processes (the first run warms the disk cache and
    writes the bytecode cache, as an installed package has it)."""
    subprocess.run(cmd, capture_output=True, env=INSTALLED_ENV)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=INSTALLED_ENV)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from bench_merge import generate
    from realistic import realistic_pool

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = ap.parse_args()
    pool = realistic_pool(generate(30, args.out), args.out / "real_pool_30")
    f = str(sorted(pool.glob("*.xlsx"))[0])
    py = sys.executable
    validate = wall([py, "-m", "xl_kpi.cli", "validate", f], args.runs)
    bare = wall([py, "-c", "pass"], args.runs)
    read = wall([py, "-c", READ_ONLY, f], args.runs)
    print(f"xl-kpi validate, one realistic submission: {validate:.3f} s wall "
          f"(goal <= {GOAL_S} s: {'met' if validate <= GOAL_S else 'NOT met'})")
    print(f"baselines: python -c pass {bare:.3f} s; calamine reading the file {read:.3f} s; "
          f"validate - interpreter = {validate - bare:.3f} s; validate / calamine read = {validate / read:.2f}x")
    print(f"table: | validate one realistic file | {validate:.3f} s | interpreter {bare:.3f} s, "
          f"calamine read {read:.3f} s | ≤ {GOAL_S} s |")


if __name__ == "__main__":
    main()
