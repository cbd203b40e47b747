"""Print the mutation score of the last `mutmut run` (scripts/mutation.sh).

Reads `mutmut results --all true`, drops mutants not checked in this run (a narrowed run), and
counts the mutants listed in tests/core/mutation-equivalent.md (one name per line starting with
"- `") as equivalent: neither killed nor surviving. Score = killed ÷ (checked − equivalent);
a timeout counts as killed (the mutant made the tests hang). Lists the survivors, then the
score of each module.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "tests" / "core" / "mutation-equivalent.md"
KILLED = {"killed", "timeout"}


def equivalent_names() -> set[str]:
    if not EQUIVALENT.exists():
        return set()
    return set(re.findall(r"^- `([^`]+)`", EQUIVALENT.read_text(encoding="utf-8"), re.M))


def by_module(checked: dict[str, str], equivalent: set[str]) -> dict[str, tuple[int, int, int]]:
    """module → (killed, judged, equivalent) for the modules of xl_kpi.core."""
    out: dict[str, list[int]] = {}
    for name, status in checked.items():
        module = name.split(".")[2]  # xl_kpi.core.<module>.<mutant>
        row = out.setdefault(module, [0, 0, 0])
        if name in equivalent:
            row[2] += 1
            continue
        row[1] += 1
        row[0] += status in KILLED
    return {m: (k, j, e) for m, (k, j, e) in out.items()}


def main() -> int:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    status = dict(line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    checked = {name: s for name, s in status.items() if s != "not checked"}
    equivalent = equivalent_names() & set(checked)
    counts = Counter(s for name, s in checked.items() if name not in equivalent)
    judged = sum(counts.values())
    killed = sum(counts[s] for s in KILLED)
    survivors = sorted(n for n, s in checked.items() if s not in KILLED and n not in equivalent)
    for name in survivors:
        print(f"{checked[name]:>10}  {name}")
    for module, (k, j, e) in sorted(by_module(checked, equivalent).items()):
        print(f"{module:<12} {k:>5}/{j:<5} killed = {k / j if j else 0:6.1%}   ({e} equivalent)")
    print(f"mutants: {len(checked)} checked, {len(equivalent)} equivalent (listed), {judged} judged: "
          + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    score = killed / judged if judged else 0.0
    print(f"mutation score: {killed}/{judged} killed = {score:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
