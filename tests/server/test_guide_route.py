"""The user guide over HTTP: served without a token, linked from the task pane."""

import re
from pathlib import Path
from urllib.parse import urljoin

from xl_kpi.core.findings import CATALOGUE

STATIC = Path(__file__).resolve().parents[2] / "xl_kpi" / "server" / "static"


def test_guide_is_served_without_a_token_with_every_code(client):
    r = client.get("/guide")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in r.headers
    for code in CATALOGUE:
        assert f'<tr id="{code}">' in r.text


def test_task_pane_links_to_the_guide(client):
    html = client.get("/static/taskpane.html").text
    m = re.search(r'<a href="([^"]+)"[^>]*>利用者ガイド', html)
    assert m, "the task pane has no link to the guide"
    # relative, so it also works under a base URL with a path (see test_hardening's sub-path test)
    assert not m.group(1).startswith(("/", "http")), m.group(1)
    assert urljoin("https://host/kpi/static/taskpane.html", m.group(1)) == "https://host/kpi/guide"
    assert client.get(urljoin("http://testserver/static/taskpane.html", m.group(1))).status_code == 200
    assert (STATIC / "taskpane.html").read_text(encoding="utf-8") == html
