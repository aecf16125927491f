"""`make lab`: a student runs every page in a copy of it; authors edit book/ itself.

The tests start the real `make lab` with ``HOME`` pointing at an empty folder and drive
it in Debian Chromium through Playwright, one fresh workspace per page. A student's
server (`make lab`, its copy in a temporary LAB_COPY) runs every section page once
(*Run All Cells*) and checks what the student sees: every listing with its code, highlighted, the
MyST rendered with the book's numbers and no unresolved reference, no line of a
solution before it is opened (also after saving and reopening), no hidden check, and
`book/` unchanged after autosave and save. An author's server (`make lab
LAB_DIR=<copy of book/>`) checks that the pages open as notebooks and save unchanged,
and that a take-home notebook shows each equation with the book's number alone.
"""

import copy
import json
import re
import shutil
import subprocess
import time

import jupytext
import nbformat
import pytest
from browser_support import book_equation_numbers
from lab_support import (ALL_PAGES, CELL, ERROR_OUTPUTS, EVERY_CELL_LAID_OUT, KEYWORD_COLOURS,
                         OUTPUT_TEXT, REPO, SECTION_PAGES, TOKEN, caption_mismatches, flat,
                         get_json, image_bytes, markdown_cells, open_notebook,
                         rendered_markdown, rendering_problems, run_all_cells, running_lab,
                         save_as_lab_does, save_with_keyboard, shown_solution_phrases,
                         solution_cells_not_collapsed, solution_phrases, start_run_all,
                         wait_until_idle)
from page_forms import numbering_starts
from test_listings import listings_and_readings

#: JupyterLab autosaves a changed notebook this often in the student tests (seconds;
#: 120 by default): long enough to save while Run All is still running.
AUTOSAVE_SECONDS = 5


@pytest.fixture(scope="module")
def book_copy(tmp_path_factory):
    """A copy of book/ for the server to serve, so that saves never touch the repository."""
    folder = tmp_path_factory.mktemp("lab") / "book"
    shutil.copytree(REPO / "book", folder)
    return folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory, book_copy):
    home = tmp_path_factory.mktemp("home")
    with running_lab(home, book_copy) as (base, log):
        yield base, home, log


def test_lab_opens_myst_pages_as_notebooks_without_touching_home(lab):
    base, home, _ = lab
    settings = get_json(f"{base}/lab/api/settings/@jupyterlab/docmanager-extension:plugin"
                        f"?token={TOKEN}")
    # Overrides from .jupyter/labconfig arrive as the schema's defaults.
    viewers = settings["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers["markdown"] == "Jupytext Notebook", viewers
    assert viewers["myst"] == "Jupytext Notebook", viewers
    # JupyterLab would otherwise ask to fetch news from the internet, and check for updates.
    notification = get_json(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification"
                            f"?token={TOKEN}")["schema"]["properties"]
    assert notification["fetchNews"]["default"] == "false"
    assert notification["checkForUpdates"]["default"] is False
    page = get_json(f"{base}/api/contents/02_xor_seeds.md?type=notebook&token={TOKEN}")
    assert page["type"] == "notebook"
    code_cells = [c for c in page["content"]["cells"] if c["cell_type"] == "code"]
    assert any("explore_xor" in c["source"] for c in code_cells)
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert written == [], written


def test_every_lab_extension_is_compatible(lab):
    # `jupyter labextension list` marks an extension built for another
    # JupyterLab as incompatible; the server's page config lists them too.
    base, _, log = lab
    page_config = get_json(f"{base}/lab/api/settings?token={TOKEN}")  # the server answers
    assert page_config
    text = log.read_text(errors="replace")
    assert "is not compatible" not in text and "incompatible" not in text.lower(), text[-2000:]


@pytest.mark.parametrize("name", ALL_PAGES)
def test_saving_a_page_in_lab_changes_no_byte(lab, book_copy, name):
    base, _, _ = lab
    save_as_lab_does(base, name)
    assert (book_copy / name).read_bytes() == (REPO / "book" / name).read_bytes()


def test_a_page_not_in_canonical_form_is_rewritten_by_a_save(lab, book_copy):
    # Negative control of the test above: a page as stored before (no blank
    # line after a cell's options) must change when saved.
    base, _, _ = lab
    text = (REPO / "book" / SECTION_PAGES[0]).read_text()
    assert ":tags: [remove-cell]\n\n" in text
    (book_copy / "non_canonical.md").write_text(
        text.replace(":tags: [remove-cell]\n\n", ":tags: [remove-cell]\n"))
    before = (book_copy / "non_canonical.md").read_bytes()
    save_as_lab_does(base, "non_canonical.md")
    assert (book_copy / "non_canonical.md").read_bytes() != before


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
    and runs them all at once, one kernel each; the pages stay open for the module's tests."""
    base, _ = student_lab
    pages = {}

    def run(name):
        if not pages:
            for section_page in SECTION_PAGES:
                context = chromium.new_context(viewport={"width": 1280, "height": 1000})
                page = context.new_page()
                open_notebook(page, base, section_page)
                page.wait_for_timeout(2000)  # the kernel starts
                start_run_all(page)
                pages[section_page] = page
            wait_until_idle(base, timeout=900)
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
    ran_at = time.monotonic()
    page.add_style_tag(content=EVERY_CELL_LAID_OUT)
    assert page.evaluate(ERROR_OUTPUTS) == []
    # Every listing shows its code.
    for index, listing in listings.items():
        # jupyterlab-myst renders a Markdown output a moment after it arrives.
        deadline = time.monotonic() + 60
        while (flat(listing) not in flat(page.evaluate(OUTPUT_TEXT, index))
               and time.monotonic() < deadline):
            page.wait_for_timeout(500)
        assert flat(listing) in flat(page.evaluate(OUTPUT_TEXT, index)), (index, listing[:80])
        keyword, text, code_cell_keyword = page.evaluate(KEYWORD_COLOURS, index)
        assert keyword == code_cell_keyword != text, (index, keyword, text)  # highlighted
    # The MyST renders: no raw source, every {math} typeset, every reference resolved.
    indices = markdown_cells(base, name)
    cells = rendered_markdown(page, indices)
    assert rendering_problems(cells, (copy / name).read_text(), len(indices)) == []
    text = flat(" ".join(cell[0] for cell in cells.values()))
    # Numbered as the book: a section's later pages go on from the numbers of its earlier ones.
    starts = numbering_starts(REPO, name.removesuffix(".md"))
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
    time.sleep(max(0.0, AUTOSAVE_SECONDS + 2 - (time.monotonic() - ran_at)))
    assert (copy / name).read_bytes() != (REPO / "book" / name).read_bytes()
    save_with_keyboard(page, copy / name)
    assert book_state() == before
    # Reopened, the saved page still hides its solutions.
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


def test_run_all_and_save_in_the_book_itself_rewrites_it(lab, book_copy, chromium):
    # Negative control of the clean-tree check: served as it is (an author's
    # `make lab LAB_DIR=book`), a page that is run and saved no longer matches the
    # repository, because JupyterLab expands the solutions' hidden outputs when it runs them.
    base, _, _ = lab
    name = SECTION_PAGES[0]
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    open_notebook(page, base, name)
    page.wait_for_timeout(2000)
    run_all_cells(page, base)
    save_with_keyboard(page, book_copy / name)
    context.close()
    saved = (book_copy / name).read_text()
    shutil.copy(REPO / "book" / name, book_copy / name)
    assert saved != (REPO / "book" / name).read_text()
    assert "outputs_hidden: true" not in saved


#: ``[[KaTeX's tag, jupyterlab-myst's own number]]`` of every display equation shown.
EQUATION_NUMBERS = """() => [...document.querySelectorAll('.jp-Notebook .katex-display')].map(
    display => [display.querySelector('.tag')?.innerText ?? '',
                display.closest('.group')?.querySelector('.self-center')?.innerText ?? ''])"""


def shown_equation_numbers(chromium, base, name):
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    open_notebook(page, base, name)
    rendered_markdown(page, markdown_cells(base, name))
    numbers = page.evaluate(EQUATION_NUMBERS)
    context.close()
    return numbers


def test_a_take_home_notebook_numbers_each_equation_once_as_the_book(lab, book_copy, chromium,
                                                                     built_html):
    # The take-home writes each equation as $$ with the book's \tag; jupyterlab-myst would
    # number every display of the page a second time, (1), (2)..., beside it. (The
    # nbconvert test checks every section's numbers; one section shows the front end.)
    base, _, _ = lab
    name = "02_forward_pass.md"
    stem = name.removesuffix(".md")
    shutil.copy(built_html / "_sources" / "book" / f"{stem}.ipynb", book_copy / f"take-home-{stem}.ipynb")
    numbers = shown_equation_numbers(chromium, base, f"take-home-{stem}.ipynb")
    assert [tag for tag, _ in numbers if tag] == book_equation_numbers(stem)
    assert [own for _, own in numbers if own] == [], numbers
    # Negative control: the same notebook with its equations outside equation*.
    notebook = nbformat.read(book_copy / f"take-home-{stem}.ipynb", as_version=4)
    for cell in notebook.cells:
        cell.source = re.sub(r"\\(begin|end)\{equation\*\}\n", "", cell.source)
    nbformat.write(notebook, book_copy / "take-home-numbered-twice.ipynb")
    numbers = shown_equation_numbers(chromium, base, "take-home-numbered-twice.ipynb")
    assert [own for _, own in numbers if own][:2] == ["(1)", "(2)"], numbers


def test_without_jupyterlab_myst_the_rendering_check_fails(tmp_path, chromium):
    # Negative control: with the extension disabled, JupyterLab's own Markdown
    # renderer shows the directives and roles as source.
    config = tmp_path / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"jupyterlab-myst": True}}))
    home = tmp_path / "home"
    home.mkdir()
    name = SECTION_PAGES[0]
    with running_lab(home, config_path=config, lab_copy=tmp_path / "lab") as (base, _):
        context = chromium.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        open_notebook(page, base, name)
        indices = markdown_cells(base, name)
        cells = rendered_markdown(page, indices)
        context.close()
    problems = rendering_problems(cells, (REPO / "book" / name).read_text(), len(indices))
    assert any("raw source" in problem for problem in problems), problems
    assert any("typeset display equations" in problem for problem in problems), problems


def test_an_unresolved_reference_fails_the_rendering_check(lab, book_copy, chromium):
    # Negative control of the unresolved-reference check: a label that exists
    # on no page, as a {ref} to another page's label would look in JupyterLab.
    base, _, _ = lab
    text = (REPO / "book" / SECTION_PAGES[0]).read_text()
    (book_copy / "broken_ref.md").write_text(text + "\nSee {ref}`no-such-label`.\n")
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    open_notebook(page, base, "broken_ref.md")
    indices = markdown_cells(base, "broken_ref.md")
    cells = rendered_markdown(page, indices[-1:])
    context.close()
    assert cells[indices[-1]][2] == 1
    assert any("unresolved" in p for p in rendering_problems(cells, "", 1)), cells


@pytest.mark.parametrize("name", SECTION_PAGES)
def test_every_figure_caption_is_repeated_for_lab(name):
    assert caption_mismatches(jupytext.read(REPO / "book" / name)) == []


def test_a_caption_that_drifted_is_reported():
    # Negative control: edit one repeated caption, and drop another.
    notebook = jupytext.read(REPO / "book" / "02_forward_pass.md")
    edited = copy.deepcopy(notebook)
    repeats = [i for i, cell in enumerate(edited.cells)
               if cell.cell_type == "markdown" and cell.source.startswith("**Figure.**")]
    edited.cells[repeats[0]].source += " And more."
    del edited.cells[repeats[1]]
    assert len(caption_mismatches(edited)) == 2


@pytest.mark.parametrize("name", SECTION_PAGES)
def test_every_multi_cell_solution_is_collapsed_in_lab(name):
    # The rendering test above checks that JupyterLab shows these cells collapsed.
    assert solution_cells_not_collapsed(jupytext.read(REPO / "book" / name)) == []


def test_a_solution_cell_left_expanded_is_reported():
    # Negative control: drop the hiding from one cell of a solution.
    notebook = jupytext.read(REPO / "book" / "01_composition.md")
    hidden = [cell for cell in notebook.cells if cell.metadata.get("jupyter")]
    assert hidden
    del hidden[0].metadata["jupyter"]
    assert len(solution_cells_not_collapsed(notebook)) == 1


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
