#!/usr/bin/env bash
# Mutation testing of the pure layer: mutmut (3.x) mutates every module of xl_kpi/core and runs
# tests/core against each mutant (configuration: [tool.mutmut] in pyproject.toml). Prints the
# mutation score (killed ÷ all mutants, equivalent ones listed in tests/core/mutation-equivalent.md
# counted apart). CPU heavy: runs niced, one worker by default.
#
#   bash scripts/mutation.sh                         # all of xl_kpi/core
#   bash scripts/mutation.sh 'xl_kpi.core.fiscal*'   # some modules (mutmut's mutant-name globs)
#   MUTATION_JOBS=2 bash scripts/mutation.sh         # more workers
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import mutmut" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check -e '.[test]'
[ "${MUTATION_KEEP:-0}" = 1 ] || rm -rf mutants  # MUTATION_KEEP=1 reuses the last run's results
nice -n "${MUTATION_NICE:-15}" python3 -m mutmut run --max-children "${MUTATION_JOBS:-1}" "$@" >/dev/null || true
python3 scripts/mutation_score.py "$@"
