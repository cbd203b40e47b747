"""The HTTP connection as ``xl-kpi serve`` runs it: uvicorn's httptools protocol with what a
service open all year needs before a request reaches the app.

- **Header read timeout**: a connection must deliver a request's headers within
  ``XL_KPI_HEADER_TIMEOUT`` seconds (default 10) of opening, or of the request's first byte on a
  kept-alive connection; else a 408 and the connection is closed (a slow client that trickles its
  headers holds nothing for long). The body's timeout is the app's (:mod:`.guard`).
- **Connection limit**: at most ``XL_KPI_MAX_CONNECTIONS`` (default 100) open connections; one more
  is answered 503 and closed at once.
- **Its own errors in the service's voice**: uvicorn answers a malformed request with a bare English
  400; here every answer the protocol makes itself (400, 408, 503) is JSON with a Japanese message,
  carries the security headers, and writes an audit line like every other request.

Settings come from the environment (``xl-kpi serve`` sets them from its options), so they reach
every uvicorn worker process alike.
"""

from __future__ import annotations

import asyncio
import logging
import os

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from . import security
from .guard import audit_line

audit = logging.getLogger("xl_kpi.audit")

REASONS = {400: b"Bad Request", 408: b"Request Timeout", 503: b"Service Unavailable"}
MESSAGES = {
    400: "リクエストの形式が正しくありません（HTTP として読み取れません）。",
    408: "リクエストのヘッダーが時間内に届きませんでした。通信の状態を確かめて、もう一度送ってください。",
    503: "サーバーへの同時接続が上限に達しています。しばらく待ってから、もう一度送ってください。",
}


def header_timeout() -> float:
    return float(os.environ.get("XL_KPI_HEADER_TIMEOUT", "10"))


def max_connections() -> int:
    return int(os.environ.get("XL_KPI_MAX_CONNECTIONS", "100"))


def _headers() -> list[tuple[bytes, bytes]]:
    https = os.environ.get("XL_KPI_BASE_URL", "https://").startswith("https://")
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in security.security_headers(https).items()]


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header timeout, a connection limit and its own
    answers in Japanese with the security headers (see the module's docstring)."""

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if len(self.connections) > max_connections():
            self._refuse(503)
            return
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:  # the next request on a kept-alive connection
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        self._refuse(400)

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(header_timeout(), self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self._refuse(408)

    def _refuse(self, status: int) -> None:
        """Answer ``status`` with its Japanese message and the security headers, close, audit."""
        self._cancel_header_timer()
        body = orjson.dumps({"detail": MESSAGES[status]})
        head = [b"HTTP/1.1 %d %s\r\n" % (status, REASONS[status])]
        for name, value in [*_headers(), (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]:
            head.append(name + b": " + value + b"\r\n")
        if not self.transport.is_closing():
            self.transport.write(b"".join(head) + b"\r\n" + body)
            self.transport.close()
        client = self.client[0] if self.client else "-"
        audit.info(audit_line(client=str(client), status=status))
