"""Excel custom functions: =KPI_RATE(), =KPI_VALUE(), =KPI_UNIT(), =KPI_GRADE().

Decorated with xlwings' ``func``, so the same functions are classic desktop UDFs (Windows, via
the xlwings add-in's Import Functions) and Office.js custom functions (through
``xlwings.server``). Every argument may be one cell or a whole range: a column passed at once
returns a column (one call for 10,000 rows). Arguments are taken ``raw`` (the 2-D values as
Excel sends them): xlwings' per-cell cleaning costs ~0.1 ms a cell outside Pyodide. A value that cannot be computed is the text
``#N/A <reason>``; the Office.js glue turns it into a real ``#N/A`` error whose message is the
reason, the desktop shows the text. The numbers are those of :func:`xl_kpi.kpi_rate`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import xlwings as xw

from ..core.errors import XlKpiError
from ..core.fiscal import parse_reporting_year
from ..core.grading import SCHEME_LABELS, grade_kpi, scheme_from_args
from ..core.quantity import parse_quantity
from ..core.rate import DEFAULT_BANDS, DEFAULT_ROUNDING, METHODS, Rounding, grade, parse_rounding
from ..core.rate import kpi_rate as core_kpi_rate

NA = "#N/A"

# Excel's error values. On the desktop, xlwings hands ``raw`` arguments over as COM gives them: an
# error cell is a VT_ERROR whose value is 0x800A0000 + the cell error number of
# learn.microsoft.com/office/vba/excel/concepts/cells-and-ranges/cell-error-values (xlErrNA =
# 2042 → -2146826246; the same table as xlwings' own ``_xlwindows.py``). Office.js hands an error
# cell over as its error string ("Cells that contain an error will return the error string",
# Excel.Range.values) or, to a custom function whose metadata sets ``allowErrorForDataTypeAny``
# (xlwings does), as an error; the glue sends its code string.
CELL_ERRORS = {2007: "#DIV/0!", 2042: "#N/A", 2029: "#NAME?", 2000: "#NULL!", 2036: "#NUM!",
               2023: "#REF!", 2015: "#VALUE!", 2045: "#SPILL!", 2047: "#BLOCKED!", 2050: "#CALC!"}
COM_ERRORS = {code - 0x100000000 + 0x800A0000: text for code, text in CELL_ERRORS.items()}
ERROR_STRINGS = frozenset(CELL_ERRORS.values()) | {"#GETTING_DATA", "#FIELD!", "#CONNECT!", "#BUSY!",
                                                   "#UNKNOWN!", "#PYTHON!", "#DIV/0"}


def not_available(reason: str) -> str:
    return f"{NA} {reason}"


def cell_error(v: Any) -> str | None:
    """The error text (``#N/A``…) when ``v`` is an Excel error cell in either client's shape."""
    if type(v) is int and v in COM_ERRORS:
        return COM_ERRORS[v]
    if isinstance(v, str) and v.strip() in ERROR_STRINGS:
        return v.strip()
    return None


def error_reason(code: str) -> str:
    return f"参照しているセルがエラー（{code}）です。元のセルのエラーを直してください。"


def _is_grid(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and (not v or isinstance(v[0], (list, tuple)))


def guard_errors(fn: Callable[..., Any], on_error: Callable[[str], Any]) -> Callable[..., Any]:
    """``fn``, except that a cell holding an Excel error gives ``on_error(code)`` instead."""
    def guarded(*cells: Any) -> Any:
        for c in cells:
            code = cell_error(c)
            if code is not None:
                return on_error(code)
        return fn(*cells)
    return guarded


def broadcast(fn: Callable[..., Any], *args: Any, on_error: Callable[[str], Any] | None = None) -> Any:
    """Apply ``fn`` cell by cell; 2-D arguments broadcast like Excel arrays (1×1 spreads).
    A cell holding an Excel error is not computable, with the reason (or ``on_error(code)``)."""
    fn = guard_errors(fn, on_error or (lambda code: not_available(error_reason(code))))
    grids = [a for a in args if _is_grid(a)]
    if not grids:
        return fn(*args)
    rows = max(len(g) for g in grids)
    cols = max((len(g[0]) if g else 0) for g in grids)

    def at(a: Any, i: int, j: int) -> Any:
        if not _is_grid(a):
            return a
        if not a:
            return None
        r = a[i] if len(a) > 1 else a[0]
        return r[j] if len(r) > 1 else r[0]

    out = [[fn(*(at(a, i, j) for a in args)) for j in range(cols)] for i in range(rows)]
    if rows == 1 and cols == 1:
        return out[0][0]
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _rounding(decimals: Any, mode: Any) -> Rounding:
    """The rounding of =KPI_RATE(…, 桁数, 丸め方) (設定's 達成率の表示); blanks give the default."""
    if isinstance(decimals, float) and decimals.is_integer():
        decimals = int(decimals)
    return parse_rounding("" if _blank(decimals) else decimals, None if _blank(mode) else mode)


def _rate_one(current: Any, target: Any, baseline: Any, method: Any, rounding: Rounding = DEFAULT_ROUNDING) -> Any:
    if _blank(current) and _blank(target):
        return ""
    m = "auto" if _blank(method) else str(method).strip()
    direction = {"低いほど良い": "lower", "lower": "lower", "高いほど良い": "higher", "higher": "higher"}.get(m, "")
    if direction:
        m = "auto"
    if m not in METHODS:
        return not_available(f"方式「{m}」は使えません（{', '.join(METHODS)}）。")
    try:
        rate = core_kpi_rate(current, target, None if _blank(baseline) else baseline, m, direction=direction,
                             rounding=rounding)
    except XlKpiError as err:
        return not_available(str(err))
    if rate.value is None:
        return not_available(rate.reason or "")
    # the fraction as computed (a 0% / 0.0% format rounds it half up); truncated, as shown
    return float(rate.value) if rounding == DEFAULT_ROUNDING else float(rate.shown or 0)


def _value_one(text: Any) -> Any:
    if _blank(text):
        return ""
    try:
        q = parse_quantity(text)
    except XlKpiError as err:
        return not_available(str(err))
    return float(q.value) if q.value is not None else not_available(f"「{text}」は数値ではありません。")


def _unit_one(text: Any) -> Any:
    if _blank(text):
        return ""
    try:
        return parse_quantity(text).unit_text
    except XlKpiError as err:
        return not_available(str(err))


def _grade_one(rate: Any, symbols: Any, rounding: Rounding = DEFAULT_ROUNDING) -> Any:
    if _blank(rate) or (isinstance(rate, str) and rate.startswith(NA)):
        return "-"
    value: Decimal | float | None
    if isinstance(rate, str):
        try:
            from ..core.rate import parse_rate
            value = parse_rate(rate)
        except XlKpiError as err:
            return not_available(str(err))
    elif isinstance(rate, (int, float)) and not isinstance(rate, bool):
        value = rate
    else:
        return not_available(f"「{rate}」は達成率ではありません。")
    return grade(value, DEFAULT_BANDS, symbols=bool(symbols), rounding=rounding)


@xw.func
@xw.arg("current", "raw", doc="現在値（例: 15人(累計)）。セル範囲も可")
@xw.arg("target", "raw", doc="目標値（例: 50人(累計)、継続実施）")
@xw.arg("baseline", "raw", doc="基準値（任意。progress・現状維持で使用）")
@xw.arg("method", "raw",
        doc="計算方式（任意）: auto / ratio / progress / lower-better / lower-better-gap / continue / maintain、"
            "または指標の方向「低いほど良い」「高いほど良い」（空欄なら目標値・基準値の書き方で決めます）")
@xw.arg("decimals", doc="達成率の桁数（任意）: 0 = 整数の%（既定）、1 = 小数第1位。設定シートの「達成率の表示」と同じにします")
@xw.arg("rounding", doc="丸め方（任意）: 四捨五入（既定）/ 切り捨て（half-up / truncate）")
def kpi_rate(current, target, baseline=None, method=None, decimals=None, rounding=None):
    """達成率を割合で返します（表示形式 0% で 113% のように表示）。桁数・丸め方を指定すると、その表示の値（切り捨てなら 0.278 を 0.0% で 27.8%）。計算できない場合は #N/A と理由。"""  # noqa: E501
    try:
        chosen = _rounding(decimals, rounding)
    except XlKpiError as err:
        return not_available(str(err))
    return broadcast(lambda c, t, b, m: _rate_one(c, t, b, m, chosen), current, target, baseline, method)


@xw.func
@xw.arg("text", "raw", doc="KPIのセル（例: 1,943人(平成30年度)）")
def kpi_value(text):
    """KPIのセルの数値を返します（1,943人(平成30年度) → 1943）。"""
    return broadcast(_value_one, text)


@xw.func
@xw.arg("text", "raw", doc="KPIのセル（例: 32件/年(平成28～30年の平均)）")
def kpi_unit(text):
    """KPIのセルの単位を返します（32件/年(…) → 件/年）。"""
    return broadcast(_unit_one, text)


def _scheme_grade_one(scheme, current: Any, target: Any, baseline: Any, direction: str) -> Any:
    if _blank(current) and _blank(target):
        return ""
    try:
        return grade_kpi(None if _blank(current) else current, None if _blank(target) else target,
                         None if _blank(baseline) else baseline, scheme=scheme, direction=direction)
    except XlKpiError as err:
        return not_available(str(err))


def _year_arg(v: Any) -> int | None:
    if _blank(v):
        return None
    return parse_reporting_year(int(v) if isinstance(v, float) and v.is_integer() else str(v))


@xw.func
@xw.arg("rate", "raw", doc="達成率（割合のセル、または 85% のような文字列）")
@xw.arg("symbols", doc="TRUE で ◎○△× を返す（既定: A/B/C/D）")
@xw.arg("scheme", doc="評価方式（任意）: bands / symbols / baseline-relative / pace、または「進捗」など設定シートの名前")
@xw.arg("current", "raw", doc="現在値（bands 以外の方式で使用）")
@xw.arg("target", "raw", doc="目標値（bands 以外の方式で使用。変更後の目標値があればそちら）")
@xw.arg("baseline", "raw", doc="基準値（bands 以外の方式で使用）")
@xw.arg("year", doc="報告年度（pace で使用。例: 令和3）")
@xw.arg("plan_start", doc="計画開始年度（pace。既定: 令和2）")
@xw.arg("plan_end", doc="計画最終年度（pace。既定: 令和6）")
@xw.arg("direction", doc="指標の方向（任意）: 「低いほど良い」「高いほど良い」（空欄なら目標値・基準値の書き方で決めます）")
@xw.arg("decimals", doc="達成率の桁数（任意）: 0（既定）/ 1。評価は表示した達成率で決まります")
@xw.arg("rounding", doc="丸め方（任意）: 四捨五入（既定）/ 切り捨て")
def kpi_grade(rate, symbols=False, scheme=None, current=None, target=None, baseline=None, year=None,
              plan_start=None, plan_end=None, direction=None, decimals=None, rounding=None):
    """KPIの評価を返します。既定は達成率の区分（A/B/C/D か ◎○△×）、評価方式を指定すると現在値・目標値・基準値から ◎○△×・S/A/B/C/−・A/B/F/N。"""  # noqa: E501
    try:
        shown = _rounding(decimals, rounding)
    except XlKpiError as err:
        return not_available(str(err))
    if _blank(scheme) or str(scheme).strip() in ("bands", SCHEME_LABELS["bands"]):
        return broadcast(lambda r: _grade_one(r, symbols, shown), rate, on_error=lambda _code: "-")
    try:
        chosen = scheme_from_args(str(scheme), _year_arg(plan_start), _year_arg(plan_end), _year_arg(year),
                                  rounding=shown)
    except XlKpiError as err:
        return not_available(str(err))
    stated = {"低いほど良い": "lower", "lower": "lower", "高いほど良い": "higher", "higher": "higher"}.get(
        str(direction or "").strip(), "")
    return broadcast(lambda c, t, b: _scheme_grade_one(chosen, c, t, b, stated), current, target, baseline,
                     on_error=lambda _code: "-")


UDFS = (kpi_rate, kpi_value, kpi_unit, kpi_grade)
