"""The official template's layout, declared once, as data.

The template builder, the master writer, the reader and the xlwings adapter all use this one
declaration: which sheet holds what, which rows are title and header, which column holds which
record field, how wide it is and how its cells look. Change the layout here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..core.fiscal import format_fiscal_year
from ..core.grading import BANDS, PLAN_END, PLAN_START, PlanPeriod, Scheme
from ..core.rate import DEFAULT_BANDS, DEFAULT_ROUNDING, GradeBands, Rounding
from .addressing import column_letter

TEMPLATE_VERSION = "xl-kpi/1"

MASTER_SHEET = "取組状況"
FINDINGS_SHEET = "チェック結果"
STATUS_SHEET = "提出状況"
SETTINGS_SHEET = "設定"
SUMMARY_SHEET = "集計"
HISTORY_SHEET = "推移"
REGISTER_SHEET = "計画"
RESERVED_SHEETS = (MASTER_SHEET, FINDINGS_SHEET, STATUS_SHEET, SETTINGS_SHEET, SUMMARY_SHEET, HISTORY_SHEET,
                   REGISTER_SHEET)
PUBLISHED_SHEETS = (MASTER_SHEET, SUMMARY_SHEET)  # what the printed report shows

OFFICIAL_TEMPLATE_YEAR = 2024  # templates/取組状況_様式.xlsx is generated for 令和6年度 (the plan end)
DEFAULT_PLAN_START = PLAN_START  # 令和2年度: the first year of the 第2期 総合戦略
DEFAULT_PLAN_END = PLAN_END  # 令和6年度: the final year of the 第2期 総合戦略 targets
DEFAULT_DEPARTMENTS = (
    "企画管理部", "財務部", "市民生活部", "福祉保健部", "子ども家庭部", "環境部", "商工労働部",
    "農林水産部", "活力都市創造部", "建設部", "上下水道局", "消防局", "教育委員会",
)

# Column kinds: how a cell is written and read.
TEXT = "text"          # free text, wrapped
QUANTITY = "quantity"  # a KPI value with its unit, kept as text
RATE = "rate"          # a 達成率, written as a number formatted 0%
CHOICE = "choice"      # a drop-down
CODE = "code"          # short text (施策番号, SDGs)
META = "meta"          # provenance, outside the print area


@dataclass(frozen=True)
class Column:
    field: str
    header: str                 # the header text (of the lower header row when grouped)
    width: float
    kind: str = TEXT
    group: str = ""             # the upper header row's text for grouped columns
    measure_level: bool = False  # one value per measure: merged down the measure's rows
    match: str = ""             # regex the header must match when reading (default: the header)

    def header_for(self, year: int, plan_end: int) -> str:
        return self.header.format(year=format_fiscal_year(year), plan_end=format_fiscal_year(plan_end),
                                  next_year=format_fiscal_year(year + 1),
                                  previous_year=format_fiscal_year(year - 1))

    def matches(self, header_text: str) -> bool:
        """Does a header cell (spaces and line breaks removed) name this column?"""
        if self.match:
            return re.search(self.match, header_text) is not None
        return header_text == squash(self.header)


def squash(text: str) -> str:
    return re.sub(r"[\s　]+", "", text)


KPI_GROUP = "KPI(重要業績評価指標)"
COVID_GROUP = "新型コロナウイルス感染に関して"
PROVENANCE_GROUP = "提出元（自動記入）"

COLUMNS: tuple[Column, ...] = (
    Column("measure_id", "施策番号", 7, CODE, measure_level=True),
    Column("measure_name", "施策", 16, TEXT, measure_level=True),
    Column("department", "部署", 10, CHOICE, measure_level=True),
    Column("measure_content", "施策の内容", 30, TEXT, measure_level=True),
    Column("kpi_no", "No.", 4.5, CODE, KPI_GROUP),
    Column("kpi_item", "項目", 22, TEXT, KPI_GROUP),
    Column("baseline", "基準値", 13, QUANTITY, KPI_GROUP),
    Column("target", "目標値\n({plan_end}末時点)", 13, QUANTITY, KPI_GROUP, match=r"^目標値"),
    Column("current", "{year}末時点", 13, QUANTITY, KPI_GROUP, match=r"年度末時点$|^現在値"),
    Column("rate", "達成率", 7.5, RATE, KPI_GROUP),
    Column("revised_target", "変更後の目標値\n({plan_end}末時点)", 13, QUANTITY, KPI_GROUP,
           match=r"^変更後の目標値"),
    Column("revised_rate", "変更後の達成率\n({plan_end}末時点)", 8.5, RATE, KPI_GROUP,
           match=r"^変更後の達成率"),
    Column("revision_note", "備考", 20, TEXT, KPI_GROUP),
    Column("direction", "指標の方向", 9, CHOICE, KPI_GROUP),
    Column("projects", "主な個別事業", 16, TEXT),
    Column("progress", "これまでの取組状況\n(～{year})", 34, TEXT, match=r"^これまでの取組状況"),
    Column("plan", "今後の取組予定\n({next_year}～)", 30, TEXT, match=r"^今後の取組予定"),
    Column("covid_impact", "事業への影響", 26, TEXT, COVID_GROUP),
    Column("covid_response", "現状の対応・今後の対応策", 26, TEXT, COVID_GROUP),
    Column("sdgs", "事業と関連の深いSDGs目標", 10, CODE, match=r"SDGs"),
    Column("submitted_by", "提出部署", 10, META, PROVENANCE_GROUP),
    Column("origin_file", "ファイル", 16, META, PROVENANCE_GROUP),
    Column("origin_sheet", "シート", 10, META, PROVENANCE_GROUP),
    Column("origin_row", "行", 5, META, PROVENANCE_GROUP),
    Column("source_line", "参照行", 6, META, PROVENANCE_GROUP),
)

DIRECTION_CHOICES = ("高いほど良い", "低いほど良い")

# Optional columns: recognised by their header wherever they stand, written only by the writers
# that need them, so files without them keep every column letter of COLUMNS. 前年度実績 is last
# year's value, which ``xl-kpi rollover`` writes just before this year's 令和N年度末時点 column.
PREVIOUS_COLUMN = Column("previous_value", "前年度実績\n({previous_year}末)", 13, QUANTITY, KPI_GROUP,
                         match=r"^前年度実績")
OPTIONAL_COLUMNS: tuple[Column, ...] = (PREVIOUS_COLUMN,)


@dataclass(frozen=True)
class SheetLayout:
    """Where things are on a KPI sheet (a department's submission or the master 取組状況)."""

    columns: tuple[Column, ...] = COLUMNS
    optional: tuple[Column, ...] = OPTIONAL_COLUMNS  # recognised when present, not written
    title_row: int = 1
    info_row: int = 2        # 部署 and the template version
    group_row: int = 3       # upper header row
    header_row: int = 4      # lower header row
    first_data_row: int = 5
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {c.field: i + 1 for i, c in enumerate(self.columns)})

    def col(self, name: str) -> int:
        """1-based column number of a field."""
        return self.index[name]

    def letter(self, name: str) -> str:
        return column_letter(self.index[name])

    def column(self, name: str) -> Column:
        """The declaration of a field's column, written or optional."""
        if name in self.index:
            return self.columns[self.index[name] - 1]
        return next(c for c in self.optional if c.field == name)

    @property
    def recognised(self) -> tuple[Column, ...]:
        """Every column a reader maps by its header: the written ones, then the optional ones."""
        return self.columns + self.optional

    def including(self, name: str, before: str) -> SheetLayout:
        """This layout with the optional column ``name`` written just before column ``before``."""
        extra = self.column(name)
        at = self.index[before] - 1
        return SheetLayout(self.columns[:at] + (extra,) + self.columns[at:],
                           tuple(c for c in self.optional if c.field != name),
                           self.title_row, self.info_row, self.group_row, self.header_row,
                           self.first_data_row)

    @property
    def printed(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.kind != META)

    @property
    def last_printed_col(self) -> int:
        return len(self.printed)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)


LAYOUT = SheetLayout()
# The 公開用 workbook's 取組状況 (``xl-kpi publish``): the printed columns, without provenance.
PUBLIC_LAYOUT = SheetLayout(LAYOUT.printed)
# Next year's pre-filled submissions (``xl-kpi rollover``): 前年度実績 beside 令和N年度末時点.
ROLLOVER_LAYOUT = LAYOUT.including("previous_value", before="current")


@dataclass
class Settings:
    """What the 「設定」 sheet holds."""

    year: int
    plan_end: int = DEFAULT_PLAN_END
    departments: tuple[str, ...] = DEFAULT_DEPARTMENTS
    bands: GradeBands = DEFAULT_BANDS
    version: str = TEMPLATE_VERSION
    severities: dict[str, str] = field(default_factory=dict)  # finding code → severity (指摘の重要度)
    plan_start: int = DEFAULT_PLAN_START
    scheme: str = BANDS  # the grading scheme (xl_kpi.core.grading.SCHEMES)
    city_code: str = ""  # 全国地方公共団体コード as typed in 設定 (checked when publishing)
    city_name: str = ""  # 地方公共団体名
    rounding: Rounding = DEFAULT_ROUNDING  # 達成率の表示: whole percent or one decimal, half up or truncated

    def grading(self, scheme: str | None = None) -> Scheme:
        """The grading scheme of these settings (or ``scheme`` instead), with the plan period and
        the rounding the grades read."""
        plan = PlanPeriod(min(self.plan_start, self.plan_end), self.plan_end, self.year) if self.year else None
        return Scheme(scheme or self.scheme, self.bands, plan, rounding=self.rounding)


# The 「計画」 sheet (the plan register): (field, header, width) of its columns in their order, and
# the row of their headers.
REGISTER_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("measure_id", "施策番号", 8), ("kpi_no", "KPI番号", 6), ("relisted", "再掲", 5),
    ("goal_no", "基本目標", 6), ("goal_title", "基本目標名", 22), ("direction_letter", "基本的方向", 6),
    ("direction_title", "基本的方向名", 22), ("measure_name", "施策", 22), ("department", "部署", 16),
    ("kpi_item", "KPI項目", 28), ("baseline", "基準値", 16), ("target", "目標値", 16),
    ("revised_target", "変更後の目標値", 14), ("revision_note", "変更の理由", 20), ("unit", "単位", 8),
    ("direction", "指標の方向", 10), ("measure_content", "施策の内容", 30), ("sdgs", "SDGs", 10),
)
REGISTER_HEADER_ROW = 3  # 1-based

SEVERITY_TABLE = "指摘の重要度"
ROUNDING_LABEL = "達成率の表示"  # the 設定 row of Settings.rounding (「整数・四捨五入」, 「小数第1位・切り捨て」 …)
# The codes listed in the 設定 sheet's 指摘の重要度 table (more may be added there by hand).
TUNABLE_CODES = ("basis-mismatch", "unit-mismatch", "below-baseline", "rate-not-computable", "percent-scale")


GOAL_RE = re.compile(r"^【基本目標\s*(\d+)】\s*(.*)$", re.S)
DIRECTION_RE = re.compile(r"^【基本的方向[：:]\s*(\S)】\s*(.*)$", re.S)
VERSION_LABEL = "様式"
UNNUMBERED = "（未記入）"  # the heading of rows that had no 【基本目標N】/【基本的方向：X】 above them


def goal_heading(goal_no: str, title: str) -> str:
    return f"【基本目標{goal_no or UNNUMBERED}】{title}"


def direction_heading(letter: str, title: str) -> str:
    return f"【基本的方向：{letter or UNNUMBERED}】{title}"


def report_title(year: int) -> str:
    return f"総合戦略に記載されている各種施策の取組状況（{format_fiscal_year(year)}）"


def default_year(today: date | None = None, plan_end: int = DEFAULT_PLAN_END) -> int:
    """The last completed fiscal year (a report on FY N is written in FY N+1), but not after the
    plan end: a report's targets are the plan end's, so a later year would not match its header."""
    today = today or date.today()
    fy = today.year if today.month >= 4 else today.year - 1
    return min(fy - 1, plan_end)


def safe_sheet_name(name: str) -> str:
    """A valid Excel sheet name: ≤ 31 characters, none of []:*?/\\ , not empty."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "Sheet"
    return cleaned[:31]
