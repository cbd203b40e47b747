"""The system Chromium through Playwright (which cannot download its own browsers here), or a skip."""

from __future__ import annotations

import shutil
from contextlib import contextmanager

import pytest


@contextmanager
def chromium_page(width: int = 1100, height: int = 900):
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if not executable:
        pytest.skip("chromium is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()
