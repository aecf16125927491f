"""Accessibility of the built book in a real (headless, offline) Chromium.

- axe-core (pinned in tests/browser/package.json) finds no critical or serious
  violation of WCAG 2.1 A and AA on any page a reader reads (the chapter and its back
  matter; not Sphinx's generated index, search and source pages), in the light and in
  the dark colour mode, theme included.
- Every text inside the explorers and every figure caption reaches 4.5:1 contrast
  (3:1 for large text) against its effective background, in both modes: axe reports
  text over widgets as "incomplete", so this computes it from the styles.
- Negative controls: a copy of a page with one explorer image stripped of its alt
  text fails the axe check; the contrast check flags grey text on a grey panel.
"""

import re

import pytest
from book_paths import widget_state_file
from browser_support import NODE_MODULES, edit_widget_state, open_page
from test_pages import PAGES as READER_PAGES
from test_pages import page_path, set_mode as set_colour_mode
from test_pages import wait_for_explorers, wait_for_math

from mlp_core.widgets import XOR_CONTROLS, combination_class

#: The pages a reader reads (_toc.yml).
PAGES = [page_path(name) for name in READER_PAGES]
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


@pytest.fixture(scope="module")
def axe_source():
    return (NODE_MODULES / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def set_mode(page, mode):
    set_colour_mode(page, mode)
    # The theme fades colours; measure once the transitions have ended.
    page.wait_for_function("""() => !document.getAnimations().some(
        a => a instanceof CSSTransition && a.playState === 'running')""", timeout=10_000)


def serious_violations(page, axe_source):
    """axe's critical and serious violations of the page as it is now."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    found = page.evaluate(AXE_RUN, WCAG)
    return [v for v in found if v["impact"] in ("critical", "serious")
            and v["id"] not in THEME_EXCEPTIONS]


def describe(violations):
    return "\n".join(f"  {v['impact']} {v['id']} ({v['help']}): {len(v['nodes'])} nodes, "
                     f"e.g. {v['nodes'][:3]}" for v in violations)


def load(chromium, base, path, replaced=None):
    opened = open_page(chromium, base, path, replaced=replaced)
    wait_for_math(opened.page)
    wait_for_explorers(opened.page)
    opened.page.wait_for_timeout(200)
    return opened


def low_contrast(page):
    return [r for r in page.evaluate(CONTRAST_JS, CONTRAST_SELECTOR) if r["ratio"] < r["required"]]


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_axe_violations_and_readable_text_in_both_modes(chromium, book_url, path,
                                                                   axe_source):
    opened = load(chromium, book_url, path)
    page = opened.page
    try:
        problems = []
        for mode in MODES:
            set_mode(page, mode)
            violations = serious_violations(page, axe_source)
            if violations:
                problems.append(f"{mode} mode, axe:\n{describe(violations)}")
            poor = low_contrast(page)
            if poor:
                problems.append(f"{mode} mode, contrast below WCAG AA:\n" + "\n".join(
                    f"  {r['ratio']:.2f}:1 < {r['required']}:1  <{r['tag']} class={r['cls']!r}> "
                    f"{r['text']!r}" for r in poor[:10]))
        assert not problems, f"{path}:\n" + "\n".join(problems)
        opened.assert_offline_ok()
        opened.assert_no_errors()
    finally:
        page.context.close()


def test_explorer_text_was_measured_in_both_modes(chromium, book_url):
    """The contrast check above saw the explorer's texts, the code line included."""
    opened = load(chromium, book_url, page_path("02_xor_seeds"))
    try:
        for mode in MODES:
            set_mode(opened.page, mode)
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
        violations = serious_violations(opened.page, axe_source)
        assert [v["id"] for v in violations] == ["image-alt"], describe(violations)
        assert len(violations[0]["nodes"]) == 1
    finally:
        opened.page.context.close()


def test_negative_control_grey_on_grey_fails_the_contrast_check(chromium, book_url):
    opened = load(chromium, book_url, page_path("02_xor_seeds"))
    try:
        opened.page.add_style_tag(content=".mlp-explorer { background: #bbb !important; }"
                                  ".mlp-explorer code { color: #999 !important; "
                                  "background: transparent !important; }")
        poor = low_contrast(opened.page)
        assert any("mlp-code" in r["cls"] for r in poor), poor
    finally:
        opened.page.context.close()
