"""`make lab` as a student uses it: every section page runs in a copy of it.

The real `make lab` (``HOME`` an empty folder, its copy of the pages in a temporary
LAB_COPY) is driven in Debian Chromium through Playwright. Every section page is run
once (*Run All Cells*), all at once, and each is checked for what the student sees:
every listing with its code, highlighted; the MyST rendered with the book's numbers and
no unresolved reference; no line of a solution before it is opened (also after saving
and reopening); no hidden check; `book/` unchanged after autosave and save; and the live
explorer retraining when a slider moves.
"""

import json
import subprocess
import time

import jupytext
import nbformat
import pytest
from lab_support import (CELL_RUN, ERROR_OUTPUTS, EVERY_CELL_LAID_OUT, EXECUTION_PENDING,
                         KEYWORD_COLOURS, OUTPUT_TEXT, REPO, SECTION_PAGES, TOKEN, flat,
                         get_json, image_bytes, markdown_cells, open_notebook,
                         rendered_markdown, rendering_problems, running_lab, save_with_keyboard,
                         shown_solution_phrases, solution_phrases, start_run_all,
                         wait_until_idle)
from page_forms import NUMBERED, numbering_starts
from test_listings import listings_and_readings

#: JupyterLab autosaves a changed notebook this often in the student tests (seconds;
#: 120 by default): long enough to save while Run All is still running.
AUTOSAVE_SECONDS = 5


@pytest.fixture(scope="module")
def student_lab(tmp_path_factory):
    """``(base, copy)``: the real `make lab`, which makes the student's copy in ``copy``
    (LAB_COPY) and serves it; its settings and workspaces in a temporary folder, with
    autosave every AUTOSAVE_SECONDS."""
    folder = tmp_path_factory.mktemp("student")
    settings = folder / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(
        json.dumps({"autosaveInterval": AUTOSAVE_SECONDS}))
    (folder / "home").mkdir()
    arguments = (f"--LabApp.user_settings_dir={folder / 'settings'} "
                 f"--LabApp.workspaces_dir={folder / 'workspaces'}")
    with running_lab(folder / "home", lab_copy=folder / "lab", lab_args=arguments) as (base, _):
        yield base, folder / "lab"


@pytest.fixture(scope="module")
def ran(student_lab, chromium):
    """``ran(name)``: the section page ``name`` of the student's copy after *Run All
    Cells*. The first call opens every section page in a fresh workspace of its own
    and runs them all at once, one kernel each; the pages stay open for the module's tests.
    ``ran.finished``: the time (``time.monotonic``) at which the last page's run ended."""
    base, _ = student_lab
    pages = {}

    def run(name):
        if not pages:
            # Every page opened (its kernel starting), then run, the longest first (by its
            # source, as the build orders them) so that the longest run starts first.
            for section_page in sorted(SECTION_PAGES, reverse=True,
                                       key=lambda page: len((REPO / "book" / page).read_text())):
                context = chromium.new_context(viewport={"width": 1280, "height": 1000})
                pages[section_page] = context.new_page()
                open_notebook(pages[section_page], base, section_page)
            for page in pages.values():
                start_run_all(page)
            wait_until_idle(base, timeout=900)
            for section_page, page in pages.items():  # every cell ran, none is left queued
                deadline = time.monotonic() + 30
                while page.evaluate(EXECUTION_PENDING) and time.monotonic() < deadline:
                    page.wait_for_timeout(500)
                assert not page.evaluate(EXECUTION_PENDING), f"{section_page}: cells still queued"
            run.finished = time.monotonic()
        return pages[name]

    yield run
    for page in pages.values():
        page.context.close()


def book_state():
    """What `git status` says about book/, and every page's bytes."""
    status = subprocess.run(["git", "status", "--porcelain", "book/"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout
    return status, {path.name: path.read_bytes() for path in (REPO / "book").glob("*.md")}


def listing_cells(model):
    """``{cell index: listing text}`` of the listing cells of a notebook model."""
    notebook = nbformat.from_dict(model)
    listings = [listing.removeprefix("```python\n").removesuffix("```")
                for listing, _ in listings_and_readings(notebook)]
    indices = [i for i, cell in enumerate(model["cells"])
               if cell["cell_type"] == "code" and "getsource(" in cell["source"]]
    assert len(indices) == len(listings)
    return dict(zip(indices, listings))


def screenshots(page, indices, name, folder):
    """Light and dark screenshots of the open notebook at each cell of ``indices``."""
    for index in indices:
        page.evaluate("index => document.querySelector(`.jp-Notebook .jp-Cell"
                      "[data-windowed-list-index=\"${index}\"]`).scrollIntoView()", index)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)  # the theme follows it (adaptive-theme)
            page.wait_for_function("light => document.body.dataset.jpThemeLight === light",
                                   arg=str(scheme == "light").lower())
            page.wait_for_selector("#jupyterlab-splash", state="detached")
            page.wait_for_timeout(500)
            page.screenshot(path=folder / f"lab-{name.removesuffix('.md')}-{index}-{scheme}.png")
    page.emulate_media(color_scheme="light")


@pytest.mark.parametrize("name", SECTION_PAGES)
def test_a_student_runs_every_page_in_a_copy(student_lab, ran, chromium, screenshot_dir, name):
    base, copy = student_lab
    section = int(name[:2])
    before = book_state()
    model = get_json(f"{base}/api/contents/{name}?type=notebook&token={TOKEN}")["content"]
    # The hidden result checks are not in the student's copy; the book runs them.
    assert not [cell for cell in model["cells"]
                if cell["cell_type"] == "code" and "remove-cell" in cell["metadata"].get("tags", [])]
    assert ":tags: [remove-cell]" in (REPO / "book" / name).read_text()
    phrases = solution_phrases(jupytext.read(copy / name))
    assert phrases and all(phrases.values()), phrases  # a sub-page may have one solution
    listings = listing_cells(model)

    page = ran(name)
    page.add_style_tag(content=EVERY_CELL_LAID_OUT)
    assert page.evaluate(ERROR_OUTPUTS) == []
    # Every listing shows its code.
    for index, listing in listings.items():
        # jupyterlab-myst renders a Markdown output a moment after it arrives.
        deadline = time.monotonic() + 60
        while (flat(listing) not in flat(page.evaluate(OUTPUT_TEXT, index))
               and time.monotonic() < deadline):
            page.wait_for_timeout(500)
        assert flat(listing) in flat(page.evaluate(OUTPUT_TEXT, index)), (
            index, listing[:80], page.evaluate(CELL_RUN, index))
        keyword, text, code_cell_keyword = page.evaluate(KEYWORD_COLOURS, index)
        assert keyword == code_cell_keyword != text, (index, keyword, text)  # highlighted
    # The MyST renders: no raw source, every {math} typeset, every reference resolved.
    indices = markdown_cells(base, name)
    cells = rendered_markdown(page, indices)
    assert rendering_problems(cells, (copy / name).read_text(), len(indices)) == []
    text = flat(" ".join(cell[0] for cell in cells.values()))
    # Numbered as the book: a section's later pages go on from the numbers of its earlier ones.
    starts = numbering_starts(REPO, name.removesuffix(".md"))
    if NUMBERED["equation"].search((REPO / "book" / name).read_text()):  # 2.2 has none
        assert f"({section}.{starts.get('equation', 1)})" in text, text[:300]
    assert f"Exercise {section}.{starts.get('exercise', 1)}" in text
    # No line of a solution is on screen before it is opened.
    assert shown_solution_phrases(page, phrases) == []
    # Look at it: each page's first listing, and section 2's exercises with their closed
    # solutions.
    exercises = next(i for i in indices if "## Exercises" in model["cells"][i]["source"])
    screenshots(page, list(listings)[:1] + ([exercises] if section == 2 else []), name,
                screenshot_dir)

    # An autosave interval after Run All, then File > Save: the copy is written, book/ is not.
    time.sleep(max(0.0, AUTOSAVE_SECONDS + 2 - (time.monotonic() - ran.finished)))
    assert (copy / name).read_bytes() != (REPO / "book" / name).read_bytes()
    save_with_keyboard(page, copy / name)
    assert book_state() == before
    # Reopened, the saved page still hides its solutions. (Every page's solutions carry the
    # same metadata, checked by test_every_multi_cell_solution_is_collapsed_in_lab: one
    # page shows that a save keeps it.)
    if section != 2:
        return
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    reopened = context.new_page()
    open_notebook(reopened, base, name)
    rendered_markdown(reopened, [i for i in indices if "{solution}" in model["cells"][i]["source"]])
    assert shown_solution_phrases(reopened, phrases) == []
    context.close()


def test_without_the_lab_stylesheet_listings_are_not_highlighted(ran):
    # Negative control of the highlighting check: jupyterlab-myst alone leaves the
    # keywords the colour of the text around them (jupyter-book/jupyterlab-myst#287).
    page = ran("02_forward_pass.md")
    stylesheet = page.locator("link[href*='custom/custom.css']")
    assert stylesheet.count() == 1
    index = page.evaluate("() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')]"
                          ".find(cell => cell.querySelector('.jp-OutputArea .hljs-keyword'))"
                          ".dataset.windowedListIndex")
    stylesheet.evaluate("link => link.disabled = true")
    try:
        keyword, text, _ = page.evaluate(KEYWORD_COLOURS, index)
        assert keyword == text
    finally:
        stylesheet.evaluate("link => link.disabled = false")


def test_an_opened_solution_is_seen_by_the_check(student_lab, ran):
    # Negative control of the solution check: open one solution, as a student would.
    _, copy = student_lab
    name = "02_forward_pass.md"
    page = ran(name)
    phrases = solution_phrases(jupytext.read(copy / name))
    page.get_by_text("Solution to").first.click()
    page.wait_for_timeout(1000)
    shown = shown_solution_phrases(page, phrases)
    assert shown and set(shown) <= set(next(iter(phrases.values()))), (shown, phrases)
    page.get_by_text("Solution to").first.click()  # closed again


def test_the_live_explorer_retrains_when_a_slider_moves(ran):
    # In section 2 as the student ran it, move the learning-rate slider one step
    # with the keyboard, and compare with a fresh render of the new setting.
    from mlp_core.widgets import render_xor

    page = ran("02_xor_seeds.md")
    explorer = page.locator(".mlp-explorer.mlp-live").first
    explorer.scroll_into_view_if_needed()
    # Generous timeouts: on a loaded machine a live retrain can take a while.
    page.wait_for_function("() => document.querySelector('.mlp-live').innerText.includes('done in')",
                           timeout=120_000)
    default_line = explorer.locator(".mlp-code").inner_text()
    before = image_bytes(page, ".mlp-live img")
    slider = explorer.locator(".widget-slider",
                              has=page.locator(".widget-label", has_text="learning rate"))
    slider.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("""() => document.querySelector('.mlp-live .mlp-code').innerText
                                    .includes('lr=1.0')""", timeout=120_000)
    page.wait_for_function("() => document.querySelector('.mlp-live').innerText.includes('done in')",
                           timeout=120_000)
    moved_line = explorer.locator(".mlp-code").inner_text()
    after = image_bytes(page, ".mlp-live img")
    alt = explorer.locator("img").first.get_attribute("alt")
    imported = "from mlp_core.experiments import train_xor\n"
    assert default_line == imported + "run = train_xor(hidden=4, lr=0.5, seed=0)"
    panels, _, code = render_xor({"hidden": 4, "lr": 1.0, "seed": 0})
    assert moved_line == code == imported + "run = train_xor(hidden=4, lr=1.0, seed=0)"
    assert after != before
    assert after == panels[0][0]  # the first picture, the loss curve
    assert alt == panels[0][1]  # the alt text describes this run
