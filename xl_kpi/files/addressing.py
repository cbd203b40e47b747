"""Cell addresses: column numbers to letters and back."""

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



def column_number(letters: str) -> int:
    """'A' → 1, 'AA' → 27, 'XFD' → 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
