"""Cell addresses: column numbers to letters."""

from __future__ import annotations


def column_letter(n: int) -> str:
    """1 → 'A', 27 → 'AA'."""
    if n < 1:
        raise ValueError(n)
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out

