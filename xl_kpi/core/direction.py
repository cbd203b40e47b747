"""Direction: whether a KPI is better higher or lower, from what its cells say.

:func:`kpi_direction` is a pure function of the 指標の方向 cell, the KPI item's wording and the
baseline and target read as quantities (the plan register's direction will be passed as
``stated`` the same way). In order:

1. 指標の方向 (``stated``) decides when given.
2. The target's own words: 以下 / 未満 / 減 / 削減 make it lower-is-better, 増 / 以上 higher; a rank
   (第1位) is lower-is-better (:func:`~xl_kpi.core.rate.choose_method` reads those).
3. A numeric target below a baseline of the same unit and basis (and no 増 in it) makes it
   lower-is-better, said by an info finding (``direction-from-target``) that asks for 指標の方向
   「高いほど良い」 where the lower target is a decline accepted, not sought (人口 501,670 → 490,000人程度).
   The rate reads only the cells (no item), so every entry point gives the same number.
4. Without such a baseline, an item that names something to reduce (:data:`REDUCE_WORDS`) is taken
   as lower-is-better with a warning asking for 指標の方向 (``direction-needed``) — never silently.
5. Otherwise higher is better.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .quantity import (
    APPROX,
    AT_LEAST,
    AT_MOST,
    DECREASE,
    ESTIMATE,
    INCREASE,
    MAINTAIN,
    Quantity,
    normalized,
    quantity_or_none,
)
from .record import HIGHER_IS_BETTER, LOWER_IS_BETTER, KpiRecord

STATED, TARGET_WORDS, BELOW_BASELINE, ITEM_WORDS, DEFAULT = "stated", "target-words", "below-baseline", \
    "item-words", "default"

# What a KPI item names when less of it is better. Sources: the words of the lower-is-better
# KPIs of the corpus (tests/data/kpi_expectations.csv, direction "lower": 刑法犯認知件数, 耕作放棄地の
# 面積, 交通事故死者数, 雪害による死亡者数, 待機児童, 有害鳥獣による被害額, ごみ排出量, 社会減, 落書き件数,
# 火災発生件数, 交通事故死傷者数, 健康日本21 の肥満・やせ・欠食・多量飲酒・高脂血症, 問題行動件数, 温室効果
# ガスの排出量) and issue 24's list (事故, 死傷, 待機児童, 排出量, 渋滞, 不登校, 空き家).
REDUCE_WORDS = (
    "事故", "死傷", "死者", "死亡", "負傷", "犯罪", "刑法犯", "被害", "火災", "待機児童", "排出量", "温室効果ガス",
    "ごみ", "渋滞", "不登校", "いじめ", "問題行動", "空き家", "空家", "耕作放棄", "遊休農地", "放置竹林", "社会減",
    "転出超過", "落書き", "不法投棄", "肥満", "やせ", "欠食", "多量飲酒", "喫煙", "高脂血症", "虐待", "自殺",
    "失業", "離職", "滞納", "未収", "待ち時間", "待機", "浸水", "汚水", "騒音", "欠航", "赤字",
)
# Words that make the item an action against the thing or an amount of it removed: 事故防止講習の受講者数,
# 空き家の活用件数, 排出削減量 are better higher.
_ACTION_WORDS = re.compile(
    r"防止|対策|解消|除却|撤去|活用|利活用|登録|講習|教室|支援|相談|改修|改善|削減|減少|抑制|取組|取り組|参加|受講|"
    r"実施|整備|設置|導入|啓発|研修|訓練|協定|パトロール|見守り|補助|助成|回収|リサイクル|再資源|解決|再生|率の低下")
_REDUCE_RE = re.compile("|".join(REDUCE_WORDS))

@dataclass(frozen=True, slots=True)
class Direction:
    """A KPI's direction: ``lower`` is lower-is-better; ``source`` says why (a constant above) and
    ``word`` is the item's word that named something to reduce (for ITEM_WORDS)."""

    lower: bool
    source: str = DEFAULT
    word: str = ""


HIGHER = Direction(False)
_PLAIN = frozenset({ESTIMATE, APPROX})  # qualifiers that leave a baseline a plain level


def record_direction(r: KpiRecord, target_field: str = "target") -> Direction:
    """:func:`kpi_direction` of a record's cells (the original 目標値 unless ``target_field`` says
    another: the 変更後の目標値 keeps the original's direction when it says nothing itself)."""
    return direction_of_cells(r.direction, r.kpi_item, r.baseline, getattr(r, target_field))


def _direction_of_texts(stated: str, item: str, baseline: str, target: str) -> Direction:
    return kpi_direction(stated, item, quantity_or_none(baseline), quantity_or_none(target))


# :func:`kpi_direction` of the cells' texts, cached by the texts (a merge asks it of every KPI two
# or three times, and texts hash cheaper than quantities); wrapped, not decorated, so that mutation
# testing reaches the function itself
direction_of_cells = lru_cache(maxsize=65536)(_direction_of_texts)


def reduce_word(item: str) -> str:
    """The word of ``item`` that names something to reduce ('' when none, or when the item is an
    action against it: 事故防止講習の受講者数)."""
    m = _REDUCE_RE.search(item)
    if m is None or _ACTION_WORDS.search(item):
        return ""
    return m.group()


@lru_cache(maxsize=65536)
def kpi_direction(stated: str, item: str, baseline: Quantity | None, target: Quantity | None) -> Direction:
    """The direction of one KPI (see the module's docstring for the order of the rules). Cached: a
    merge asks it of each KPI for the rate, the rules and the projection (quantities compare by what
    they say, and the direction reads nothing else of them)."""
    if stated in (LOWER_IS_BETTER, HIGHER_IS_BETTER):
        return Direction(stated == LOWER_IS_BETTER, STATED)
    if target is not None:
        if target.has(AT_MOST) or target.has(DECREASE) or target.unit == "位":
            return Direction(True, TARGET_WORDS)
        if target.has(INCREASE) or target.has(AT_LEAST):
            return Direction(False, TARGET_WORDS)
        compared = None if target.has(MAINTAIN) else _target_below_baseline(baseline, target)
        if compared is not None:
            return Direction(True, BELOW_BASELINE) if compared else HIGHER
        if target.value is None:  # 継続実施, 現状維持 …: no ratio to orient
            return HIGHER
    word = reduce_word(item)
    return Direction(True, ITEM_WORDS, word) if word else HIGHER


def _target_below_baseline(baseline: Quantity | None, target: Quantity) -> bool | None:
    """Is the target below a comparable baseline (same unit and basis)? None when they cannot be compared."""
    if baseline is None or baseline.value is None or target.value is None or baseline.qualifiers - _PLAIN:
        return None
    if baseline.basis != target.basis or target.upper is not None:
        return None
    (bv, bu), (tv, tu) = normalized(baseline), normalized(target)
    if bu != tu or bv is None or tv is None:
        return None
    return tv < bv
