"""Take-home notebooks: each section page offers its executed notebook for download.

For every page that is a notebook, the build writes the executed notebook
(the page's cells with the outputs from Jupyter Book's execution cache, so
exactly what the page shows) to ``_sources/<page>.ipynb`` and lets the theme
list it in the page's download menu (``.ipynb``). The code cells the page
removes (tag ``remove-cell``: the book's result checks, which assert this
build's exact numbers and timings) are left out, as on the page; removed
Markdown cells stay (the figure captions repeated for JupyterLab). Before the notebook's
first code cell it adds a code cell that installs mlp_core from the wheel the
site serves: ``%pip install <html_baseurl><wheel>``, with ``html_baseurl``
from the build configuration (``html.baseurl`` in _config.yml) and the wheel
that `make book` builds from pyproject.toml into the site's root. Each
precomputed explorer's output also carries the picture it shows first
(``image/png``), so that the notebook shows it where no widget state is
loaded (a notebook viewer, an editor, a fresh kernel). A book
without a pyproject.toml (the tests' tiny books) gets no take-home notebooks.
"""

import re
import tomllib
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from myst_nb.core.read import read_myst_markdown_notebook
from sphinx.errors import ExtensionError

INSTALL_NOTE = (
    "This notebook is a page of the chapter *Neural Network Math Review*. The next cell "
    "installs `mlp_core`, the package every page imports, from the site this notebook "
    "comes from, {site}; then run the cells from top to bottom. Where that site cannot be "
    "reached, download `{wheel}` from it and install the file: `%pip install {wheel}`. "
    "Its equations, cross-references and exercises render as in the book in JupyterLab "
    "with the jupyterlab-myst extension; elsewhere they show as MyST source.")


def wheel_name(root):
    """``mlp_core-1.0.0-py3-none-any.whl``: the pure-Python wheel pyproject.toml builds."""
    project = tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]
    return f"{project['name'].replace('-', '_')}-{project['version']}-py3-none-any.whl"


def install_line(base_url, wheel):
    return f"%pip install {base_url.rstrip('/')}/{wheel}"


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The base64 PNG inside a run's figure, an <img> made by mlp_core.widgets.figure_html.
FIGURE_DATA = re.compile(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def shown_picture(models, model_id):
    """Base64 PNG of the run an explorer shows first: every Stack at its selected
    child, down to the run (``mlp-run``), whose first child is its figure."""
    model = models.get(model_id)
    if model is None:
        return None
    state = model["state"]
    children = [child.removeprefix("IPY_MODEL_") for child in state.get("children", [])]
    if "mlp-run" in state.get("_dom_classes", []):
        return FIGURE_DATA.search(models[children[0]]["state"]["value"]).group(1)
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
                    output["data"]["image/png"] = picture


def take_home_notebook(app, docname):
    """The executed notebook of ``docname`` with the install cell, or None for other pages."""
    if not Path(app.srcdir, "pyproject.toml").is_file():
        return None
    path = Path(app.env.doc2path(docname))
    text = path.read_text()
    if not text.startswith("---\n") or "kernelspec:" not in text.split("\n---\n", 1)[0]:
        return None
    notebook = read_myst_markdown_notebook(text)
    cache = get_cache(app.env.mystnb_config.execution_cache_path)
    _, notebook = cache.merge_match_into_notebook(notebook)  # KeyError: page not executed
    notebook.metadata.pop("source_map", None)
    notebook.cells = [cell for cell in notebook.cells if not is_removed_code(cell)]
    add_static_pictures(notebook)
    first_code = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    site, wheel = app.config.html_baseurl, wheel_name(app.srcdir)
    notebook.cells[first_code:first_code] = [
        nbformat.v4.new_markdown_cell(INSTALL_NOTE.format(site=site, wheel=wheel)),
        nbformat.v4.new_code_cell(install_line(site, wheel)),
    ]
    return notebook


def is_removed_code(cell):
    return cell.cell_type == "code" and "remove-cell" in cell.metadata.get("tags", [])


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


def check_config(app, config):
    if not config.html_baseurl:
        raise ExtensionError("take_home needs html.baseurl in _config.yml: the site's URL, "
                             "from which the notebooks install the mlp_core wheel")


def setup(app):
    app.connect("config-inited", check_config)
    app.connect("html-page-context", offer_notebook, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
