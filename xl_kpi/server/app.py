"""``xl-kpi serve``: a FastAPI app speaking the xlwings Server protocol over ``xl_kpi.excel``.

Routes: ``/health``; ``/guide`` (the user guide); ``/manifest.xml``; the task pane and its glue under ``/static``;
``/xlwings/custom-functions-meta|code|call`` and ``/xlwings/custom-scripts-call/{script}``; and
``/api/merge`` (upload submissions, get the merged master and its findings). Bearer tokens from
``XL_KPI_TOKENS_FILE``, followed while the server runs; a department acts on its own sheets only,
merging is for ``planning``. Anything a client can send that is wrong — a script's argument
shapes, an upload's name, a multipart limit — is a 4xx with its Japanese message; anything else a
generic 500, details in the log. Merges run in the worker pool, at most ``merge_limit`` at a time.
The submission inbox (``/api/submissions``, ``/api/status``, ``/inbox``) is :mod:`.inbox`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from ..excel import scripts, udfs  # noqa: E402
from . import security, upload, work  # noqa: E402
from .guard import GuardMiddleware  # noqa: E402
from .manifest import check_base_url, manifest_xml  # noqa: E402
from .payload import UserError  # noqa: E402

log = logging.getLogger("xl_kpi.server")
STATIC = Path(__file__).parent / "static"
MAX_BODY = 20 * 1024 * 1024
MAX_BOOK = 10 * 1024 * 1024
REQUIRED = {
    "XL_KPI_TOKENS_FILE": "アクセストークンの JSON ファイル",
    "XLWINGS_LICENSE_KEY": "xlwings のライセンスキー（非商用: noncommercial、商用: 購入したキー）",
}


def missing_settings(env: dict[str, str]) -> list[str]:
    """Every required setting that is not set, so one message can name them all."""
    return [f"{name}（{what}）" for name, what in REQUIRED.items() if not env.get(name)]


@dataclass
class ServerConfig:
    tokens: list[security.TokenEntry] | security.TokenStore
    base_url: str = "https://localhost:8000"
    cors_origins: list[str] = field(default_factory=list)
    max_body: int = MAX_BODY
    max_book: int = MAX_BOOK
    production: bool = True
    workers: int = 0  # processes for custom functions, scripts and merges; 0: one per core
    limits: work.Limits = field(default_factory=work.Limits)
    merge_limit: int = 0  # merges at once; 0: one fewer than the workers (at least 1)
    body_timeout: float = 30.0  # seconds the server waits for the next part of a request's body
    max_files: int = 1_000  # files in one upload
    app_domains: list[str] = field(default_factory=list)  # the manifest's additional AppDomains

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ServerConfig:
        env = dict(os.environ if env is None else env)
        missing = missing_settings(env)
        if missing:
            raise XlKpiError("次の設定がありません: " + "、".join(missing) + "。")
        limits = work.Limits(
            max_findings=int(env.get("XL_KPI_MAX_FINDINGS", work.Limits.max_findings)),
            max_response=int(env.get("XL_KPI_MAX_RESPONSE", work.Limits.max_response)),
            max_tasks=int(env.get("XL_KPI_WORKER_MAX_TASKS", work.Limits.max_tasks)),
            max_memory=int(env.get("XL_KPI_WORKER_MAX_MEMORY", work.Limits.max_memory)))
        return cls(
            tokens=security.TokenStore(env["XL_KPI_TOKENS_FILE"]),
            base_url=check_base_url(env.get("XL_KPI_BASE_URL", "https://localhost:8000")),
            cors_origins=[o.strip() for o in env.get("XL_KPI_CORS_ORIGINS", "").split(",") if o.strip()],
            max_body=int(env.get("XL_KPI_MAX_BODY", MAX_BODY)),
            max_book=int(env.get("XL_KPI_MAX_BOOK_JSON", MAX_BOOK)),
            production=env.get("XL_KPI_ENV", "production") != "development",
            workers=int(env.get("XL_KPI_WORKERS", 0)),
            limits=limits,
            merge_limit=int(env.get("XL_KPI_MAX_MERGES", 0)),
            body_timeout=float(env.get("XL_KPI_BODY_TIMEOUT", 30)),
            app_domains=[d.strip() for d in env.get("XL_KPI_APP_DOMAINS", "").split(",") if d.strip()],
        )

    def current_tokens(self) -> list[security.TokenEntry]:
        return self.tokens.current() if isinstance(self.tokens, security.TokenStore) else self.tokens

    def known_tokens(self) -> set[str]:
        """Every token loaded since the start (masked wherever a path or message is logged)."""
        if isinstance(self.tokens, security.TokenStore):
            return self.tokens.seen
        return {e.token for e in self.tokens}

    def merges_at_once(self) -> int:
        workers = self.workers or os.cpu_count() or 1
        return self.merge_limit or max(1, workers - 1)


def json_response(data: object, status: int = 200) -> Response:
    """JSON without FastAPI's recursive encoder (which costs tens of ms on a book's actions)."""
    return Response(orjson.dumps(data, default=str), status_code=status, media_type="application/json")


def create_app(config: ServerConfig) -> FastAPI:
    if not hasattr(udfs.kpi_rate, "__xlfunc__") or not xw.__dict__.get("on_server", True):
        raise XlKpiError("xlwings がサーバーモードで読み込まれていません（XLWINGS_ON_SERVER=true を xlwings より先に設定）。")
    work.configure(config.limits)
    app = FastAPI(title="xl-kpi", version=__version__, docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=start_workers(config))
    add_middleware(app, config)
    add_error_handlers(app)
    add_addin_routes(app, config)
    add_excel_routes(app, config)
    add_merge_route(app, config)
    from .inbox import inbox_router  # the submission inbox (its own module: routes, page, database)
    app.include_router(inbox_router(lambda: current_tokens(config), lambda request: principal(config, request),
                                    run_merge=lambda fn, *args: merge_in_pool(config, fn, *args)))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def current_tokens(config: ServerConfig) -> list[security.TokenEntry]:
    """The tokens in force: the file's as last read (a store follows it), or the fixed list."""
    tokens = config.tokens
    return tokens.current() if isinstance(tokens, security.TokenStore) else list(tokens)


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
                       headers=security.security_headers(config.base_url.startswith("https://")),
                       secrets=config.known_tokens, body_timeout=config.body_timeout)


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
    who = security.authenticate(config.current_tokens(), request.headers.get("authorization"))
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
        return Response(manifest_xml(config.base_url, app_domains=config.app_domains), media_type="application/xml")

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


_MERGES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop → its semaphore of merges


async def merge_in_pool(config: ServerConfig, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in the worker pool, behind the limit on merges at once (the others wait): every
    merge the server runs — an upload's or the inbox's — goes this way."""
    loop = asyncio.get_running_loop()
    limit = _MERGES.get(loop) or _MERGES.setdefault(loop, asyncio.Semaphore(config.merges_at_once()))
    async with limit:
        return await work.in_pool(config.workers, fn, *args)


def add_merge_route(app: FastAPI, config: ServerConfig) -> None:
    """``/api/merge``: upload submissions, get the merged master (rules of ``xl-kpi merge``),
    merged in the worker pool, at most :meth:`ServerConfig.merges_at_once` at a time (the others wait)."""
    @app.post("/api/merge")
    async def merge(request: Request):
        who = principal(config, request)
        if who.role != security.PLANNING:
            raise UserError(403, "統合は企画担当（planning）のみ実行できます。")
        loop = asyncio.get_running_loop()
        limit = _MERGES.get(loop) or _MERGES.setdefault(loop, asyncio.Semaphore(config.merges_at_once()))
        async with limit:  # waiting merges do not even read their uploads: the event loop stays free
            answer = await _merge(request, config)
        return worker_response(answer, request)


async def _merge(request: Request, config: ServerConfig) -> work.Answer:
    """The request's body to a file (the event loop only moves bytes), then parsed, checked and
    merged in a worker process (:func:`.upload.merge_request`)."""
    with tempfile.TemporaryDirectory(prefix="xl-kpi-upload-") as tmp:
        body = Path(tmp) / "body"
        with open(body, "wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
        return await work.in_pool(config.workers, upload.merge_request, request.headers.get("content-type", ""),
                                  str(body), config.max_files)


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
