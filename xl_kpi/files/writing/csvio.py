"""The interchange CSV: the columns of ``sample_kpis.csv`` (UTF-8, one header row, RFC 4180).

Reading gives records whose source cells are the addresses the CSV would have when opened in
Excel (row 1 is the header), so findings point somewhere a user can look.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from ...core.errors import FileError, describe_os_error
from ...core.record import CSV_FIELDS, KpiRecord, Source
from ..addressing import column_letter

SAMPLE_NAME = "sample_kpis.csv"


def sample_csv_path() -> Path:
    """The embedded sample (Toyama City, 基本目標1–2, FY2020), shipped as package data."""
    return Path(str(resources.files("xl_kpi.data").joinpath(SAMPLE_NAME)))


def read_csv_records(path: str | Path) -> list[KpiRecord]:
    """Records of an interchange CSV; a missing column or undecodable file is a FileError."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise FileError(f"{p.name}: {describe_os_error(err)}。", code="unreadable-file",
                        path=str(p)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp932")
        except UnicodeDecodeError:
            raise FileError(f"{p.name}: 文字コードを判別できません（UTF-8で保存してください）。",
                            code="unreadable-file", path=str(p)) from None
    return parse_csv_text(text, p.name)


def parse_csv_text(text: str, name: str = "") -> list[KpiRecord]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FileError(f"{name}: CSVが空です。", code="empty-file", path=name) from None
    except csv.Error as err:
        raise FileError(f"{name}: CSVを読み込めません（{err}）。", code="unreadable-file", path=name) from None
    header = [h.strip() for h in header]
    missing = [f for f in CSV_FIELDS if f not in header and f not in ("source_line", "relisted")]
    if missing:
        raise FileError(f"{name}: 列 {', '.join(missing)} がありません。", code="missing-header",
                        path=name, value=", ".join(missing))
    index = {h: i for i, h in enumerate(header)}
    cells = {f: column_letter(index[f] + 1) for f in header if f in index}
    records = []
    try:
        for line_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            values = {f: row[i].strip() if i < len(row) else "" for f, i in index.items()}
            src = Source(name, "", line_no, cells)
            records.append(KpiRecord.from_mapping(values, src))
    except csv.Error as err:
        raise FileError(f"{name}: CSVの{reader.line_num}行目を読み込めません（{err}）。",
                        code="unreadable-file", path=name, cell=f"A{reader.line_num}") from None
    return records


def write_csv_records(records: Iterable[KpiRecord], path: str | Path | None = None) -> str:
    """Write records as the interchange CSV (``\\n`` line ends, minimal quoting); returns the text."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for r in records:
        d = r.to_dict()
        w.writerow([d[f] for f in CSV_FIELDS])
    text = buf.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8", newline="")
    return text
