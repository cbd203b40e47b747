"""Number formats: the text Excel displays for a cell value and its number format.

A clerk who types ``1399`` into a cell formatted ``#,##0"人(累計)"`` sees ``1,399人(累計)``; the
master must hold that text, not ``1399``. :func:`display` is a pure function from a value (a
number, or the ``datetime`` a reader gives for a date-formatted cell) and the number-format
string (as stored in ``xl/styles.xml``, the string openpyxl's ``cell.number_format`` gives) to
the displayed text. It follows Excel's documented format codes
(https://support.microsoft.com/office/review-guidelines-for-customizing-a-number-format-c0a1d1fa-d3f4-4018-96b7-9c9354dd99f5):
up to four sections ``positive;negative;zero;text``, literal text in quotes or after ``\\``,
``[Red]``/``[$-411]`` brackets, ``_x`` spacing, ``*x`` fill, digit placeholders ``0 # ?``,
thousands separators and the ``,`` scaling, ``%``, and date codes including the Japanese era
(``g``/``gg``/``ggg``, ``e``/``ee``; ``[$-ja-JP-x-gannen]`` shows the first year as 元).
Rounding is half away from zero, as Excel displays. :func:`is_date_format` tells a date format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

__all__ = ["display", "is_date_format", "Shown"]

_EXCEL_EPOCH = datetime(1899, 12, 30)
_TOKEN = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.|[Ee][+-]|AM/PM|A/P|[yY]+|[mM]+|[dD]+|[hH]+|[sS]+'
                    r'|[gG]+|[eE]+|[aA]{3,4}|0|#|\?|\.|,|%|@|.', re.S)
_DATE_CODES = re.compile(r"[yYmMdDhHsSgGeE]")
_CONDITION = re.compile(r"^\[(<=|>=|<>|<|>|=)(-?[\d.]+)\]$")
# Japanese eras: (first day, name, abbreviation letter, one-character name)
ERAS = ((date(2019, 5, 1), "令和", "R", "令"), (date(1989, 1, 8), "平成", "H", "平"),
        (date(1926, 12, 25), "昭和", "S", "昭"), (date(1912, 7, 30), "大正", "T", "大"),
        (date(1868, 1, 1), "明治", "M", "明"))
_WEEKDAYS_JA = "月火水木金土日"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Shown:
    """What a cell shows: its text, whether it is a date, and whether the display hides digits.

    ``exact`` is the number on the scale of the text, not rounded (0.3746 in a ``0.0%`` cell
    shows 37.5% and is 37.46; 1234567 in ``#,##0,"千円"`` is 1234.567), or None when the text
    shows no number (a date, text, a format of literals only)."""

    text: str
    is_date: bool = False
    rounded: bool = False   # the number has more digits than the format shows
    exact: Decimal | None = None


# A workbook uses a handful of formats for thousands of cells: each format string is split into
# sections and tokens, and each number section planned, once (the caches below).
@lru_cache(maxsize=1024)
def _sections(fmt: str) -> tuple[str, ...]:
    out: list[str] = []
    cur: list[str] = []
    quoted, i = False, 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and not quoted and i + 1 < len(fmt):
            cur.append(fmt[i:i + 2])
            i += 2
            continue
        elif ch == ";" and not quoted:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur))
    return tuple(out)


@lru_cache(maxsize=4096)
def _tokens(section: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(section))


@lru_cache(maxsize=4096)
def _is_date_tokens(tokens: tuple[str, ...]) -> bool:
    return any(_DATE_CODES.match(t) and not t.startswith(("E+", "E-", "e+", "e-")) for t in tokens
               if t[:1] not in '"\\[_*')


def is_date_format(number_format: str) -> bool:
    """Does this format show a date or time (Excel stores dates as serial numbers)?"""
    fmt = number_format or "General"
    if fmt.lower() == "general":
        return False
    return _is_date_tokens(_tokens(_sections(fmt)[0]))


@lru_cache(maxsize=1024)
def _conditions(sections: tuple[str, ...]) -> tuple[tuple[re.Match[str] | None, str], ...]:
    """Each section with its leading ``[<100]``-style condition (None if it has none)."""
    return tuple((_CONDITION.match(t), s) for s in sections for t in _tokens(s)[:1])


def _pick_section(sections: tuple[str, ...], value: float) -> tuple[str, bool]:
    """(section, whether its sign is shown by the section itself)."""
    conds = _conditions(sections)
    if any(m for m, _ in conds):
        for m, s in conds:
            if m is None or _compare(value, m.group(1), float(m.group(2))):
                return s, m is not None and value < 0
        return sections[-1], False
    if value < 0 and len(sections) >= 2 and sections[1]:
        return sections[1], True
    if value == 0 and len(sections) >= 3:
        return sections[2], False
    return sections[0], False


def _compare(v: float, op: str, limit: float) -> bool:
    return {"<": v < limit, ">": v > limit, "=": v == limit, "<=": v <= limit, ">=": v >= limit,
            "<>": v != limit}[op]


def _literal(token: str) -> str | None:
    """The text a non-placeholder token shows ('' for brackets and fills), None for a code."""
    if token.startswith('"'):
        return token[1:-1]
    if token.startswith("\\"):
        return token[1:]
    if token.startswith("["):
        m = re.match(r"^\[\$([^-\]]*)", token)
        return m.group(1) if m else ""
    if token.startswith("_"):
        return " "
    if token.startswith("*"):
        return ""
    return None


def _decimal(value: float | int) -> Decimal:
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value else Decimal(0)
    return Decimal(value)


def general(value: float | int) -> str:
    """Excel's General format for a number in a wide column (15 significant digits)."""
    d = _decimal(value)
    if d == 0:
        return "0"
    if isinstance(value, float):
        d = Decimal(format(d, ".15g"))
    return format(d.normalize(), "f")


def display(value: object, number_format: str | None = "General") -> Shown:
    """The text Excel displays for ``value`` formatted with ``number_format``."""
    fmt = number_format or "General"
    if isinstance(value, (datetime, date, time)):
        return Shown(_date_text(_as_datetime(value), _date_section(fmt)), True)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Shown("" if value is None else str(value))
    if fmt.lower() == "general":
        return Shown(general(value), exact=_decimal(value))
    section, signed = _pick_section(_sections(fmt), value)
    tokens = _tokens(section)
    if _is_date_tokens(tokens):
        return Shown(_date_text(_from_serial(value), section), True)
    return _number_text(value, tokens, signed)


def _date_section(fmt: str) -> str:
    first = _sections(fmt)[0]
    return first if fmt.lower() != "general" and _is_date_tokens(_tokens(first)) else "yyyy/m/d"


def _as_datetime(v: datetime | date | time) -> datetime:
    if isinstance(v, datetime):
        return v
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    return datetime.combine(_EXCEL_EPOCH.date(), v)


def _from_serial(serial: float) -> datetime:
    return _EXCEL_EPOCH + timedelta(days=float(serial))


# --- numbers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _NumberPlan:
    """A number section's tokens, read once: which digits it shows and the text around them."""

    percents: int            # each % multiplies by 100
    scale: int               # each , right after the last digit placeholder divides by 1000
    has_dot: bool
    int_codes: tuple[str, ...]
    frac_codes: tuple[str, ...]
    grouped: bool            # a , among the integer placeholders: thousands separators
    middle: str              # literals between the placeholders
    prefix: str
    suffix: str


@lru_cache(maxsize=4096)
def _number_plan(tokens: tuple[str, ...]) -> _NumberPlan | None:
    """The plan of a section with digit placeholders; None for one of literals only."""
    places = [i for i, t in enumerate(tokens) if t in ("0", "#", "?")]
    if not places:
        return None
    first, last = places[0], places[-1]
    body = tokens[first:last + 1]
    k = last + 1
    while k < len(tokens) and tokens[k] == ",":
        k += 1
    dot = body.index(".") if "." in body else len(body)
    return _NumberPlan(
        percents=sum(1 for t in tokens if t == "%"), scale=k - last - 1, has_dot="." in body,
        int_codes=tuple(t for t in body[:dot] if t in ("0", "#", "?")),
        frac_codes=tuple(t for t in body[dot + 1:] if t in ("0", "#", "?")),
        grouped="," in body[:dot],
        middle="".join(_literal(t) or "" for t in body if t not in ("0", "#", "?", ".", ",")),
        prefix="".join(_piece(t) for t in tokens[:first]), suffix="".join(_piece(t) for t in tokens[k:]))


@lru_cache(maxsize=4096)
def _scientific_decimals(tokens: tuple[str, ...]) -> int | None:
    """The decimals of a scientific section (``0.00E+00``: 2), None for other sections."""
    e = next((i for i, t in enumerate(tokens) if t[:2].upper() in ("E+", "E-")), None)
    if e is None:
        return None
    return sum(1 for t in tokens[tokens.index(".") + 1:e] if t in ("0", "#")) if "." in tokens[:e] else 0


def _number_text(value: float | int, tokens: tuple[str, ...], signed: bool) -> Shown:
    decimals = _scientific_decimals(tokens)
    if decimals is not None:  # scientific: 0.00E+00
        mantissa, exp = f"{abs(value) if signed else value:.{decimals}E}".split("E")
        return Shown(f"{mantissa}E{int(exp):+03d}", rounded=Decimal(f"{mantissa}E{exp}") != _decimal(value),
                     exact=_decimal(value))
    plan = _number_plan(tokens)
    if plan is None:  # a format of literals only ("-", "なし"): shows the literals
        text = "".join(_piece(t) for t in tokens)
        return Shown(text.strip(), rounded=value != 0)
    d = abs(_decimal(value))
    d *= Decimal(100) ** plan.percents
    d /= Decimal(1000) ** plan.scale
    q = d.quantize(Decimal(1).scaleb(-len(plan.frac_codes)), rounding=ROUND_HALF_UP)
    rounded = q != d
    int_text, _, frac_text = format(q, "f").partition(".")
    int_text = _fill_integer(int_text, plan.int_codes, plan.grouped)
    frac_text = _fill_fraction(frac_text, plan.frac_codes)
    number = int_text + ("." + frac_text if plan.has_dot else "")
    negative = value < 0 and not signed and q != 0
    text = f"{'-' if negative else ''}{plan.prefix}{number}{plan.middle}{plan.suffix}"
    return Shown(text.strip(), rounded=rounded, exact=-d if value < 0 else d)


def _piece(token: str) -> str:
    lit = _literal(token)
    if lit is not None:
        return lit
    return "" if token in ("@", ",", ".") else token


def _fill_integer(digits: str, codes: tuple[str, ...], grouped: bool) -> str:
    digits = digits.lstrip("0")
    need = sum(1 for c in codes if c == "0")
    if len(digits) < need:
        digits = "0" * (need - len(digits)) + digits
    if not digits and "?" in codes:
        digits = " "
    if grouped and digits.strip():
        digits = f"{int(digits):,}"
    return digits


def _fill_fraction(digits: str, codes: tuple[str, ...]) -> str:
    out = list(digits)
    for i in range(len(codes) - 1, -1, -1):
        if codes[i] == "0" or i >= len(out) or out[i] != "0":
            break
        out[i] = " " if codes[i] == "?" else ""
    return "".join(out).rstrip()


# --- dates ------------------------------------------------------------------------------------

def _era(d: datetime) -> tuple[str, str, str, int]:
    day = d.date()
    for start, name, letter, short in ERAS:
        if day >= start:
            return name, letter, short, d.year - start.year + 1
    return "", "", "", d.year


def _date_text(d: datetime, section: str) -> str:
    tokens = _tokens(section)
    gannen = "gannen" in section.lower()
    hour12 = any(t.upper() in ("AM/PM", "A/P") for t in tokens)
    out: list[str] = []
    for i, t in enumerate(tokens):
        lit = _literal(t)
        if lit is not None:
            out.append(lit)
            continue
        out.append(_date_code(d, t, tokens, i, gannen, hour12))
    return "".join(out).strip()


def _is_minute(tokens: tuple[str, ...], i: int) -> bool:
    before = next((t for t in reversed(tokens[:i]) if _DATE_CODES.match(t)), "")
    after = next((t for t in tokens[i + 1:] if _DATE_CODES.match(t)), "")
    return before[:1].lower() == "h" or after[:1].lower() == "s"


def _date_code(d: datetime, t: str, tokens: tuple[str, ...], i: int, gannen: bool, hour12: bool) -> str:
    low = t.lower()
    c, n = low[:1], len(low)
    if c == "y":
        return f"{d.year % 100:02d}" if n <= 2 else str(d.year)
    if c == "m" and n <= 2 and _is_minute(tokens, i):
        return f"{d.minute:0{n}d}"
    if c == "m":
        return {1: str(d.month), 2: f"{d.month:02d}", 3: _MONTHS_EN[d.month - 1]}.get(n, _MONTHS_EN[d.month - 1])
    if c == "d":
        if n <= 2:
            return f"{d.day:0{n}d}"
        return d.strftime("%a") if n == 3 else d.strftime("%A")
    if c == "a" and n in (3, 4):
        return _WEEKDAYS_JA[d.weekday()] + ("曜日" if n == 4 else "")
    if c == "h":
        h = d.hour % 12 or 12 if hour12 else d.hour
        return f"{h:0{min(n, 2)}d}"
    if c == "s":
        return f"{d.second:0{min(n, 2)}d}"
    if low in ("am/pm", "a/p"):
        return ("AM" if d.hour < 12 else "PM")[: 2 if low == "am/pm" else 1]
    name, letter, short, year = _era(d)
    if c == "g":
        return {1: letter, 2: short}.get(n, name)
    if c == "e":
        if gannen and year == 1:
            return "元"
        return f"{year:0{min(n, 2)}d}"
    return t
