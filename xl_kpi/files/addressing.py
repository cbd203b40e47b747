"""Cell addresses: column numbers ↔ letters, A1 references, quoted sheet references."""

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


def cell_ref(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


def sheet_ref(sheet: str, cell: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!" + cell
