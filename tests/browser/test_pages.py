"""The built book in a real (headless, offline) Chromium.

- Every page loads without errors from its own code, asks for no URL outside the
  site (every such request is aborted), and has its math typeset by MathJax 3.
- Every precomputed explorer (sections 2-4) renders and, whatever position its
  controls are moved to (mouse and keyboard), shows exactly the stored run of that
  combination: the ``mlp-run--...`` class, the image bytes embedded in the page's widget
  state, its alt text and the reproducing code line.
- Equations, figures and exercises carry the number of their section: (2.1), Fig. 2.1,
  Exercise 2.1, in the page and in every reference to them.
- Negative control: with the ``jslink``s removed from the widget state, that check fails.
"""

import base64
import hashlib
import html
import json
import re
import shutil
import time
from dataclasses import dataclass

import pytest
from book_paths import FIGURE_HTML, WIDGET_STATE, stored_runs
from browser_support import edit_widget_state, open_page, serve

from mlp_core.widgets import (DIGITS_CONTROLS, LR_CONTROLS, XOR_CONTROLS, combination_class,
                              format_value)

PAGES = ["intro", "01_composition", "02_forward_pass", "03_backpropagation", "04_what_next",
         "references"]
SECTIONS = {"01_composition": 1, "02_forward_pass": 2, "03_backpropagation": 3, "04_what_next": 4}


@dataclass(frozen=True)
class ExplorerSpec:
    """What an explorer of mlp_core.widgets looks like in the page."""

    title: str
    controls: list  # mlp_core.widgets.Control, outermost first (the order in the page)
    code_fragments: object  # settings -> substrings the reproducing code line must contain


EXPLORERS = {
    "XOR explorer": ExplorerSpec(
        "XOR explorer", XOR_CONTROLS["precomputed"],
        lambda s: ["train_xor(", f"hidden={s['hidden']!r}", f"lr={s['lr']!r}"]),
    "Digits explorer": ExplorerSpec(
        "Digits explorer", DIGITS_CONTROLS["precomputed"],
        lambda s: ["train_digits(", f"hidden=({s['hidden_1']!r}, {s['hidden_2']!r})",
                   f"lr={s['lr']!r}", f"activation={s['activation']!r}"]),
    "Learning-rate explorer": ExplorerSpec(
        "Learning-rate explorer", LR_CONTROLS["precomputed"],
        lambda s: ["train_digits(", f"lr={s['lr']!r}"]),
}
# The explorers each section calls (book/0*.md).
PAGE_EXPLORERS = {"02_forward_pass": ["XOR explorer"], "03_backpropagation": ["Digits explorer"],
                  "04_what_next": ["Learning-rate explorer"]}

SETTLE_SECONDS = 5.0


def page_path(name):
    return "index.html" if name == "index" else f"book/{name}.html"


# -- waiting for the page's scripts ------------------------------------------------------------


def wait_for_math(page):
    """Number of math elements Sphinx wrote into the page, once MathJax has typeset them."""
    n_math = page.locator("span.math, div.math").count()
    if n_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20_000)
        page.evaluate("() => MathJax.startup.promise")
    return n_math


def wait_for_explorers(page, timeout=30_000):
    """The explorers of a page, once each shows a run with its image."""
    n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if n_views:
        page.wait_for_function(
            """() => {
                const explorers = document.querySelectorAll('.mlp-explorer');
                return explorers.length > 0 && [...explorers].every(
                    e => e.querySelector('.mlp-run img.mlp-figure'));
            }""", timeout=timeout)
    return page.locator(".mlp-explorer")


# -- the explorer check ------------------------------------------------------------------------


def stored_images(page):
    """``{combination_class: (sha256 hex, alt text)}`` of every run in the page's widget state."""
    scripts = page.locator(WIDGET_STATE)
    assert scripts.count() == 1, f"expected one widget state script, found {scripts.count()}"
    stored = {}
    for combination, (figure, _) in stored_runs(json.loads(scripts.text_content())["state"]).items():
        match = FIGURE_HTML.fullmatch(figure)
        assert match, f"{combination}: not an <img> with alt text: {figure[:120]}"
        stored[combination] = (hashlib.sha256(base64.b64decode(match.group(2))).hexdigest(),
                               html.unescape(match.group(1)))
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
    const img = runs[0].querySelector('img');
    const code = runs[0].querySelector('.mlp-code');
    result.code = code ? code.textContent : null;
    result.alt = img ? img.getAttribute('alt') : null;
    result.visible_img = !!img && img.offsetWidth > 0 && img.offsetHeight > 0 && img.complete
        && img.naturalWidth > 0;
    if (img && img.src) {
        const bytes = await (await fetch(img.src)).arrayBuffer();
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        result.sha256 = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
    }
    return result;
}"""

CONTROL_VALUES_JS = """explorer => [...explorer.querySelectorAll('.widget-slider, .widget-toggle-buttons')]
    .map(control => {
        const label = control.querySelector('.widget-label').textContent;
        if (control.classList.contains('widget-toggle-buttons')) {
            const active = [...control.querySelectorAll('button.mod-active')];
            return {label, kind: 'toggle', values: active.map(b => b.textContent)};
        }
        return {label, kind: 'slider', values: [control.querySelector('.widget-readout').textContent]};
    })"""


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

    def current_settings(self):
        """``{name: value}`` from the sliders' readouts and the selected toggle buttons."""
        controls = self.explorer.evaluate(CONTROL_VALUES_JS)
        labels = [c["label"] for c in controls]
        assert labels == [c.label for c in self.spec.controls], (
            f"{self.spec.title}: controls {labels}, expected "
            f"{[c.label for c in self.spec.controls]}")
        settings = {}
        for control, shown in zip(self.spec.controls, controls):
            assert len(shown["values"]) == 1, f"{control.label}: selected {shown['values']}"
            by_label = {format_value(v): v for v in control.options}
            assert shown["values"][0] in by_label, f"{control.label}: shows {shown['values'][0]!r}"
            settings[control.name] = by_label[shown["values"][0]]
        return settings

    def assert_shows_current(self, step):
        """The displayed run is the stored one for the controls' current values."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            settings = self.current_settings()
            expected = combination_class(settings)
            shown = self.explorer.evaluate(DISPLAYED_RUN_JS)
            ok = (shown["classes"] == [["mlp-run", expected]] and shown.get("visible_img")
                  and (shown.get("sha256"), shown.get("alt")) == self.stored.get(expected))
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
        options = list(control.options)
        first_step = len(self.shown) - 1
        for key, expected in [("End", options[-1]), ("Home", options[0]),
                              ("ArrowRight", options[1]), ("ArrowRight", options[min(2, len(options) - 1)]),
                              ("ArrowLeft", options[1 if len(options) > 2 else 0]),
                              ("End", options[-1])]:
            handle.press(key)
            settings = self.assert_shows_current(f"{key} on the {control.label!r} slider")
            assert settings[control.name] == expected, (
                f"{self.spec.title}: {key} put {control.label!r} at {settings[control.name]!r}, "
                f"expected {expected!r}")
        self._assert_control_changed_image(control, first_step)

    def move_toggle(self, index, control):
        buttons = self.control(index).locator("button")
        assert buttons.count() == len(control.options)
        first_step = len(self.shown) - 1
        for i, value in reversed(list(enumerate(control.options))):
            buttons.nth(i).click()
            settings = self.assert_shows_current(f"clicking {format_value(value)!r} of {control.label!r}")
            assert settings[control.name] == value
        # keyboard: from the first button, Tab to the second and press Space, then back
        # with Shift+Tab and Enter.
        buttons.nth(0).focus()
        self.page.keyboard.press("Tab")
        assert buttons.nth(1).evaluate("b => b === document.activeElement"), \
            f"{control.label!r}: Tab does not reach the second button"
        self.page.keyboard.press("Space")
        settings = self.assert_shows_current(f"Tab+Space on {control.label!r}")
        assert settings[control.name] == control.options[1]
        self.page.keyboard.press("Shift+Tab")
        self.page.keyboard.press("Enter")
        settings = self.assert_shows_current(f"Shift+Tab+Enter on {control.label!r}")
        assert settings[control.name] == control.options[0]
        self._assert_control_changed_image(control, first_step)

    def _assert_control_changed_image(self, control, first_step):
        images = set(self.shown[first_step:])
        assert len(images) >= 2, (
            f"{self.spec.title}: moving {control.label!r} never showed a different image")

    def run(self):
        self.assert_shows_current("loading")
        for index, control in enumerate(self.spec.controls):
            if control.kind == "toggle":
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


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_and_typesets_math(chromium, book_url, screenshot_dir, name):
    opened = open_page(chromium, book_url, page_path(name))
    page = opened.page
    try:
        n_math = wait_for_math(page)
        wait_for_explorers(page)
        page.wait_for_timeout(300)  # late errors from the widget manager
        opened.assert_offline_ok()
        opened.assert_no_errors()
        typeset = page.locator("mjx-container").count()
        if n_math:
            assert typeset > 0, f"{n_math} math elements but nothing typeset"
            untypeset = page.locator("span.math:not(:has(mjx-container)), "
                                     "div.math:not(:has(mjx-container))").count()
            assert untypeset == 0, f"{untypeset} of {n_math} math elements not typeset"
            errors = page.locator("mjx-merror").all_text_contents()
            assert not errors, f"TeX errors: {errors}"
        page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)
    finally:
        page.context.close()


@pytest.mark.parametrize("name", sorted(PAGE_EXPLORERS))
def test_explorer_shows_stored_run_of_every_position(chromium, book_url, name):
    opened = open_page(chromium, book_url, page_path(name))
    try:
        seen = check_explorers(opened.page, PAGE_EXPLORERS[name])
        assert len(seen) >= 4
        opened.assert_offline_ok()
        opened.assert_no_errors()
    finally:
        opened.page.context.close()


def remove_links(html):
    """The page with every LinkModel (control <-> Stack jslink) dropped from its widget
    state, and how many were dropped."""
    def drop_links(models):
        links = [k for k, m in models.items() if m["model_name"] == "LinkModel"]
        assert links, "the page has no LinkModel to remove"
        for key in links:
            del models[key]
        return len(links)

    return edit_widget_state(html, drop_links)


def test_negative_control_without_links_fails(chromium, html_dir, tmp_path):
    name = "02_forward_pass"
    copy = tmp_path / "html"
    shutil.copytree(html_dir, copy)
    target = copy / page_path(name)
    html, n_links = remove_links(target.read_text(encoding="utf-8"))
    target.write_text(html, encoding="utf-8")
    with serve(copy) as base:
        opened = open_page(chromium, base, page_path(name))
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


def check_numbering(page, section, media):
    numbers = page.evaluate(NUMBERS_JS)
    for kind, form in NUMBER_FORMS.items():
        found = numbers[kind]
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


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_numbers_carry_the_section_number_on_screen_and_in_print(chromium, book_url,
                                                                  screenshot_dir, name):
    opened = open_page(chromium, book_url, page_path(name))
    page = opened.page
    try:
        wait_for_math(page)
        screen = check_numbering(page, SECTIONS[name], "screen")
        page.emulate_media(media="print")
        printed = check_numbering(page, SECTIONS[name], "print")
        assert printed == screen
        if name == "02_forward_pass":
            page.pdf(path=screenshot_dir / f"{name}.pdf")
    finally:
        page.context.close()


def test_numbering_check_can_fail(chromium, book_url):
    """Negative control: page 2 checked as if it were section 3."""
    opened = open_page(chromium, book_url, page_path("02_forward_pass"))
    try:
        wait_for_math(opened.page)
        with pytest.raises(AssertionError, match=r"not numbered"):
            check_numbering(opened.page, 3, "screen")
    finally:
        opened.page.context.close()
