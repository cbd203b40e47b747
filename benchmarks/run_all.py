"""Every benchmark in one command: python benchmarks/run_all.py [--quick]

--quick merges 10 and 100 files instead of 10, 100, 200 and 1,000 (the full run takes ~10 minutes
on a 2-core machine and needs ~2 GB of memory and ~400 MB of disk under benchmarks/out).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    files = ["10", "100"] if quick else ["10", "100", "200", "1000"]
    runs = [
        [sys.executable, str(HERE / "bench_core.py")],
        [sys.executable, str(HERE / "bench_udf_server.py")],
        [sys.executable, str(HERE / "bench_merge.py"), "--files", *files],
    ]
    for cmd in runs:
        print(f"$ {' '.join(Path(c).name if c.endswith('.py') else c for c in cmd[1:])}", flush=True)
        code = subprocess.call(cmd)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
