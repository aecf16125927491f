"""Take-home notebooks: each section page offers its executed notebook for download.

For every page that is a notebook, the build writes the executed notebook
(the page's cells with the outputs from Jupyter Book's execution cache, so
exactly what the page shows) to ``_sources/<page>.ipynb`` and lets the theme
list it in the page's download menu (``.ipynb``). It is written to run where it
lands and to read well in any Jupyter front end:

- Its first cell says what it is and what a kernel needs (ipykernel, and
  nbclient to run it headless). Its first code cell (:data:`INSTALL_CODE`)
  installs mlp_core from the site the notebook was downloaded from, or else
  from the wheel file saved beside the notebook, and otherwise stops with a
  message that names what failed and the two ways to fix it. The build
  writes ``html.baseurl`` there; when a reader downloads from the menu, the
  page's script (:data:`DOWNLOAD_SCRIPT`) puts in the address the page was
  actually served from, so a book served or published elsewhere hands out
  notebooks that install from where they came from.
- The code cells the page removes (tag ``remove-cell``: the book's result
  checks, which assert this build's exact numbers and timings) are left out.
- Its Markdown is plain Markdown (``page_forms.plain_markdown``): math as
  ``$$...$$`` with the book's equation numbers, exercises as headings, each
  solution (text, code and what the code printed) in a collapsed
  ``<details>``, and links to other pages and labels pointing at the
  published pages (under ``html.baseurl``, likewise rewritten on download).
- Each precomputed explorer's output also carries the picture it shows first
  (``image/png``), so that the notebook shows it where no widget state is
  loaded (a notebook viewer, an editor, a fresh kernel).

The ``.md`` download (``_sources/<page>.md``) is the student's MyST copy that
`make lab` serves (page_forms.py: no hidden checks, solutions in closed
dropdowns, the book's numbering) with the same first cells; the menu saves it
as a file instead of opening it in a tab. A book without a pyproject.toml (the
tests' tiny books) gets no take-home notebooks.
"""

import base64
import io
import json
import posixpath
import re
import tomllib
from pathlib import Path

import jupytext
import nbformat
import PIL.Image
from docutils.nodes import make_id
from jupyter_cache import get_cache
from myst_nb.core.read import read_myst_markdown_notebook
from pybtex.database import parse_file
from sphinx.errors import ExtensionError

from citations import author_year
from page_forms import (drop_hidden_checks, is_hidden_check, is_notebook_source, merge_solutions,
                        numbering_starts, plain_notebook, section_numbers, student_copy)

NOTE = (
    "This notebook is {section} of the chapter *Neural Network Math Review*, "
    "downloaded from {page}. To run it you need Python 3.11 or newer and a Jupyter kernel "
    "(`pip install ipykernel`; to run it without a browser, also `pip install nbclient`). "
    "The next cell installs `mlp_core`, the package every section imports, and the "
    "packages it needs: from the site this notebook comes from, {site}, or else from the "
    "wheel file `{wheel}` saved beside this notebook. Then run the cells from top to "
    "bottom. Each exercise's solution is folded below it: open it when you are done.")

#: The install cell after its first lines, ``SITE = ...``, ``WHEEL = ...``, ``VERSION = ...``.
INSTALL_CODE = r'''

def pip_install(source):
    """(pip's last line, None) when it installed ``source``, else (None, pip's error)."""
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--no-color", "--retries", "1",
                          source], capture_output=True, text=True)
    if pip.returncode == 0:
        return pip.stdout.strip().splitlines()[-1], None
    lines = [line.strip() for line in pip.stderr.splitlines() if line.strip()]
    error = [line.lstrip("×╰─> ") for line in lines if line.startswith(("×", "╰─>", "ERROR"))]
    return None, " ".join(error or lines[-1:])


try:
    installed = importlib.metadata.version("mlp_core")
except importlib.metadata.PackageNotFoundError:
    installed = None
if installed == VERSION:
    print(f"mlp_core {VERSION} is already installed")
else:
    failed = []
    beside = pathlib.Path(WHEEL).resolve()  # in the notebook's folder
    for source in (SITE + WHEEL, beside):
        if isinstance(source, pathlib.Path) and not source.is_file():
            failed.append(f"{source}: there is no such file")
            continue
        done, error = pip_install(str(source))
        if done is not None:
            print(done)
            importlib.invalidate_caches()
            break
        reason = re.search(r"\[Errno -?\d+\][\w ]*", error)  # e.g. Connection refused
        failed.append(f"{source}: {reason.group(0) if reason else error[:300]}")
    else:
        raise RuntimeError(
            "mlp_core could not be installed, so the cells below cannot run.\n"
            + "".join(f"- {failure}\n" for failure in failed)
            + "Two ways to fix it, then run this cell again:\n"
            "1. Set SITE above to the address the book is served from now.\n"
            f"2. Download {WHEEL} from the book's site and save it in {beside.parent}."
        ) from None'''

INSTALL_HEAD = '''# Install mlp_core from the site this notebook comes from, or else from the wheel file
# saved beside this notebook; stop here, saying what failed and how to fix it.
import importlib
import importlib.metadata
import pathlib
import re
import subprocess
import sys

SITE = {site!r}  # the address the notebook was downloaded from
WHEEL = {wheel!r}
VERSION = {version!r}'''

#: On a served page, the download menu saves its files (no new tab), and the notebook
#: gets the address the page was served from wherever the build wrote html.baseurl.
DOWNLOAD_SCRIPT = """
document.addEventListener("click", async event => {
  const link = event.target.closest(".dropdown-download-buttons a[href$='.ipynb'], "
                                    + ".dropdown-download-buttons a[href$='.md']");
  if (link === null) return;
  event.preventDefault();
  const site = new URL(document.documentElement.dataset.content_root || "./", location.href).href;
  const text = (await (await fetch(link.href)).text()).split(BUILT_FOR).join(site);
  const save = document.createElement("a");
  save.href = URL.createObjectURL(new Blob([text], {type: "application/octet-stream"}));
  save.download = link.pathname.split("/").pop();
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(save.href), 60000);
});
"""


def wheel_name(root):
    """``mlp_core-1.0.0-py3-none-any.whl``: the pure-Python wheel pyproject.toml builds."""
    project = tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]
    return f"{project['name'].replace('-', '_')}-{project['version']}-py3-none-any.whl"


def first_cells(app, docname):
    """The note and the install cell that open a take-home page."""
    site, wheel = app.config.html_baseurl, wheel_name(app.srcdir)
    numbers = section_numbers(app.srcdir)
    section = numbers.get(Path(docname).name, "")
    # the section's notebooks, not its landing page (plain Markdown, no take-home notebook)
    pages = [name for name, number in numbers.items() if number == section
             and is_notebook_page(app, str(Path(docname).parent / name))]
    if len(pages) > 1:  # a section in several pages: "page 2 of 3 of section 3"
        section = f"page {pages.index(Path(docname).name) + 1} of {len(pages)} of section {section}"
    else:
        section = f"section {section}"
    note = NOTE.format(section=section, page=f"{site}{docname}.html", site=site, wheel=wheel)
    head = INSTALL_HEAD.format(site=site, wheel=wheel, version=wheel.split("-")[1])
    return [nbformat.v4.new_markdown_cell(note), nbformat.v4.new_code_cell(head + INSTALL_CODE)]


class BookReferences:
    """Numbers, titles and published addresses of the book's labels (page_forms.plain_markdown)."""

    def __init__(self, app, docname):
        self.env, self.docname = app.env, docname
        self.base = app.config.html_baseurl
        self.exercises = getattr(app.env, "sphinx_exercise_registry", {})
        self.bibliography = parse_file(Path(app.srcdir) / "book" / "references.bib").entries

    def url(self, docname, anchor=""):
        return f"{self.base}{docname}.html" + (f"#{anchor}" if anchor else "")

    def number(self, docname, kind, key):
        return ".".join(map(str, self.env.toc_fignumbers[docname][kind][key]))

    def equation(self, label):
        docname, _ = self.env.domaindata["math"]["objects"][label]
        node_id = make_id(f"equation-{label}")  # as Sphinx makes it: "equation-eq-backprop-dw"
        number = self.number(docname, "displaymath", node_id)
        return number if docname == self.docname else f"[{number}]({self.url(docname, node_id)})"

    def exercise(self, label):
        return self.number(self.exercises[label]["docname"], "exercise", label)

    def reference(self, label):
        if label in self.exercises:
            return f"Exercise {self.exercise(label)}", self.url(self.exercises[label]["docname"], label)
        docname, anchor, title = self.env.domaindata["std"]["labels"][label]
        return title, self.url(docname, anchor)

    def citation(self, key):
        who, year = author_year(self.bibliography[key]).rsplit(", ", 1)
        return who, year, self.url("book/references", f"cite-{key}")

    def link(self, target):
        if "://" in target or target.startswith("mailto:"):
            return target
        path, _, anchor = target.partition("#")
        if not path:
            labels = self.env.domaindata["std"]["anonlabels"]
            return self.url(*labels[anchor]) if anchor in labels else self.url(self.docname, anchor)
        docname = posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), path))
        return self.url(docname.removesuffix(".md"), anchor)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The base64 PNGs inside a run's figure, <img>s made by mlp_core.widgets.figure_html.
FIGURE_DATA = re.compile(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def side_by_side(pictures):
    """One PNG (base64) of a run's pictures (base64 PNGs) in a row, top-aligned on white,
    and its size on screen: the pictures have twice the pixels of their size in the page."""
    images = [PIL.Image.open(io.BytesIO(base64.b64decode(p))).convert("RGB") for p in pictures]
    row = PIL.Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)),
                        "white")
    left = 0
    for image in images:
        row.paste(image, (left, 0))
        left += image.width
    buffer = io.BytesIO()
    row.save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii"), row.width // 2


def shown_picture(models, model_id):
    """``(base64 PNG, width)`` of the run an explorer shows first: every Stack at its
    selected child, down to the run (``mlp-run``), whose first child holds its pictures."""
    model = models.get(model_id)
    if model is None:
        return None
    state = model["state"]
    children = [child.removeprefix("IPY_MODEL_") for child in state.get("children", [])]
    if "mlp-run" in state.get("_dom_classes", []):
        return side_by_side(FIGURE_DATA.findall(models[children[0]]["state"]["value"]))
    if model["model_name"] == "StackModel" and children:
        children = [children[state.get("selected_index") or 0]]
    for child in children:
        picture = shown_picture(models, child)
        if picture is not None:
            return picture
    return None


def add_static_pictures(notebook):
    models = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                picture = shown_picture(models, view["model_id"])
                if picture is not None:
                    output["data"]["image/png"], width = picture
                    output.setdefault("metadata", {})["image/png"] = {"width": width}


def add_alt_texts(notebook):
    """Each figure's alt text (the cell's ``mystnb.image.alt``) on its picture, where
    front ends without MyST read it."""
    for cell in notebook.cells:
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt")
        for output in cell.get("outputs", []) if alt else []:
            if "image/png" in output.get("data", {}):
                output.setdefault("metadata", {}).setdefault("image/png", {})["alt"] = alt


def is_notebook_page(app, docname):
    """A page of the book that is a notebook (jupytext front matter with a kernelspec)."""
    path = Path(app.env.doc2path(docname))
    text = path.read_text() if path.is_file() else ""
    return Path(app.srcdir, "pyproject.toml").is_file() and is_notebook_source(text)


def take_home_notebook(app, docname):
    """The executed notebook of ``docname`` as a reader takes it home, or None for other pages."""
    if not is_notebook_page(app, docname):
        return None
    notebook = read_myst_markdown_notebook(Path(app.env.doc2path(docname)).read_text())
    cache = get_cache(app.env.mystnb_config.execution_cache_path)
    _, notebook = cache.merge_match_into_notebook(notebook)  # KeyError: page not executed
    notebook.metadata.pop("source_map", None)
    add_static_pictures(drop_hidden_checks(notebook))
    add_alt_texts(notebook)
    plain_notebook(merge_solutions(notebook), BookReferences(app, docname))
    notebook.cells[0:0] = first_cells(app, docname)
    return notebook


def take_home_markdown(app, docname):
    """The page's MyST source as the student's copy, opened by the same two cells."""
    section = section_numbers(app.srcdir).get(Path(docname).name)
    starts = numbering_starts(app.srcdir, Path(docname).name)
    notebook = student_copy(jupytext.read(app.env.doc2path(docname)), section, starts)
    notebook.cells[0:0] = first_cells(app, docname)
    return jupytext.writes(notebook, fmt="md:myst")


#: The hidden result checks, as the tests name them.
is_removed_code = is_hidden_check


def offer_notebook(app, pagename, templatename, context, doctree):
    if app.builder.format != "html" or doctree is None:
        return
    notebook = take_home_notebook(app, pagename)
    if notebook is None:
        return
    target = Path(app.outdir, "_sources", pagename + ".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    # sphinx-book-theme lists `_sources/<ipynb_source>` in the download menu.
    context["ipynb_source"] = pagename + ".ipynb"


def write_markdown_downloads(app, exception):
    """Replace the ``.md`` sources that Sphinx copies into ``_sources/`` (after
    ``html-page-context``) by their take-home form."""
    if exception is not None or app.builder.format != "html":
        return
    for docname in sorted(app.env.found_docs):
        target = Path(app.outdir, "_sources", docname + ".md")
        if target.is_file() and is_notebook_page(app, docname):
            target.write_text(take_home_markdown(app, docname))


def check_config(app, config):
    if not config.html_baseurl.endswith("/"):
        raise ExtensionError("take_home needs html.baseurl in _config.yml, ending in '/': the "
                             "site's URL, from which the notebooks install the mlp_core wheel; "
                             f"got {config.html_baseurl!r}")
    app.add_js_file(None, body=DOWNLOAD_SCRIPT.replace("BUILT_FOR", json.dumps(config.html_baseurl)))


def setup(app):
    app.connect("config-inited", check_config)
    app.connect("html-page-context", offer_notebook, priority=400)
    app.connect("build-finished", write_markdown_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
