"""Every benchmark in one command: python benchmarks/run_all.py [--quick]

Merges realistic and generated submissions at 30, 200 and 1,000 files (--quick: 30 and 200),
each against pandas + calamine, pandas' default reader (up to 200 files) and the calamine +
XlsxWriter floor in the same run; `xl-kpi validate` start-up on one realistic file; core
throughput with validate_records against the parse-and-rate floor; the custom function and the
server. The merge rows end with a Markdown table ready for the README. The full run takes ~15
minutes on a 2-core machine (the first run also makes the files: ~2 GB of disk under
benchmarks/out, with one LibreOffice conversion of 20 files).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    files = ["30", "200"] if quick else ["30", "200", "1000"]
    runs = [
        [sys.executable, str(HERE / "bench_core.py")],
        [sys.executable, str(HERE / "bench_validate.py")],
        [sys.executable, str(HERE / "bench_udf_server.py")],
        [sys.executable, str(HERE / "bench_merge.py"), "--files", *files, "--kinds", "realistic", "generated"],
    ]
    for cmd in runs:
        print(f"$ python benchmarks/{' '.join(Path(c).name if c.endswith('.py') else c for c in cmd[1:])}", flush=True)
        code = subprocess.call(cmd)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
