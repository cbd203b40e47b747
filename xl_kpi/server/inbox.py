"""The submission inbox's routes (an ``APIRouter`` the app includes; the app's guard gives them the
same body limit, security headers and audit line as every other route).

- ``POST /api/submissions`` (multipart ``file``): check the workbook at once; 201 ``{id, department,
  counts, …}`` when stored (committed first), else 4xx with the findings (400 unreadable, 403 another
  department's, 422 errors that block it).
- ``GET /api/submissions`` (a department: its own; planning: all), ``GET /api/submissions/{id}``
  (with the findings), ``GET /api/status`` (every department of the plan and its state).
- ``POST /api/submissions/{id}/reopen`` (差し戻し, ``{"message": …}``) and ``/accept`` (受理): planning.
- ``POST /api/inbox/merge``: planning; the master of the latest accepted submission of each
  department, as ``xl-kpi merge --plan XL_KPI_PLAN`` gives it.
- ``GET /inbox``: the planning division's page (static HTML; its script calls the API above).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import anyio
import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from ..core.errors import XlKpiError
from ..inbox import service
from ..inbox.store import ACCEPTED, PENDING, REOPENED, Inbox, database_url, describe_url
from . import security
from .payload import UserError

log = logging.getLogger("xl_kpi.server")
STATIC = Path(__file__).parent / "static"
MESSAGE_LIMIT = 2000
FINDINGS_LIMIT = 1000  # findings in one answer; the total is said (findings_total)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def token_id(entries, authorization: str | None) -> str:
    """An id of the caller's token for the record and the logs, never the secret: the ``name``
    its tokens-file entry gives, else its fingerprint — the id the audit lines use
    (:func:`.security.fingerprint`)."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    for e in entries:
        if getattr(e, "token", None) == token and getattr(e, "name", ""):
            return str(e.name)
    return security.fingerprint(token)


def json_response(data: object, status: int = 200) -> Response:
    return Response(orjson.dumps(data, default=str), status_code=status, media_type="application/json")


def submission_number(text: str) -> int:
    """A 受付番号 from the URL; anything else (letters, a number no database holds) is a 404 in Japanese."""
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise UserError(404, f"受付番号「{security.sanitize_log(text, 20)}」の提出はありません。")
    return int(text)


def bounded(findings: list[dict]) -> dict:
    """The findings of an answer, at most FINDINGS_LIMIT, with their total."""
    return {"findings": findings[:FINDINGS_LIMIT], "findings_total": len(findings)}


class InboxState:
    """The inbox of this process, opened (and migrated) on first use: the database is only touched
    by a server that is asked about submissions."""

    def __init__(self, settings: service.InboxSettings, url: str | None = None):
        self.settings = settings
        self.url = url
        self._inbox: Inbox | None = None
        self._register = None
        self._lock = threading.Lock()
        self.run_merge: MergeRunner = merge_in_thread

    def inbox(self) -> Inbox:
        with self._lock:
            if self._inbox is None:
                url = self.url or database_url()
                self._inbox = Inbox.open(url)
                log.info(f"inbox database: {describe_url(url)}")
            return self._inbox

    def register(self):
        with self._lock:
            if self._register is None and self.settings.plan is not None:
                self._register = self.settings.register()
            return self._register

    def close(self) -> None:
        if self._inbox is not None:
            self._inbox.close()


MergeRunner = Callable[..., Awaitable[tuple[bytes, list, int]]]


async def merge_in_thread(fn: Callable[..., tuple[bytes, list, int]], *args) -> tuple[bytes, list, int]:
    return await anyio.to_thread.run_sync(lambda: fn(*args))


def inbox_router(tokens: Callable[[], list], principal: Callable[[Request], security.Principal],
                 settings: service.InboxSettings | None = None, url: str | None = None,
                 run_merge: MergeRunner = merge_in_thread) -> APIRouter:
    """The routes; ``tokens()``: the current token entries (for the token id), ``principal``: the
    app's authentication of a request; ``run_merge(fn, *args)``: how a merge runs (the app's
    worker pool, behind its limit on merges at once; a thread without one)."""
    state = InboxState(settings or service.InboxSettings.from_env(), url)
    state.run_merge = run_merge
    router = APIRouter()
    router.inbox_state = state  # type: ignore[attr-defined]  # for the app's shutdown and the tests
    add_submission_routes(router, state, tokens, principal)
    add_planning_routes(router, state, tokens, principal)
    return router


def add_submission_routes(router: APIRouter, state: InboxState, tokens: Callable[[], list],
                          principal: Callable[[Request], security.Principal]) -> None:
    """Submitting, and reading one's own submissions (planning: all) and the state of the departments."""
    @router.post("/api/submissions")
    async def submit(request: Request):
        who = principal(request)
        try:
            form = await request.form(max_files=1, max_fields=10)
        except ClientDisconnect:
            raise UserError(400, "送信が途中で切れました。もう一度提出してください（何も保存していません）。")
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise UserError(400, "提出するブックを file で送ってください。")
        data = await upload.read()
        dept = who.department if who.role == security.DEPARTMENT else None
        tid = who.token_id if who.token_id != "-" else token_id(tokens(), request.headers.get("authorization"))

        def run():
            return service.submit(state.inbox(), state.settings, state.register(), data=data,
                                  filename=upload.filename or "", department=dept, token_id=tid)
        try:
            stored = await anyio.to_thread.run_sync(run)
        except service.Refused as err:
            return json_response({"detail": err.message, "counts": err.counts, **bounded(err.findings)}, err.status)
        body = stored.to_dict()
        body["detail"] = (f"受け付けました（受付番号 {stored.id}）。" if stored.state == ACCEPTED else
                          f"受け付けました（受付番号 {stored.id}）。企画担当の確認を待っています。")
        return json_response(body, 201)

    @router.get("/api/submissions")
    async def listing(request: Request):
        who = principal(request)
        dept = who.department if who.role == security.DEPARTMENT else None
        found = await anyio.to_thread.run_sync(lambda: state.inbox().listing(dept))
        return json_response({"submissions": [s.to_dict() for s in reversed(found)]})

    @router.get("/api/submissions/{number}")
    async def one(number: str, request: Request):
        who = principal(request)
        submission_id = submission_number(number)
        found = await anyio.to_thread.run_sync(lambda: state.inbox().get(submission_id, with_findings=True))
        if found is None or (who.role == security.DEPARTMENT and found.department != who.department):
            raise UserError(404, f"受付番号 {submission_id} の提出はありません。")
        body = found.to_dict(findings=True)
        body.update(bounded(body["findings"]))
        return json_response(body)

    @router.get("/api/status")
    async def status(request: Request):
        who = principal(request)

        def run():
            rows = service.department_states(state.inbox(), state.register())
            if who.role == security.DEPARTMENT:
                rows = [r for r in rows if r.department == who.department]
            return rows
        rows = await anyio.to_thread.run_sync(run)
        return json_response({"role": who.role, "departments": [r.to_dict() for r in rows],
                              "settings": {"allow_errors": state.settings.allow_errors,
                                           "review": state.settings.review,
                                           "plan": state.settings.plan is not None}})



def add_planning_routes(router: APIRouter, state: InboxState, tokens: Callable[[], list],
                        principal: Callable[[Request], security.Principal]) -> None:
    """What only the planning division does: 受理, 差し戻し, the master, and its page."""
    def planning(request: Request) -> security.Principal:
        who = principal(request)
        if who.role != security.PLANNING:
            raise UserError(403, "この操作は企画担当（planning）のトークンでのみできます。")
        return who

    async def decide(submission_id: int, request: Request, new_state: str, message: str = ""):
        who = planning(request)
        by = who.token_id if who.token_id != "-" else token_id(tokens(), request.headers.get("authorization"))
        found = await anyio.to_thread.run_sync(lambda: state.inbox().decide(submission_id, new_state, by, message))
        if found is None:
            raise UserError(404, f"受付番号 {submission_id} の提出はありません。")
        log.info(security.sanitize_log(f"inbox: {who.label} {new_state} submission {submission_id}"))
        return json_response(found.to_dict())

    @router.post("/api/submissions/{number}/reopen")
    async def reopen(number: str, request: Request):
        planning(request)
        submission_id = submission_number(number)
        try:
            body = orjson.loads(await request.body() or b"{}")
        except orjson.JSONDecodeError:
            raise UserError(400, "差し戻しの内容を JSON（{\"message\": \"…\"}）で送ってください。")
        message = body.get("message", "") if isinstance(body, dict) else ""
        if not isinstance(message, str) or not message.strip():
            raise UserError(400, "差し戻しの理由（部署に表示するメッセージ）を入力してください。")
        if len(message) > MESSAGE_LIMIT:
            raise UserError(400, f"メッセージは {MESSAGE_LIMIT} 文字までにしてください。")
        return await decide(submission_id, request, REOPENED, message.strip())

    @router.post("/api/submissions/{number}/accept")
    async def accept(number: str, request: Request):
        return await decide(submission_number(number), request, ACCEPTED)

    @router.post("/api/inbox/merge")
    async def merge(request: Request):
        planning(request)
        try:
            state.inbox()  # created and migrated here, once, before a worker opens it
            data, findings, rows = await state.run_merge(service.merge_inbox_at, state.url or database_url(),
                                                         state.settings)
        except XlKpiError as err:
            raise UserError(400, str(err))
        errors = sum(1 for f in findings if f.severity == "error")
        return Response(data, media_type=XLSX, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote('取組状況.xlsx')}",
            "X-Xl-Kpi-Rows": str(rows), "X-Xl-Kpi-Errors": str(errors)})

    @router.get("/inbox")
    async def page():
        return Response((STATIC / "inbox.html").read_bytes(), media_type="text/html; charset=utf-8")


__all__ = ["PENDING", "inbox_router", "token_id"]
