"""Cell values as Excel will store them: the one routine every action writes values through.

Excel reads text that starts with ``=``, ``+`` or ``-`` as a formula when it is written as a
value (Office.js ``Excel.Range.values``: "If the returned value starts with a plus ("+"), minus
("-"), or equal sign ("="), Excel interprets this value as a formula" — @types/office-js; COM's
``Range.Value`` behaves like typing). ``@`` starts a formula in Excel's UI as well, and a leading
tab or line break before one of those is a known spreadsheet-injection trick. The documented
way to enter such text as text is the apostrophe prefix (Excel's ``Range.PrefixCharacter``:
"an apostrophe (') if the specified range contains a value that was preceded with an apostrophe
when it was entered"): the cell's value is the text without the apostrophe, its number format
is untouched. A text that itself starts with ``'`` is prefixed too, or Excel would eat its
apostrophe.

Column widths: the layout gives them in characters (Excel's unit on the desktop, where COM's
``ColumnWidth`` is characters); Office.js ``RangeFormat.columnWidth`` and xlwings' remote book
(0.37: "Points, which is what this host measures column widths in") take points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r", "\n", "'"))
TEXT_PREFIX = "'"
_PLAIN_FROM = chr(max(map(ord, FORMULA_STARTS)) + 1)  # "A": a text that sorts from here on starts with none of them
PLAIN = frozenset((str, int, float, bool, type(None)))

# Calibri 11, Excel's default font: a digit is 7 px wide, a column has 5 px of padding, 1 px = 0.75 pt
# (the conversion in the Open XML spec, ECMA-376 Part 1, §18.3.1.13 col width).
DIGIT_PX, PADDING_PX, PT_PER_PX = 7, 5, 0.75


def write_values(rng, rows: Sequence[Sequence[Any]]) -> None:
    """Write a 2-D block of values into ``rng`` (an ``xw.Range``), text kept as text.

    Plain values (text, numbers, booleans, empty) go through xlwings' ``raw_value`` — as the
    engine takes them, skipping xlwings' per-cell conversion (~3 µs a cell). An empty cell is
    ``""`` for Office.js, where ``null`` in ``Range.values`` would leave the cell unchanged, and
    ``None`` (Empty) for COM. Anything else (dates…) goes through xlwings' conversion."""
    types = set(map(type, chain.from_iterable(rows)))
    plain = PLAIN.issuperset(types) and not (float in types and any(v != v for row in rows for v in row
                                                                    if type(v) is float))  # NaN
    empty = "" if plain and is_remote(rng.sheet) else None
    # cell_value, inlined (a findings sheet has thousands of cells), with the engine's empty cell; a
    # text from _PLAIN_FROM on is kept without slicing its first character (most are Japanese)
    if types == {str}:  # text only (「チェック結果」): no type test a cell, a sixth of the cost
        block = [[v if v >= _PLAIN_FROM or v[:1] not in FORMULA_STARTS else TEXT_PREFIX + v for v in row]
                 for row in rows]
    else:
        block = [[(v if v >= _PLAIN_FROM or v[:1] not in FORMULA_STARTS else TEXT_PREFIX + v) if type(v) is str
                  else (empty if v is None else v) for v in row] for row in rows]
    if plain:
        rng.raw_value = block
    else:
        rng.value = block


def is_remote(sheet) -> bool:
    """True for xlwings' remote (Office.js) book, whose sheets carry the client's JSON."""
    return isinstance(getattr(sheet, "api", None), dict)


def color_blocks(sheet, blocks: Iterable[tuple[int, int, int, int, str | None]]) -> int:
    """Fill rectangular blocks ``(first_row, first_col, last_row, last_col, "#RRGGBB" or None)``,
    1-based, of ``sheet`` (None: no fill); returns the number of blocks.

    On the remote (Office.js) book each block is the ``setRangeColor`` action xlwings' ``Range.color``
    appends, built without an ``xw.Range`` per block: a validation colours hundreds of single cells,
    and making their ranges took a quarter of the request's CPU."""
    blocks = list(blocks)
    if not is_remote(sheet):
        for r0, c0, r1, c1, color in blocks:
            sheet.range((r0, c0), (r1, c1)).color = color
        return len(blocks)
    # the dict xlwings' append_json_action builds (xlwings/pro/_xlremote.py, Book.append_json_action),
    # appended to the book's action list as it does: test_colour_blocks_are_the_actions_of_range_color
    actions, position = sheet.book.impl.json()["actions"], sheet.index - 1
    for r0, c0, r1, c1, color in blocks:
        if color is not None and not color.startswith("#"):
            color = "#" + color
        actions.append({"func": "setRangeColor", "args": [color], "values": None, "sheet_position": position,
                        "start_row": r0 - 1, "start_column": c0 - 1, "row_count": r1 - r0 + 1,
                        "column_count": c1 - c0 + 1})
    return len(blocks)


def characters_to_points(characters: float) -> float:
    return round((characters * DIGIT_PX + PADDING_PX) * PT_PER_PX, 2)


def set_column_width(sheet, col: int, characters: float) -> None:
    """Column ``col`` (1-based) ``characters`` wide, in the unit the engine takes."""
    width = characters_to_points(characters) if is_remote(sheet) else characters
    sheet.range((1, col)).column_width = width
