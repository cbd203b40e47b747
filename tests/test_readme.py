"""The README's examples run as written, from the repository root: every ```python block is
executed, and a line ending in ``# <value>`` must evaluate to that value."""

import re
from decimal import Decimal
from pathlib import Path

from xl_kpi.core.fiscal import FiscalSpan

ROOT = Path(__file__).resolve().parents[1]


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def test_readme_python_examples_run_and_show_what_they_say(monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = python_blocks()
    assert blocks
    for block in blocks:
        namespace: dict = {}
        for line in block.splitlines():
            code, _, expected = line.partition("  # ")
            if not code.strip():
                continue
            if expected and not code.lstrip().startswith(("from ", "import ")) and "=" not in code.split("(")[0]:
                got = eval(code, namespace)  # noqa: S307 - the README's own example
                want = eval(expected, {"Decimal": Decimal, "FiscalSpan": FiscalSpan})  # noqa: S307
                assert got == want, line
            else:
                exec(code, namespace)  # noqa: S102
