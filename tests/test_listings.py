"""The code listings of the pages show mlp_core's source as installed, and the prose
that reads them line by line quotes lines that are in them.

A listing is a code cell (input removed in the book) whose result is the source of
named functions, ``inspect.getsource`` of the installed package, as a Markdown code
block: the book, JupyterLab and a downloaded notebook all render it, and it cannot
drift from the code that runs. When mlp_core changes, the prose must follow: each
line-by-line reading (a list item or table row after a listing, up to the next code
cell) starts with the line it explains, and that line must be in the listing.
"""

import re

import jupytext
import pytest

from book_paths import SECTIONS

#: The first code span of a list item or a table row.
READING = re.compile(r"^\s*(?:- |\| )[^`\n]*`([^`\n]+)`", re.MULTILINE)
#: A code span that is a line of code (an assignment, a call, an index), not a name.
CODE_LINE = re.compile(r"[=(@\[]")


def listing_text(cell, namespace):
    """What a listing cell shows, its result's Markdown (the fenced source); ``namespace``
    is the page's, so that one listing may import what the next one shows."""
    *body, last = cell.source.strip().splitlines()
    exec("\n".join(body), namespace)
    return eval(last, namespace).data


def listings_and_readings(notebook):
    """``[(listing, [quoted lines])]``: each listing with the lines that the prose after
    it, up to the next code cell, quotes."""
    found, reading = [], False
    namespace = {}
    exec("from inspect import getsource\nfrom textwrap import dedent\n"
         "from IPython.display import Markdown\n"
         "from mlp_core import NeuralNetworkFromScratch\n", namespace)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            reading = "getsource(" in cell.source
            if reading:
                found.append((listing_text(cell, namespace), []))
        elif reading:
            found[-1][1].extend(span for span in READING.findall(cell.source)
                                if CODE_LINE.search(span))
    return found


def misquoted(found):
    """Quoted lines that the listing before them does not contain."""
    flat = lambda text: " ".join(text.split())  # noqa: E731
    return [line for listing, lines in found for line in lines if flat(line) not in flat(listing)]


@pytest.mark.parametrize("page", [path for path in SECTIONS if "getsource(" in path.read_text()],
                         ids=lambda path: path.stem)
def test_every_listing_shows_the_installed_source(page):
    found = listings_and_readings(jupytext.read(page))
    assert found
    for listing, _ in found:
        assert listing.startswith("```python\n") and listing.endswith("```")
        assert "def " in listing and "literalinclude" not in page.read_text()
    assert misquoted(found) == []


def test_the_line_by_line_readings_are_checked():
    # There are readings to check: section 2's list and section 3's table.
    pages = {path.stem: listings_and_readings(jupytext.read(path)) for path in SECTIONS}
    assert len([line for _, lines in pages["02_forward_pass"] for line in lines]) >= 4
    assert any('delta = A[L] - Y' in lines for _, lines in pages["03_backpropagation"])
    # Negative control: the listing changes under the prose (a line rewritten), and the
    # prose's quote of that line is reported.
    changed = [(listing.replace("delta = A[L] - Y", "delta = -(Y - A[L])"), lines)
               for listing, lines in pages["03_backpropagation"]]
    assert misquoted(changed) == ["delta = A[L] - Y"]
