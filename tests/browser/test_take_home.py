"""A page taken home: downloaded from wherever the book is served, it runs where it lands.

The built book is served on a port other than ``html.baseurl``'s (the address the
build wrote into the notebooks), and Chromium downloads each section's ``.ipynb``
and ``.md`` through the page's download menu, as a reader would. The notebook must
install mlp_core from the address it was served from, carry the page's outputs but
none of its hidden result checks, and render in a front end without MyST (nbconvert's
HTML exporter): no raw directive or role, every solution inside a closed
``<details>``, every equation typeset with the book's number and every picture
with its alt text. In a fresh virtual environment outside the repository, with only a
kernel installed (ipykernel, nbclient), nbclient runs section 1's notebook: where
the site cannot be reached and no wheel lies beside the notebook it stops at the
install cell with a message that names what failed and the two fixes; the wheel
saved beside it installs; and as downloaded it runs every cell, printing what the
page printed. The wheel's dependencies come from pip's configured index.
"""

import base64
import copy
import io
import os
import re
import subprocess
import sys
import urllib.parse

import jupytext
import nbformat
import PIL.Image
import pytest
import yaml
from book_paths import SECTIONS as SECTION_NOTEBOOKS
from book_paths import figure_pictures
from bs4 import BeautifulSoup
from browser_support import REPO, book_equation_numbers, free_port, open_page, serve
from nbconvert import HTMLExporter

sys.path.insert(0, str(REPO / "_ext"))

from page_forms import NUMBERED  # noqa: E402
from take_home import is_removed_code, wheel_name  # noqa: E402

from mlp_core.widgets import XOR_CONTROLS, combination_class  # noqa: E402

SECTIONS = [path.stem for path in SECTION_NOTEBOOKS]  # not the landing pages: no take-home
KERNEL = ["ipykernel==7.4.0", "nbclient==0.11.0"]  # the versions requirements.txt pins
#: MyST that must not reach a front end without MyST: directives, roles, options, targets.
RAW_MYST = re.compile(r"\{(?:math|exercise|solution[-a-z]*|admonition|eq|ref|doc|numref|cite:?\w*)\}"
                      r"|^:(?:label|class):|^\([\w-]+\)=$", re.MULTILINE)

#: In place of the MathJax 2 that nbconvert's page loads from a CDN: the book's MathJax 3
#: (site/node_modules), reading $...$ as nbconvert's configuration does.
MATHJAX_3 = ("window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], tags: 'ams'}};"
             "document.head.append(Object.assign(document.createElement('script'), {src: '%s'}));"
             % (REPO / "site/node_modules/mathjax/es5/tex-chtml.js").as_uri())

RUN = """
import sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

notebook = nbformat.read(sys.argv[1], as_version=4)
try:
    NotebookClient(notebook, timeout=900, kernel_name="python3").execute()
except CellExecutionError:
    pass  # the error is in the cell's outputs
nbformat.write(notebook, sys.argv[2])
"""


def built_for():
    return yaml.safe_load((REPO / "_config.yml").read_text())["html"]["baseurl"]


@pytest.fixture(scope="module")
def site(built_html):
    """The built book served on a port that is not html.baseurl's."""
    with serve(built_html) as base:
        assert urllib.parse.urlsplit(base).port != urllib.parse.urlsplit(built_for()).port
        yield base


@pytest.fixture(scope="module")
def downloads(site, chromium, tmp_path_factory):
    """``{(section, ".ipynb" or ".md"): path}`` of the files the download menus saved."""
    folder = tmp_path_factory.mktemp("downloads")
    saved = {}
    for section in SECTIONS:
        opened = open_page(chromium, site, f"book/{section}.html")
        page = opened.page
        for suffix in (".ipynb", ".md"):
            page.locator(".dropdown-download-buttons button.dropdown-toggle").click()
            with page.expect_download() as download:
                page.locator(f".dropdown-download-buttons a[href$='{suffix}']").click()
            saved[section, suffix] = folder / download.value.suggested_filename
            download.value.save_as(saved[section, suffix])
        opened.assert_offline_ok()
        page.context.close()
    return saved


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def site_line(cell):
    return re.search(r"^SITE = '([^']*)'", cell.source, re.MULTILINE).group(1)


@pytest.mark.parametrize("section", SECTIONS)
def test_the_download_menu_saves_a_notebook_that_installs_from_where_it_was_served(
        site, downloads, section):
    notebook = nbformat.read(downloads[section, ".ipynb"], as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert "ipykernel" in first.source and "nbclient" in first.source
    install = code_cells(notebook)[0]
    assert site_line(install) == site + "/"  # where it was served, not html.baseurl
    assert built_for() not in nbformat.writes(notebook)
    # Executed: the page's outputs come with it, listings included.
    assert sum(bool(cell.outputs) for cell in code_cells(notebook)) >= 3
    for cell in code_cells(notebook):
        if "getsource(" in cell.source:
            shown = cell.outputs[0]["data"]["text/markdown"]
            assert shown.startswith("```python\ndef ") or "```python\n\ndef " in shown
    # The result checks the page hides stay out of both downloads; the page has some.
    page = jupytext.read(REPO / "book" / f"{section}.md")
    checks = [cell.source for cell in page.cells if is_removed_code(cell)]
    assert checks
    markdown = jupytext.read(downloads[section, ".md"])
    for download in (notebook, markdown):
        assert not any(is_removed_code(cell) for cell in download.cells)
        assert not any(check in cell.source for check in checks for cell in download.cells)
    assert site_line(code_cells(markdown)[0]) == site + "/"


def test_an_explorer_comes_with_the_picture_it_shows(downloads, built_html):
    """A precomputed explorer's output carries its first run's picture as image/png."""
    from test_widgets import built_grid

    notebook = nbformat.read(downloads["02_xor_seeds", ".ipynb"], as_version=4)
    outputs = [output for cell in code_cells(notebook) for output in cell.outputs
               if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    assert len(outputs) == 1
    picture = PIL.Image.open(io.BytesIO(base64.b64decode(outputs[0]["data"]["image/png"])))
    # The default run's pictures (loss curve, decision boundary) side by side, pixel for
    # pixel, shown at the size they have on the page.
    grid = built_grid(built_html / "book/02_xor_seeds.html")
    defaults = {c["name"]: c["default"] for c in XOR_CONTROLS["precomputed"]}
    pictures = [PIL.Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
                for _, data, *_ in figure_pictures(grid[combination_class(defaults)][0])]
    assert len(pictures) == 2
    assert picture.size == (sum(p.width for p in pictures), max(p.height for p in pictures))
    left = 0
    for part in pictures:
        box = (left, 0, left + part.width, part.height)
        assert picture.convert("RGB").crop(box).tobytes() == part.tobytes()
        left += part.width
    assert outputs[0]["metadata"]["image/png"]["width"] == picture.width // 2


def rendering_problems(notebook, n_solutions):
    """What nbconvert's HTML export of ``notebook`` shows that it should not: raw MyST in
    the Markdown, solutions not folded in closed ``<details>``."""
    html, _ = HTMLExporter().from_notebook_node(notebook)
    soup = BeautifulSoup(html, "html.parser")
    problems = []
    for cell in soup.select(".jp-MarkdownCell"):
        for match in RAW_MYST.finditer(cell.get_text("\n")):
            problems.append(f"raw MyST {match.group(0)!r}")
    details = soup.select(".jp-MarkdownCell details")
    summaries = [item.summary.get_text() if item.summary else "" for item in details]
    if len(details) != n_solutions or not all(s.startswith("Solution to Exercise") for s in summaries):
        problems.append(f"{len(details)} <details> ({summaries}) for {n_solutions} solutions")
    problems += [f"{summary} is open" for item, summary in zip(details, summaries)
                 if item.has_attr("open")]
    return problems, html


def solutions_in(section):
    text = (REPO / "book" / f"{section}.md").read_text()
    return len(re.findall(r"^`{3,}\{solution(?:-start)?\}", text, re.MULTILINE))


@pytest.mark.parametrize("section", SECTIONS)
def test_nbconvert_renders_the_notebook_without_myst(downloads, section, chromium, screenshot_dir):
    notebook = nbformat.read(downloads[section, ".ipynb"], as_version=4)
    n_solutions = solutions_in(section)
    assert n_solutions >= 1  # a page of a section in several pages may have one exercise
    problems, html = rendering_problems(notebook, n_solutions)
    assert problems == []
    # The links to other pages point at the published pages.
    soup = BeautifulSoup(html, "html.parser")
    hrefs = [a["href"] for a in soup.select(".jp-MarkdownCell a[href]:not(.anchor-link)")]
    assert hrefs and not [href for href in hrefs if ".md" in href or href.startswith("#")], hrefs
    # Every picture carries its figure's alt text, where the classic template reads it
    # (nbconvert fills in a placeholder where it finds none; its lab template reads none).
    classic, _ = HTMLExporter(template_name="classic").from_notebook_node(notebook)
    pictures = BeautifulSoup(classic, "html.parser").select(".output_png img")
    # (A page of a section in several pages may have no figure: 03_gradient_check.)
    has_figures = NUMBERED["figure"].search((REPO / "book" / f"{section}.md").read_text())
    assert bool(pictures) == bool(has_figures), (section, len(pictures))
    assert not [img for img in pictures if img["alt"].startswith("No description")]
    # MathJax typesets every equation, numbered once as the book numbers it.
    path = screenshot_dir / f"take-home-nbconvert-{section}.html"
    path.write_text(html)
    page = chromium.new_page(viewport={"width": 1100, "height": 1400})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else route.fulfill(body=MATHJAX_3) if "mathjax" in route.request.url.lower()
               else route.abort())
    page.goto(path.as_uri())
    page.wait_for_function("() => window.MathJax?.startup?.promise")
    page.evaluate("() => MathJax.startup.promise")  # typeset
    assert page.locator("mjx-merror").count() == 0
    # The tag of each display, as MathJax's MathML for screen readers spells it.
    shown = page.evaluate("() => [...document.querySelectorAll('mjx-container[display=true]')].map("
                          "math => math.querySelector('mjx-assistive-mml mlabeledtr > mtd')"
                          "?.textContent ?? '')")
    assert [tag for tag in shown if tag] == book_equation_numbers(section)
    if section == "02_forward_pass":  # look at it: the exercises, one solution opened
        page.get_by_role("heading", name="The forward pass and its cache").scroll_into_view_if_needed()
        page.screenshot(path=screenshot_dir / "take-home-nbconvert-math.png")
        page.locator("details summary").first.click()  # Exercise 2.1's solution
        page.locator("text=Exercise 2.1 (").first.scroll_into_view_if_needed()
        page.screenshot(path=screenshot_dir / "take-home-nbconvert.png")
    page.close()


def test_the_rendering_check_finds_myst_and_open_solutions():
    # Negative control: the page's own MyST notebook, as downloads were before.
    section = "02_forward_pass"
    page = jupytext.read(REPO / "book" / f"{section}.md")
    problems, _ = rendering_problems(page, solutions_in(section))
    assert any("{math}" in problem for problem in problems), problems
    assert any("{solution" in problem for problem in problems), problems
    assert any("<details>" in problem for problem in problems), problems


def run_in(environment, python, notebook, folder, name):
    """The code cells of ``notebook`` after nbclient ran it from a clean state in ``folder``."""
    source, executed = folder / f"{name}.ipynb", folder / f"{name}-run.ipynb"
    clean = copy.deepcopy(notebook)
    for cell in code_cells(clean):
        cell.outputs, cell.execution_count = [], None
    nbformat.write(clean, source)
    result = subprocess.run([python, "-c", RUN, str(source), str(executed)], cwd=folder,
                            env=environment, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return code_cells(nbformat.read(executed, as_version=4))


def printed(cell):
    """What a code cell printed: its stdout and the text of its results."""
    return [output.get("text") if output.output_type == "stream"
            else output.get("data", {}).get("text/plain")
            for output in cell.outputs if output.output_type in ("stream", "execute_result")]


def test_a_fresh_environment_runs_the_downloaded_notebook(site, downloads, built_html,
                                                          tmp_path_factory):
    notebook = nbformat.read(downloads["01_composition", ".ipynb"], as_version=4)
    home = tmp_path_factory.mktemp("reader")
    assert REPO not in home.parents
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
    python = str(home / "venv" / "bin" / "python")
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("MLP_CORE_WIDGETS", "PYTHONPATH", "VIRTUAL_ENV",
                                  "JUPYTER_PATH", "JUPYTER_CONFIG_DIR")}
    # PIP_NO_COMPILE: pip writes no .pyc files for what it installs (less CPU).
    environment.update(HOME=str(home), JUPYTER_DATA_DIR=str(home / "jupyter"), PIP_NO_COMPILE="1",
                       PATH=f"{home / 'venv' / 'bin'}:{os.environ['PATH']}")
    subprocess.run([python, "-m", "pip", "install", "--quiet", *KERNEL], env=environment,
                   check=True, capture_output=True, timeout=900)
    subprocess.run([python, "-m", "ipykernel", "install", "--sys-prefix"], env=environment,
                   check=True, capture_output=True)

    # 1. The site cannot be reached and no wheel lies beside the notebook: it stops at
    # the install cell, saying what failed and the two ways to fix it.
    unreachable = f"http://127.0.0.1:{free_port()}/"
    stranded = nbformat.reads(nbformat.writes(notebook).replace(site + "/", unreachable), as_version=4)
    ran = run_in(environment, python, stranded, home, "unreachable")
    errors = [output for output in ran[0].outputs if output.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "RuntimeError", ran[0].outputs
    message = errors[0].evalue
    wheel = wheel_name(REPO)
    assert f"{unreachable}{wheel}: " in message and "Connection refused" in message, message
    assert f"{home / wheel}: there is no such file" in message, message
    assert "Set SITE above" in message and f"Download {wheel}" in message, message
    assert not any(cell.execution_count for cell in ran[1:])  # nothing ran after it
    print(f"unreachable site, no wheel beside the notebook:\n{message}")

    # 2. The same notebook with the wheel saved beside it installs from the file.
    (home / wheel).write_bytes((built_html / wheel).read_bytes())
    stranded.cells = stranded.cells[:2]
    ran = run_in(environment, python, stranded, home, "beside")
    assert re.search(r"Successfully installed .*mlp[-_]core-1\.0\.0", "".join(printed(ran[0])))
    subprocess.run([python, "-m", "pip", "uninstall", "--yes", "--quiet", "mlp_core"],
                   env=environment, check=True, capture_output=True)
    (home / wheel).unlink()

    # 3. As downloaded: it installs from the site it was served from and runs every cell,
    # printing what the page printed.
    ran = run_in(environment, python, notebook, home, "downloaded")
    assert all(cell.execution_count for cell in ran)
    assert not [output for cell in ran for output in cell.outputs if output.output_type == "error"]
    installed = "".join(printed(ran[0]))
    assert re.search(r"Successfully installed .*mlp[-_]core-1\.0\.0", installed), installed
    on_the_page = code_cells(notebook)
    assert len(on_the_page) == len(ran)
    assert sum(any(printed(cell)) for cell in on_the_page[1:]) >= 3  # there is something to compare
    for page_cell, here in zip(on_the_page[1:], ran[1:]):
        assert printed(here) == printed(page_cell), page_cell.source[:300]
