"""Paths, page text and readers of built pages shared by the tests."""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "_ext"))

from page_forms import is_notebook_source  # noqa: E402


def is_notebook(path):
    """A page that MyST-NB runs as a notebook (:func:`page_forms.is_notebook_source`)."""
    return is_notebook_source(path.read_text())


#: The pages of the sections that are notebooks, in file-name order. A section in several
#: pages opens with a landing page of plain Markdown (LANDING_PAGES, such as 03_index.md)
#: that says what its pages cover; the sub-pages are numbered 3.1, 3.2, ... under it.
SECTIONS = [path for path in sorted(BOOK.glob("0[1-9]_*.md")) if is_notebook(path)]
LANDING_PAGES = [path for path in sorted(BOOK.glob("0[1-9]_*.md")) if not is_notebook(path)]
PYTHON = sys.executable
#: The room (CSS px) a page figure has at least, in a 390 px wide phone viewport and a
#: 1280 px desktop one: a figure is shown at its natural size, or scaled down to this, never
#: smaller (tests/browser/test_pages.py); tests/test_page_figures.py sizes its text for it.
PHONE_COLUMN = 342
DESKTOP_COLUMN = 672
BUILD_FLAGS = ["--nitpick", "--warningiserror", "--keep-going"]

#: The front matter that makes a Markdown page of a tiny test book a notebook.
FRONT_MATTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


#: The script of a built page that holds its widgets' state, once the page has fetched it.
WIDGET_STATE = 'script[type="application/vnd.jupyter.widget-state+json"]'


def widget_state_file(page_path):
    """The file beside a built page that holds its widgets' state (site/mlp_site.py):
    ``book/02_forward_pass.widgets.json`` for ``book/02_forward_pass.html``."""
    return page_path.with_suffix(".widgets.json")
#: One picture of an explorer's run as mlp_core.widgets.figure_html writes it: its size on
#: the page (CSS pixels), alt text, then the PNG.
FIGURE_IMG = re.compile(r"<img class='mlp-figure' width='(\d+)' height='(\d+)' alt='([^']+)' "
                        r"src='data:image/png;base64,([^']+)'>")
#: A run's figure: its pictures, one per plot, in one row that wraps.
FIGURE_HTML = re.compile(r"<div class='mlp-figures'>((?:<img [^>]*>)+)</div>")


def figure_pictures(figure):
    """``[(alt, base64 PNG, width, height)]`` of a run's figure HTML, or None when it is not
    a row of pictures each with its size and alt text."""
    match = FIGURE_HTML.fullmatch(figure)
    if match is None:
        return None
    pictures = re.findall(r"<img [^>]*>", match.group(1))
    parsed = [FIGURE_IMG.fullmatch(picture) for picture in pictures]
    if not all(parsed):
        return None
    return [(m.group(3), m.group(4), int(m.group(1)), int(m.group(2))) for m in parsed]


def stored_runs(models):
    """``{combination_class: (figure_html, panel_html)}`` of the explorer runs in a page's
    widget state (its ``state`` mapping of model ids to models).

    A run is a VBox with ``mlp-run`` and its combination class in ``_dom_classes``; its
    two HTML children hold the figure and the panel.
    """
    runs = {}
    for model in models.values():
        classes = model["state"].get("_dom_classes", [])
        if model["model_name"] != "VBoxModel" or "mlp-run" not in classes:
            continue
        (combination,) = (c for c in classes if c.startswith("mlp-run--"))
        figure, panel = (models[child.removeprefix("IPY_MODEL_")]["state"]["value"]
                         for child in model["state"]["children"])
        runs[combination] = (figure, panel)
    return runs
