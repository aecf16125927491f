"""The built book in a real (headless, offline) Chromium.

- Every page loads without any error (no filter: the theme, the widget runtime and
  MathJax included), asks for no URL outside the site (every such request is
  aborted), has its math typeset by MathJax 3, and does not load the widget runtime
  before an explorer comes near the viewport.
- Nothing is cut off, in the light and the dark mode, at 1280 and 390 px: no
  equation, code block or output is wider than its column; at 1280 px every display
  equation fits; on a phone an equation that scrolls shows a visible cue (shadows).
- axe-core (pinned in tests/browser/package.json) finds no critical or serious
  violation of WCAG 2.1 A and AA on any page a reader reads (the chapter and its back
  matter; not Sphinx's generated index, search and source pages), in the light and in
  the dark colour mode, theme included; every text inside the explorers and every
  figure caption reaches 4.5:1 contrast (3:1 for large text). These run on the same
  load as the checks above; test_accessibility.py tests them.
- Every "Implemented by" line sits in its equation's block, under the equation's
  number, never inside the sentence the equation belongs to.
- Every citation links to the anchor of its own entry on the references page, and
  names it as the entry's label does.
- Every precomputed explorer (sections 2-4) renders and, whatever position its
  controls are moved to (mouse and keyboard), shows exactly the stored run of that
  combination: the ``mlp-run--...`` class, the image bytes embedded in the page's widget
  state, its alt text and the reproducing code line; its sliders announce the shown
  value (aria-valuetext) and its toggle buttons whether they are pressed.
- Equations, figures and exercises carry the number of their section: (2.1), Fig. 2.1,
  Exercise 2.1, in the page and in every reference to them, on screen and in print.
- The chapter PDF (make book) has every page of the chapter, each section's equations
  with their numbers, and no toggle caption or solution.
- MathJax is requested only after the page's first paint, as separate components (no
  script of it larger than 0.5 MB), so that the text paints first and no single script
  blocks the page for long.
- Negative controls: without the ``jslink``s the explorer check fails; MathJax deferred
  in the ``<head>`` and MathJax in one script fail the MathJax check; an error in the
  page fails the error check; a code block that does not wrap and an equation without
  its cue fail the layout check; a link line moved into the text fails the placement
  check; a citation without its anchor, a section checked under the wrong number and a
  PDF without a section fail theirs.
"""

import base64
import hashlib
import html
import json
import re
import time
from dataclasses import dataclass

import sys
from html.parser import HTMLParser

import pytest
from bs4 import BeautifulSoup
from book_paths import (DESKTOP_COLUMN, PHONE_COLUMN, ROOT, WIDGET_STATE, figure_pictures,
                        stored_runs, widget_state_file)
from browser_support import (HTML_DIR, accessibility_problems, edit_widget_state, open_page,
                             set_mode)

from mlp_core.widgets import (DIGITS_CONTROLS, LR_CONTROLS, XOR_CONTROLS, combination_class,
                              format_value)

sys.path.insert(0, str(ROOT / "_ext"))
sys.path.insert(0, str(ROOT / "site"))
from chapter_pdf import chapter_pages  # noqa: E402
from mlp_reference import IMPLEMENTS  # noqa: E402
from page_forms import NUMBERED  # noqa: E402
from mlp_site import CHAPTER_PDF  # noqa: E402

#: The pages a reader reads: the chapter and its back matter (_toc.yml).
PAGES = ["intro", "01_composition", "02_index", "02_forward_pass", "02_xor_seeds", "03_index",
         "03_backpropagation", "03_gradient_check", "03_training_on_digits", "04_index",
         "04_what_next", "04_beyond_sgd", "references", "reference"]
#: The pages with numbered equations, figures or exercises (not the landing pages 0N_index).
SECTIONS = {"01_composition": 1, "02_forward_pass": 2, "02_xor_seeds": 2, "03_backpropagation": 3,
            "03_gradient_check": 3, "03_training_on_digits": 3, "04_what_next": 4,
            "04_beyond_sgd": 4}


@dataclass(frozen=True)
class ExplorerSpec:
    """What an explorer of mlp_core.widgets looks like in the page."""

    title: str
    controls: list  # mlp_core.widgets.Control, outermost first (the order in the page)
    code_fragments: object  # settings -> substrings the reproducing code line must contain


EXPLORERS = {
    "XOR explorer": ExplorerSpec(
        "XOR explorer", XOR_CONTROLS["precomputed"],
        lambda s: ["from mlp_core.experiments import train_xor\nrun = train_xor(",
                   f"hidden={s['hidden']!r}", f"lr={s['lr']!r}"]),
    "Digits explorer": ExplorerSpec(
        "Digits explorer", DIGITS_CONTROLS["precomputed"],
        lambda s: ["from mlp_core.experiments import train_digits\nrun = train_digits(",
                   f"hidden=({s['hidden_1']!r}, {s['hidden_2']!r})", f"lr={s['lr']!r}",
                   f"activation={s['activation']!r}"]),
    "Learning-rate explorer": ExplorerSpec(
        "Learning-rate explorer", LR_CONTROLS["precomputed"],
        lambda s: ["from mlp_core.experiments import train_digits\nrun = train_digits(",
                   f"lr={s['lr']!r}"]),
}
# The explorers each section calls (book/0*.md).
PAGE_EXPLORERS = {"02_xor_seeds": ["XOR explorer"], "03_training_on_digits": ["Digits explorer"],
                  "04_what_next": ["Learning-rate explorer"]}

SETTLE_SECONDS = 5.0


def page_path(name):
    return "index.html" if name == "index" else f"book/{name}.html"


# -- waiting for the page's scripts ------------------------------------------------------------


#: MathJax typesets lazily (near the viewport); this typesets the rest, as printing does.
TYPESET_ALL_JS = """() => MathJax.startup.promise.then(() => {
    const document = MathJax.startup.document;
    if (typeof document.lazyTypesetAll !== 'function') throw new Error('MathJax is not lazy');
    return document.lazyTypesetAll();
})"""


def wait_for_math(page):
    """Number of math elements Sphinx wrote into the page, once MathJax has typeset them
    all (the page itself typesets those near the viewport first, the rest on scrolling)."""
    n_math = page.locator("span.math, div.math").count()
    if n_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20_000)
        page.evaluate(TYPESET_ALL_JS)
    return n_math


WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
WIDGET_RUNTIME = ("/_static/vendor/requirejs/require.js", "/_static/vendor/html-manager/embed-amd.js",
                  ".widgets.json")


def wait_for_explorers(page, timeout=30_000):
    """The explorers of a page, once each shows a run with its image. The widget runtime
    loads when an explorer comes near the viewport, so they are scrolled to, as a reader
    would."""
    n_views = page.locator(WIDGET_VIEW).count()
    if n_views:
        page.evaluate(f"""() => document.querySelector('{WIDGET_VIEW}')
                          .parentElement.scrollIntoView()""")
        page.wait_for_function(
            """() => {
                const explorers = document.querySelectorAll('.mlp-explorer');
                return explorers.length > 0 && [...explorers].every(
                    e => e.querySelector('.mlp-run img.mlp-figure'));
            }""", timeout=timeout)
    return page.locator(".mlp-explorer")


# -- the explorer check ------------------------------------------------------------------------


def stored_images(page):
    """``{combination_class: (sha256 hexes, alt texts)}`` of every run in the page's widget
    state: one of each per picture, joined by commas and newlines."""
    scripts = page.locator(WIDGET_STATE)
    assert scripts.count() == 1, f"expected one widget state script, found {scripts.count()}"
    stored = {}
    for combination, (figure, _) in stored_runs(json.loads(scripts.text_content())["state"]).items():
        pictures = figure_pictures(figure)
        assert pictures, f"{combination}: not a row of <img>s with alt text: {figure[:120]}"
        stored[combination] = (
            ",".join(hashlib.sha256(base64.b64decode(data)).hexdigest() for _, data, *_ in pictures),
            "\n".join(html.unescape(alt) for alt, *_ in pictures))
    alts = {alt for _, alt in stored.values()}
    # Made from each run's data: runs with the same outcome (two that diverge in their
    # first epoch) may share one, but the texts differ across the grid.
    assert len(alts) > len(stored) // 2, f"{len(alts)} alt texts for {len(stored)} runs"
    return stored


DISPLAYED_RUN_JS = """async explorer => {
    const runs = [...explorer.querySelectorAll('.mlp-run')].filter(
        r => r.offsetParent !== null && r.getClientRects().length > 0);
    const result = {classes: runs.map(r => [...r.classList].filter(c => c.startsWith('mlp-run')))};
    if (runs.length !== 1) return result;
    const images = [...runs[0].querySelectorAll('img')];
    const code = runs[0].querySelector('.mlp-code');
    result.code = code ? code.innerText : null;
    result.alt = images.map(img => img.getAttribute('alt')).join('\\n');
    result.visible_img = images.length > 0 && images.every(img => img.offsetWidth > 0
        && img.offsetHeight > 0 && img.complete && img.naturalWidth > 0);
    const hexes = [];
    for (const img of images) {
        const bytes = await (await fetch(img.src)).arrayBuffer();
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        hexes.push([...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join(''));
    }
    result.sha256 = hexes.join(',');
    return result;
}"""

CONTROL_VALUES_JS = """explorer => [...explorer.querySelectorAll('.widget-slider, .widget-toggle-buttons')]
    .map(control => {
        const label = control.querySelector('.widget-label');
        if (control.classList.contains('widget-toggle-buttons')) {
            const buttons = [...control.querySelectorAll('button')];
            return {label: label.textContent, kind: 'toggle',
                    values: buttons.filter(b => b.classList.contains('mod-active')).map(b => b.textContent),
                    // what assistive technology is told: the pressed buttons, the group's name
                    announced: buttons.filter(b => b.getAttribute('aria-pressed') === 'true')
                                      .map(b => b.textContent),
                    unannounced: buttons.filter(b => !['true', 'false'].includes(
                                      b.getAttribute('aria-pressed'))).length,
                    named_by: document.getElementById(
                        ((control.matches('[role=group]') ? control
                          : control.querySelector('[role=group]')) || {getAttribute: () => null})
                            .getAttribute('aria-labelledby') || '-')?.textContent};
        }
        const handle = control.querySelector('[role=slider]');
        const readout = control.querySelector('.widget-readout').textContent;
        return {label: label.textContent, kind: 'slider', values: [readout], announced: [
                    handle.getAttribute('aria-valuetext')], unannounced: 0,
                named_by: document.getElementById(handle.getAttribute('aria-labelledby') || '-')
                    ?.textContent};
    })"""


def announcement_problems(controls):
    """Controls whose accessible name or announced value differs from what they show."""
    return [f"{c['label']!r} shows {c['values']} but announces {c['announced']} "
            f"(named {c['named_by']!r}, {c['unannounced']} buttons without aria-pressed)"
            for c in controls
            if c["announced"] != c["values"] or c["named_by"] != c["label"] or c["unannounced"]]


class ExplorerCheck:
    """Moves every control of one explorer and checks what it shows after each move.

    ``run()`` raises AssertionError on the first move after which the explorer does not
    show the stored run of the controls' current combination.
    """

    def __init__(self, page, explorer, stored):
        self.page, self.explorer, self.stored = page, explorer, stored
        title = explorer.locator(".mlp-header b").first.text_content()
        assert title in EXPLORERS, f"unknown explorer {title!r}"
        self.spec = EXPLORERS[title]
        self.seen = {}  # combination -> sha256
        self.steps = []  # combination shown after each step
        self.shown = []  # sha256 shown after each step

    # reading the DOM

    def current_settings(self, controls=None):
        """``{name: value}`` from the sliders' readouts and the selected toggle buttons."""
        controls = controls or self.explorer.evaluate(CONTROL_VALUES_JS)
        labels = [c["label"] for c in controls]
        assert labels == [c["label"] for c in self.spec.controls], (
            f"{self.spec.title}: controls {labels}, expected "
            f"{[c['label'] for c in self.spec.controls]}")
        settings = {}
        for control, shown in zip(self.spec.controls, controls):
            assert len(shown["values"]) == 1, f"{control['label']}: selected {shown['values']}"
            by_label = {format_value(v): v for v in control["options"]}
            assert shown["values"][0] in by_label, f"{control['label']}: shows {shown['values'][0]!r}"
            settings[control["name"]] = by_label[shown["values"][0]]
        return settings

    def assert_shows_current(self, step):
        """The displayed run is the stored one for the controls' current values."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            controls = self.explorer.evaluate(CONTROL_VALUES_JS)
            settings = self.current_settings(controls)
            expected = combination_class(settings)
            shown = self.explorer.evaluate(DISPLAYED_RUN_JS)
            ok = (shown["classes"] == [["mlp-run", expected]] and shown.get("visible_img")
                  and (shown.get("sha256"), shown.get("alt")) == self.stored.get(expected)
                  and not announcement_problems(controls))
            if ok or time.monotonic() > deadline:
                break
            self.page.wait_for_timeout(50)
        where = f"{self.spec.title}, after {step}"
        assert expected in self.stored, f"{where}: no stored run {expected}"
        assert len(shown["classes"]) == 1, (
            f"{where}: {len(shown['classes'])} visible runs {shown['classes']}, expected 1")
        assert shown["classes"] == [["mlp-run", expected]], (
            f"{where}: explorer shows {' '.join(shown['classes'][0])} but the controls say {expected}")
        assert shown["visible_img"], f"{where}: the image of {expected} is not displayed"
        assert shown["sha256"] == self.stored[expected][0], (
            f"{where}: displayed image differs from the stored image of {expected}")
        assert shown["alt"] == self.stored[expected][1], (
            f"{where}: alt text {shown['alt']!r} is not the one stored for {expected}")
        assert not announcement_problems(controls), (
            f"{where}: " + "; ".join(announcement_problems(controls)))
        for fragment in self.spec.code_fragments(settings):
            assert fragment in (shown["code"] or ""), (
                f"{where}: code line {shown['code']!r} lacks {fragment!r}")
        self.seen[expected] = shown["sha256"]
        self.steps.append(expected)
        self.shown.append(shown["sha256"])
        return settings

    # moving the controls

    def control(self, index):
        return self.explorer.locator(".widget-slider, .widget-toggle-buttons").nth(index)

    def move_slider(self, index, control):
        handle = self.control(index).locator(".noUi-handle")
        handle.focus()
        options = list(control["options"])
        first_step = len(self.shown) - 1
        for key, expected in [("End", options[-1]), ("Home", options[0]),
                              ("ArrowRight", options[1]), ("ArrowRight", options[min(2, len(options) - 1)]),
                              ("ArrowLeft", options[1 if len(options) > 2 else 0]),
                              ("End", options[-1])]:
            handle.press(key)
            settings = self.assert_shows_current(f"{key} on the {control['label']!r} slider")
            assert settings[control["name"]] == expected, (
                f"{self.spec.title}: {key} put {control['label']!r} at {settings[control['name']]!r}, "
                f"expected {expected!r}")
        self._assert_control_changed_image(control, first_step)

    def move_toggle(self, index, control):
        buttons = self.control(index).locator("button")
        assert buttons.count() == len(control["options"])
        first_step = len(self.shown) - 1
        for i, value in reversed(list(enumerate(control["options"]))):
            buttons.nth(i).click()
            settings = self.assert_shows_current(f"clicking {format_value(value)!r} of {control['label']!r}")
            assert settings[control["name"]] == value
        # keyboard: from the first button, Tab to the second and press Space, then back
        # with Shift+Tab and Enter.
        buttons.nth(0).focus()
        self.page.keyboard.press("Tab")
        assert buttons.nth(1).evaluate("b => b === document.activeElement"), \
            f"{control['label']!r}: Tab does not reach the second button"
        self.page.keyboard.press("Space")
        settings = self.assert_shows_current(f"Tab+Space on {control['label']!r}")
        assert settings[control["name"]] == control["options"][1]
        self.page.keyboard.press("Shift+Tab")
        self.page.keyboard.press("Enter")
        settings = self.assert_shows_current(f"Shift+Tab+Enter on {control['label']!r}")
        assert settings[control["name"]] == control["options"][0]
        self._assert_control_changed_image(control, first_step)

    def _assert_control_changed_image(self, control, first_step):
        images = set(self.shown[first_step:])
        assert len(images) >= 2, (
            f"{self.spec.title}: moving {control['label']!r} never showed a different image")

    def run(self):
        self.assert_shows_current("loading")
        for index, control in enumerate(self.spec.controls):
            if control["kind"] == "toggle":
                self.move_toggle(index, control)
            else:
                self.move_slider(index, control)
        distinct_images = len(set(self.seen.values()))
        assert distinct_images >= min(3, len(self.seen)), (
            f"{self.spec.title}: only {distinct_images} different images "
            f"for {len(self.seen)} combinations")
        return self.seen


def check_explorers(page, expected_titles):
    """Runs ExplorerCheck on every explorer of a loaded page; returns the combinations seen."""
    explorers = wait_for_explorers(page)
    titles = [e.locator(".mlp-header b").first.text_content() for e in explorers.all()]
    assert titles == expected_titles, f"explorers {titles}, expected {expected_titles}"
    stored = stored_images(page)
    seen = {}
    for explorer in explorers.all():
        assert explorer.is_visible()
        assert "mlp-precomputed" in explorer.get_attribute("class").split()
        seen.update(ExplorerCheck(page, explorer, stored).run())
    return seen


# -- tests -------------------------------------------------------------------------------------


#: Everything a reader can open: hidden code cells, solutions and dropdowns.
OPEN_EVERYTHING_JS = """() => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
}"""

#: Equations, code blocks and outputs wider than their column, in words.
OVERFLOW_JS = """desktop => {
    const article = document.querySelector('article.bd-article');
    const column = article.getBoundingClientRect();
    const problems = [];
    const where = e => (e.closest('[id]') || {}).id + ': ' + e.textContent.trim().slice(0, 60);
    const shown = e => e.getClientRects().length > 0 && e.offsetWidth > 0;
    for (const equation of article.querySelectorAll('div.math mjx-container[display="true"]')) {
        if (!shown(equation)) continue;
        const block = equation.closest('div.math');
        const beyond = block.getBoundingClientRect().right - column.right;
        const hidden = equation.scrollWidth - equation.clientWidth;
        if (beyond > 1) problems.push(`equation ${beyond.toFixed(0)} px beyond its column: ${where(block)}`);
        if (hidden <= 1) continue;
        const style = getComputedStyle(equation);
        const cue = /auto|scroll/.test(style.overflowX) && /gradient/.test(style.backgroundImage)
            && /local/.test(style.backgroundAttachment);
        if (desktop) problems.push(`equation ${hidden} px wider than its column: ${where(block)}`);
        else if (!cue) problems.push(`equation scrolls ${hidden} px with no visible cue: ${where(block)}`);
    }
    for (const pre of article.querySelectorAll('div.highlight pre, div.cell_output pre, div.output pre')) {
        if (!shown(pre)) continue;
        const hidden = pre.scrollWidth - pre.clientWidth;
        const beyond = pre.getBoundingClientRect().right - column.right;
        if (hidden > 1 || beyond > 1) problems.push(
            `code or output ${Math.max(hidden, beyond).toFixed(0)} px cut: ${where(pre)}`);
    }
    // Explorer pictures are drawn for their own size (13 px text): never shown smaller.
    for (const img of article.querySelectorAll('.mlp-explorer img.mlp-figure')) {
        if (!shown(img)) continue;
        const width = img.getBoundingClientRect().width, own = Number(img.getAttribute('width'));
        if (!(width >= own - 0.5)) problems.push(
            `explorer picture shown at ${width.toFixed(0)} of its ${own} px: ${img.alt.slice(0, 60)}`);
    }
    // A page figure is shown at its natural size (the width IPython gives it) or scaled to
    // fit a column at least as wide as the one its text is sized for, never smaller.
    const room = desktop ? DESKTOP_COLUMN : PHONE_COLUMN;
    for (const img of article.querySelectorAll('figure img')) {
        if (!shown(img)) continue;
        const width = img.getBoundingClientRect().width, own = parseFloat(img.style.width);
        if (!(width >= Math.min(own, room) - 0.5)) problems.push(
            `page figure shown at ${width.toFixed(0)} of its ${own} px: ${img.alt.slice(0, 60)}`);
    }
    // Figures are white cards in both modes: not dimmed by the theme in the dark one.
    for (const img of article.querySelectorAll('figure img, img.mlp-figure')) {
        if (shown(img) && getComputedStyle(img).filter !== 'none') problems.push(
            `figure dimmed (${getComputedStyle(img).filter}): ${img.alt.slice(0, 60)}`);
    }
    const page = document.scrollingElement.scrollWidth - window.innerWidth;
    if (page > 1) problems.push(`the page scrolls sideways by ${page} px`);
    return problems;
}""".replace("DESKTOP_COLUMN", str(DESKTOP_COLUMN)).replace("PHONE_COLUMN", str(PHONE_COLUMN))

#: Where each "Implemented by" line sits relative to its equation.
CODE_LINES_JS = """() => [...document.querySelectorAll('article .equation-code')].map(line => {
    const block = line.parentElement;
    const math = block.querySelector(':scope > div.math');
    const text = document.createRange();
    text.selectNodeContents(line);
    // the right end of each line of its text: all at the right edge, where the number is
    const ends = {};
    for (const r of text.getClientRects()) {
        if (!r.width) continue;
        const row = Math.round(r.bottom);
        ends[row] = Math.max(ends[row] || -Infinity, r.right);
    }
    const rows = Object.keys(ends).map(Number);
    const m = math ? math.getBoundingClientRect() : null;
    return {label: math ? math.id : null, text: line.textContent,
            in_equation_block: block.classList.contains('mlp-equation') && !!math
                && !line.closest('p'),
            under_number: !!m && rows.length > 0 && rows.every(
                row => row >= m.bottom && Math.abs(ends[row] - m.right) <= 2),
            links: line.querySelectorAll('a[href*="reference.html#mlp_core."]').length};
})"""

MODES_AND_WIDTHS = [("light", 1280), ("dark", 1280), ("light", 390), ("dark", 390)]


def layout_problems(page, name):
    """What is cut off or misplaced on the loaded page, in every mode and width."""
    page.evaluate(OPEN_EVERYTHING_JS)
    expected_lines = len({label for doc, labels in IMPLEMENTS.values()
                          for label in labels if doc == f"book/{name}"})
    problems = []
    for mode, width in MODES_AND_WIDTHS:
        set_mode(page, mode)
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        where = f"{mode}, {width} px"
        problems += [f"{where}: {p}" for p in page.evaluate(OVERFLOW_JS, width >= 1000)]
        lines = page.evaluate(CODE_LINES_JS)
        labels = {line["label"] for line in lines}
        if len(labels) != expected_lines or len(lines) != expected_lines:
            problems.append(f"{where}: {len(lines)} 'Implemented by' lines, expected {expected_lines}")
        problems += [f"{where}: 'Implemented by' line of {line['label']} "
                     f"{'outside its equation block' if not line['in_equation_block'] else 'not under the equation number'}"
                     f": {line['text']!r}"
                     for line in lines if not (line["in_equation_block"] and line["under_number"]
                                               and line["links"])]
    return problems


#: The MathJax scripts the page fetched, when, and the page's first paint (ms).
MATHJAX_LOADS_JS = """() => ({
    paint: performance.getEntriesByName('first-paint')[0]?.startTime,
    scripts: performance.getEntriesByType('resource')
        .filter(e => /\\/vendor\\/mathjax\\/.*\\.js$/.test(new URL(e.name).pathname))
        .map(e => ({name: e.name, start: e.startTime, bytes: e.decodedBodySize})),
})"""
#: The largest of MathJax's components (ui/menu.js) is 0.43 MB; tex-chtml.js, all in one, 1.2.
MATHJAX_SCRIPT_BYTES = 500_000


def mathjax_load_problems(page):
    """MathJax's scripts, once it has started: each requested after the first paint (a
    deferred MathJax competes with the stylesheets and often runs before that paint) and
    none of them MathJax all in one script (one long task)."""
    loads = page.evaluate(MATHJAX_LOADS_JS)
    if not loads["scripts"]:
        return ["no MathJax script was loaded"]
    problems = [f"{s['name']} requested at {s['start']:.0f} ms, before the first paint at "
                f"{loads['paint']:.0f} ms" for s in loads["scripts"]
                if loads["paint"] is None or s["start"] <= loads["paint"]]
    problems += [f"{s['name']} is {s['bytes']} bytes, one script for all of MathJax"
                 for s in loads["scripts"] if s["bytes"] > MATHJAX_SCRIPT_BYTES]
    return problems


def requested_runtime(opened):
    return [url for url in opened.requests if url.endswith(WIDGET_RUNTIME)]


#: ``[closed, open]`` captions of every toggle of hidden code, each opened and closed again.
TOGGLE_CAPTIONS = """() => [...document.querySelectorAll('details.hide > summary')].map(summary => {
    const shown = [];
    for (const open of [false, true]) {
        summary.parentElement.open = open;
        shown.push(summary.innerText.trim());
    }
    summary.parentElement.open = false;
    return shown; })"""


def toggle_problems(page):
    """Toggles of hidden code that do not show one caption: "Show ..." closed, "Hide ..." open."""
    return [f"a toggle shows {closed!r} closed and {opened!r} open"
            for closed, opened in page.evaluate(TOGGLE_CAPTIONS)
            if (closed, opened) != ("Show code cell source", "Hide code cell source")]


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_offline_accessible_with_no_error_and_nothing_cut_off(
        chromium, book_url, screenshot_dir, axe_source, name):
    opened = open_page(chromium, book_url, page_path(name))
    page = opened.page
    try:
        n_math = wait_for_math(page)
        if n_math:
            problems = mathjax_load_problems(page)
            assert not problems, f"{name}:\n" + "\n".join(problems)
        if page.locator(WIDGET_VIEW).count():
            assert not requested_runtime(opened) and not page.locator(WIDGET_STATE).count(), (
                "the widget runtime or state loaded before an explorer came near the viewport")
        wait_for_explorers(page)
        if name in PAGE_EXPLORERS:  # every position of every control, in this same load
            assert len(check_explorers(page, PAGE_EXPLORERS[name])) >= 4
        page.wait_for_timeout(300)  # late errors from the widget manager
        opened.assert_offline_ok()
        opened.assert_no_errors()
        problems = accessibility_problems(page, axe_source)
        assert not problems, f"{name}:\n" + "\n".join(problems)
        set_mode(page, "light")
        typeset = page.locator("mjx-container").count()
        if n_math:
            assert typeset > 0, f"{n_math} math elements but nothing typeset"
            untypeset = page.locator("span.math:not(:has(mjx-container)), "
                                     "div.math:not(:has(mjx-container))").count()
            assert untypeset == 0, f"{untypeset} of {n_math} math elements not typeset"
            errors = page.locator("mjx-merror").all_text_contents()
            assert not errors, f"TeX errors: {errors}"
        if name in SECTIONS:
            screen = check_numbering(page, SECTIONS[name], "screen", numbered_kinds(name))
            page.emulate_media(media="print")
            assert check_numbering(page, SECTIONS[name], "print", numbered_kinds(name)) == screen
            page.emulate_media(media="screen")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=screenshot_dir / f"{name}.jpg", full_page=True, type="jpeg", quality=70)
        problems = layout_problems(page, name) + toggle_problems(page)
        assert not problems, f"{name}:\n" + "\n".join(problems)
        opened.assert_no_errors()
    finally:
        page.context.close()


MATHJAX_ENTRY = re.compile(r'<script id="mlp-mathjax" type="application/json">(.*?)</script>')
MATHJAX_BUNDLE = ROOT / "site/node_modules/mathjax/es5/tex-chtml.js"


def test_negative_control_mathjax_in_the_head_or_in_one_script_is_found(chromium, book_url,
                                                                        html_dir):
    """The intro with MathJax's loader as a deferred <script> in its <head> (requested
    before the first paint), and with all of MathJax in one script (tex-chtml.js)."""
    text = (html_dir / "book/intro.html").read_text(encoding="utf-8")
    entry = MATHJAX_ENTRY.search(text)
    loader = json.loads(entry.group(1))
    in_head = text.replace(entry.group(0), f'<script defer src="{loader["src"]}" '
                                           f'integrity="{loader["integrity"]}"></script>')
    bundle = MATHJAX_BUNDLE.read_text(encoding="utf-8")
    digest = "sha256-" + base64.b64encode(hashlib.sha256(bundle.encode()).digest()).decode()
    bundle_entry = json.dumps({"src": "../_static/vendor/mathjax/tex-chtml.js",
                               "integrity": digest})
    one_script = text.replace(entry.group(1), bundle_entry).replace(
        '"load": ["input/tex", "output/chtml", "ui/menu", "a11y/assistive-mml", "ui/lazy"]',
        '"load": ["ui/lazy"]')
    for html_text, expected in [(in_head, "before the first paint"),
                                (one_script, "one script for all of MathJax")]:
        opened = open_page(chromium, book_url, page_path("intro"), replaced={
            "book/intro.html": html_text, "_static/vendor/mathjax/tex-chtml.js": bundle})
        try:
            wait_for_math(opened.page)
            problems = mathjax_load_problems(opened.page)
            assert any(expected in problem for problem in problems), problems
        finally:
            opened.page.context.close()


def test_negative_control_errors_and_cut_off_content_are_found(chromium, book_url):
    """An error in the page, code that does not wrap, an equation without its scroll cue,
    a link line inside the text, section 3 checked as if it were section 2 and a toggle
    showing both its captions are each reported."""
    opened = open_page(chromium, book_url, page_path("03_backpropagation"))
    page = opened.page
    try:
        wait_for_math(page)
        with pytest.raises(AssertionError, match=r"not numbered"):
            check_numbering(page, 2, "screen")
        page.evaluate("() => console.error('an error of the page')")
        with pytest.raises(AssertionError, match="an error of the page"):
            opened.assert_no_errors()
        page.add_style_tag(content="div.highlight pre, div.cell_output pre "
                           "{ white-space: pre !important; overflow-wrap: normal !important; }"
                           "div.math mjx-container { background: none !important; }"
                           "html[data-theme='dark'] .bd-content figure img "
                           "{ filter: brightness(0.8) !important; }"
                           ".mlp-explorer img.mlp-figure { max-width: 40% !important; }"
                           "figure img { max-width: 40% !important; }")
        wait_for_explorers(page)
        page.evaluate("""() => { const line = document.querySelector('.equation-code');
            const paragraph = document.createElement('p');
            line.closest('.mlp-equation').after(paragraph);
            paragraph.append(line); }""")
        problems = "\n".join(layout_problems(page, "03_backpropagation"))
        assert re.search(r"light, 390 px: code or output \d+ px cut", problems), problems
        assert re.search(r"dark, 390 px: equation scrolls \d+ px with no visible cue", problems), problems
        assert re.search(r"light, 1280 px: 'Implemented by' line of \S+ outside its equation block",
                         problems), problems
        assert re.search(r"dark, 1280 px: figure dimmed", problems), problems
        assert "light, 1280 px: figure dimmed" not in problems, problems
        assert re.search(r"light, 390 px: page figure shown at \d+ of its \d+ px", problems), problems
        assert re.search(r"dark, 1280 px: page figure shown at \d+ of its \d+ px", problems), problems
        # The toggle as MyST-NB's rules for <p> captions left its span captions: both shown.
        page.add_style_tag(content="details.hide > summary > span { display: inline !important; }")
        problems = toggle_problems(page)
        assert problems and "'Show code cell sourceHide code cell source' closed" in problems[0], problems
    finally:
        page.context.close()
    # Section 3's explorer is on its digits page.
    opened = open_page(chromium, book_url, page_path("03_training_on_digits"))
    page = opened.page
    try:
        wait_for_math(page)
        page.add_style_tag(content=".mlp-explorer img.mlp-figure { max-width: 40% !important; }")
        wait_for_explorers(page)
        problems = "\n".join(layout_problems(page, "03_training_on_digits"))
        assert re.search(r"light, 390 px: explorer picture shown at \d+ of its \d+ px", problems), problems
    finally:
        page.context.close()


# -- citations ---------------------------------------------------------------------------------


def citation_problems(pages, references):
    """Citations in ``pages`` ({name: soup}) that do not land on their own entry of
    ``references`` (soup), or name it differently from the entry's label."""
    entries = {entry["id"]: " ".join(entry.select_one(".label").get_text().strip("[]").split())
               for entry in references.select(".citation[id]")}
    problems, count = [], 0
    for name, soup in pages.items():
        for link in soup.select('article a[href*="references.html"]'):
            count += 1
            target = link["href"].partition("#")[2]
            if target not in entries:
                problems.append(f"{name}: {link.get_text()!r} links to {link['href']!r}, "
                                "not to an entry")
                continue
            # (He et al., 2015) links "He et al., 2015"; He et al. (2015) links "He et al." and "2015".
            text = " ".join(link.get_text().split())
            if text not in entries[target] or not text:
                problems.append(f"{name}: {text!r} names the entry {entries[target]!r}")
    if not count:
        problems.append("no citation in the pages")
    return problems


@pytest.fixture(scope="module")
def section_soups():
    return {name: BeautifulSoup((HTML_DIR / page_path(name)).read_text(), "html.parser")
            for name in PAGES if name not in ("references", "reference")}


@pytest.fixture(scope="module")
def references_soup():
    return BeautifulSoup((HTML_DIR / page_path("references")).read_text(), "html.parser")


def test_every_citation_links_to_its_entry(section_soups, references_soup):
    assert citation_problems(section_soups, references_soup) == []
    cited = {a["href"].partition("#")[2] for soup in section_soups.values()
             for a in soup.select('article a[href*="references.html"]')}
    assert len(cited) >= 7, cited


def test_negative_control_a_citation_without_its_anchor_is_found(section_soups, references_soup):
    soup = BeautifulSoup(str(section_soups["02_forward_pass"]), "html.parser")
    link = soup.select_one('article a[href*="references.html#"]')
    link["href"] = "references.html"
    problems = citation_problems({"02_forward_pass": soup}, references_soup)
    assert len(problems) == 1 and "not to an entry" in problems[0], problems


# -- markup of the project's own making -------------------------------------------------------

BLOCK_TAGS = {"div", "ul", "ol", "table", "pre", "dl", "section", "p", "h1", "h2", "h3", "h4",
              "figure", "blockquote", "details"}
VOID_TAGS = {"br", "img", "meta", "link", "input", "hr", "source", "wbr", "col", "area", "base"}


class MarkupCheck(HTMLParser):
    """What the Nu HTML checker reported on the built pages: a block element inside a <p>
    or a <summary>, repeated ids, more or less than one viewport meta, no description."""

    def __init__(self):
        super().__init__()
        self.stack, self.ids, self.problems, self.metas = [], {}, [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for parent in ("p", "summary"):
            if parent in self.stack and tag in BLOCK_TAGS:
                self.problems.append(f"<{tag}> inside <{parent}> at line {self.getpos()[0]}")
        if "id" in attrs:
            self.ids[attrs["id"]] = self.ids.get(attrs["id"], 0) + 1
        if tag == "meta" and attrs.get("name") in ("viewport", "description"):
            self.metas[attrs["name"]] = self.metas.get(attrs["name"], 0) + 1
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def report(self):
        repeated = sorted(i for i, n in self.ids.items() if n > 1)
        return self.problems + ([f"repeated ids {repeated[:5]}"] if repeated else []) + [
            f"{self.metas.get(name, 0)} <meta name={name!r}>" for name in ("viewport", "description")
            if self.metas.get(name, 0) != 1]


def markup_problems(html):
    check = MarkupCheck()
    check.feed(html)
    return check.report()


@pytest.mark.parametrize("name", PAGES)
def test_page_markup_is_valid_where_the_project_makes_it(name):
    assert markup_problems((HTML_DIR / page_path(name)).read_text()) == []


def test_negative_control_invalid_markup_is_found():
    html = (HTML_DIR / page_path("02_forward_pass")).read_text()
    html = html.replace("</article>", '<p><ul><li>x</li></ul></p><div id="exercise-content-1">'
                        '</div></article>', 1).replace('<meta name="description"', '<meta name="x"')
    problems = markup_problems(html)
    assert any(p.startswith("<ul> inside <p>") for p in problems), problems
    assert "repeated ids ['exercise-content-1']" in problems, problems
    assert "0 <meta name='description'>" in problems, problems


# -- the chapter PDF ---------------------------------------------------------------------------


def page_title(doc):
    """The title of a built page as its <h1> shows it, without the section number."""
    soup = BeautifulSoup((HTML_DIR / f"{doc}.html").read_text(), "html.parser")
    heading = soup.select_one("article h1")
    for part in heading.select(".section-number, .headerlink"):
        part.decompose()
    return " ".join(heading.get_text().split()), soup


def flat(text):
    return " ".join(text.split())


def pdf_problems(pdf_pages):
    """Pages of the chapter, or equation numbers of its sections, missing from the PDF text;
    toggle captions or solutions in it."""
    flat_text = flat("\n".join(pdf_pages))
    problems = []
    for doc in chapter_pages():
        title, soup = page_title(doc)
        if title not in flat_text:
            problems.append(f"{doc}: title {title!r} missing")
        numbers = [span.get_text().replace("#", "").strip() for span in soup.select("span.eqno")]
        missing = [n for n in numbers if n not in flat_text]
        if missing:
            problems.append(f"{doc}: equations {missing} missing")
    for caption in ("Show code cell source", "Hide code cell source", "Click to hide",
                    "Click to show", "Solution to"):
        if caption in flat_text:
            problems.append(f"the PDF shows {caption!r}")
    return problems


@pytest.fixture(scope="module")
def pdf_text():
    from pypdf import PdfReader
    path = HTML_DIR / CHAPTER_PDF
    assert path.is_file(), f"{path} is missing: make book prints it"
    return [page.extract_text() for page in PdfReader(path).pages]


def test_chapter_pdf_has_every_section_with_numbered_equations(pdf_text, section_soups):
    assert pdf_problems(pdf_text) == []
    # Offered in every page's download menu, and from the intro's text.
    for name, soup in section_soups.items():
        menu = soup.select(f'.dropdown-download-buttons a[href$="/{CHAPTER_PDF}"]')
        assert len(menu) == 1, f"{name}: no {CHAPTER_PDF} in the download menu"
    assert section_soups["intro"].select(f'article a[href="../{CHAPTER_PDF}"]')
    numbers = re.findall(r"\((\d)\.\d+\)", "\n".join(pdf_text))
    assert {"1", "2", "3", "4"} <= set(numbers)


def test_negative_control_a_pdf_without_section_3_fails(pdf_text):
    titles = [page_title(f"book/{name}")[0] for name in ("03_backpropagation", "04_what_next")]
    start, end = (next(i for i, text in enumerate(pdf_text) if title in flat(text))
                  for title in titles)
    problems = pdf_problems(pdf_text[:start] + pdf_text[end:])
    assert any(p.startswith("book/03_backpropagation: title") for p in problems), problems
    assert any(p.startswith("book/03_backpropagation: equations") for p in problems), problems


def remove_links(state):
    """The widget state text with every LinkModel (control <-> Stack jslink) dropped, and
    how many were dropped."""
    def drop_links(models):
        links = [k for k, m in models.items() if m["model_name"] == "LinkModel"]
        assert links, "the page has no LinkModel to remove"
        for key in links:
            del models[key]
        return len(links)

    return edit_widget_state(state, drop_links)


def test_negative_control_without_links_fails(chromium, book_url, html_dir):
    name = "02_xor_seeds"
    state_file = widget_state_file(html_dir / page_path(name))
    state, n_links = remove_links(state_file.read_text(encoding="utf-8"))
    opened = open_page(chromium, book_url, page_path(name), replaced={
        str(state_file.relative_to(html_dir)): state})
    try:
        with pytest.raises(AssertionError) as failure:
            check_explorers(opened.page, PAGE_EXPLORERS[name])
        message = str(failure.value)
        # It must fail because a move shows the wrong run, not because nothing rendered.
        assert "after loading" not in message, message
        assert re.search(r"after .*: explorer shows mlp-run mlp-run--\S+ but the controls say mlp-run--",
                         message), message
    finally:
        opened.page.context.close()
    assert n_links > 0


# -- numbering per section ---------------------------------------------------------------------

NUMBERS_JS = """() => {
    const text = e => e.textContent.replace(/#$/, '').trim();
    const article = document.querySelector('article') || document.body;
    const shown = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
    const all = s => [...article.querySelectorAll(s)];
    return {
        equations: all('div.math span.eqno').map(e => [text(e.firstChild || e), shown(e)]),
        figures: all('figure figcaption .caption-number').map(e => [text(e), shown(e)]),
        exercises: all('.exercise .admonition-title .caption-number, .exercise p.admonition-title')
            .map(e => [text(e), shown(e)]),
        references: all('a.reference.internal').map(e => text(e))
            .filter(t => /^(\\(\\d|Fig\\.|Exercise|Equation)/.test(t)),
    };
}"""
NUMBER_FORMS = {"equations": r"\({n}\.\d+\)", "figures": r"Fig\. {n}\.\d+",
                "exercises": r"Exercise {n}\.\d+\b.*"}
# A solution's title links to its exercise with the exercise's title in brackets.
REFERENCE_FORM = re.compile(r"\(\d+\.\d+\)|Fig\. \d+\.\d+|Exercise \d+\.\d+( \(.+\))?")


def numbered_kinds(name):
    """The kinds of numbered item the source of page ``name`` has: a page of a section in
    several pages may have no figure."""
    text = (ROOT / "book" / f"{name}.md").read_text()
    return {f"{kind}s" for kind, pattern in NUMBERED.items() if pattern.search(text)}


def check_numbering(page, section, media, kinds=tuple(NUMBER_FORMS)):
    numbers = page.evaluate(NUMBERS_JS)
    for kind, form in NUMBER_FORMS.items():
        found = numbers[kind]
        if kind not in kinds:
            assert not found, f"section {section} ({media}): numbered {kind} the page has not"
            continue
        assert found, f"section {section} ({media}): no numbered {kind}"
        pattern = re.compile(form.format(n=section))
        wrong = [text for text, _ in found if not pattern.fullmatch(text)]
        assert not wrong, f"section {section} ({media}): {kind} not numbered {form}: {wrong[:5]}"
        hidden = [text for text, shown in found if not shown]
        assert not hidden, f"section {section} ({media}): {kind} numbers not shown: {hidden[:5]}"
    wrong = [text for text in numbers["references"] if not REFERENCE_FORM.fullmatch(text)]
    assert numbers["references"] and not wrong, (
        f"section {section} ({media}): references not in the form (2.1), Fig. 2.1, "
        f"Exercise 2.1: {wrong[:5]}")
    return numbers
