"""Fixtures of the offline real-browser tests of the built book (see browser_support.py)."""

from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, HTML_DIR, NODE_MODULES, serve


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def html_dir():
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(f"no built book in {HTML_DIR}: run `make book` first (or set BOOK_HTML_DIR "
                    "to a jupyter-book build's _build/html)", pytrace=False)
    if not (NODE_MODULES / "axe-core/axe.min.js").is_file():
        pytest.fail(f"no axe-core in {NODE_MODULES}: run `make browser-deps`", pytrace=False)
    return HTML_DIR


@pytest.fixture(scope="session")
def book_url(html_dir):
    with serve(html_dir) as base:
        yield base


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (make browser-deps)",
                    pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(html_dir):
    folder = html_dir.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def axe_source(html_dir):
    return (NODE_MODULES / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
