"""The words of KPI cells: qualifiers, prefixes, magnitudes and placeholders, as reports write them.

Only vocabulary lives here (tables and the regexes built from them); :mod:`quantity` reads a cell
with them. A placeholder (``-``, ``―``, ``なし``, ``未集計`` …) is a cell that says "no value".
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from .text import to_halfwidth

# Basis of a value.
CUMULATIVE = "cumulative"
AVERAGE = "average"
PER = {"年": "per-year", "年度": "per-year", "月": "per-month", "日": "per-day"}
BASES = (CUMULATIVE, AVERAGE, "per-year", "per-month", "per-day")

# Qualifiers: words that say something the number does not.
NEW = "new"
CONTINUE = "continue"
MAINTAIN = "maintain"
APPROX = "approx"
INCREASE = "increase"
DECREASE = "decrease"
AT_LEAST = "at-least"
AT_MOST = "at-most"
ESTIMATE = "estimate"
STOPPED = "stopped"
DONE = "done"
DATE = "date"  # the cell is a date (a completion or opening date), no number
QUALITATIVE = "qualitative"  # words of aim with no figure but years (…と同水準, …を実現): no rate
QUALIFIERS = (NEW, CONTINUE, MAINTAIN, APPROX, INCREASE, DECREASE, AT_LEAST, AT_MOST, ESTIMATE,
              STOPPED, DONE, DATE, QUALITATIVE)

# Phrases, each with the qualifier it means; matched longest first and removed once seen.
PHRASES: dict[str, str] = {
    "事業を継続して実施する": CONTINUE, "継続して実施": CONTINUE, "継続実施": CONTINUE,
    "継続中": CONTINUE, "継続": CONTINUE,
    "現状維持": MAINTAIN, "を維持": MAINTAIN, "維持": MAINTAIN,
    "見込み": ESTIMATE, "見込": ESTIMATE, "見通し": ESTIMATE, "暫定": ESTIMATE, "速報値": ESTIMATE,
    "速報": ESTIMATE, "推計": ESTIMATE,
    "程度": APPROX,
    "の増加": INCREASE, "増加": INCREASE, "向上": INCREASE, "上昇": INCREASE, "アップ": INCREASE,
    "の増": INCREASE, "増": INCREASE,
    "の減少": DECREASE, "減少": DECREASE, "削減": DECREASE, "低減": DECREASE, "縮減": DECREASE,
    "抑制": DECREASE, "減": DECREASE,
    "以上": AT_LEAST, "超": AT_LEAST,
    "以下": AT_MOST, "未満": AT_MOST, "以内": AT_MOST,
    "未実施": STOPPED, "中止": STOPPED, "休止": STOPPED, "廃止": STOPPED,
    "の拡大": INCREASE, "拡大": INCREASE,
    # Verbs of aim that say nothing the number does not: 5万人創出, 3兆円へ, …を目指す.
    "を目指す": "", "目指す": "", "創出": "", "確保": "", "実現": "", "へ": "",
    "実施済み": DONE, "実施済": DONE, "完了": DONE, "策定済み": DONE, "策定済": DONE, "策定": DONE,
    "完成": DONE, "開設": DONE, "設置": DONE, "供用開始": DONE, "達成": DONE, "実施": DONE,
}
PHRASE_RE = re.compile("|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)))
NEW_WORDS = ("新規", "新規事業", "新設", "新規実施")

# Words that stand before the number: 約100人, 年間1,200人, 月平均50件, 1日当たり3,500人.
APPROX_PREFIX_RE = re.compile(r"(約|およそ|概ね|おおむね)\s*$")
PER_PREFIX_RE = re.compile(
    r"(?:1\s*)?(年|月|日|週)\s*(間|平均|あたり|当たり|につき)|(?:毎|各)(年|月|日|週)度?|^(年|月|週)(?=\s*\d)")
# '1人当たり', '1世帯あたり' in a label: the 1 is part of the words, not the value.
ONE_PER_RE = re.compile(
    r"1\s*(?=(?:人|世帯|件|校|社|戸|台|施設|か月|ヶ月)\s*(?:1\s*(?:年|月|日)\s*)?(?:あたり|当たり))")
ONE_MARK = "\ue001"
NEGATIVE_WORD_RE = re.compile(r"マイナス\s*(?=\d)")
# Words that are an amount: 半減 is a 50 % decrease, 倍増 a 100 % increase.
AMOUNT_WORDS = {"半減": "50%減", "倍増": "100%増"}
# Arrows of a table (30%→, ↑) say a direction, not a unit.
# A range of values (1.5~2%, 80%~90%, 3~5件), after to_halfwidth made 〜/～ a '~'.
RANGE_RE = re.compile(r"(?<![\d.,])(?P<low>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<lunit>[^\d\s~()]{0,6}?)\s*~\s*"
                      r"(?P<high>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d.,])")
# Words of aim that make a text without a figure a qualitative target (…と同水準, …を目指す, …を実現).
AIM_RE = re.compile(r"同水準|同程度|並み|目指|めざ|実現|向上|図る|上回|下回|改善|推進|充実|強化|促進|構築|整備|"
                    r"定着|確立|解消|達成|水準|努め|取り?組|拡充|普及|活性化|増やす|減らす")
# The words that mark a cumulative figure beside a per-year pace (毎年度30都市、累計210都市).
TOTAL_WORDS = ("累計", "合計")
# Words that mark a per-year pace in such a cell (年間10件, 毎年度30都市, 10件/年).
PACE_RE = re.compile(r"毎年度?|年間|単年度?|各年度?|/年")
ARROWS = "→⇒↑↓↗↘➡⇗⇘"
# An age in the words before the value (65歳以上 30%): part of the label, not a second value.
AGE_RE = re.compile(r"\d+\s*(?:~\s*\d+\s*)?歳(?:以上|以下|未満|代)?")
# Newspapers set decimals with a middle dot in vertical text: 2・2% is 2.2%, 12・9 is 12.9 (wherever a
# value stands; a list of three numbers, 1・2・3, is no decimal).
NAKAGURO_DECIMAL_RE = re.compile(r"(?<![\d・.])(\d+)・(\d+)(?![\d・])")
# 、 between groups of three digits is a thousands separator in vertical text: 18、500 is 18,500.
IDEOGRAPHIC_THOUSANDS_RE = re.compile(r"(?<![\d,、.])\d{1,3}(?:、\d{3})+(?![\d、,.・])")
ZERO_WORD_RE = re.compile(r"^(?:ゼロ|零)(?=\s*(?:件|人|か所|社|団体|%|$))")
# A period before the number makes it a total over the period: 5年間で100人, 5か年で…
PERIOD_PREFIX_RE = re.compile(r"\d+\s*(?:年間|か年|カ年|ヶ年)\s*(?:で|の|累計)?")
DEADLINE_PREFIX_RE = re.compile(r"(?:今後)?\s*\d+\s*(?:年|か年|カ年|ヶ年)以内に")  # 今後5年以内に: when, not a value
# A digit that belongs to a unit (m3, m2, km2) or a typo of a magnitude (5憶 for 5億).
UNIT_DIGIT_RE = re.compile(r"(?<=m)([23])(?![\d,.])")
# Chemical formulas in units and names (2,488 t-CO2, NO2濃度, PM2.5): their digits are no values either.
FORMULA_RE = re.compile(r"(?<![A-Za-z])(?:CO2|NO2|SO2|CH4|N2O|O3|PM2\.5|PM10)(?![\d.])")
MAGNITUDE_TYPOS = str.maketrans({"憶": "億"})
# Units that are other units scaled: 2割 is 20 %.
SCALED_UNITS = {"割": (Decimal(10), "%")}
# A cell that is only a unit: the number was deleted, the unit left (no value).
UNIT_ONLY = frozenset({"km", "m", "ha", "t", "件", "人", "回", "社", "か所", "箇所", "円", "千円", "万円", "%",
                       "団体", "世帯", "校", "本", "台", "戸", "施設", "事業", "品", "名", "組", "日", "時間", "m3",
                       "t-CO2", "千t-CO2", "kg-CO2",
                       "m2", "km2", "kg", "g", "人/年", "件/年", "回/年", "人/日"})
TIME_WORD_RE = re.compile(r"\x00\s*(?:末|時点|現在|頃|中|まで(?:に)?)*")

# Magnitudes: a single one stays in the unit (18,360千円); combinations are summed (1億2,000万円).
MAGNITUDES = {"兆": Decimal(10) ** 12, "億": Decimal(10) ** 8, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6,
              "万": Decimal(10) ** 4, "千": Decimal(10) ** 3}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
COMBINATION_RE = re.compile(
    rf"(?P<sign>[-▲△]\s*)?(?P<a>{_NUM})\s*(?P<ma>兆|億|万)\s*(?P<b>{_NUM})\s*(?P<mb>億|千万|百万|万|千)?"
    rf"(?:\s*(?P<c>{_NUM})\s*(?P<mc>千)?)?(?![\d.,])")

# Units written several ways that count the same thing.
UNIT_ALIASES = {"ヶ所": "か所", "ケ所": "か所", "カ所": "か所", "ヵ所": "か所", "箇所": "か所",
                "个所": "か所", "名": "人", "ｍ": "m", "㎡": "m2", "平方メートル": "m2", "ポイント": "pt",
                "ﾎﾟｲﾝﾄ": "pt", "パーセント": "%", "トン": "t", "ヘクタール": "ha", "キロメートル": "km",
                "メートル": "m", "キログラム": "kg", "グラム": "g", "㎢": "km2", "平方キロメートル": "km2",
                "㎞": "km", "㎏": "kg", "ｔ": "t"}

# Words that name a reference without giving its number: 現状(平成19年度), 平成19年度調査.
NO_VALUE_WORDS = frozenset({"現状", "現状値", "調査", "実績", "時点", "策定時", "計画策定時"})

# Placeholders: the whole cell says "no value" (a note in parentheses, or a unit, may follow).
PLACEHOLDER_WORDS = frozenset({
    "なし", "無し", "該当なし", "該当無し", "未集計", "集計中", "調査中", "未調査", "未確定", "未定", "不明",
    "対象外", "非公表", "未公表", "算出中", "測定中", "未把握", "把握中", "n/a", "na", "-", "空欄",
    "実績なし", "データなし", "未計測", "計測中", "確認中", "未確認",
    "未提出",  # the master's mark of a plan KPI whose department has not submitted it
})
_PLACEHOLDER_MARKS = frozenset("-―‐ー─ｰ*…・./")
_PLACEHOLDER_NOTE_RE = re.compile(r"\([^()]*\)\s*$")


def is_placeholder(text: object) -> bool:
    """True for a cell that says "no value": blank, a dash of any kind, なし, 未集計, 調査中 …"""
    if text is None:
        return True
    if not isinstance(text, str):
        return False
    return _is_placeholder_text(text)


@lru_cache(maxsize=8192)
def _is_placeholder_text(text: str) -> bool:
    if text[:1].isdigit():
        return False
    s = to_halfwidth(text).replace("\n", "").replace("\r", "").strip()
    while _PLACEHOLDER_NOTE_RE.search(s) and not s.startswith("("):
        s = _PLACEHOLDER_NOTE_RE.sub("", s).strip()
    if not s:
        return True
    if s.lower() in PLACEHOLDER_WORDS:
        return True
    marks = len(s) - len(s.lstrip("".join(_PLACEHOLDER_MARKS) + " "))
    rest = s[marks:].strip()
    # '―', '― 件/年': marks, then at most a short unit with no digit.
    return marks > 0 and len(rest) <= 6 and not any(c.isdigit() for c in rest)
