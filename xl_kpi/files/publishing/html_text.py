"""Text made safe for the HTML report: every value the report and its 推移 section write into markup."""

from __future__ import annotations

import html


def html_text(v: object) -> str:
    """``v`` as text (``None`` as empty), escaped for HTML."""
    return html.escape("" if v is None else str(v))
