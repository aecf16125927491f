"""Helpers of the offline real-browser tests of the built book.

The built HTML (``BOOK_HTML_DIR``, default ``_build/html`` of this repository, made by
``make book``) is served by ``python -m http.server`` on 127.0.0.1 and opened in the
Debian Chromium (``/usr/bin/chromium``) through Playwright. The book serves every
script, font and stylesheet itself (site/mlp_site.py), so every request that leaves
the page's origin is aborted and recorded, and the tests fail on it.
``tests/browser/node_modules`` (``make browser-deps``) holds only the test tools (axe-core).
"""

import json
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "site"), str(REPO / "_ext")]
from chapter_pdf import serve  # noqa: E402, F401  (the server make book prints the PDF from)
from page_forms import NUMBERED, numbering_starts  # noqa: E402
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
HTML_DIR = Path(os.environ.get("BOOK_HTML_DIR", REPO / "_build" / "html")).resolve()
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def book_equation_numbers(stem):
    """The numbers the book gives the labelled equations of ``book/<stem>.md``, in order:
    ["(2.1)", "(2.2)", ...], starting later on a later page of a section."""
    source = (REPO / "book" / f"{stem}.md").read_text()
    labelled = len(NUMBERED["equation"].findall(source))
    first = numbering_starts(REPO, stem).get("equation", 1)
    return [f"({int(stem[:2])}.{k})" for k in range(first, first + labelled)]


# -- serving the built book ------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- no request leaves the site -------------------------------------------------------------


@dataclass
class OfflineRouter:
    """Lets requests to the served book through; aborts and records every other one."""

    base: str
    blocked: list = field(default_factory=list)  # off-origin URLs the page asked for
    requested: list = field(default_factory=list)  # the site's URLs it asked for
    replaced: dict = field(default_factory=dict)  # path -> text served instead of the file

    def __call__(self, route):
        url = route.request.url
        if url.startswith(self.base + "/") or url.startswith("data:"):
            self.requested.append(url)
            path = url[len(self.base) + 1:].partition("#")[0]
            if path in self.replaced:
                kind = "application/json" if path.endswith(".json") else "text/html"
                return route.fulfill(body=self.replaced[path], content_type=kind)
            return route.continue_()
        self.blocked.append(url)
        return route.abort()

    def blocked_message(self):
        return "\n".join(f"  {url}" for url in self.blocked)


# -- errors a page reports ---------------------------------------------------------------------


@dataclass
class OpenedPage:
    page: object
    router: OfflineRouter
    errors: list  # every uncaught exception and console error, as "kind: text (where)"

    @property
    def requests(self):
        return self.router.requested

    def assert_offline_ok(self):
        assert not self.router.blocked, (
            "the page asked for URLs outside the site (all aborted):\n"
            + self.router.blocked_message())

    def assert_no_errors(self):
        """No error at all: the book's pages, the theme and the widget runtime are ours to fix."""
        assert not self.errors, "errors in the page:\n" + "\n".join(self.errors)


def open_page(browser, base, path, viewport=None, color_scheme="light", replaced=None):
    """A page on ``base/path`` in a new browser context, offline, every error recorded.
    ``replaced`` maps site paths to the text served in their place (the negative controls'
    edited pages and widget states), so no copy of the site is needed."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                  color_scheme=color_scheme)
    router = OfflineRouter(base, replaced=dict(replaced or {}))
    context.route("**/*", router)
    page = context.new_page()
    opened = OpenedPage(page, router, [])

    def record(kind, text, location=""):
        opened.errors.append(f"{kind}: {text} ({location or '?'})")

    page.on("pageerror", lambda error: record(
        "pageerror", error.message, (error.stack or "").strip().splitlines()[-1:]))
    page.on("console", lambda message: record("console", message.text,
                                              message.location.get("url", ""))
            if message.type == "error" else None)
    page.goto(f"{base}/{path}", wait_until="load")
    return opened


def edit_widget_state(text, edit):
    """``(state, result)``: a page's widget state file (``<page>.widgets.json``, its text
    ``text``) after ``edit(models)`` changed its models in place, and what ``edit``
    returned (for the negative controls)."""
    state = json.loads(text)
    result = edit(state["state"])
    return json.dumps(state), result
