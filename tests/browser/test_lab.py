"""`make lab` as an author uses it, and the negative controls of the student tests.

The tests start the real `make lab` with ``HOME`` pointing at an empty folder and drive
it in Debian Chromium through Playwright, one fresh workspace per page. An author's
server (`make lab LAB_DIR=<copy of book/>`) checks that the pages open as notebooks and
save unchanged, and that a take-home notebook shows each equation with the book's number
alone. The student's copy, run page by page, is tested in test_lab_student.py.
"""

import copy
import json
import re
import shutil

import jupytext
import nbformat
import pytest
from browser_support import book_equation_numbers
from lab_support import (ALL_PAGES, REPO, SECTION_PAGES, TOKEN, caption_mismatches, get_json,
                         markdown_cells, open_notebook, rendered_markdown, rendering_problems,
                         run_all_cells, running_lab, save_as_lab_does, save_with_keyboard,
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


def test_run_all_and_save_in_the_book_itself_rewrites_it(lab, book_copy, chromium):
    # Negative control of the clean-tree check: served as it is (an author's
    # `make lab LAB_DIR=book`), a page that is run and saved no longer matches the
    # repository, because JupyterLab expands the solutions' hidden outputs when it runs them.
    base, _, _ = lab
    name = SECTION_PAGES[0]
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    open_notebook(page, base, name)
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
