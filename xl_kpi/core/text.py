"""Text normalisation shared by the parsers: full-width ASCII to half-width, spaces, dashes.

Circled numbers (①②…) are *not* touched: they are labels, and NFKC would turn them into digits.
"""

from __future__ import annotations

import re

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_EXTRA = {
    0x3000: " ",  # ideographic space
    0x00A0: " ",  # no-break space
    0x2212: "-",  # minus sign
    0x2010: "-",  # hyphen
    0x2011: "-",
    0x2012: "-",
    0x2013: "-",
    0x2014: "-",
    0xFF5E: "~",  # fullwidth tilde
    0x301C: "~",  # wave dash
    0x2053: "~",  # swung dash
    0xFF0C: ",",
    0x3001: "、",
}
_TABLE = str.maketrans({**{k: chr(v) for k, v in _FULLWIDTH.items()}, **_EXTRA})

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Any character the table changes: most cells have none, and a regex search in C is far cheaper
# than ``str.translate`` with a mapping (which looks every character up in a dict).
_CHANGED = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE) if _TABLE[c] != chr(c)) + "]")


def to_halfwidth(text: str) -> str:
    """Full-width ASCII, ideographic spaces, minus signs and wave dashes to their plain forms."""
    return text.translate(_TABLE) if _CHANGED.search(text) else text


def has_control_characters(text: str) -> bool:
    """True for C0 control characters other than tab, LF and CR (which Excel shows as boxes)."""
    return _CONTROL.search(text) is not None


def looks_like_formula(text: str) -> bool:
    """True when Excel would take the typed text for a formula (or a CSV reader would).

    ``=``, ``@`` always; ``+``/``-`` when followed by something that is not a plain number
    (a lone ``-`` placeholder is fine); a leading tab or carriage return.
    """
    if not text:
        return False
    first = text[0]
    if first in "\t\r":
        return True
    if first in "=@":
        return len(text) > 1
    if first in "+-" and len(text) > 1:
        rest = text[1:].replace(",", "")
        try:
            float(rest)
        except ValueError:
            return not rest.isspace()
        return False
    return False
