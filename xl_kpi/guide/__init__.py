"""The Japanese user guide: for department staff and for the planning division.

The text is ``guide.md`` (package data); the tables that must not drift are generated when the
guide is rendered: the ribbon buttons from :data:`xl_kpi.excel.scripts.RIBBON` and the finding
codes from the one catalogue, :data:`xl_kpi.core.findings.CATALOGUE` (meaning and an example of
the fix per code). A new code needs only its catalogue text. :func:`guide_html` renders the
Markdown subset the guide uses (headings, paragraphs, lists, tables, code, bold, links) into one
self-contained HTML page, served by ``xl-kpi serve`` at ``/guide`` and written by ``xl-kpi guide``.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from importlib import resources

from ..core.findings import CATALOGUE, SEVERITY_LABELS, entry

GROUPS = (  # the catalogue's sections, by their first code
    ("missing-value", "入力内容"), ("template-mismatch", "ブック・様式"),
    ("conflicting-submission", "統合"), ("empty-file", "読み込めないファイル・注意が必要なファイル"),
)


def finding_table() -> str:
    """Every code of the catalogue as Markdown: severity, title, meaning, an example of the fix."""
    starts = {code: title for code, title in GROUPS}
    out: list[str] = []
    for code in CATALOGUE:
        if code in starts or not out:
            out += ["", f"## {starts.get(code, 'その他')}", "",
                    "| コード | 重要度（既定） | 名前 | 意味 | 直し方の例 |", "|---|---|---|---|---|"]
        e = entry(code)
        cells = (f"`{code}`", SEVERITY_LABELS[e.severity], e.title, e.meaning, e.fix)
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(out).strip()


def ribbon_table() -> str:
    from ..excel.scripts import RIBBON
    from ..excel.submit import SUBMIT_BUTTON
    rows = ["| ボタン | すること |", "|---|---|"]
    rows += [f"| {label} | {_cell(tip)} |" for label, tip, _ in [*RIBBON.values(), SUBMIT_BUTTON[1:]]]
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ")


def guide_markdown() -> str:
    """The whole guide as Markdown, generated tables included."""
    text = resources.files(__name__).joinpath("guide.md").read_text(encoding="utf-8")
    return (text.replace("{{指摘コードの一覧}}", finding_table())
                .replace("{{リボンのボタン}}", ribbon_table()))


CSS = """
body{font-family:"Hiragino Sans","Yu Gothic","Meiryo","IPAexGothic",sans-serif;margin:24px auto;max-width:1100px;
color:#222;line-height:1.7;padding:0 16px} h1{font-size:24px;border-bottom:3px solid #2E75B6}
h2{font-size:19px;border-bottom:1px solid #2E75B6;margin-top:28px} h3{font-size:16px}
table{border-collapse:collapse;font-size:13px;margin:8px 0} th,td{border:1px solid #bbb;padding:4px 8px;vertical-align:top}
th{background:#DDEBF7;text-align:left} code{background:#f3f3f3;padding:0 3px} pre{background:#f3f3f3;padding:8px;overflow:auto}
tr:target{background:#FFF2CC} nav{background:#f7f7f7;padding:8px 16px;font-size:14px} nav a{display:block}
"""


def guide_html() -> str:
    """The guide as one self-contained HTML page (no network needed), with a table of contents."""
    return _page(guide_markdown())


@lru_cache(maxsize=1)
def cached_guide_html() -> str:
    """The page, rendered once per process (for the server)."""
    return guide_html()


# --- a small Markdown renderer for the subset the guide uses ------------------------------------

_INLINE = (
    (re.compile(r"`([^`]+)`"), lambda m: f"<code>{m.group(1)}</code>"),
    (re.compile(r"\*\*(.+?)\*\*"), lambda m: f"<strong>{m.group(1)}</strong>"),
    (re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)"), lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>'),
)


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def _page(markdown: str) -> str:
    body, toc = _blocks(markdown.splitlines())
    nav = "".join(f'<a href="#{i}">{_inline(t)}</a>' for i, t in toc)
    title = toc[0][1].strip() if toc else "利用者ガイド"
    return (f'<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n"
            f"<nav>{nav}</nav>\n{body}\n</body></html>\n")


def _blocks(lines: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """HTML of the Markdown lines and the table of contents (id, title) of its top headings."""
    out: list[str] = []
    toc: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
        elif stripped.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            indent = len(line) - len(line.lstrip())
            code = "\n".join(ln[indent:] for ln in lines[i + 1:j])
            out.append(f"<pre><code>{html.escape(code)}</code></pre>")
            i = j + 1
        elif m := re.match(r"(#{1,4})\s+(.*)", stripped):
            level, text = len(m.group(1)), m.group(2)
            anchor = f"s{len(out)}"
            if level <= 2:
                toc.append((anchor, text if level == 1 else "\u3000" + text))
            out.append(f'<h{level} id="{anchor}">{_inline(text)}</h{level}>')
            i += 1
        elif stripped.startswith("|"):
            j = i
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            out.append(_table([lines[k].strip() for k in range(i, j)]))
            i = j
        elif _ITEM.match(stripped):
            i = _list(lines, i, out)
        else:
            j = i
            while j < len(lines) and lines[j].strip() and not re.match(r"(#|\||```|-\s|\d+\.\s)", lines[j].strip()):
                j += 1
            out.append(f"<p>{_inline(' '.join(ln.strip() for ln in lines[i:j]))}</p>")
            i = j
    return "\n".join(out), toc


_ITEM = re.compile(r"(-|\d+\.)\s+")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _list(lines: list[str], i: int, out: list[str]) -> int:
    """A list whose items may go on in more-indented lines (paragraphs, code, nested lists)."""
    base = _indent(lines[i])
    ordered = lines[i].strip()[0].isdigit()
    items: list[list[str]] = []
    while i < len(lines):
        line, stripped = lines[i], lines[i].strip()
        if stripped and _indent(line) == base and _ITEM.match(stripped):
            items.append([_ITEM.sub("", stripped, count=1)])
        elif stripped and _indent(line) > base:
            items[-1].append(line)
        elif not stripped and i + 1 < len(lines) and lines[i + 1].strip() and _indent(lines[i + 1]) > base:
            items[-1].append("")
        else:
            break
        i += 1
    rendered = []
    for first, *rest in items:
        inner = _blocks(rest)[0] if rest else ""
        rendered.append(f"<li>{_inline(first)}{inner}</li>")
    tag = "ol" if ordered else "ul"
    out.append(f"<{tag}>{''.join(rendered)}</{tag}>")
    return i


def _table(rows: list[str]) -> str:
    cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows]
    head, body = cells[0], [r for r in cells[1:] if not all(re.fullmatch(r":?-+:?", c) for c in r)]
    th = "".join(f"<th>{_inline(c)}</th>" for c in head)
    trs = "".join(_row_open(r[0]) + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def _row_open(first_cell: str) -> str:
    """``<tr>``, with the code as its id when the row is a finding code's (``/guide#basis-mismatch``)."""
    m = re.fullmatch(r"`([a-z0-9-]+)`", first_cell)
    return f'<tr id="{m.group(1)}">' if m else "<tr>"
