"""What changed between two masters (two years, or two versions of one year).

KPIs are matched by their key (基本目標, 施策, KPI番号, 再掲). For a matched KPI every field that
differs is one change — values, revised targets and texts — and its 達成率 and grade are compared
as displayed; KPIs present on one side only are ``added`` / ``dropped``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from .rate import grade
from .record import FIELD_LABELS, KpiRecord
from .rules import evaluate

VALUE_FIELDS = ("baseline", "target", "current", "revised_target")
TEXT_FIELDS = ("measure_name", "department", "measure_content", "kpi_item", "revision_note", "projects",
               "progress", "plan", "covid_impact", "covid_response", "sdgs", "direction")
KINDS = {"added": "追加", "dropped": "削除", "value": "値", "rate": "達成率", "grade": "評価",
         "revised": "目標値の変更", "text": "文章"}


@dataclass(frozen=True)
class Change:
    kind: str          # added | dropped | value | rate | grade | revised | text
    measure_id: str
    kpi_no: str
    field: str
    old: str
    new: str
    item: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def describe(self) -> str:
        where = f"{self.measure_id or '-'} KPI{self.kpi_no or '-'}"
        if self.kind in ("added", "dropped"):
            return f"[{KINDS[self.kind]}] {where} {self.item}"
        label = "評価" if self.field == "grade" else FIELD_LABELS.get(self.field, self.field)
        return f"[{KINDS[self.kind]}] {where} {label}: {self.old or '（空欄）'} → {self.new or '（空欄）'}"


def _key(r: KpiRecord) -> tuple:
    return (r.goal_no, r.measure_id or r.measure_name, r.kpi_no, r.is_relisted, r.projects if not r.kpi_no else "")


def diff_records(old: Sequence[KpiRecord], new: Sequence[KpiRecord]) -> list[Change]:
    olds = {_key(r): r for r in old}
    news = {_key(r): r for r in new}
    changes: list[Change] = []
    for k, r in news.items():
        if k not in olds:
            changes.append(Change("added", r.measure_id, r.kpi_no, "", "", "", r.kpi_item or r.measure_name))
    for k, r in olds.items():
        if k not in news:
            changes.append(Change("dropped", r.measure_id, r.kpi_no, "", "", "", r.kpi_item or r.measure_name))
    for k, n in news.items():
        o = olds.get(k)
        if o is None:
            continue
        for f in VALUE_FIELDS:
            a, b = getattr(o, f), getattr(n, f)
            if a != b:
                changes.append(Change("revised" if f == "revised_target" else "value", n.measure_id, n.kpi_no, f, a, b))
        eo, en = evaluate(o), evaluate(n)
        for f, ro, rn in (("rate", eo.rate, en.rate), ("revised_rate", eo.revised_rate, en.revised_rate)):
            do = ro.display if ro is not None else ""
            dn = rn.display if rn is not None else ""
            if do != dn:
                changes.append(Change("rate", n.measure_id, n.kpi_no, f, do, dn))
        go = grade(eo.rate) if eo.rate is not None else ""
        gn = grade(en.rate) if en.rate is not None else ""
        if go != gn:
            changes.append(Change("grade", n.measure_id, n.kpi_no, "grade", go, gn))
        for f in TEXT_FIELDS:
            a, b = getattr(o, f), getattr(n, f)
            if a != b:
                changes.append(Change("text", n.measure_id, n.kpi_no, f, a, b))
    return changes
