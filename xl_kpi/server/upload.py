"""``/api/merge`` in a worker process: the uploaded request body is parsed, checked, saved and
merged there, so the event loop only moves the body's bytes to a file.

Parsing a multipart body of dozens of workbooks is tens of milliseconds of Python a request: in
the server process it delayed every answer, ``/health`` included, at each merge. Here each wrong
thing a client can send is a 400 with its Japanese message: an upload name that cannot be a file's
name, a multipart limit (Starlette's English messages translated), a form that is not multipart.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from . import security, work
from .payload import UserError

MAX_NAME_BYTES = 240  # an upload's file name in UTF-8 (file systems allow 255 bytes a name)
MULTIPART_MESSAGES = (  # Starlette's multipart errors (starlette.formparsers), in Japanese
    ("Too many files", "ファイルが多すぎます（1回に {max_files:,} 個まで）。分けてアップロードしてください。"),
    ("Too many fields", "フォームの項目が多すぎます。"),
    ("exceeded maximum size", "フォームの項目（ファイル以外）が大きすぎます（1 MB まで）。"),
    ("Missing boundary", "アップロードの形式（multipart/form-data の boundary）が正しくありません。"),
)


def upload_name(raw: str | None, i: int) -> str:
    """An uploaded file's name as the findings show it, or a 400 when it cannot be a file's name:
    a folder part (``/`` or ``\\``), ``.``/``..``, a control character, over :data:`MAX_NAME_BYTES`."""
    name = unicodedata.normalize("NFC", raw or "")
    if not name:
        return f"file{i}"
    shown = security.sanitize_log(name, 40)
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise UserError(400, f"ファイル名「{shown}」に制御文字が含まれています。名前を付け直してください。")
    if "/" in name or "\\" in name or name.strip() in (".", ".."):
        raise UserError(400, f"ファイル名「{shown}」は使えません（フォルダーの区切り「/」「\\」や「..」を含めないでください）。")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise UserError(400, f"ファイル名が長すぎます（{len(name)} 文字）。{MAX_NAME_BYTES // 3} 文字程度までにしてください。")
    return name


async def parse_form(content_type: str, body: Path, max_files: int) -> FormData:
    """The multipart form in the file ``body``; Starlette's parser with its limits, errors in Japanese."""
    if not content_type.startswith("multipart/form-data"):
        return FormData()

    async def stream():
        with open(body, "rb") as fh:
            while chunk := fh.read(1 << 16):
                yield chunk
        yield b""

    parser = MultiPartParser(Headers({"content-type": content_type}), stream(), max_files=max_files,
                             max_fields=max_files + 10)
    try:
        return await parser.parse()
    except MultiPartException as err:
        for mark, message in MULTIPART_MESSAGES:
            if mark in err.message:
                raise UserError(400, message.format(max_files=max_files)) from None
        raise UserError(400, "アップロードの形式（multipart/form-data）を読み取れません。") from None


def save(upload: UploadFile, path: Path) -> None:
    upload.file.seek(0)
    with open(path, "wb") as out:
        while chunk := upload.file.read(1 << 20):
            out.write(chunk)


def merge_request(content_type: str, body: str, max_files: int) -> work.Answer:
    """The whole of ``/api/merge`` after authentication, in a worker: parse the form, check the
    names, save each file under its own folder (the findings name the file as uploaded), merge."""
    def run():
        form = work.run_coroutine(parse_form(content_type, Path(body), max_files))
        try:
            uploads = [f for k, f in form.multi_items() if k == "files" and isinstance(f, UploadFile)]
            if not uploads:
                raise UserError(400, "提出ファイルを選んでください。")
            names = [upload_name(f.filename, i) for i, f in enumerate(uploads)]
            skip = form.get("skip_invalid") in ("1", "true", "on")
            with tempfile.TemporaryDirectory(prefix="xl-kpi-") as tmp:
                paths = []
                for i, (f, name) in enumerate(zip(uploads, names, strict=True)):
                    (Path(tmp) / f"{i:03d}").mkdir()
                    paths.append(Path(tmp) / f"{i:03d}" / name)
                    save(f, paths[-1])
                master = Path(tmp) / "取組状況.xlsx"
                current = form.get("master")
                if isinstance(current, UploadFile):
                    save(current, master)
                previous = None
                last_year = form.get("previous")
                if isinstance(last_year, UploadFile) and last_year.filename:
                    previous = Path(tmp) / "前年度.xlsx"
                    save(last_year, previous)
                return work.merge_outcome(paths, master, skip, previous)
        finally:
            for _key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    value.file.close()
    return work.answer(run)
