"""CPU instructions of one `validate_sheet` request, counted by valgrind: a measure of the server's
work that the shared machine's speed does not change (wall-clock timings here vary by ±50 % from
minute to minute; an instruction count repeats to within 0.1 %).

The request is the one `bench_udf_server.py` sends (the task pane's payload of a 300-row sheet),
run as a worker of the server runs it (`xl_kpi.server.work.run_script`). Baseline in the same run:
the floor of any server answering it — parsing the request's JSON and serialising the answer's
(orjson both ways), nothing else.

Each count is (instructions of N+1 calls − instructions of 1 call) ÷ N, so start-up and imports
cancel out; PYTHONHASHSEED is fixed so that dict and set layouts repeat.

Run: python benchmarks/bench_instructions.py [--calls 10]   (needs valgrind: Debian package `valgrind`)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import os, sys
os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
import orjson
from xl_kpi.server import work
body = open(sys.argv[1], "rb").read()
calls, what = int(sys.argv[2]), sys.argv[3]
status, answer, problem = work.run_script("validate_sheet", body, "planning", "")
assert status == 200, (status, answer[:200], problem)
answer_data = orjson.loads(answer)
for _ in range(calls):
    if what == "validate_sheet":
        work.run_script("validate_sheet", body, "planning", "")
    else:  # the floor: the request parsed, the answer serialised
        orjson.loads(body)
        orjson.dumps(answer_data)
"""


def instructions(python: str, script: Path, body: Path, calls: int, what: str) -> int:
    out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                          python, str(script), str(body), str(calls), what],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "0"}).stderr
    match = re.search(r"I\s+refs:\s+([\d,]+)", out)
    if match is None:
        raise SystemExit(f"valgrind printed no instruction count:\n{out[-2000:]}")
    return int(match.group(1).replace(",", ""))


def per_call(python: str, script: Path, body: Path, calls: int, what: str) -> float:
    return (instructions(python, script, body, calls + 1, what) - instructions(python, script, body, 1, what)) / calls


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--rows", type=int, default=300)
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    sys.path.insert(0, str(HERE))
    from bench_udf_server import request_body, sheet_payload

    # the interpreter itself, not a wrapper script (pyenv's shims are shell scripts valgrind would count)
    python = os.path.realpath(sys.executable)
    with tempfile.TemporaryDirectory() as d:
        body, script = Path(d) / "body.json", Path(d) / "child.py"
        body.write_bytes(request_body(sheet_payload(args.rows)))
        size = body.stat().st_size
        script.write_text(CHILD)
        work = per_call(python, script, body, args.calls, "validate_sheet")
        floor = per_call(python, script, body, args.calls, "floor")
    print(f"validate_sheet, {args.rows}-row sheet ({size:,} bytes of JSON): "
          f"{work / 1e6:.1f} M instructions a request")
    print(f"floor (orjson: the request parsed, the answer serialised): {floor / 1e6:.1f} M; "
          f"validate_sheet / floor = {work / floor:.1f}x")


if __name__ == "__main__":
    main()
