"""Security as pure data and pure functions: tokens, roles, headers, log sanitising.

Tokens come from a JSON file (``XL_KPI_TOKENS_FILE``)::

    {"tokens": [{"token": "…", "role": "planning", "name": "企画課 山田"},
                {"token": "…", "role": "department", "department": "商工労働部"}]}

They are compared in constant time and never logged: a log names a token by its ``name`` or, without
one, by a fingerprint (the first 12 hex digits of its SHA-256). :class:`TokenStore` follows the file
while the server runs: a token removed from it stops working within seconds, and a file that does
not load (half-written, a typo) keeps the last good set and says why in the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InputError

PLANNING = "planning"
DEPARTMENT = "department"
ROLES = (PLANNING, DEPARTMENT)
RELOAD_SECONDS = 2.0  # how often the tokens file is looked at (one stat call)

log = logging.getLogger("xl_kpi.server")


@dataclass(frozen=True)
class Principal:
    role: str
    department: str = ""
    token_id: str = "-"  # the token's name from the file, or its fingerprint: never the token

    @property
    def label(self) -> str:
        """Who, for logs: the role and department — never the token."""
        return f"{self.role}:{self.department}" if self.department else self.role


@dataclass(frozen=True)
class TokenEntry:
    token: str
    principal: Principal


def fingerprint(token: str) -> str:
    """A token's id for logs when the file gives it no name: ``fp:`` and 12 hex digits of its SHA-256."""
    return "fp:" + hashlib.sha256(token.encode()).hexdigest()[:12]


def load_tokens(path: str | Path) -> list[TokenEntry]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"トークンファイル {p} を読み込めません（{type(err).__name__}）。") from None
    out = []
    for i, t in enumerate(data.get("tokens", []) if isinstance(data, dict) else []):
        if not isinstance(t, dict):
            raise InputError(f"トークン {i + 1} は {{\"token\": …, \"role\": …}} の形にしてください。")
        token, role, dept = str(t.get("token", "")), t.get("role"), str(t.get("department", ""))
        name = sanitize_log(str(t.get("name", "")).strip(), 60).replace(" ", "_")
        if len(token) < 16:
            raise InputError(f"トークン {i + 1} は16文字以上にしてください。")
        if role not in ROLES:
            raise InputError(f"トークン {i + 1} の role「{role}」は planning か department です。")
        if role == DEPARTMENT and not dept:
            raise InputError(f"トークン {i + 1} は department に部署名が必要です。")
        out.append(TokenEntry(token, Principal(role, dept, name or fingerprint(token))))
    if not out:
        raise InputError(f"トークンファイル {p} にトークンがありません。")
    ids = [e.principal.token_id for e in out]
    if len(set(ids)) < len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError(f"トークンファイル {p} の name「{'、'.join(twice)}」が重複しています（監査ログで区別できません）。")
    return out


class TokenStore:
    """The tokens of a file, followed while the server runs.

    At most every ``interval`` seconds a request looks at the file's modification time, size and
    inode; when one changed the file is loaded again and the new set replaces the old one in one
    assignment (a request sees the old set or the new one, never half of each). A file that does
    not load keeps the last good set, and the reason is logged once per change of the file.
    """

    def __init__(self, path: str | Path, interval: float = RELOAD_SECONDS):
        self.path = Path(path)
        self.interval = interval
        self._lock = threading.Lock()
        self._signature = self._stat()
        self.entries: list[TokenEntry] = load_tokens(self.path)  # the first load must succeed
        self._checked = time.monotonic()
        self._refused: tuple | None = None
        self.seen: set[str] = {e.token for e in self.entries}  # every token ever loaded, to mask in logs

    def _stat(self) -> tuple:
        try:
            st = os.stat(self.path)
        except OSError as err:
            return ("missing", err.errno)
        return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)

    def current(self) -> list[TokenEntry]:
        """The tokens now, reloaded first when the file changed since the last look."""
        now = time.monotonic()
        if now - self._checked < self.interval:
            return self.entries
        with self._lock:
            if now - self._checked < self.interval:
                return self.entries
            self._checked = now
            signature = self._stat()
            if signature != self._signature and signature != self._refused:
                self._reload(signature)
        return self.entries

    def _reload(self, signature: tuple) -> None:
        try:
            entries = load_tokens(self.path)
        except InputError as err:
            self._refused = signature
            log.warning(sanitize_log(f"tokens file not reloaded, the last good set ({len(self.entries)} tokens) "
                                     f"stays in use: {err}"))
            return
        before = {e.principal.token_id for e in self.entries}
        after = {e.principal.token_id for e in entries}
        self.entries, self._signature, self._refused = entries, signature, None
        self.seen |= {e.token for e in entries}
        log.info(sanitize_log(f"tokens file reloaded: {len(entries)} tokens; added {sorted(after - before) or '-'}, "
                              f"removed {sorted(before - after) or '-'}"))

    def authenticate(self, authorization: str | None) -> Principal | None:
        return authenticate(self.current(), authorization)


_SECRET_LIKE = re.compile(r"[A-Za-z0-9_\-~+=]{16,}")


def mask_secrets(text: str, known: set[str] | frozenset[str] = frozenset()) -> str:
    """``text`` (a path) with every known token, and every segment that looks like one (16 or more
    token characters holding both a letter and a digit), replaced by ``[token]``."""
    for token in known:
        if token and token in text:
            text = text.replace(token, "[token]")

    def hide(m: re.Match) -> str:
        s = m.group(0)
        return "[token]" if re.search(r"[0-9]", s) and re.search(r"[A-Za-z]", s) else s
    return _SECRET_LIKE.sub(hide, text)


def authenticate(entries: list[TokenEntry], authorization: str | None) -> Principal | None:
    """The principal of a ``Bearer`` header, comparing against every token in constant time."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    given = authorization[len("Bearer "):].strip().encode()
    found = None
    for e in entries:
        if hmac.compare_digest(given, e.token.encode()):
            found = e.principal
    return found


# Who may frame the task pane: Office's hosts. Microsoft documents the frame-ancestors Microsoft 365
# hosts need (learn.microsoft.com/microsoftteams/platform/tabs/how-to/tab-requirements: all hosts
# *.cloud.microsoft; Microsoft 365 app *.microsoft365.com, *.office.com; Outlook
# outlook.office.com, outlook.office365.com); Excel on the web frames add-ins from
# *.officeapps.live.com, and workbooks opened from SharePoint/OneDrive for business from
# *.sharepoint.com. Desktop Excel loads the pane top-level, unframed.
FRAME_ANCESTORS = ("'self'", "https://*.cloud.microsoft", "https://*.microsoft365.com", "https://*.office.com",
                   "https://outlook.office.com", "https://outlook.office365.com", "https://*.officeapps.live.com",
                   "https://*.sharepoint.com")


def security_headers(https: bool) -> dict[str, str]:
    """Headers on every response. Office.js is loaded from Microsoft's CDN, nothing else is remote."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Resource-Policy": "same-site",
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self' https://appsforoffice.microsoft.com; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            f"frame-ancestors {' '.join(FRAME_ANCESTORS)}; "
            "object-src 'none'; base-uri 'none'"),
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def sanitize_log(text: object, limit: int = 500) -> str:
    """One log line: CR/LF and other control characters escaped, length bounded."""
    s = str(text)
    out = s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")
    out = "".join(ch if ch >= " " or ch == "\t" else f"\\x{ord(ch):02x}" for ch in out)
    return out if len(out) <= limit else out[:limit] + "…"
