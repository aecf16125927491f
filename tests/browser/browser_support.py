"""Helpers of the offline real-browser tests of the built book.

The built HTML (``BOOK_HTML_DIR``, default ``_build/html`` of this repository, made by
``make book``) is served by ``python -m http.server`` on 127.0.0.1 and opened in the
Debian Chromium (``/usr/bin/chromium``) through Playwright. The pages load require.js,
the ipywidgets HTML manager and MathJax from jsDelivr; every such request is answered
from the npm copies in ``tests/browser/node_modules`` (``make browser-deps``). Any other
off-host request is aborted and recorded, and the tests fail on it.
"""

import contextlib
import json
import mimetypes
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
HTML_DIR = Path(os.environ.get("BOOK_HTML_DIR", REPO / "_build" / "html")).resolve()
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
JSDELIVR_NPM = "https://cdn.jsdelivr.net/npm/"
CONTENT_TYPES = {".js": "application/javascript", ".mjs": "application/javascript",
                 ".css": "text/css", ".json": "application/json", ".map": "application/json",
                 ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
                 ".otf": "font/otf", ".eot": "application/vnd.ms-fontobject",
                 ".svg": "image/svg+xml"}


# -- serving the built book ------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(directory):
    """``http://127.0.0.1:<port>`` serving ``directory`` with ``python -m http.server``."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"http.server for {directory} did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- answering CDN requests from node_modules -------------------------------------------------


def installed_version(package):
    return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]


def npm_file(url):
    """The local file answering a jsDelivr npm URL, or ``(None, reason)``.

    ``https://cdn.jsdelivr.net/npm/<pkg>@<version>/<path>``: the installed ``<pkg>``
    must have that version (or, for a bare major such as ``mathjax@3``, one in that
    series, which is what jsDelivr resolves it to).
    """
    rest = url[len(JSDELIVR_NPM):].split("?", 1)[0].split("#", 1)[0]
    parts = rest.split("/")
    n = 2 if parts[0].startswith("@") else 1
    name_version, path = "/".join(parts[:n]), "/".join(parts[n:])
    if "@" not in name_version.lstrip("@"):
        return None, "no version in the URL"
    package, requested = name_version.rsplit("@", 1)
    if not (NODE_MODULES / package / "package.json").is_file():
        return None, f"{package} is not in tests/browser/node_modules"
    version = installed_version(package)
    if not (requested == version or version.startswith(requested + ".")):
        return None, f"{package}@{version} is installed, the page asks for {requested}"
    target = (NODE_MODULES / package / path).resolve()
    if not target.is_file() or NODE_MODULES not in target.parents:
        return None, f"no file {path!r} in {package}@{version}"
    return target, None


@dataclass
class OfflineRouter:
    """Serves CDN requests from node_modules; aborts and records every other off-host one."""

    base: str
    served: list = field(default_factory=list)
    blocked: list = field(default_factory=list)  # (url, reason)

    def __call__(self, route):
        url = route.request.url
        if url.startswith(self.base + "/"):
            return route.continue_()
        if url.startswith(JSDELIVR_NPM):
            target, reason = npm_file(url)
            if target is not None:
                self.served.append(url)
                content_type = (CONTENT_TYPES.get(target.suffix)
                                or mimetypes.guess_type(target.name)[0]
                                or "application/octet-stream")
                # The widget scripts are loaded with crossorigin="anonymous".
                return route.fulfill(status=200, body=target.read_bytes(), headers={
                    "Content-Type": content_type, "Access-Control-Allow-Origin": "*"})
        else:
            reason = "off-host URL that is not on jsDelivr"
        self.blocked.append((url, reason))
        return route.abort()

    def blocked_message(self):
        return "\n".join(f"  {url}  ({reason})" for url, reason in self.blocked)


# -- errors a page reports ---------------------------------------------------------------------

HTML_MANAGER_ASSET = re.compile(
    r"^http://127\.0\.0\.1:\d+/(?:.*/)?@jupyter-widgets/html-manager/dist/([0-9a-f]{20}\.(?:woff2?|ttf|eot|svg))$")


def third_party_noise(kind, text, location="", stack=""):
    """Whether an error provably comes from third-party code and not from our pages.

    Each filter names its source; anything else fails the tests.
    """
    # html-manager 1.0.6 typesets widget labels with the MathJax 2 API
    # (``MathJax.Hub.Queue``); MathJax 3 has no ``Hub``, so it throws from its own bundle.
    if (kind == "pageerror" and "reading 'Queue'" in text
            and "/@jupyter-widgets/html-manager@1.0.6/dist/embed-amd.js" in stack):
        return True
    # sphinx-thebe's inline ``const THEBE_JS_URL = ...`` script is added twice to every
    # page by the theme stack (sphinx-book-theme + sphinx-thebe both register it); the
    # second copy throws a redeclaration error. No page of ours declares it.
    if kind == "pageerror" and text == "Identifier 'THEBE_JS_URL' has already been declared":
        return True
    # pydata-sphinx-theme 0.17 reads the colour mode from localStorage or <html data-mode>;
    # in a fresh profile both are empty, so it logs this and falls back to "auto".
    if (kind == "console" and text == "Got invalid theme mode: . Resetting to auto."
            and "/_static/scripts/pydata-sphinx-theme.js" in location):
        return True
    # html-manager's bundled CSS (Font Awesome) points at its font files relative to the
    # page instead of the CDN, so they 404 on any host; only files that really are
    # html-manager's own hashed assets are excused.
    match = HTML_MANAGER_ASSET.match(location)
    if (kind == "console" and text.startswith("Failed to load resource") and match
            and (NODE_MODULES / "@jupyter-widgets/html-manager/dist" / match.group(1)).is_file()):
        return True
    return False


@dataclass
class OpenedPage:
    page: object
    router: OfflineRouter
    errors: list  # every error as "kind: text (where)"
    real_errors: list  # those not excused by third_party_noise

    def assert_offline_ok(self):
        assert not self.router.blocked, (
            "the page needed off-host URLs that could not be served offline:\n"
            + self.router.blocked_message())

    def assert_no_errors(self):
        assert not self.real_errors, "errors in the page:\n" + "\n".join(self.real_errors)


def open_page(browser, base, path, viewport=None):
    """A new browser context and page on ``base/path``, offline, errors recorded."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    router = OfflineRouter(base)
    context.route("**/*", router)
    page = context.new_page()
    opened = OpenedPage(page, router, [], [])

    def record(kind, text, location="", stack=""):
        entry = f"{kind}: {text} ({location or stack.strip().splitlines()[-1:] or '?'})"
        opened.errors.append(entry)
        if not third_party_noise(kind, text, location, stack):
            opened.real_errors.append(entry)

    page.on("pageerror", lambda error: record("pageerror", error.message, stack=error.stack or ""))
    page.on("console", lambda message: record("console", message.text, message.location.get("url", ""))
            if message.type == "error" else None)
    page.goto(f"{base}/{path}", wait_until="load")
    return opened
