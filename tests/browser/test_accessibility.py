"""Tests of the accessibility checks that test_pages.py runs on every page a reader reads.

The checks (browser_support.accessibility_problems): axe-core (pinned in
tests/browser/package.json) finds no critical or serious violation of WCAG 2.1 A and
AA, in the light and in the dark colour mode, theme included; every text inside the
explorers and every figure caption reaches 4.5:1 contrast (3:1 for large text) against
its effective background, in both modes (axe reports text over widgets as
"incomplete", so this computes it from the styles). Here: the contrast check sees the
explorer's texts, and the negative controls: a copy of a page with one explorer image
stripped of its alt text fails the axe check; the contrast check flags grey text on a
grey panel.
"""

import re

from book_paths import widget_state_file
from browser_support import (CONTRAST_JS, CONTRAST_SELECTOR, MODES, accessibility_problems,
                             edit_widget_state, open_page, settle_mode)
from test_pages import page_path, wait_for_explorers, wait_for_math

from mlp_core.widgets import XOR_CONTROLS, combination_class


def load(chromium, base, path, replaced=None):
    opened = open_page(chromium, base, path, replaced=replaced)
    wait_for_math(opened.page)
    wait_for_explorers(opened.page)
    opened.page.wait_for_timeout(200)
    return opened


def test_explorer_text_was_measured_in_both_modes(chromium, book_url):
    """The contrast check sees the explorer's texts, the code line included."""
    opened = load(chromium, book_url, page_path("02_xor_seeds"))
    try:
        for mode in MODES:
            settle_mode(opened.page, mode)
            measured = opened.page.evaluate(CONTRAST_JS, CONTRAST_SELECTOR)
            code = [r for r in measured if "mlp-code" in r["cls"]]
            # the shown run's two lines of code: its import and its call
            assert [r["text"] for r in code] == [
                "from mlp_core.experiments import train_xor", "run = train_xor(hidden=4, lr=0.5)"
            ], f"{mode}: visible code lines measured: {code}"
            assert any(r["tag"] == "label" or "widget-label" in r["cls"] for r in measured), mode
            assert min(r["ratio"] for r in measured) >= 4.5, mode
    finally:
        opened.page.context.close()


def strip_alt_of_shown_run(state, combination):
    """The widget state text with the alt text removed from the figure of one stored run."""
    def strip(models):
        [run] = [m for m in models.values() if combination in m["state"].get("_dom_classes", [])]
        figure = models[run["state"]["children"][0].removeprefix("IPY_MODEL_")]["state"]
        figure["value"], count = re.subn(r" alt='[^']*'", "", figure["value"], count=1)
        assert count == 1  # the run's first picture

    return edit_widget_state(state, strip)[0]


def test_negative_control_image_without_alt_fails(chromium, book_url, html_dir, axe_source):
    name = "02_xor_seeds"
    state_file = widget_state_file(html_dir / page_path(name))
    # The run the XOR explorer shows on loading (its controls' defaults).
    defaults = {control["name"]: control["default"] for control in XOR_CONTROLS["precomputed"]}
    state = strip_alt_of_shown_run(state_file.read_text(encoding="utf-8"),
                                   combination_class(defaults))
    opened = load(chromium, book_url, page_path(name),
                  replaced={str(state_file.relative_to(html_dir)): state})
    try:
        problems = accessibility_problems(opened.page, axe_source)
        # In each mode one violation, of that one image: "  serious image-alt (...): 1 nodes".
        found = re.findall(r"^  \w+ ([\w-]+) \(.*\): (\d+) nodes", "\n".join(problems), re.M)
        assert found == [("image-alt", "1")] * 2, problems
    finally:
        opened.page.context.close()


def test_negative_control_grey_on_grey_fails_the_contrast_check(chromium, book_url, axe_source):
    opened = load(chromium, book_url, page_path("02_xor_seeds"))
    try:
        opened.page.add_style_tag(content=".mlp-explorer { background: #bbb !important; }"
                                  ".mlp-explorer code { color: #999 !important; "
                                  "background: transparent !important; }")
        problems = accessibility_problems(opened.page, axe_source)
        assert any("contrast below WCAG AA" in p and "mlp-code" in p for p in problems), problems
    finally:
        opened.page.context.close()
