"""The plan register: the KPIs the 総合戦略 fixes for its whole period, the reference of every merge.

One :class:`PlanKpi` a KPI (or a measure without a KPI): its identity (施策番号 + KPI No., and
whether it is a 再掲 copy), goal and direction with their titles, 施策, owning department(s), 項目,
the plan's 基準値 and 目標値, a revised target with its reason, the unit the plan states (scale
included: 億円, 千人), 指標の方向, and the plan period. A merge reconciles what departments submit
with it (:mod:`xl_kpi.core.evaluation`); the master keeps it as the 「計画」 sheet.

Identities are compared after normalisation: 施策番号 typed with the IME on (「１－０３」) or with
any dash (「1ー15」「1‐15」) is the measure 1-03 / 1-15; a department written across a narrow column
(「活 力 都 市 創 造 部」, 「企画\\n管理部」) is one department, while 「企画管理部 環境部」 names two
owners only when each part is a known department.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .errors import QuantityError
from .findings import Finding, make_finding
from .quantity import read_quantity
from .record import DIRECTION_LABELS, KpiRecord, department_names
from .text import to_halfwidth

# --- identities ----------------------------------------------------------------------------------

# Every dash a 施策番号 is typed with: ASCII, Unicode hyphens and dashes, minus, the long vowel
# mark (「1ー15」, the IME's dash key), half-width katakana's, and the full-width hyphen-minus.
_DASHES = "-‐‑‒–—―ー－−﹣ｰ─"
_MEASURE_ID_RE = re.compile(r"^\s*(\d+)\s*[" + _DASHES + r"]\s*(\d+)\s*$")


@lru_cache(maxsize=8192)
def normalize_measure_id(text: str) -> str:
    """A 施策番号 as the plan writes it: half-width digits and one ASCII hyphen (「１－０３」 →
    1-03, 「1ー15」 → 1-15); the number after the hyphen keeps at least two digits (「1-3」 →
    1-03). A text that is no 施策番号 of that shape is returned trimmed."""
    t = to_halfwidth(text)
    m = _MEASURE_ID_RE.match(t)
    if m is None:
        return text.strip()
    goal, number = m.groups()
    return f"{int(goal)}-{number.zfill(2)}"


def normalize_kpi_no(text: str) -> str:
    """A KPI number: half-width, trimmed (「２」 → 2)."""
    return to_halfwidth(text).strip()


def canonical_department(text: str, known: Iterable[str] = ()) -> str:
    """The 部署 cell as one text: the department, or joint owners separated by one space."""
    return " ".join(department_names(text, known))


def measure_key(r: KpiRecord) -> str:
    """The measure part of a KPI's identity: its normalised 施策番号, or its name when unnumbered."""
    mid = normalize_measure_id(r.measure_id)
    return mid or f"name:{r.measure_name.strip()}"


RegisterKey = tuple[str, str, str]


def register_key(r: KpiRecord) -> RegisterKey:
    """Identity of a plan KPI: (施策番号 or name, KPI No., '1' for a 再掲 copy else '0')."""
    return (measure_key(r), normalize_kpi_no(r.kpi_no), "1" if r.is_relisted else "0")


def describe_key(key: RegisterKey) -> str:
    measure, kpi, relisted = key
    name = measure.removeprefix("name:")
    text = f"施策{name}" + (f" KPI{kpi}" if kpi else "（KPIなし）")
    return text + ("（再掲）" if relisted == "1" else "")


# --- the register -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanKpi:
    """One KPI of the plan (or a measure without a KPI: ``kpi_no`` and the figures empty)."""

    measure_id: str
    kpi_no: str
    relisted: bool = False
    goal_no: str = ""
    goal_title: str = ""
    direction_letter: str = ""
    direction_title: str = ""
    measure_name: str = ""
    departments: tuple[str, ...] = ()
    kpi_item: str = ""
    baseline: str = ""
    target: str = ""
    revised_target: str = ""
    revision_note: str = ""
    unit: str = ""              # the unit the plan states, its scale included (件, 千円, 億円, 人/年)
    direction: str = ""         # '' (higher is better), 'lower' or 'higher' as the plan says
    measure_content: str = ""
    sdgs: str = ""
    row: int = 0                # the 「計画」 sheet's row, for findings (0 when not read from it)

    @property
    def key(self) -> RegisterKey:
        measure = self.measure_id or f"name:{self.measure_name.strip()}"
        return (measure, self.kpi_no, "1" if self.relisted else "0")

    @property
    def department(self) -> str:
        return " ".join(self.departments)

    @property
    def owner(self) -> str:
        return self.departments[0] if self.departments else ""

    @property
    def has_kpi(self) -> bool:
        return bool(self.kpi_no or self.kpi_item or self.target)

    def as_record(self, mark: str = "") -> KpiRecord:
        """The KPI as a row of the master with the plan's values; ``mark`` goes in the current
        value (「未提出」 for a KPI no department submitted)."""
        return KpiRecord(
            goal_no=self.goal_no, goal_title=self.goal_title, direction_letter=self.direction_letter,
            direction_title=self.direction_title, measure_id=self.measure_id,
            measure_name=self.measure_name + ("(再掲)" if self.relisted and "再掲" not in self.measure_name else ""),
            department=self.department, measure_content=self.measure_content, kpi_no=self.kpi_no,
            kpi_item=self.kpi_item, baseline=self.baseline, target=self.target,
            current=mark if self.has_kpi else "", revised_target=self.revised_target,
            revision_note=self.revision_note, sdgs=self.sdgs, relisted="1" if self.relisted else "0",
            direction=self.direction if self.direction in DIRECTION_LABELS else "",
        )


def plan_unit(target: str) -> str:
    """The unit a plan's target states, scale included (「8億円」 → 億円, 「30件(累計)」 → 件)."""
    q = read_quantity(target) if target.strip() else None
    if q is None or isinstance(q, QuantityError) or q.value is None:
        return ""
    return q.unit_text


def plan_kpi_from_record(r: KpiRecord, known_departments: Iterable[str] = (), row: int = 0) -> PlanKpi:
    """The plan KPI a record states (its identity normalised, its departments split)."""
    relisted = r.is_relisted
    name = re.sub(r"\s*[(（]再掲[)）]\s*$", "", r.measure_name).strip() if relisted else r.measure_name.strip()
    return PlanKpi(
        measure_id=normalize_measure_id(r.measure_id), kpi_no=normalize_kpi_no(r.kpi_no), relisted=relisted,
        goal_no=to_halfwidth(r.goal_no).strip(), goal_title=r.goal_title.strip(),
        direction_letter=r.direction_letter.strip(), direction_title=r.direction_title.strip(),
        measure_name=name, departments=department_names(r.department, known_departments),
        kpi_item=r.kpi_item.strip(), baseline=r.baseline.strip(), target=r.target.strip(),
        revised_target=r.revised_target.strip(), revision_note=r.revision_note.strip(),
        unit=plan_unit(r.target), direction=r.direction if r.direction in DIRECTION_LABELS else "",
        measure_content=r.measure_content.strip(), sdgs=r.sdgs.strip(), row=row,
    )


@dataclass
class PlanRegister:
    """The plan's KPIs in the plan's order, the plan period, and where the register came from."""

    kpis: list[PlanKpi] = field(default_factory=list)
    plan_start: int = 0
    plan_end: int = 0
    origin: str = ""            # what it was made from (a CSV, a 計画 sheet, the first merge)
    file: str = ""              # the file whose 「計画」 sheet it was read from, for findings

    def __post_init__(self) -> None:
        self._by_key: dict[RegisterKey, PlanKpi] = {}
        for k in self.kpis:
            self._by_key.setdefault(k.key, k)

    def __len__(self) -> int:
        return len(self.kpis)

    def get(self, key: RegisterKey) -> PlanKpi | None:
        return self._by_key.get(key)

    def find(self, r: KpiRecord) -> PlanKpi | None:
        return self._by_key.get(register_key(r))

    @property
    def departments(self) -> list[str]:
        """Every department owning a KPI of the plan, in the plan's order."""
        return list(dict.fromkeys(d for k in self.kpis for d in k.departments))

    def owned_by(self, department: str) -> list[PlanKpi]:
        """The plan KPIs a department owns (as the first-named owner; a joint KPI is submitted
        by its first owner, as the report lists it)."""
        return [k for k in self.kpis if k.owner == department]

    def goal_titles(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for k in self.kpis:
            if k.goal_no and k.goal_title:
                out.setdefault(k.goal_no, k.goal_title)
        return out

    def direction_titles(self) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for k in self.kpis:
            if k.direction_letter and k.direction_title:
                out.setdefault((k.goal_no, k.direction_letter), k.direction_title)
        return out

    def with_kpis(self, kpis: Sequence[PlanKpi]) -> PlanRegister:
        return PlanRegister(list(kpis), self.plan_start, self.plan_end, self.origin, self.file)


REGISTER_SHEET = "計画"


def register_from_records(records: Iterable[KpiRecord], known_departments: Iterable[str] = (), *,
                          plan_start: int = 0, plan_end: int = 0, origin: str = "",
                          file: str = "") -> tuple[PlanRegister, list[Finding]]:
    """A register from plan rows (the plan's CSV, the first merge's records, a 「計画」 sheet),
    and what is wrong with them: a KPI listed twice, a row without a measure or department, two
    different titles for one goal or direction. The first row of a KPI listed twice is kept."""
    known = tuple(known_departments)
    kpis: list[PlanKpi] = []
    findings: list[Finding] = []
    seen: dict[RegisterKey, PlanKpi] = {}
    for r in records:
        k = plan_kpi_from_record(r, known, r.source.row)
        first = seen.get(k.key)
        if first is not None:
            if _same_plan(first, k):
                continue  # the same KPI read twice (a merge's repeated rows)
            findings.append(_plan_finding(r, file, "kpi_no", k.kpi_no,
                                          f"{describe_key(k.key)}が計画に2回あります"
                                          f"{f'（先の行: {first.row}行目）' if first.row else ''}。1行にしてください。"))
            continue
        if not k.measure_id and not k.measure_name:
            findings.append(_plan_finding(r, file, "measure_id", "", "施策番号も施策名もない行は計画に入れられません。"))
            continue
        if not k.departments:
            findings.append(_plan_finding(r, file, "department", "", f"{describe_key(k.key)}の部署がありません。"
                                                                     "担当の部署を入力してください。"))
        seen[k.key] = k
        kpis.append(k)
    register = PlanRegister(kpis, plan_start, plan_end, origin, file)
    findings.extend(title_conflicts(records))
    return register, findings


def _same_plan(a: PlanKpi, b: PlanKpi) -> bool:
    return replace(a, row=0) == replace(b, row=0)


def _plan_finding(r: KpiRecord, file: str, field_name: str, value: str, detail: str) -> Finding:
    """A finding on a plan row: at its cell of the 「計画」 sheet, or of the CSV row it came from."""
    return make_finding("invalid-plan-row", record=r, field=field_name, value=value, detail=detail,
                        file=r.source.file or file, sheet=r.source.sheet or (REGISTER_SHEET if file else ""))


def title_conflicts(records: Iterable[KpiRecord]) -> list[Finding]:
    """A goal or direction given two different titles in the rows (the first title is kept)."""
    goals: dict[str, tuple[str, KpiRecord, str]] = {}  # the first title: squashed, its row, as typed
    directions: dict[tuple[str, str], tuple[str, KpiRecord, str]] = {}
    out: list[Finding] = []
    for r in records:
        if r.goal_no and r.goal_title:
            first = goals.get(r.goal_no)
            if first is None or first[2] != r.goal_title:  # the same text as the first: nothing to compare
                out.extend(_title_clash(goals, r.goal_no, r.goal_title, r))
        if r.direction_letter and r.direction_title:
            first = directions.get((r.goal_no, r.direction_letter))
            if first is None or first[2] != r.direction_title:
                out.extend(_title_clash(directions, (r.goal_no, r.direction_letter), r.direction_title, r))
    return out


def _title_clash(seen: dict, key, title: str, r: KpiRecord) -> list[Finding]:
    """A title that differs from the first one seen for its goal or direction: reported once for
    each sheet and title (a sheet's rows all carry its heading), the first title kept."""
    if not title.strip():
        return []
    first = seen.get(key)
    squashed = _squash(title)
    if first is None:
        seen[key] = (squashed, r, title)
        return []
    if first[0] == squashed:
        return []
    said = seen.setdefault(("said", key), set())
    where = (r.source.file, r.source.sheet, squashed)
    if where in said:
        return []
    said.add(where)
    what = f"【基本目標{r.goal_no}】" + (f"の【基本的方向：{r.direction_letter}】" if isinstance(key, tuple) else "")
    return [make_finding("title-differs", record=r, field="direction_title" if isinstance(key, tuple) else "goal_title",
                         value=squashed,
                         detail=f"{what}の名称が「{first[0]}」（{first[1].source.file or '計画'}）と「{squashed}」"
                                f"（{r.source.file or '計画'}）で異なります。「{first[0]}」を使いました。")]


def _squash_title(text: str) -> str:
    """A title as compared: without spaces or line breaks, full-width forms plain."""
    return _SPACES_RE.sub("", to_halfwidth(text))


# cached (every row of a sheet carries its goal's and direction's titles); wrapped, not decorated,
# so that mutation testing reaches the function itself
_squash = lru_cache(maxsize=8192)(_squash_title)


_SPACES_RE = re.compile(r"\s+")


def same_title(a: str, b: str) -> bool:
    """Two titles that differ only in spaces, line breaks or full-width forms are the same."""
    return _squash(a) == _squash(b)


__all__ = [
    "PlanKpi", "PlanRegister", "REGISTER_SHEET", "RegisterKey", "canonical_department", "department_names",
    "describe_key", "measure_key", "normalize_kpi_no", "normalize_measure_id", "plan_kpi_from_record",
    "plan_unit", "register_from_records", "register_key", "same_title", "title_conflicts",
]
