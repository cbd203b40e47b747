"""「提出」: send a workbook to the server's inbox (``POST /api/submissions``).

The Office.js add-in does it in the task pane (``static/submit.js``); the desktop add-in's ribbon
button calls :func:`submit_book`, which saves the open workbook and posts its file. The desktop PC
needs the server's address and the department's token: ``XL_KPI_SERVER_URL`` (for example
``https://kpi.city.example.jp``) and ``XL_KPI_TOKEN``, set once per user (Windows: ``setx``).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from pathlib import Path

from ..core.errors import XlKpiError
from ..core.findings import Finding
from .actions import ActionResult

# control id, label, screen tip, the Office.js function name (Office.actions.associate)
SUBMIT_BUTTON = ("btnSubmit", "提出", "このブックを企画担当に提出します。サーバーがすぐにチェックし、"
                 "受付番号か直すところを示します", "submit_workbook")
TIMEOUT = 180


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    name = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_workbook(path: Path, base_url: str, token: str, timeout: float = TIMEOUT) -> tuple[int, dict]:
    """POST the file to ``base_url``/api/submissions; the status and the JSON answer."""
    body, content_type = multipart("file", path.name, path.read_bytes())
    req = urllib.request.Request(base_url.rstrip("/") + "/api/submissions", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    except (urllib.error.URLError, OSError) as err:
        raise XlKpiError(f"サーバー（{base_url}）に接続できませんでした（{getattr(err, 'reason', err)}）。"
                         "XL_KPI_SERVER_URL とネットワークを確かめてください。")
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {}
    return status, answer if isinstance(answer, dict) else {}


def submit_book(book, env: Mapping[str, str] | None = None) -> ActionResult:
    """Save the open workbook and submit its file; the answer as an action result (findings
    when it was refused)."""
    env = os.environ if env is None else env
    base, token = env.get("XL_KPI_SERVER_URL", "").strip(), env.get("XL_KPI_TOKEN", "").strip()
    if not base or not token:
        raise XlKpiError("提出にはサーバーのアドレスとアクセストークンが必要です。コマンドプロンプトで "
                         "setx XL_KPI_SERVER_URL https://（サーバー） と setx XL_KPI_TOKEN （トークン） を"
                         "一度実行し、Excel を開き直してください。")
    book.save()
    path = Path(book.fullname)
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        raise XlKpiError("ブックを .xlsx 形式で保存してから提出してください。")
    status, answer = post_workbook(path, base, token)
    detail = str(answer.get("detail") or f"提出できませんでした（HTTP {status}）。")
    findings = [Finding(**{k: str(f.get(k, "")) for k in Finding._fields}) for f in answer.get("findings", [])
                if isinstance(f, dict)]
    counts = dict(answer.get("counts") or {})
    if status == 201:
        counts["id"] = answer.get("id")
    return ActionResult(detail, findings, counts)
