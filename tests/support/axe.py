"""axe-core (pinned in tests/js/package-lock.json) run in the system Chromium: the accessibility
rules of WCAG 2.0/2.1 levels A and AA, as public-sector sites in Japan must meet (JIS X 8341-3:2016 AA)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import chromium_page

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The violations axe-core finds on the page as loaded (WCAG 2.0/2.1 A and AA rules)."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci in tests/js)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(WCAG_AA))
    return result["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and node: rule, impact, the element and axe's summary."""
    lines = []
    for v in violations:
        for node in v["nodes"][:5]:
            lines.append(f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')[:200]}")
    return "\n".join(lines)


def check_page(html: Path, screenshot: Path | None = None) -> list[dict[str, Any]]:
    """Open ``html`` in Chromium, optionally take a full-page screenshot, and run axe-core."""
    with chromium_page() as page:
        page.goto(html.as_uri())
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        return axe_violations(page)
