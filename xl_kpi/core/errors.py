"""The project's exception tree: input errors (bad cell text, bad arguments) vs file errors.

Every error a user can act on is one of these; each carries a Japanese message (``str(err)``)
and, where known, the place it points at.
"""

from __future__ import annotations

import errno


class XlKpiError(Exception):
    """Base of every error xl-kpi raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, value: object = None):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.value = value


class InputError(XlKpiError):
    """A value or argument that cannot be used as given (the user can correct it)."""

    code = "invalid-input"


class QuantityError(InputError):
    """Text of a KPI cell that cannot be read as one quantity."""

    code = "unparseable-value"


class FileError(XlKpiError):
    """A file that cannot be read or written safely; names the file (and sheet/cell if known)."""

    code = "file-error"

    def __init__(self, message: str, *, code: str | None = None, path: str | None = None,
                 sheet: str | None = None, cell: str | None = None, value: object = None):
        super().__init__(message, code=code, value=value)
        self.path = path
        self.sheet = sheet
        self.cell = cell
        self.finding = None  # the preflight's finding, when the refusal came from one


_OS_ERRORS = {
    errno.ENOENT: "ファイルがありません。名前と場所を確かめてください",
    errno.EACCES: "読み書きする権限がありません。ファイルの権限か、他のアプリで開いていないかを確かめてください",
    errno.EPERM: "読み書きする権限がありません。ファイルの権限か、他のアプリで開いていないかを確かめてください",
    errno.EISDIR: "フォルダーです。ファイルを指定してください",
    errno.ENOTDIR: "途中のフォルダーがありません。場所を確かめてください",
    errno.ENOSPC: "ディスクの空きがありません",
}


def describe_os_error(err: OSError) -> str:
    """What an operating-system error means for the user, in Japanese (no English strerror)."""
    return _OS_ERRORS.get(err.errno or 0, f"ファイルを読み書きできません（{type(err).__name__}）")
