"""The outermost layer of every request (pure ASGI, nothing buffered): the body limit enforced
while the body streams (chunked bodies included, so memory stays bounded), tokens refused in
the query string, a body that stops arriving cut off after ``body_timeout`` seconds (408), security
headers on every response — a 500 included — and one audit line a request (time, token id, role,
department, client address, route, status, duration; never the token, never the query: a token
in the path is masked).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

import orjson

from . import security

log = logging.getLogger("xl_kpi.server")
audit = logging.getLogger("xl_kpi.audit")

NO_STORE_PREFIXES = ("/xlwings/custom-functions-call", "/xlwings/custom-scripts-call", "/api/")
TOKEN_PARAMS = frozenset({"token", "access_token", "auth", "authorization", "bearer", "api_key", "apikey", "key"})
SERVER_ERROR = "サーバーでエラーが発生しました。管理者に連絡してください。"


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    pass


def audit_line(*, who=None, client: str = "-", method: object = "-", route: str = "-", status: int = 0,
               seconds: float = 0.0, secrets: set[str] | frozenset[str] = frozenset()) -> str:
    """One audit line: who (token id, role, department), from where, what, the outcome."""
    token_id = getattr(who, "token_id", "-") if who else "-"
    role = who.role if who else "-"
    department = (who.department or "-") if who else "-"
    return security.sanitize_log(
        f"time={time.strftime('%Y-%m-%dT%H:%M:%S%z')} who={token_id} role={role} department={department} "
        f"client={client or '-'} method={method} route={security.mask_secrets(route, secrets)} status={status} "
        f"duration_ms={seconds * 1000:.1f}")


def json_message(status: int, detail: str) -> dict:
    body = orjson.dumps({"detail": detail})
    return {"status": status, "body": body,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}


def has_query_token(query_string: bytes) -> bool:
    names = {k.lower() for k, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)}
    return bool(names & TOKEN_PARAMS)


class GuardMiddleware:
    def __init__(self, app, max_body: int, headers: dict[str, str], production: bool = True,
                 secrets: Callable[[], set[str]] = set, body_timeout: float = 30.0):
        self.app = app
        self.max_body = max_body
        self.production = production
        self.secrets = secrets
        self.body_timeout = body_timeout
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        state = {"status": 0, "started": False}
        path = scope.get("path", "")

        async def send_guarded(message):
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                message["headers"] = self._with_headers(path, message.get("headers", []))
            await send(message)

        try:
            await self._dispatch(scope, receive, send_guarded)
        except BodyTooLarge:
            await self._reply(send_guarded, state, 413, self._too_large())
        except BodyTimeout:
            await self._reply(send_guarded, state, 408, f"リクエストの本文が {self.body_timeout:g} 秒以上届きませんでした。"
                              "通信の状態を確かめて、もう一度送ってください。", close=True)
        except Exception as err:  # noqa: BLE001 - the last line of defence: log, answer 500 with headers
            where = security.mask_secrets(path, self.secrets())
            log.error(security.sanitize_log(f"{scope.get('method')} {where}: {type(err).__name__}: {err}"),
                      exc_info=not self.production)
            detail = SERVER_ERROR if self.production else f"{SERVER_ERROR}（{type(err).__name__}: {err}）"
            await self._reply(send_guarded, state, 500, detail)
        finally:
            self._audit(scope, path, state["status"], time.perf_counter() - started)

    async def _dispatch(self, scope, receive, send):
        if has_query_token(scope.get("query_string", b"")):
            message = "アクセストークンは URL に含めず、Authorization ヘッダーで送ってください。"
            return await self._send_message(send, json_message(400, message))
        length = dict(scope.get("headers", [])).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body:
            return await self._send_message(send, json_message(413, self._too_large()))
        await self.app(scope, self._bounded(receive), send)

    def _bounded(self, receive):
        seen = 0

        complete = False

        async def bounded_receive():
            nonlocal seen, complete
            if complete:  # after the body only a disconnect can come: no time limit on waiting for it
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout)
            except asyncio.TimeoutError:
                raise BodyTimeout() from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge()
            return message
        return bounded_receive

    def _too_large(self) -> str:
        return f"リクエストが大きすぎます（上限 {self.max_body / 1024 / 1024:g} MB）。"

    async def _reply(self, send, state, status: int, detail: str, close: bool = False) -> None:
        if state["started"]:
            return  # the answer is on its way: nothing sensible can be sent any more
        reply = json_message(status, detail)
        if close:  # the rest of the body will not be read: the connection cannot carry another request
            reply["headers"].append((b"connection", b"close"))
        await self._send_message(send, reply)

    @staticmethod
    async def _send_message(send, reply: dict) -> None:
        await send({"type": "http.response.start", "status": reply["status"], "headers": reply["headers"]})
        await send({"type": "http.response.body", "body": reply["body"]})

    def _with_headers(self, path: str, headers) -> list:
        present = {k for k, _ in headers}
        extra = [(k, v) for k, v in self.headers if k not in present]
        if any(prefix in path for prefix in NO_STORE_PREFIXES):
            extra.append((b"cache-control", b"no-store"))
        return list(headers) + extra

    def _audit(self, scope, path: str, status: int, seconds: float) -> None:
        client = scope.get("client") or ("-", 0)  # uvicorn puts a trusted proxy's X-Forwarded-For here
        audit.info(audit_line(who=scope.get("state", {}).get("principal"), client=str(client[0]),
                              method=scope.get("method"), route=path, status=status, seconds=seconds,
                              secrets=self.secrets()))
