"""Security as pure data and pure functions: tokens, roles, headers, log sanitising.

Tokens come from a JSON file (``XL_KPI_TOKENS_FILE``)::

    {"tokens": [{"token": "…", "role": "planning"},
                {"token": "…", "role": "department", "department": "商工労働部"}]}

They are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InputError

PLANNING = "planning"
DEPARTMENT = "department"
ROLES = (PLANNING, DEPARTMENT)


@dataclass(frozen=True)
class Principal:
    role: str
    department: str = ""

    @property
    def label(self) -> str:
        """Who, for logs: the role and department — never the token."""
        return f"{self.role}:{self.department}" if self.department else self.role


@dataclass(frozen=True)
class TokenEntry:
    token: str
    principal: Principal


def load_tokens(path: str | Path) -> list[TokenEntry]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"トークンファイル {p} を読み込めません（{type(err).__name__}）。") from None
    out = []
    for i, t in enumerate(data.get("tokens", []) if isinstance(data, dict) else []):
        token, role, dept = str(t.get("token", "")), t.get("role"), str(t.get("department", ""))
        if len(token) < 16:
            raise InputError(f"トークン {i + 1} は16文字以上にしてください。")
        if role not in ROLES:
            raise InputError(f"トークン {i + 1} の role「{role}」は planning か department です。")
        if role == DEPARTMENT and not dept:
            raise InputError(f"トークン {i + 1} は department に部署名が必要です。")
        out.append(TokenEntry(token, Principal(role, dept)))
    if not out:
        raise InputError(f"トークンファイル {p} にトークンがありません。")
    return out


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
