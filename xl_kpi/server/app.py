"""``xl-kpi serve``: a FastAPI app speaking the xlwings Server protocol over ``xl_kpi.excel``.

Routes: ``/health``; ``/guide`` (the user guide); ``/manifest.xml``; the task pane and its glue under ``/static``;
``/xlwings/custom-functions-meta|code|call`` and ``/xlwings/custom-scripts-call/{script}``; and
``/api/merge`` (upload submissions, get the merged master and its findings); the submission
inbox (``/api/submissions``, ``/api/status``, ``/inbox``: :mod:`.inbox`). Bearer tokens from
``XL_KPI_TOKENS_FILE``; a department acts on its own sheets only, merging is for ``planning``.
A user error is a 400 with its Japanese message; anything else a generic 500, details in the log.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("XLWINGS_ON_SERVER", "true")

import anyio  # noqa: E402
import orjson  # noqa: E402
import xlwings as xw  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.middleware.cors import CORSMiddleware  # noqa: E402
from fastapi.responses import JSONResponse, PlainTextResponse, Response  # noqa: E402
from fastapi.staticfiles import StaticFiles  # noqa: E402
from starlette.datastructures import UploadFile  # noqa: E402
from starlette.exceptions import HTTPException  # noqa: E402
from xlwings import server as xws  # noqa: E402

from .. import __version__  # noqa: E402
from ..core.errors import XlKpiError  # noqa: E402
from ..excel import scripts, udfs  # noqa: E402
from ..files.master import InputsRefused  # noqa: E402
from . import security, work  # noqa: E402
from .guard import GuardMiddleware  # noqa: E402
from .manifest import check_base_url, manifest_xml  # noqa: E402
from .payload import UserError  # noqa: E402

log = logging.getLogger("xl_kpi.server")
STATIC = Path(__file__).parent / "static"
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
    workers: int = 0  # processes for custom functions and scripts; 0: one per core

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ServerConfig:
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
            workers=int(env.get("XL_KPI_WORKERS", 0)),
        )


def json_response(data: object, status: int = 200) -> Response:
    """JSON without FastAPI's recursive encoder (which costs tens of ms on a book's actions)."""
    return Response(orjson.dumps(data, default=str), status_code=status, media_type="application/json")


def create_app(config: ServerConfig) -> FastAPI:
    if not hasattr(udfs.kpi_rate, "__xlfunc__") or not xw.__dict__.get("on_server", True):
        raise XlKpiError("xlwings がサーバーモードで読み込まれていません（XLWINGS_ON_SERVER=true を xlwings より先に設定）。")
    app = FastAPI(title="xl-kpi", version=__version__, docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=start_workers(config))
    add_middleware(app, config)
    add_error_handlers(app)
    add_addin_routes(app, config)
    add_excel_routes(app, config)
    add_merge_route(app, config)
    from .inbox import inbox_router  # the submission inbox (its own module: routes, page, database)
    app.include_router(inbox_router(lambda: config.tokens, lambda request: principal(config, request)))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def start_workers(config: ServerConfig):
    """Lifespan: start the worker processes when the server starts, not on a user's first call,
    and stop them when it stops."""
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        work.warm_up(config.workers)
        try:
            yield
        finally:
            work.shut_down()
    return lifespan


def add_middleware(app: FastAPI, config: ServerConfig) -> None:
    """CORS (closed unless origins are configured) inside the guard (limits, headers, audit)."""
    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=config.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"], allow_credentials=False)
    app.add_middleware(GuardMiddleware, max_body=config.max_body, production=config.production,
                       headers=security.security_headers(config.base_url.startswith("https://")))


def add_error_handlers(app: FastAPI) -> None:
    """User errors are 400s (or the status they carry) with their Japanese message. Anything else
    reaches :class:`GuardMiddleware`, which logs it and answers a generic 500 with the headers."""
    @app.exception_handler(UserError)
    async def user_error(_request: Request, err: UserError):
        return JSONResponse({"detail": err.message}, status_code=err.status)

    @app.exception_handler(XlKpiError)
    async def domain_error(_request: Request, err: XlKpiError):
        return JSONResponse({"detail": str(err), "code": err.code}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, err: HTTPException):
        return JSONResponse({"detail": err.detail}, status_code=err.status_code)


def principal(config: ServerConfig, request: Request) -> security.Principal:
    """Who sent the request, from the ``Authorization: Bearer`` header only."""
    who = security.authenticate(config.tokens, request.headers.get("authorization"))
    if who is None:
        raise UserError(401, "認証が必要です（作業ウィンドウでアクセストークンを設定してください）。")
    request.state.principal = who
    return who


async def body_bytes(request: Request, limit: int) -> bytes:
    raw = await request.body()
    if len(raw) > limit:
        raise UserError(413, f"ブックのデータが大きすぎます（上限 {limit / 1024 / 1024:g} MB）。")
    return raw


def worker_response(answer: work.Answer, request: Request) -> Response:
    status, body, problem = answer
    if problem:
        log.error(security.sanitize_log(f"{request.method} {request.url.path}: {problem}"))
    return Response(body, status_code=status, media_type="application/json")


def add_addin_routes(app: FastAPI, config: ServerConfig) -> None:
    """What Excel loads: health, manifest, the custom functions' metadata and code."""
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


def add_excel_routes(app: FastAPI, config: ServerConfig) -> None:
    """Custom-function calls and scripts, run in the worker pool."""
    @app.post("/xlwings/custom-functions-call")
    async def functions_call(request: Request):
        principal(config, request)
        raw = await body_bytes(request, config.max_book)
        return worker_response(await work.in_pool(config.workers, work.call_function, raw), request)

    @app.post("/xlwings/custom-scripts-call/{script}")
    async def scripts_call(script: str, request: Request):
        who = principal(config, request)
        if script not in scripts.SCRIPTS:
            raise UserError(404, f"スクリプト「{security.sanitize_log(script, 60)}」はありません。")
        raw = await body_bytes(request, config.max_book)
        answer = await work.in_pool(config.workers, work.run_script, script, raw, who.role, who.department)
        return worker_response(answer, request)


def add_merge_route(app: FastAPI, config: ServerConfig) -> None:
    """``/api/merge``: upload submissions, get the merged master (rules of ``xl-kpi merge``)."""
    @app.post("/api/merge")
    async def merge(request: Request):
        who = principal(config, request)
        if who.role != security.PLANNING:
            raise UserError(403, "統合は企画担当（planning）のみ実行できます。")
        form = await request.form()
        uploads = [f for k, f in form.multi_items() if k == "files" and isinstance(f, UploadFile)]
        master_upload = form.get("master")
        if not uploads:
            raise UserError(400, "提出ファイルを選んでください。")
        skip = form.get("skip_invalid") in ("1", "true", "on")
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
            try:  # the same rules as `xl-kpi merge`: refused (exit 2) → 400 with every finding
                outcome = await anyio.to_thread.run_sync(merge_upload, paths, master, skip, previous)
            except InputsRefused as err:
                return json_response({"detail": str(err), "code": err.code,
                                      "findings": [f.to_dict() for f in err.findings]}, 400)
            data = master.read_bytes()
        report = outcome.report
        return json_response({"rows": len(outcome.records), "valid": report.valid, "counts": report.counts(),
                              "findings": [f.to_dict() for f in report.findings],
                              "skipped": [f.to_dict() for f in outcome.skipped],
                              "filename": "取組状況.xlsx", "master_base64": base64.b64encode(data).decode()})


async def _saved_upload(upload, path: Path) -> Path | None:
    """An optional uploaded file (last year's master) saved to ``path``; None if not sent."""
    if upload is None or not hasattr(upload, "read") or not getattr(upload, "filename", ""):
        return None
    path.write_bytes(await upload.read())
    return path


def merge_upload(paths: list[Path], master: Path, skip_invalid: bool, previous: Path | None = None):
    """The files layer's merge of the uploaded files into a master file (run in a thread);
    ``previous``: last year's master, whose 「推移」 the new one carries forward."""
    from ..files.master import merge_files
    return merge_files(paths, master, skip_invalid=skip_invalid, previous=previous)


def functions_js() -> str:
    """The custom functions' JavaScript: one function per UDF taking its declared parameters and,
    last, the ``CustomFunctions.Invocation`` Excel adds (learn.microsoft.com, custom-functions-
    runtime ``CustomFunctions.Invocation``), posting the parameters to the server."""
    lines = [(STATIC / "functions-base.js").read_text(encoding="utf-8"),
             'if (typeof CustomFunctions !== "undefined") {']
    for f in udfs.UDFS:
        params = [a["name"] for a in f.__xlfunc__["args"]]  # type: ignore[union-attr]  # set by @xw.func
        signature = ", ".join([*params, "invocation"])
        lines.append(f'  CustomFunctions.associate("{f.__name__.upper()}", function ({signature}) {{ '
                     f'return xlKpiCall("{f.__name__}", [{", ".join(params)}], invocation); }});')
    lines.append("}")
    return "\n".join(lines) + "\n"


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "xl_kpi": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
"""Logging for ``xl-kpi serve``: the audit line of every request (``xl_kpi.audit``) and server
errors (``xl_kpi.server``) to stderr. Uvicorn's access log is off: it would write query strings."""


def app_from_env() -> FastAPI:
    return create_app(ServerConfig.from_env())
