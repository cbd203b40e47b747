"""The KPI record: one KPI row (or one row of a measure without a KPI) and where it came from.

Records, not cells, cross the layers. Every field is the cell's text as the user would read it
(readers turn numbers into text the way the cell displays them), and ``source`` says which
file, sheet, row and cell each field was read from, so a finding can point at ``'商工労働部'!H12``.
A value field the user typed as a number keeps that number beside its text (``numbers``): the
rate is computed from it, and the master writes it back as a number in the same format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import lru_cache

from .text import to_halfwidth

# Field names are the interchange CSV's columns, in its order.
CSV_FIELDS: tuple[str, ...] = (
    "goal_no", "goal_title", "direction_letter", "direction_title", "measure_id", "measure_name",
    "department", "measure_content", "kpi_no", "kpi_item", "baseline", "target", "current", "rate",
    "revised_target", "revised_rate", "revision_note", "projects", "progress", "plan",
    "covid_impact", "covid_response", "sdgs", "relisted", "source_line",
)

# What a user calls each field (the template's headers, shortened where they are grouped).
FIELD_LABELS: dict[str, str] = {
    "goal_no": "基本目標", "goal_title": "基本目標名", "direction_letter": "基本的方向",
    "direction_title": "基本的方向名", "measure_id": "施策番号", "measure_name": "施策",
    "department": "部署", "measure_content": "施策の内容", "kpi_no": "KPI番号",
    "kpi_item": "KPI項目", "baseline": "基準値", "target": "目標値", "current": "現在値",
    "rate": "達成率", "revised_target": "変更後の目標値", "revised_rate": "変更後の達成率",
    "revision_note": "備考", "projects": "主な個別事業", "progress": "これまでの取組状況",
    "plan": "今後の取組予定", "covid_impact": "事業への影響", "covid_response": "現状の対応・今後の対応策",
    "sdgs": "SDGs", "relisted": "再掲", "source_line": "参照行", "direction": "指標の方向",
    "submitted_by": "提出部署", "origin_file": "提出ファイル", "origin_sheet": "提出シート",
    "origin_row": "提出行", "previous_value": "前年度実績",
}

_RELISTED_RE = re.compile(r"[(（]再掲[)）]\s*$")

LOWER_IS_BETTER = "lower"
HIGHER_IS_BETTER = "higher"
DIRECTION_LABELS = {HIGHER_IS_BETTER: "高いほど良い", LOWER_IS_BETTER: "低いほど良い"}


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record was read from: file, sheet, row, and ``columns`` (field → column letter,
    one mapping shared by every row of a sheet) from which each field's cell address comes."""

    file: str = ""
    sheet: str = ""
    row: int = 0
    columns: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def cell(self, name: str) -> str:
        """The cell address of a field ('H12'), or '' when unknown."""
        letter = self.columns.get(name)
        return f"{letter}{self.row}" if letter and self.row else ""

    @property
    def cells(self) -> dict[str, str]:
        return {name: f"{letter}{self.row}" for name, letter in self.columns.items()} if self.row else {}


@dataclass(frozen=True, slots=True)
class CellNumber:
    """A value cell typed as a number: the number as stored, the number format that shows it as
    the field's text (the format code, as in ``xl/styles.xml``), ``exact``: the number on the
    scale of that text, not rounded (1484.6 shown 「1,485人」; 0.3746 in ``0.0%`` is 37.46), and
    ``shown``: the text the number shows in that format (the field keeps the number only while
    its text is still that)."""

    value: float | int
    number_format: str
    exact: Decimal
    shown: str


@dataclass(slots=True)
class KpiRecord:
    goal_no: str = ""
    goal_title: str = ""
    direction_letter: str = ""
    direction_title: str = ""
    measure_id: str = ""
    measure_name: str = ""
    department: str = ""
    measure_content: str = ""
    kpi_no: str = ""
    kpi_item: str = ""
    baseline: str = ""
    target: str = ""
    current: str = ""
    rate: str = ""
    revised_target: str = ""
    revised_rate: str = ""
    revision_note: str = ""
    projects: str = ""
    progress: str = ""
    plan: str = ""
    covid_impact: str = ""
    covid_response: str = ""
    sdgs: str = ""
    relisted: str = "0"
    source_line: str = ""
    direction: str = ""  # 'lower' when less is better; '' or 'higher' otherwise
    previous_value: str = ""  # 前年度実績: last year's value, in next year's pre-filled submissions
    # Provenance kept in the master: who submitted the row, from which file, sheet and row.
    submitted_by: str = ""
    origin_file: str = ""
    origin_sheet: str = ""
    origin_row: str = ""
    source: Source = field(default_factory=Source)
    # Value fields typed as numbers (field → its number); the texts above stay what the cells show.
    numbers: Mapping[str, CellNumber] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], source: Source | None = None) -> KpiRecord:
        kwargs: dict[str, object] = {k: _text(values[k]) for k in _FIELD_NAMES if k in values}
        rec = cls(**kwargs, source=source or Source())  # type: ignore[arg-type]  # the text fields
        rec._settle_relisted("relisted" in values)
        return rec

    @classmethod
    def from_texts(cls, values: dict[str, str], source: Source,
                   numbers: Mapping[str, CellNumber] | None = None) -> KpiRecord:
        """Like :meth:`from_mapping` for values that are already texts (the readers' output)."""
        given = values if _FIELD_SET.issuperset(values) else {k: v for k, v in values.items() if k in _FIELD_SET}
        rec = cls(**given, source=source, numbers=numbers or {})
        rec._settle_relisted("relisted" in values)
        return rec

    def _settle_relisted(self, given: bool) -> None:
        """A 再掲 flag that is missing or not 0/1 comes from the 「(再掲)」 suffix of the measure name."""
        if not given or self.relisted not in ("0", "1"):
            self.relisted = "1" if "再掲" in self.measure_name and _RELISTED_RE.search(self.measure_name) else "0"

    def to_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in _FIELD_NAMES}

    @property
    def has_kpi(self) -> bool:
        return bool(self.kpi_no or self.kpi_item or self.baseline or self.target or self.current
                    or self.rate or self.revised_target or self.revised_rate or self.revision_note)

    @property
    def is_relisted(self) -> bool:
        return self.relisted == "1" or ("再掲" in self.measure_name and bool(_RELISTED_RE.search(self.measure_name)))

    @property
    def lower_is_better(self) -> bool:
        return self.direction == LOWER_IS_BETTER

    @property
    def owner(self) -> str:
        """The owning department: the first one named (「企画管理部 環境部」 → 企画管理部)."""
        return first_department(self.department)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity of a KPI across submissions: goal, measure, KPI number, 再掲 flag."""
        measure = self.measure_id or f"name:{self.measure_name}"
        return (self.goal_no, measure, self.kpi_no, "1" if self.is_relisted else "0")


_FIELD_NAMES = tuple(f.name for f in fields(KpiRecord) if f.name not in ("source", "numbers"))
_FIELD_SET = frozenset(_FIELD_NAMES)
RECORD_FIELDS = _FIELD_NAMES


def first_department(text: str) -> str:
    """The first department named ('' when none): 「企画管理部 環境部」 → 企画管理部,
    「活 力 都 市 創 造 部」 → 活力都市創造部 (see :func:`department_names`)."""
    names = department_names(text)
    return names[0] if names else ""


_DEPARTMENT_SEPARATORS = re.compile(r"[\s\u3000、,，・/／]+")
# What a department's name ends with (used only when no list of departments is known).
_DEPARTMENT_ENDINGS = ("部", "局", "課", "室", "委員会", "事務所", "センター", "本部", "庁")


def department_names(text: str, known: Iterable[str] = ()) -> tuple[str, ...]:
    """The departments a 部署 cell names.

    Parts separated by spaces or line breaks name several (joint) owners when each part is a known
    department (「企画管理部 環境部」), or — unless together they are a known name — when each part
    is a name of two or more characters ending like a department's (部, 局, 課 …; an unknown one is
    then reported by name). Otherwise the parts are one name written across a narrow column
    (「活 力 都 市 創 造 部」, 「企画\\n管理部」 → 企画管理部)."""
    return _department_names(text, known if isinstance(known, tuple) else tuple(known))


@lru_cache(maxsize=4096)
def _department_names(text: str, known: tuple[str, ...]) -> tuple[str, ...]:
    t = to_halfwidth(text).strip()
    if not t:
        return ()
    parts = [p for p in _DEPARTMENT_SEPARATORS.split(t) if p]
    if len(parts) <= 1:
        return tuple(parts)
    names = set(known)
    if names and all(p in names for p in parts):
        return tuple(dict.fromkeys(parts))
    joined = "".join(parts)
    if joined not in names and all(len(p) >= 2 and p.endswith(_DEPARTMENT_ENDINGS) for p in parts):
        return tuple(dict.fromkeys(parts))
    return (joined,)


def value_text(value: object) -> str:
    """A cell's value as text: None is '', a whole float its integer (3.0 → '3')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_text = value_text


def records_to_frame(records: Iterable[KpiRecord]):
    """A pandas DataFrame of records (one column per field plus source_file/sheet/row)."""
    import pandas as pd

    rows = []
    for r in records:
        d: dict[str, object] = {**r.to_dict(), "source_file": r.source.file, "source_sheet": r.source.sheet,
                                "source_row": r.source.row}
        rows.append(d)
    return pd.DataFrame(rows, columns=[*RECORD_FIELDS, "source_file", "source_sheet", "source_row"])
