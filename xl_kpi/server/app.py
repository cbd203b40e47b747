"""``xl-kpi serve``: a FastAPI app speaking the xlwings Server protocol over ``xl_kpi.excel``.

Routes: ``/health``; ``/guide`` (the user guide); ``/manifest.xml``; the task pane and its glue under ``/static``;
``/xlwings/custom-functions-meta|code|call`` and ``/xlwings/custom-scripts-call/{script}``; and
``/api/merge`` (upload submissions, get the merged master and its findings). Bearer tokens from
``XL_KPI_TOKENS_FILE``; a department acts on its own sheets only, merging is for ``planning``.
A user error is a 400 with its Japanese message; anything else a generic 500, details in the log.
"""

from __future__ import annotations

import base64
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("XLWINGS_ON_SERVER", "true")

import orjson  # noqa: E402
import xlwings as xw  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.middleware.cors import CORSMiddleware  # noqa: E402
from fastapi.responses import JSONResponse, PlainTextResponse, Response  # noqa: E402
from fastapi.staticfiles import StaticFiles  # noqa: E402
from starlette.exceptions import HTTPException  # noqa: E402
from xlwings import server as xws  # noqa: E402

from .. import __version__  # noqa: E402
from ..core.errors import XlKpiError  # noqa: E402
from ..excel import actions, scripts, udfs  # noqa: E402
from ..excel.adapter import active_kpi_sheet  # noqa: E402
from . import security  # noqa: E402
from .manifest import check_base_url, manifest_xml  # noqa: E402

log = logging.getLogger("xl_kpi.server")
STATIC = Path(__file__).parent / "static"
DEPARTMENT_SCRIPTS = {"compute_rates", "validate_sheet", "new_submission", "annotate_findings"}
MAX_BODY = 20 * 1024 * 1024
MAX_BOOK = 10 * 1024 * 1024


@dataclass
class ServerConfig:
    tokens: list[security.TokenEntry]
    base_url: str = "https://localhost:8000"
    cors_origins: list[str] = field(default_factory=list)
    max_body: int = MAX_BODY
    max_book: int = MAX_BOOK
    production: bool = True

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "ServerConfig":
        env = dict(os.environ if env is None else env)
        tokens_file = env.get("XL_KPI_TOKENS_FILE")
        if not tokens_file:
            raise XlKpiError("XL_KPI_TOKENS_FILE（トークンの JSON ファイル）を設定してください。")
        if not env.get("XLWINGS_LICENSE_KEY"):
            raise XlKpiError("XLWINGS_LICENSE_KEY を設定してください（非商用: noncommercial、商用: 購入したキー）。")
        return cls(
            tokens=security.load_tokens(tokens_file),
            base_url=check_base_url(env.get("XL_KPI_BASE_URL", "https://localhost:8000")),
            cors_origins=[o.strip() for o in env.get("XL_KPI_CORS_ORIGINS", "").split(",") if o.strip()],
            max_body=int(env.get("XL_KPI_MAX_BODY", MAX_BODY)),
            max_book=int(env.get("XL_KPI_MAX_BOOK_JSON", MAX_BOOK)),
            production=env.get("XL_KPI_ENV", "production") != "development",
        )


def json_response(data: object, status: int = 200) -> Response:
    """JSON without FastAPI's recursive encoder (which costs tens of ms on a book's actions)."""
    return Response(orjson.dumps(data, default=str), status_code=status, media_type="application/json")


NO_STORE_PREFIXES = ("/xlwings/custom-functions-call", "/xlwings/custom-scripts-call", "/api/")


class GuardMiddleware:
    """Pure ASGI (no response buffering): refuse bodies over the limit by their declared length,
    add the security headers, mark API answers no-store, and log one sanitised line a request."""

    def __init__(self, app, max_body: int, headers: dict[str, str]):
        self.app = app
        self.max_body = max_body
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        status = {"code": 0}

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                present = {k for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                if path.startswith(NO_STORE_PREFIXES):
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        length = dict(scope.get("headers", [])).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body:
            response = JSONResponse({"detail": f"リクエストが大きすぎます（上限 {self.max_body // 1024 // 1024} MB）。"},
                                    status_code=413)
            await response(scope, receive, send_with_headers)
        else:
            await self.app(scope, receive, send_with_headers)
        who = scope.get("state", {}).get("who", "-")
        log.info(security.sanitize_log(f"{scope.get('method')} {path} {status['code']} {who}"))


class UserError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def create_app(config: ServerConfig) -> FastAPI:
    if not hasattr(udfs.kpi_rate, "__xlfunc__") or not xw.__dict__.get("on_server", True):
        raise XlKpiError("xlwings がサーバーモードで読み込まれていません（XLWINGS_ON_SERVER=true を xlwings より先に設定）。")
    app = FastAPI(title="xl-kpi", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    https = config.base_url.startswith("https://")
    headers = security.security_headers(https)

    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=config.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"], allow_credentials=False)

    app.add_middleware(GuardMiddleware, max_body=config.max_body, headers=headers)

    @app.exception_handler(UserError)
    async def user_error(_request: Request, err: UserError):
        return JSONResponse({"detail": err.message}, status_code=err.status)

    @app.exception_handler(XlKpiError)
    async def domain_error(_request: Request, err: XlKpiError):
        return JSONResponse({"detail": str(err), "code": err.code}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, err: HTTPException):
        return JSONResponse({"detail": err.detail}, status_code=err.status_code)

    @app.exception_handler(Exception)
    async def server_error(request: Request, err: Exception):
        log.error(security.sanitize_log(f"{request.method} {request.url.path}: {type(err).__name__}: {err}"),
                  exc_info=not config.production)
        detail = "サーバーでエラーが発生しました。管理者に連絡してください。"
        if not config.production:
            detail += f"（{type(err).__name__}: {err}）"
        return JSONResponse({"detail": detail}, status_code=500)

    def principal(request: Request) -> security.Principal:
        who = security.authenticate(config.tokens, request.headers.get("authorization"))
        if who is None:
            raise UserError(401, "認証が必要です（作業ウィンドウでアクセストークンを設定してください）。")
        request.state.who = who.label
        return who

    async def body_json(request: Request, limit: int) -> dict:
        raw = await request.body()
        if len(raw) > limit:
            raise UserError(413, f"ブックのデータが大きすぎます（上限 {limit // 1024 // 1024} MB）。")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise UserError(400, "JSON を読み取れません。") from None
        if not isinstance(data, dict):
            raise UserError(400, "JSON の形式が違います。")
        return data

    @app.get("/health")
    async def health():
        return {"status": "ok", "version": __version__}

    @app.get("/guide")
    async def guide():  # the user guide, without a token: staff read it before they have one
        from ..guide import cached_guide_html
        return Response(cached_guide_html(), media_type="text/html; charset=utf-8")

    @app.get("/manifest.xml")
    async def manifest():
        return Response(manifest_xml(config.base_url), media_type="application/xml")

    @app.get("/xlwings/custom-functions-meta")
    async def functions_meta():
        return xws.custom_functions_meta(udfs)

    @app.get("/xlwings/custom-functions-code")
    async def functions_code():
        return PlainTextResponse(functions_js(), media_type="text/javascript")

    @app.post("/xlwings/custom-functions-call")
    async def functions_call(request: Request):
        principal(request)
        data = await body_json(request, config.max_book)
        name = data.get("func_name")
        if name not in {f.__name__ for f in udfs.UDFS}:
            raise UserError(400, f"関数「{security.sanitize_log(name, 60)}」はありません。")
        data.setdefault("version", xw.__version__)
        data.setdefault("client", "Office.js")
        data.setdefault("runtime", "1.4")
        result = await xws.custom_functions_call(data, udfs)
        return json_response({"result": result})

    @app.post("/xlwings/custom-scripts-call/{script}")
    async def scripts_call(script: str, request: Request):
        who = principal(request)
        if script not in scripts.SCRIPTS:
            raise UserError(404, f"スクリプト「{security.sanitize_log(script, 60)}」はありません。")
        payload = await body_json(request, config.max_book)
        args = payload.pop("script_args", []) if isinstance(payload.get("script_args", []), list) else []
        try:
            book = xw.Book(json=payload)
        except Exception:
            raise UserError(400, "ブックのデータの形式が違います。") from None
        try:
            authorize_script(who, script, book, args)
            actions.LAST_RESULT.set(None)
            await xws.custom_scripts_call(scripts, script, typehint_to_value={xw.Book: book}, args=args)
            result = actions.LAST_RESULT.get()
            out = book.json()
            out["result"] = result.to_dict() if result is not None else None
            return json_response(out)
        finally:
            book.close()

    async def _saved_upload(upload, path: Path) -> Path | None:
        """An optional uploaded file (e.g. last year's master) saved to ``path``; None if not sent."""
        if upload is None or not hasattr(upload, "read") or not getattr(upload, "filename", ""):
            return None
        path.write_bytes(await upload.read())
        return path

    @app.post("/api/merge")
    async def merge(request: Request):
        who = principal(request)
        if who.role != security.PLANNING:
            raise UserError(403, "統合は企画担当（planning）のみ実行できます。")
        form = await request.form()
        uploads = [f for k, f in form.multi_items() if k == "files" and hasattr(f, "filename")]
        master_upload = form.get("master")
        if not uploads:
            raise UserError(400, "提出ファイルを選んでください。")
        from ..files.master import InputsRefused, merge_files
        with tempfile.TemporaryDirectory(prefix="xl-kpi-") as tmp:
            paths = []
            for i, f in enumerate(uploads):  # each in its own folder: the findings name the file as uploaded
                name = Path(f.filename or "").name or f"file{i}"
                (Path(tmp) / f"{i:03d}").mkdir()
                paths.append(Path(tmp) / f"{i:03d}" / name)
                paths[-1].write_bytes(await f.read())
            master = Path(tmp) / "取組状況.xlsx"
            if master_upload is not None and hasattr(master_upload, "read"):
                master.write_bytes(await master_upload.read())
            previous = await _saved_upload(form.get("previous"), Path(tmp) / "前年度.xlsx")
            skip = form.get("skip_invalid") in ("1", "true", "on")
            try:  # the same rules as `xl-kpi merge`: refused (exit 2) → 400 with every finding
                outcome = merge_files(paths, master, skip_invalid=skip, previous=previous)
            except InputsRefused as err:
                return json_response({"detail": str(err), "code": err.code,
                                      "findings": [f.to_dict() for f in err.findings]}, 400)
            data = master.read_bytes()
        report = outcome.report
        return json_response({"rows": len(outcome.records), "valid": report.valid, "counts": report.counts(),
                              "findings": [f.to_dict() for f in report.findings],
                              "skipped": [f.to_dict() for f in outcome.skipped],
                              "filename": "取組状況.xlsx", "master_base64": base64.b64encode(data).decode()})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def authorize_script(who: security.Principal, script: str, book, args: list) -> None:
    """Planning may run everything; a department only its own sheets, and never the merge."""
    if who.role == security.PLANNING:
        return
    if script not in DEPARTMENT_SCRIPTS:
        raise UserError(403, "この操作は企画担当（planning）のみ実行できます。")
    if script == "new_submission":
        wanted = str(args[0]) if args else ""
        if wanted and wanted != who.department:
            raise UserError(403, f"{who.department}の担当者は他の部署（{wanted}）のシートを作成できません。")
        return
    kpi = active_kpi_sheet(book)
    departments = {r.owner for r in kpi.records if r.owner} | ({kpi.department} if kpi.department else set())
    if departments - {who.department}:
        others = "、".join(sorted(departments - {who.department}))
        raise UserError(403, f"{who.department}の担当者は他の部署（{others}）の行を処理できません。")


def functions_js() -> str:
    """The custom functions' JavaScript: each function posts its arguments to the server.

    A result text ``#N/A <reason>`` becomes a real #N/A error whose message is the reason."""
    names = [f.__name__ for f in udfs.UDFS]
    lines = [(STATIC / "functions-base.js").read_text(encoding="utf-8"),
             'if (typeof CustomFunctions !== "undefined") {']
    for n in names:
        lines.append(f'  CustomFunctions.associate("{n.upper()}", function () {{ '
                     f'return xlKpiCall("{n}", Array.prototype.slice.call(arguments)); }});')
    lines.append("}")
    return "\n".join(lines) + "\n"


def app_from_env() -> FastAPI:
    return create_app(ServerConfig.from_env())
