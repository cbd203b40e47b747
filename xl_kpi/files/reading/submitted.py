"""When a workbook was submitted — the rule that decides which of two submissions is newer.

In order: the 「提出日時」 of its 設定 sheet (the template has the row; the ribbon's and task pane's
「提出日時の記入」 fills it just before submitting), else the time it was last saved as the workbook itself records it (the core
document property ``dcterms:modified``, which Excel, LibreOffice and openpyxl update on every save,
ECMA-376 Part 2 §11 — a copy or an e-mail attachment keeps it, unlike the file's time), when it
is later than the creation time (the template xl-kpi writes has both the same), else the file's
modification time. Times are ISO 8601 in Japan time (``…+09:00``), the city hall's clock; a
提出日時 typed without a zone is Japan time, whatever the server's own zone.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from ...core.fiscal import JAPAN_TIME, japan_time

SETTINGS_LABEL = "提出日時"
FROM_SETTINGS = "設定の提出日時"
FROM_SAVED = "ブックの最終保存日時"
FROM_FILE = "ファイルの更新日時"
_DCTERMS = "{http://purl.org/dc/terms/}"


def saved_times(path: Path) -> tuple[datetime | None, datetime | None]:
    """(created, modified) of the workbook's core properties, when present and readable."""
    try:
        with zipfile.ZipFile(path) as zf:
            if "docProps/core.xml" not in zf.namelist():
                return None, None
            root = ET.fromstring(zf.read("docProps/core.xml"))
    except (zipfile.BadZipFile, ET.ParseError, OSError, KeyError):
        return None, None
    return _w3cdtf(root.findtext(f"{_DCTERMS}created")), _w3cdtf(root.findtext(f"{_DCTERMS}modified"))


def _w3cdtf(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def settings_time(value: Any) -> datetime | None:
    """The 設定 sheet's 提出日時: an Excel date/time (Japan time) or ISO text."""
    if isinstance(value, datetime):
        d = value
    elif isinstance(value, date):
        d = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        try:
            d = datetime.fromisoformat(value.strip().replace("/", "-").replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return d.astimezone(JAPAN_TIME) if d.tzinfo else d.replace(tzinfo=JAPAN_TIME)  # typed in Japan


def submission_time(path: Path, file_mtime: str, settings_value: Any = None) -> tuple[str, str]:
    """(ISO time in Japan time, which rule gave it) — see the module docstring."""
    explicit = settings_time(settings_value)
    if explicit is not None:
        return _iso(explicit), FROM_SETTINGS
    created, modified = saved_times(path)
    if modified is not None and (created is None or modified > created):
        return _iso(modified), FROM_SAVED
    return file_mtime, FROM_FILE


def _iso(d: datetime) -> str:
    return japan_time(d).isoformat()


def shown_time(iso: str) -> str:
    """A submission time as a person reads it (Japan time, to the second)."""
    try:
        d = datetime.fromisoformat(iso)
        return japan_time(d if d.tzinfo else d.replace(tzinfo=JAPAN_TIME)).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso
