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


# -- accessibility: axe-core and the contrast of text over widgets ----------------------------


def set_mode(page, mode):
    """The page in colour ``mode``, 'light' or 'dark', as the theme's own switch sets it."""
    page.emulate_media(color_scheme=mode)
    page.evaluate("""mode => { localStorage.setItem('mode', mode);
        document.documentElement.dataset.mode = mode;
        document.documentElement.dataset.theme = mode; }""", mode)


def settle_mode(page, mode):
    """:func:`set_mode`, then wait until the theme's colour transitions have ended."""
    set_mode(page, mode)
    page.wait_for_function("""() => !document.getAnimations().some(
        a => a instanceof CSSTransition && a.playState === 'running')""", timeout=10_000)


MODES = ("light", "dark")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Violations inside the theme's own markup that the book cannot override, by rule id.
#: None today: the search buttons are fixed by site/templates, the references page by
#: site/mlp_site.py, link colours by site/static/mlp-book.css.
THEME_EXCEPTIONS = {}

AXE_RUN = """async tags => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(' '))}));
}"""

#: Text nodes inside the explorers and figure captions whose contrast is below the
#: WCAG AA minimum against the background they are drawn on (alpha layers blended).
CONTRAST_JS = """selector => {
    const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
        const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
    const over = (top, bottom) => { const a = top[3];
        return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
    const luminance = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const background = el => { const layers = [];
        for (let e = el; e; e = e.parentElement) {
            const c = parse(getComputedStyle(e).backgroundColor);
            if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
        }
        let colour = [255, 255, 255, 1];
        for (const layer of layers.reverse()) colour = over(layer, colour);
        return colour; };
    const results = [];
    for (const root of document.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const el = node.parentElement;
            if (!node.textContent.trim() || !el || !el.getClientRects().length
                || !(el.offsetWidth || el.offsetHeight)) continue;
            const style = getComputedStyle(el);
            if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
            const bg = background(el);
            const fg = over(parse(style.color), bg);
            const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
            const large = size >= 24 || (bold && size >= 18.66);
            results.push({text: node.textContent.trim().slice(0, 50), ratio,
                          required: large ? 3 : 4.5, tag: el.tagName.toLowerCase(),
                          cls: el.className && el.className.baseVal === undefined ? el.className : ''});
        }
    }
    return results;
}"""
CONTRAST_SELECTOR = ".mlp-explorer, figcaption"


def serious_violations(page, axe_source):
    """axe's critical and serious violations of the page as it is now."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    found = page.evaluate(AXE_RUN, WCAG)
    return [v for v in found if v["impact"] in ("critical", "serious")
            and v["id"] not in THEME_EXCEPTIONS]


def describe_violations(violations):
    return "\n".join(f"  {v['impact']} {v['id']} ({v['help']}): {len(v['nodes'])} nodes, "
                     f"e.g. {v['nodes'][:3]}" for v in violations)


def low_contrast(page):
    return [r for r in page.evaluate(CONTRAST_JS, CONTRAST_SELECTOR) if r["ratio"] < r["required"]]


def accessibility_problems(page, axe_source):
    """axe's serious violations and the text below WCAG AA contrast of the loaded page, in
    the light and the dark mode (it is left in the dark one)."""
    problems = []
    for mode in MODES:
        settle_mode(page, mode)
        violations = serious_violations(page, axe_source)
        if violations:
            problems.append(f"{mode} mode, axe:\n{describe_violations(violations)}")
        poor = low_contrast(page)
        if poor:
            problems.append(f"{mode} mode, contrast below WCAG AA:\n" + "\n".join(
                f"  {r['ratio']:.2f}:1 < {r['required']}:1  <{r['tag']} class={r['cls']!r}> "
                f"{r['text']!r}" for r in poor[:10]))
    return problems
