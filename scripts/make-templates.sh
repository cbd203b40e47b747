#!/usr/bin/env bash
# Regenerate the committed official template (tests fail when it is stale).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m xl_kpi.cli template --force --year 令和6 -o templates/取組状況_様式.xlsx
