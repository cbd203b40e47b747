"""The JSON the clients send, checked before anything runs on it.

Two shapes, both xlwings': a custom-function call (``func_name``, ``args`` — one 2-D array or
``null`` per declared parameter, the shape Excel gives a ``matrix`` parameter) and a book
payload for a script (``book``, ``sheets`` with 2-D ``values``, ``names``, script ``args``).
Anything else — a ``func_name`` that is not one of ours, missing ``args``, a cell that is an
object, a sheet index out of range, nesting deeper than a 2-D array — is the client's mistake:
a :class:`UserError` (HTTP 400) with a Japanese message, never a 500.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import orjson

SCALARS = (str, int, float, bool, type(None))
SCALAR_TYPES = frozenset(SCALARS)
_LIST = frozenset((list,))


class UserError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def bad(message: str) -> UserError:
    return UserError(400, message)


def parse_object(raw: bytes) -> dict:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad("JSON を読み取れません（形式が壊れているか、入れ子が深すぎます）。") from None
    if not isinstance(data, dict):
        raise bad("JSON の形式が違います（オブジェクトではありません）。")
    return data


def check_grid(value: Any, what: str) -> None:
    """``value`` is a 2-D array of plain cell values."""
    if type(value) is not list or not _LIST.issuperset(map(type, value)):  # JSON arrays are exactly lists
        raise bad(f"{what}は2次元の配列にしてください。")
    if not SCALAR_TYPES.issuperset(map(type, chain.from_iterable(value))):  # C-speed: tens of thousands of cells
        raise bad(f"{what}のセルの値の形式が違います（文字・数値・真偽値・空のいずれか）。")


def function_call(data: dict, params: dict[str, int]) -> dict:
    """A custom-function call, its ``args`` padded with ``null`` up to the declared parameters."""
    name = data.get("func_name")
    if not isinstance(name, str) or name not in params:
        shown = name if isinstance(name, str) else type(name).__name__
        raise bad(f"関数「{shown[:60]}」はありません。")
    args = data.get("args")
    if not isinstance(args, list):
        raise bad("args（関数の引数の配列）がありません。")
    if len(args) > params[name]:
        raise bad(f"{name.upper()} の引数は {params[name]} 個までです（{len(args)} 個送られました）。")
    for i, arg in enumerate(args, start=1):
        if arg is not None:
            check_grid(arg, f"引数 {i} ")
    data["args"] = args + [None] * (params[name] - len(args))
    data.setdefault("client", "Office.js")
    data.setdefault("runtime", "1.4")
    return data


def book(data: dict) -> tuple[dict, list]:
    """A script's book payload and its script arguments (xlwings' ``args``)."""
    args = data.pop("args", [])
    if not isinstance(args, list) or not all(isinstance(a, SCALARS) for a in args):
        raise bad("args（スクリプトの引数）は値の配列にしてください。")
    sheets = data.get("sheets")
    if not isinstance(sheets, list) or not sheets:
        raise bad("ブックのデータにシートがありません。")
    for i, sheet in enumerate(sheets, start=1):
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str):
            raise bad(f"シート {i} の形式が違います（name がありません）。")
        check_grid(sheet.get("values"), f"シート「{sheet['name'][:31]}」の値")
        sheet.setdefault("pictures", [])
        sheet.setdefault("tables", [])
    info = data.get("book")
    index = info.get("active_sheet_index") if isinstance(info, dict) else None
    if not isinstance(info, dict) or type(index) is not int or not 0 <= index < len(sheets):
        raise bad("ブックのデータの作業中のシート（active_sheet_index）がシートの範囲外です。")
    if not isinstance(info.get("name"), str):
        info["name"] = "book.xlsx"
    if not isinstance(data.get("names", []), list):
        raise bad("ブックのデータの names は配列にしてください。")
    data.setdefault("names", [])
    return data, args
