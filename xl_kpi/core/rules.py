"""Validation rules over KPI records: every finding, never just the first.

Per-record rules look at one record (its texts, quantities and rates); cross-record rules look at
all of them (duplicates, 再掲 copies, KPIs that shared one cell). ``validate_records`` runs both
and returns a :class:`Report`. ``evaluate`` gives the computed 達成率 of one record, which the
writers publish.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .direction import BELOW_BASELINE, ITEM_WORDS, kpi_direction, record_direction
from .errors import QuantityError
from .findings import CATALOGUE, ERROR, WARNING, Finding, Report, make_finding
from .quantity import (
    CONTINUE,
    MAINTAIN,
    Quantity,
    format_quantity,
    is_placeholder,
    read_quantity,
    with_exact_value,
)
from .rate import (
    DEFAULT_ROUNDING,
    Rate,
    Rounding,
    choose_method,
    kpi_rate,
    parse_rate,
)
from .record import HIGHER_IS_BETTER, LOWER_IS_BETTER, RECORD_FIELDS, KpiRecord
from .text import CIRCLED, has_control_characters, looks_like_formula, to_halfwidth
from .units import same_unit
from .yearly import stale_values

EXCEL_CELL_LIMIT = 32767
MEASURE_ID_RE = re.compile(r"^(\d{1,2})-(\d{2,3})$")
TEXT_FIELDS = tuple(f for f in RECORD_FIELDS if f not in ("relisted", "source_line"))
BASIS_LABELS = {None: "単年度", "cumulative": "累計", "average": "平均", "per-year": "年あたり",
                "per-month": "月あたり", "per-day": "日あたり"}
RELISTED_COMPARED = ("kpi_item", "baseline", "target", "current", "revised_target")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The computed rates of a record (None where the record has no such figure)."""

    rate: Rate | None
    revised_rate: Rate | None


def evaluate(record: KpiRecord, rounding: Rounding = DEFAULT_ROUNDING) -> Evaluation:
    """Compute 達成率 and 変更後の達成率 of one record; unreadable texts give a not-computable Rate.

    A value typed as a number counts with its unrounded number (see :func:`figure`); ``rounding``
    is how the rates are shown (設定's 達成率の表示)."""
    if not record.has_kpi:
        return Evaluation(None, None)
    lower = record_direction(record).lower
    current, baseline = figure(record, "current"), figure(record, "baseline")
    rate = _safe_rate(current, figure(record, "target"), baseline, lower, rounding)
    revised = (_safe_rate(current, figure(record, "revised_target"), baseline, lower, rounding)
               if given(record.revised_target) else None)
    return Evaluation(rate, revised)


def given(text: str) -> bool:
    """A cell with a value: neither blank nor a placeholder (-, ―, なし, 未集計 …)."""
    return bool(text) and bool(text.strip()) and not is_placeholder(text)


def figure(record: KpiRecord, name: str) -> str | Quantity:
    """A value field as the rate takes it: its text, or — when the cell was typed as a number —
    the text read with the unrounded number it shows (「1,485人」 typed as 1484.6 counts 1484.6)."""
    text = getattr(record, name)
    number = record.numbers.get(name)
    if number is None:
        return text
    q = read_quantity(text)  # a blank cell is refused too
    return text if isinstance(q, QuantityError) else with_exact_value(q, number.exact)


_DIRECTIONS = {True: LOWER_IS_BETTER, False: HIGHER_IS_BETTER}  # the KPI's direction, resolved once


def _safe_rate(current: str | Quantity, target: str | Quantity, baseline: str | Quantity, lower: bool,
               rounding: Rounding = DEFAULT_ROUNDING) -> Rate:
    try:
        return kpi_rate(current, target, baseline or None, rounding=rounding, direction=_DIRECTIONS[lower])
    except QuantityError as err:
        if baseline:  # an unreadable 基準値 (reported on its own) costs no rate that does not need it
            return _safe_rate(current, target, "", lower, rounding)
        return Rate(None, "auto", "unparseable", str(err), rounding)


class _Checker:
    """Runs the per-record rules for one record, collecting findings."""

    __slots__ = ("rec", "out", "q", "refused", "rounding", "lower")

    def __init__(self, rec: KpiRecord, rounding: Rounding = DEFAULT_ROUNDING):
        self.rec = rec
        self.rounding = rounding
        self.lower = rec.lower_is_better  # the KPI's direction, once its cells are read (_check_direction)
        self.out: list[Finding] = []
        self.q: dict[str, Quantity | None] = {}
        self.refused: set[str] = set()  # fields whose text was reported as unreadable

    def add(self, code: str, field: str, value: str = "", detail: str = "",
            severity: str | None = None, cell: str = "") -> None:
        """:func:`make_finding` for this record, inlined: a sheet's rows give hundreds of findings."""
        rec, src = self.rec, self.rec.source
        self.out.append(Finding(code, severity or CATALOGUE[code][0], src.file, src.sheet, cell or src.cell(field),
                                field, rec.measure_id, rec.kpi_no, value, detail))


# One pass over all texts of a record finds whether any needs a closer look: a control
# character, a field starting like a formula, or a record long enough to hold an over-long cell.
# Only then are the fields checked one by one. The fields are joined behind a separator that is
# printable (U+FFFC OBJECT REPLACEMENT CHARACTER, category So), so one string serves both tests:
# isprintable() is False for any control character (tab and CR included; LF or U+3000 also take
# the slow path), and a field starting like a formula (=, @, +, -) follows a separator.
_SEPARATOR = "\ufffc"
_FORMULA_START = re.compile(_SEPARATOR + "[=@+-]")


_text_values = operator.attrgetter(*TEXT_FIELDS)


def _check_texts(c: _Checker) -> None:
    rec = c.rec
    joined = _SEPARATOR.join(("", *_text_values(rec)))  # a separator before every field, the first too
    if len(joined) <= EXCEL_CELL_LIMIT and joined.isprintable() and _FORMULA_START.search(joined) is None:
        return
    for name in TEXT_FIELDS:
        v = getattr(rec, name)
        if not v:
            continue
        if len(v) > EXCEL_CELL_LIMIT:
            c.add("text-too-long", name, v[:20], f"{len(v):,}文字")
        if looks_like_formula(v):
            c.add("formula-text", name, v)
        if has_control_characters(v):
            c.add("control-characters", name, v)


def _check_structure(c: _Checker) -> None:
    rec = c.rec
    if not rec.measure_name.strip():
        c.add("missing-value", "measure_name")
    if not rec.department.strip():
        c.add("missing-value", "department")
    mid = rec.measure_id.strip()
    _check_place(c, mid)
    if mid:
        problem = _measure_id_problem(mid, rec.goal_no, rec.goal_no and rec.is_relisted)
        if problem is not None:
            c.add("invalid-measure-id", "measure_id", mid, *problem)
    if rec.direction not in ("", HIGHER_IS_BETTER, LOWER_IS_BETTER):
        c.add("invalid-direction", "direction", rec.direction)
    _check_sdgs(c)


@lru_cache(maxsize=4096)
def _measure_id_problem(mid: str, goal_no: str, relisted: bool) -> tuple[str, str | None] | None:
    """(detail, severity) of what is wrong with a 施策番号, or None (the same few ids repeat)."""
    half = to_halfwidth(mid)
    m = MEASURE_ID_RE.match(half)
    if not m:
        return "", None
    if goal_no and m.group(1) != to_halfwidth(goal_no).strip() and not relisted:
        return f"基本目標{goal_no}の施策は「{goal_no}-」で始まります。", None
    if mid != half:
        return "半角で入力してください。", WARNING
    return None


def _check_place(c: _Checker, mid: str) -> None:
    """A row the master can place: under a goal and a direction, and a KPI under a numbered measure."""
    rec = c.rec
    if not rec.goal_no or not rec.direction_letter:
        missing = "基本目標" if not rec.goal_no else "基本的方向"
        c.add("missing-section", "goal_no" if not rec.goal_no else "direction_letter", rec.measure_id,
              f"（{missing}が不明です）", cell=rec.source.cell("measure_id"))
    if not mid and rec.has_kpi:
        c.add("missing-value", "measure_id", detail="施策番号（例: 1-01）を入力してください。上の施策の続きの行なら、"
              "施策番号・施策・部署・施策の内容をすべて空欄にしてください。")


def _check_sdgs(c: _Checker) -> None:
    raw = c.rec.sdgs.strip()
    if not raw:
        return
    problems = sdgs_problems(raw)
    if problems:
        c.add("invalid-sdgs", "sdgs", raw, problems)


@lru_cache(maxsize=4096)
def sdgs_problems(raw: str) -> str:
    """What is wrong with an SDGs cell ('' when it is goal numbers 1–17 joined by ・)."""
    parts = to_halfwidth(raw).split("・")
    problems = []
    seen: set[int] = set()
    for p in parts:
        p = p.strip()
        if not p.isdigit():
            problems.append(f"「{p}」は目標番号ではありません。" if p else "区切りが続いています。")
            continue
        n = int(p)
        if not 1 <= n <= 17:
            problems.append(f"{n}は1～17の範囲外です。")
        elif n in seen:
            problems.append(f"{n}が重複しています。")
        seen.add(n)
    return " ".join(problems)


# What to type instead of a missing value, by field.
_EXAMPLES = {"baseline": "6件(平成30年度)", "target": "30件(累計)", "current": "15件(累計)",
             "revised_target": "12件(累計)"}


def _no_value_words(text: str) -> str:
    return f"「{text}」は値なしとして扱います。" if text else ""


def _field_quantity(c: _Checker, name: str, required: bool) -> Quantity | None:
    text = getattr(c.rec, name).strip()
    q = _read(c, name, text) if text else None  # a blank cell: parse_quantity would refuse it, slower
    if q is None and required and name not in c.refused:  # the baseline: see _check_baseline_given
        c.add("missing-value", name, text,
              f"{_no_value_words(text)}「{_EXAMPLES[name]}」のように数値と単位を入力してください。")
    c.q[name] = q
    return q


def _read(c: _Checker, name: str, text: str) -> Quantity | None:
    """The cell as a Quantity, or None: refused (in ``c.refused``) after a finding when it cannot
    be read, not refused when it names no value (blank, a placeholder)."""
    if _EXCEL_DATE_RE.fullmatch(text):  # a date Excel made of the value, kept as its text by an earlier merge
        c.add("date-in-value", name, text, f"「{_EXAMPLES[name]}」や「'1/2」のように入力してください",
              severity=WARNING if name == "baseline" else ERROR)
        c.refused.add(name)
        return None
    q = read_quantity(text)
    if isinstance(q, QuantityError):  # refused
        if q.code == "missing-value":
            return None
        code = q.code if q.code in ("multiple-values", "value-out-of-range") else "unparseable-value"
        reason = str(q)  # a specific reason (digits of a word, a formula, too large) is quoted
        detail = "" if code == "multiple-values" or reason.endswith("読み取れません。") else reason
        c.add(code, name, text, detail, severity=WARNING if name == "baseline" else ERROR)
        c.refused.add(name)
        return None
    number = c.rec.numbers.get(name)
    if number is not None:
        q = with_exact_value(q, number.exact)
    if q.garbled:
        c.add("garbled-value", name, text, format_quantity(q))
    if q.earlier:
        c.add("values-by-year", name, text, f"「{format_quantity(q._replace(earlier=()))}」")
    if q.upper is not None:
        c.add("range-target", name, text, _RANGE_RULE["target" if name in ("target", "revised_target") else "other"])
    if q.pace:
        c.add("per-year-and-cumulative", name, text,
              f"累計「{format_quantity(q._replace(pace=''))}」を目標とし、毎年の値「{q.pace}」は達成率に使いません。")
    return q


# How Excel shows a date it made of a typed value (2018/3/31, 2018/3/31 0:00, 2018-03-31, 1/2, 1月2日): a
# value cell holding that text still holds the date, in every later merge (the master keeps the text).
_EXCEL_DATE_RE = re.compile(r"\s*(?:(?:19|20)\d\d[/-]\d{1,2}[/-]\d{1,2}(?:\s+\d{1,2}:\d\d(?::\d\d)?)?|"
                            r"\d{1,2}/\d{1,2}|\d{1,2}月\d{1,2}日)\s*")


_RANGE_RULE = {
    "target": "範囲に届けば達成として、下限（低いほど良い指標は上限）に対する達成率を計算しました。",
    "other": "下限の値を使いました。",
}


def _check_baseline_given(c: _Checker, t: Quantity | None, cur: Quantity | None) -> None:
    """A blank or placeholder 基準値 is missing where the method needs it (progress, 現状維持 of a
    text target), and otherwise only noted: current ÷ target is computed without it."""
    text = c.rec.baseline.strip()
    if c.q.get("baseline") is not None or "baseline" in c.refused:
        return
    example = f"「{_EXAMPLES['baseline']}」のように計画策定時点の値を入力してください。"
    if _needs_baseline(t, cur, c.lower):
        c.add("missing-value", "baseline", text, f"{_no_value_words(text)}達成率の計算に必要です。{example}",
              severity=WARNING)
    else:
        c.add("no-value", "baseline", text,
              f"{_no_value_words(text)}達成率（現在値÷目標値）の計算には使わないため、そのまま計算しました。"
              f"値が分かれば{example}")


def _needs_baseline(t: Quantity | None, cur: Quantity | None, lower: bool) -> bool:
    """Does the rate of this target need the baseline (progress, 現状維持 of a text target)?"""
    if t is None:
        return False
    method = choose_method("auto", cur, t, lower)
    return method == "progress" or (method == "maintain" and t.value is None)


def _describe_basis(q: Quantity) -> str:
    return BASIS_LABELS.get(q.basis) or str(q.basis)


def _check_kpi(c: _Checker) -> None:
    rec = c.rec
    if not rec.has_kpi:
        return
    if not rec.kpi_item.strip():
        c.add("missing-value", "kpi_item")
    b = _field_quantity(c, "baseline", False)  # whether it is needed: _check_baseline_given
    t = _field_quantity(c, "target", True)
    cur = _field_quantity(c, "current", True)
    rt = _field_quantity(c, "revised_target", False)
    _check_direction(c, b, t, cur)
    _check_baseline_given(c, t, cur)
    if t is not None and t.value is not None:
        _compare_with_target(c, t, ((b, "baseline"), (cur, "current"), (rt, "revised_target")))
    _check_progress(c, b, t, cur)
    _check_rate(c, "rate", t)
    if (rec.revised_target or rec.revised_rate) and (given(rec.revised_target) or given(rec.revised_rate)):
        _check_revision(c, rt)

def _check_direction(c: _Checker, b: Quantity | None, t: Quantity | None, cur: Quantity | None) -> None:
    """The KPI's direction (:func:`~xl_kpi.core.direction.kpi_direction`), said when it was derived:
    from a target below the baseline (info), or guessed from the item's words (a warning asking for
    指標の方向, with the rate either way)."""
    rec = c.rec
    d = kpi_direction(rec.direction, rec.kpi_item, b, t)
    c.lower = d.lower
    if d.source == BELOW_BASELINE and t is not None and b is not None:
        c.add("direction-from-target", "direction", "", f"目標値「{t.raw.strip()}」が基準値「{b.raw.strip()}」より"
              "小さいため、低いほど良い指標として計算しました。", cell=rec.source.cell("direction"))
    elif d.source == ITEM_WORDS and t is not None and t.value is not None:
        other = ""
        if cur is not None and cur.value is not None:
            ratio = kpi_rate(cur, t, b, rounding=c.rounding, direction=HIGHER_IS_BETTER)
            other = f"（高いほど良い指標なら達成率は{ratio.display}）" if ratio.computable else ""
        c.add("direction-needed", "direction", rec.kpi_item.strip(),
              f"項目の「{d.word}」は減らすものと読めるため、低いほど良い指標として計算しました{other}。",
              cell=rec.source.cell("direction"))


# A fraction (0.85) and a percent figure (85) of the same thing differ in scale: one at or below
# 1.5 (150 % as a fraction), the other above it.
FRACTION_LIMIT = Decimal("1.5")


def _check_progress(c: _Checker, b: Quantity | None, t: Quantity | None, cur: Quantity | None) -> None:
    """The baseline against the target (the same: no progress to measure) and the current value
    against the baseline (moved the wrong way)."""
    if b is None or b.value is None:
        return
    if t is not None and b.value == t.value and b.unit_text == t.unit_text and not t.has(MAINTAIN):
        c.add("baseline-equals-target", "baseline", b.raw)
    if cur is not None and cur.value is not None and b.unit_text == cur.unit_text and b.basis == cur.basis \
            and not (t and t.has(CONTINUE)):
        worse = cur.value > b.value if c.lower else cur.value < b.value
        if worse:
            c.add("below-baseline", "current", cur.raw, b.raw)


def _check_revision(c: _Checker, rt: Quantity | None) -> None:
    """A revised target needs its rate checked, and both the target and a note on why."""
    rec = c.rec
    _check_rate(c, "revised_rate", rt)
    if not given(rec.revised_target):
        c.add("revision-incomplete", "revised_target", detail="変更後の達成率がありますが、変更後の目標値がありません。")
    elif not rec.revision_note.strip():
        c.add("revision-incomplete", "revision_note", detail="目標値を変更した理由を備考に記入してください。")


def _compare_with_target(c: _Checker, t: Quantity, others) -> None:
    """Unit, basis and percent-scale differences of the other figures from a numeric target
    (the target's attributes read once: this runs for every KPI row)."""
    t_unit, t_unit_text, t_basis, t_percent = t.unit, t.unit_text, t.basis, t.unit == "%"
    for q, name in others:
        if q is None or q.value is None:
            continue
        if q.unit and t_unit and not same_unit(q.unit, t_unit):  # 件/年 beside 件(累計): a basis-mismatch
            c.add("unit-mismatch", name, q.raw, f"目標値「{t.raw}」と異なります（{q.unit_text} と {t_unit_text}）。",
                  severity=ERROR if name == "current" else WARNING)
        if name != "revised_target" and q.basis != t_basis:
            c.add("basis-mismatch", name, q.raw,
                  f"目標値「{t.raw}」と異なります（{_describe_basis(q)} と {_describe_basis(t)}）。")
        if ((q.unit == "%") != t_percent and (not q.unit or not t_unit)
                and min(abs(q.value), abs(t.value or 0)) <= FRACTION_LIMIT < max(abs(q.value), abs(t.value or 0))):
            c.add("percent-scale", name, q.raw, f"目標値は「{t.raw}」です。")


def _check_rate(c: _Checker, field: str, target: Quantity | None) -> None:
    rec = c.rec
    cur = c.q.get("current")
    if target is None or cur is None:
        return  # already reported as missing or unreadable
    rate = kpi_rate(cur, target, c.q.get("baseline"), rounding=c.rounding, direction=_DIRECTIONS[c.lower])
    entered_text = getattr(rec, field).strip()
    if not rate.computable:
        c.add("rate-not-computable", field, entered_text, rate.reason or "")
        return
    if not entered_text:
        return
    # an entered rate with fewer decimals than 設定's (「28%」 beside 27.8 %) is compared at its own
    rounding = _entered_rounding(entered_text, c.rounding)
    shown = _entered_display(entered_text, rounding)
    if shown is None:
        c.add("unparseable-value", field, entered_text)
    elif shown and shown != rounding.format(rate.value):
        c.add("rate-mismatch", field, entered_text, rate.display)


_PERCENT_DECIMALS_RE = re.compile(r"[.・](\d+)\s*[%％]")


def _entered_rounding(text: str, rounding: Rounding) -> Rounding:
    """``rounding`` at the decimals an entered percent text shows, when it shows fewer."""
    m = _PERCENT_DECIMALS_RE.search(text)
    shown = len(m.group(1)) if m else (0 if "%" in text or "％" in text else rounding.decimals)
    return rounding if shown >= rounding.decimals else Rounding(shown, rounding.mode)


@lru_cache(maxsize=4096)
def _entered_display(text: str, rounding: Rounding = DEFAULT_ROUNDING) -> str | None:
    """An entered 達成率 as displayed ('113%'), '' when blank or '-', None when unreadable."""
    try:
        value = parse_rate(text)
    except QuantityError:
        return None
    return "" if value is None else rounding.format(value)


RecordRule = Callable[[_Checker], None]
RECORD_RULES: tuple[RecordRule, ...] = (_check_texts, _check_structure, _check_kpi)


def check_record(record: KpiRecord, rounding: Rounding = DEFAULT_ROUNDING) -> list[Finding]:
    """Findings of the per-record rules for one record (rates shown with ``rounding``)."""
    c = _Checker(record, rounding)
    for rule in RECORD_RULES:
        rule(c)
    return c.out


def _duplicates(records: list[KpiRecord]) -> Iterator[Finding]:
    seen: dict[tuple[str, str, str, str], KpiRecord] = {}
    for r in records:
        if not r.has_kpi or not r.kpi_no:
            continue
        first = seen.setdefault(r.key, r)
        if first is not r:
            where = first.source.cell("kpi_no") or f"{first.source.row}行目"
            yield make_finding("duplicate-kpi", record=r, field="kpi_no", value=r.kpi_no,
                               detail=f"施策{r.measure_id or r.measure_name} KPI{r.kpi_no}、先の行: {where}")


def _relisted(records: list[KpiRecord]) -> Iterator[Finding]:
    originals = {(r.measure_id, r.kpi_no): r for r in records if not r.is_relisted and r.measure_id}
    for r in records:
        if not r.is_relisted:
            continue
        orig = originals.get((r.measure_id, r.kpi_no))
        if orig is None:
            continue
        for f in RELISTED_COMPARED:
            if getattr(r, f).strip() != getattr(orig, f).strip():
                yield make_finding("relisted-differs", record=r, field=f, value=getattr(r, f),
                                   detail=getattr(orig, f))


def _unnumbered(records: list[KpiRecord]) -> Iterator[Finding]:
    """KPIs of one measure that came from one source line (one cell holding two KPIs)."""
    seen: dict[tuple[str, str, str], KpiRecord] = {}
    for r in records:
        if not r.has_kpi or not r.source_line:
            continue
        k = (r.source.file, r.measure_id or r.measure_name, r.source_line)
        first = seen.setdefault(k, r)
        numbered = r.kpi_item[:1] in CIRCLED or first.kpi_item[:1] in CIRCLED
        if first is not r and first.kpi_no != r.kpi_no and not numbered:
            yield make_finding("unnumbered-kpis", record=r, field="kpi_item", value=r.kpi_item,
                               detail=f"（KPI{first.kpi_no}とKPI{r.kpi_no}、参照行 {r.source_line}）")


CROSS_RULES: tuple[Callable[[list[KpiRecord]], Iterable[Finding]], ...] = (
    _duplicates, _relisted, _unnumbered, stale_values)


def validate_records(records: Iterable[KpiRecord], rounding: Rounding = DEFAULT_ROUNDING) -> Report:
    """Validate records: every finding of every rule, per-record findings in record order first.
    ``rounding`` is how 達成率 is published (an entered rate is checked as shown that way)."""
    recs = list(records)
    findings: list[Finding] = []
    for r in recs:
        findings.extend(check_record(r, rounding))
    for rule in CROSS_RULES:
        findings.extend(rule(recs))
    return Report(findings)


__all__ = ["validate_records", "check_record", "evaluate", "Evaluation"]
