"""Ribbon actions as xlwings scripts: each a function of an ``xw.Book`` with no logic of its own.

On the server (``XLWINGS_ON_SERVER=true``) these are Office.js custom scripts run through
``xlwings.server.custom_scripts_call`` with ``xw.Book(json=…)``; on the desktop the ribbon's VBA
module calls :func:`xl_kpi.excel.desktop.ribbon`, which runs the same actions on
``xw.Book.caller()``. Japanese button labels are in :data:`RIBBON`.
"""

from __future__ import annotations

import xlwings as xw

from . import actions

# button id → (Japanese label, screen tip, action name). The desktop customUI, the Office.js
# manifest and the task pane are generated from / checked against this table.
RIBBON: dict[str, tuple[str, str, str]] = {
    "btnComputeRates": ("達成率の計算", "このシートのKPIの達成率・変更後の達成率を計算します", "compute_rates"),
    "btnValidate": ("入力チェック", "このシートの入力をチェックし、問題のあるセルに色を付けます", "validate_sheet"),
    "btnAnnotate": ("指摘をコメントで書き込む",
                    "このシートの指摘を各セルのメモ（コメント）と色で示し、「チェック結果」シートからリンクします",
                    "annotate_findings"),
    "btnMerge": ("シートの統合", "部署のシートを「取組状況」シートに統合します", "merge_sheets"),
    "btnNewSubmission": ("新しい提出シート", "公式様式の提出シートを追加します", "new_submission"),
    "btnStampSubmission": ("提出日時の記入", "提出する直前に、今の日時を「設定」シートの提出日時に記入します"
                           "（同じ部署の提出が2つあるとき、新しい方を使うため）", "stamp_submission"),
}


def _book_script(name: str, label: str):
    """The xlwings script ``name`` that runs the action of the same name on the book."""
    def script(book: xw.Book):
        getattr(actions, name)(book)
    script.__name__ = script.__qualname__ = name
    script.__doc__ = label
    return xw.script(script)


compute_rates = _book_script("compute_rates", "達成率の計算")
validate_sheet = _book_script("validate_sheet", "入力チェック")
annotate_findings = _book_script("annotate_findings", "指摘をコメントで書き込む")
merge_sheets = _book_script("merge_sheets", "シートの統合")
stamp_submission = _book_script("stamp_submission", "提出日時の記入")


@xw.script
def new_submission(book: xw.Book, department: str = ""):
    """新しい提出シート"""
    actions.new_submission(book, department)


SCRIPTS = ("compute_rates", "validate_sheet", "merge_sheets", "new_submission", "stamp_submission",
           "annotate_findings")
