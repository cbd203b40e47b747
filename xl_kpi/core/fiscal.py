"""Japanese fiscal years and dates: 平成/令和 (and H/R) era years, 元年, ranges, western years.

A Japanese fiscal year N starts on 1 April of year N (令和2年度 = FY2020 = April 2020–March 2021),
so a date in January–March belongs to the fiscal year before its calendar year
(令和3年3月31日 → FY2020). ``ERAS`` is the one table of era bases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .errors import InputError
from .text import to_halfwidth

JAPAN_TIME = timezone(timedelta(hours=9), "JST")  # no daylight saving in Japan


def japan_time(when: datetime) -> datetime:
    """An aware time shown in Japan time (``…+09:00``), whole seconds."""
    return when.astimezone(JAPAN_TIME).replace(microsecond=0)


ERAS = {"昭和": 1925, "S": 1925, "平成": 1988, "H": 1988, "令和": 2018, "R": 2018}
_ERA_NAMES = {1925: "昭和", 1988: "平成", 2018: "令和"}

_NUM = r"(?:元|\d{1,2})"
FY_PATTERN = re.compile(
    rf"(?P<era>昭和|平成|令和|(?<![A-Za-z])[SHR])\s*(?P<start>{_NUM})"
    rf"(?:\s*(?:年度?)?\s*[~\-]\s*(?:(?P<era2>昭和|平成|令和|[SHR])\s*)?(?P<end>{_NUM}))?"
    r"\s*(?P<suffix>年度|年)?"
    r"|(?P<west>(?:19|20)\d{2})\s*(?:[~\-]\s*(?P<west2>(?:19|20)\d{2}))?\s*(?P<wsuffix>年度|年)"
)


# A date: era or western year with month (and day), as 令和3年3月31日, R3.3.31, 2021/3/31, 2021年4月.
_ERA_YEAR = r"(?P<era>昭和|平成|令和|(?<![A-Za-z])[SHR])\s*(?P<ey>元|\d{1,2})"
_WEST_YEAR = r"(?<!\d)(?P<wy>(?:19|20)\d{2})"
DATE_PATTERN = re.compile(
    rf"(?:{_ERA_YEAR}|{_WEST_YEAR})\s*(?:"
    r"年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?"
    r"|[./](?P<m2>\d{1,2})(?:[./](?P<d2>\d{1,2}))?(?![\d.]))"
    r"\s*(?:末|時点|現在|頃|まで(?:に)?)*"
)


@dataclass(frozen=True, slots=True)
class FiscalSpan:
    """A fiscal year or a range of them (start == end for a single year)."""

    start: int
    end: int
    fiscal: bool = True  # 年度 (fiscal) rather than 年 (calendar)

    def __str__(self) -> str:
        if self.start == self.end:
            return format_fiscal_year(self.start)
        end = _era_year(self.end)
        same_era = _era_year(self.start)[0] == end[0]
        return f"{format_fiscal_year(self.start, suffix='')}～{end[1] if same_era else ''.join(end)}年度"


def _year(era: str, n: str) -> int:
    base = ERAS[era]
    return base + (1 if n == "元" else int(n))


def era_year(era: str, n: str) -> int:
    """The western year of an era year: ('令和', '元') → 2019, ('H', '30') → 2018."""
    return _year(era, n)


def fiscal_year_of(year: int, month: int) -> int:
    """The fiscal year a month belongs to: January–March belong to the year before."""
    return year - 1 if month <= 3 else year


def date_span(m: re.Match[str]) -> FiscalSpan | None:
    """The fiscal year of a DATE_PATTERN match, or None when the month is not 1–12."""
    year = int(m.group("wy")) if m.group("wy") else _year(m.group("era"), m.group("ey"))
    month = int(m.group("m") or m.group("m2"))
    day = m.group("d") or m.group("d2")
    if not 1 <= month <= 12 or (day is not None and not 1 <= int(day) <= 31):
        return None
    if m.group("wy") and "." in m.group(0) and day is None:
        return None  # 2021.5 is a number, not May 2021
    fy = fiscal_year_of(year, month)
    return FiscalSpan(fy, fy)


def _era_year(year: int) -> tuple[str, str]:
    for base in sorted(_ERA_NAMES, reverse=True):
        # 令和 starts in FY2019 (令和元年度), 平成 in FY1989.
        if year > base:
            n = year - base
            return _ERA_NAMES[base], "元" if n == 1 else str(n)
    raise InputError(f"年度 {year} は和暦に変換できません。", value=year)


def format_fiscal_year(year: int, suffix: str = "年度") -> str:
    """2020 → '令和2年度', 2019 → '令和元年度', 2018 → '平成30年度'."""
    era, n = _era_year(year)
    return f"{era}{n}{suffix}"


def parse_fiscal_year(text: str) -> FiscalSpan | None:
    """The first fiscal year (or range) in the text, or None.

    >>> parse_fiscal_year("平成28～30年の平均")
    FiscalSpan(start=2016, end=2018, fiscal=False)
    """
    m = FY_PATTERN.search(to_halfwidth(text))
    return span_from_match(m) if m else None


def span_from_match(m: re.Match[str]) -> FiscalSpan:
    if m.group("west"):
        start = int(m.group("west"))
        end = int(m.group("west2") or start)
        return FiscalSpan(start, end, m.group("wsuffix") == "年度")
    era = m.group("era")
    start = _year(era, m.group("start"))
    end = _year(m.group("era2") or era, m.group("end")) if m.group("end") else start
    return FiscalSpan(start, end, m.group("suffix") != "年")


def parse_reporting_year(text: str | int) -> int:
    """'令和2' / '令和2年度' / 'R2' / '2020' / 2020 → 2020; anything else is an InputError."""
    if isinstance(text, int):
        return text
    raw = to_halfwidth(str(text)).strip()
    if raw.isdigit() and len(raw) == 4:
        return int(raw)
    m = re.fullmatch(r"(昭和|平成|令和|[SHR])\s*(元|\d{1,2})\s*(年度?)?", raw)
    if not m:
        raise InputError(f"年度「{raw}」を読み取れません（例: 令和2、R2、2020）。", value=raw)
    return _year(m.group(1), m.group(2))
