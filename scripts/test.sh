#!/usr/bin/env bash
# Install everything the test suite needs — Debian packages (LibreOffice, a CJK font, Chromium, nginx,
# poppler, PostgreSQL) and the Python package with its test and server extras — then lint (ruff), type-check
# (mypy) and run the whole suite on every core. Any of the three failing fails the run. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "ipaex" || missing+=(fonts-ipaexfont)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)  # the README's reverse-proxy configuration, tested (tests/server)
# PostgreSQL 15: tests/inbox start a throwaway server of their own (initdb, pg_ctl) to test the inbox on it
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "apt-get install failed" >&2; exit 1; }
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test,server]' || { echo "pip install failed" >&2; exit 1; }

# Microsoft's Office.js type definitions, custom-functions metadata generator and TypeScript, pinned
# by tests/js/package-lock.json: the add-in's JavaScript is checked against them (tests/server); and
# axe-core, which checks the HTML report's accessibility in Chromium (tests/report).
(cd tests/js && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci in tests/js failed" >&2; exit 1; }
python3 -m ruff check xl_kpi tests scripts || { echo "ruff reported problems (configuration: pyproject.toml)" >&2; exit 1; }
python3 -m mypy || { echo "mypy reported problems (configuration: pyproject.toml)" >&2; exit 1; }

# on every core (pytest-xdist; `-n 0` as an extra argument runs it in one process); tests marked
# `timing` run while no other test runs (tests/conftest.py)
python3 -m pytest -q -n auto --dist worksteal "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests (exit 5); treating as failure of the suite layout" >&2
  exit 1
fi
exit "$rc"
