"""`make lab`: the MyST pages open as notebooks, render as in the book, and save unchanged.

Each test starts the real `make lab` with ``HOME`` pointing at an empty folder; the
rendering tests drive it in Debian Chromium through Playwright, one fresh workspace
per page.
"""

import copy
import json
import shutil

import jupytext

import pytest
from lab_support import (ALL_PAGES, REPO, SECTION_PAGES, TOKEN, caption_mismatches, get_json,
                         image_bytes, markdown_cells, open_notebook, rendered_markdown,
                         rendering_problems, run_all_cells, running_lab, save_as_lab_does,
                         solution_cells_not_collapsed)


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
    page = get_json(f"{base}/api/contents/02_forward_pass.md?type=notebook&token={TOKEN}")
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


@pytest.mark.parametrize("name", SECTION_PAGES)
def test_every_page_renders_its_myst_in_lab(lab, chromium, name):
    base, _, _ = lab
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    open_notebook(page, base, name)
    indices = markdown_cells(base, name)
    cells = rendered_markdown(page, indices)
    context.close()
    source = (REPO / "book" / name).read_text()
    collapsed = markdown_cells(base, name, collapsed=True)
    assert rendering_problems(cells, source, len(indices), collapsed) == []


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
    with running_lab(home, config_path=config) as (base, _):
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


def test_the_live_explorer_retrains_when_a_slider_moves(lab, chromium):
    # Run section 2 as a student would, move the learning-rate slider one step
    # with the keyboard, and compare with a fresh render of the new setting.
    from mlp_core.widgets import render_xor

    base, _, _ = lab
    name = "02_forward_pass.md"
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    open_notebook(page, base, name)
    page.wait_for_timeout(2000)  # the kernel starts
    run_all_cells(page, base)
    explorer = page.locator(".mlp-explorer.mlp-live").first
    explorer.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.mlp-live').innerText.includes('done in')")
    default_line = explorer.locator(".mlp-code").inner_text()
    before = image_bytes(page, ".mlp-live img")
    slider = explorer.locator(".widget-slider",
                              has=page.locator(".widget-label", has_text="learning rate"))
    slider.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("""() => document.querySelector('.mlp-live .mlp-code').innerText
                                    .includes('lr=1.0')""", timeout=60_000)
    page.wait_for_function("() => document.querySelector('.mlp-live').innerText.includes('done in')")
    moved_line = explorer.locator(".mlp-code").inner_text()
    after = image_bytes(page, ".mlp-live img")
    alt = explorer.locator("img").get_attribute("alt")
    context.close()
    assert default_line == "run = train_xor(hidden=4, lr=0.5, seed=0)"
    fresh = render_xor({"hidden": 4, "lr": 1.0, "seed": 0})
    assert moved_line == fresh[-1] == "run = train_xor(hidden=4, lr=1.0, seed=0)"
    assert after != before
    assert after == fresh[0]
    assert alt == fresh[1]  # the alt text describes this run
