"""Starting the real `make lab` for the tests, and reading what JupyterLab renders.

The server runs with ``HOME`` pointing at an empty folder, so a test can check that
`make lab` writes nothing there, and serves ``LAB_DIR`` (the repository's ``book/`` or a
copy of it, so that saves never touch the repository).
"""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO = Path(__file__).resolve().parents[2]
TOKEN = "mlp-core-lab-test"
SECTION_PAGES = sorted(path.name for path in (REPO / "book").glob("0[1-9]_*.md"))
ALL_PAGES = sorted(path.name for path in (REPO / "book").glob("*.md"))

# Source that must never be visible in a rendered Markdown cell: MyST roles and
# directives, equation options, and LaTeX that was not typeset.
RAW_MYST = re.compile(r"\{(eq|ref|doc|numref|cite:[pt]|math|exercise|solution[-a-z]*)\}`?"
                      r"|:label:|:class:|```|\\frac|\\operatorname|\\mathcal|\\begin\{")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


@contextlib.contextmanager
def running_lab(home, lab_dir=None, config_path=None):
    """``(base_url, log)`` of `make lab` serving ``lab_dir`` with ``HOME=home``.

    ``config_path`` is prepended to ``JUPYTER_CONFIG_PATH`` (a folder holding
    ``labconfig/page_config.json``, for instance, to disable an extension).
    """
    port = free_port()
    environment = dict(os.environ, HOME=str(home))
    environment.pop("JUPYTER_CONFIG_DIR", None)
    if config_path is not None:
        environment["JUPYTER_CONFIG_PATH"] = str(config_path)
    command = ["make", "-s", "lab", f"LAB_ARGS=--ip=127.0.0.1 --port={port} "
               f"--IdentityProvider.token={TOKEN} --ServerApp.port_retries=0"]
    if lab_dir is not None:
        command.append(f"LAB_DIR={lab_dir}")
    log = home.parent / f"lab-{port}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get_json(f"{base}/api/status?token={TOKEN}")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + log.read_text(errors="replace")[-3000:]) from None
                time.sleep(0.5)
        yield base, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def save_as_lab_does(base, name):
    """Open ``name`` as a notebook and save it unchanged: the contents API's GET and PUT."""
    model = get_json(f"{base}/api/contents/{name}?type=notebook&token={TOKEN}")
    request = urllib.request.Request(
        f"{base}/api/contents/{name}?token={TOKEN}", method="PUT",
        data=json.dumps({"type": "notebook", "format": "json",
                         "content": model["content"]}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60):
        pass


def open_notebook(page, base, name):
    """Open ``name`` in a fresh workspace of the lab at ``base`` and wait for its cells."""
    workspace = re.sub(r"\W", "-", name)
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{name}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)


def markdown_cells(base, name):
    """Indices of the Markdown cells of ``name`` as JupyterLab reads it."""
    model = get_json(f"{base}/api/contents/{name}?type=notebook&token={TOKEN}")
    return [index for index, cell in enumerate(model["content"]["cells"])
            if cell["cell_type"] == "markdown"]


def rendered_markdown(page, indices):
    """``{cell index: (text, display equations, unresolved references)}`` of Markdown cells.

    JupyterLab renders cells lazily, so each cell of ``indices`` is scrolled into
    view until its rendered Markdown has text; a cell that never renders is left
    out. A reference to a label further down resolves only once that cell has
    rendered, so the cells are read in a second pass.
    """
    rendered = []
    for index in indices:
        cell = page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"]')
        cell.scroll_into_view_if_needed()
        try:
            page.wait_for_function(
                """cell => { const out = cell.querySelector('.jp-RenderedMarkdown, .myst');
                             return out !== null && out.innerText.trim() !== ''; }""",
                arg=cell.element_handle(), timeout=15_000)
        except PlaywrightTimeout:
            continue
        rendered.append((index, cell))
    cells = {}
    for index, cell in rendered:
        cell.scroll_into_view_if_needed()
        cells[index] = tuple(cell.evaluate(
            """cell => [cell.querySelector('.jp-RenderedMarkdown, .myst').innerText,
                        cell.querySelectorAll('.katex-display').length,
                        cell.querySelectorAll('[title="Cross Reference Not Found"]').length]"""))
    return cells


def rendering_problems(cells, source, n_markdown_cells):
    """What is wrong with the rendered Markdown of a page whose MyST ``source`` is given."""
    problems = []
    if len(cells) != n_markdown_cells:
        problems.append(f"{len(cells)} of {n_markdown_cells} Markdown cells were rendered")
    for index, (text, _, unresolved) in sorted(cells.items()):
        if unresolved:
            problems.append(f"cell {index} shows {unresolved} unresolved reference(s)")
        for match in RAW_MYST.finditer(text):
            start = max(match.start() - 40, 0)
            problems.append(f"cell {index} shows raw source {match.group(0)!r}: "
                            f"...{text[start:match.end() + 40]!r}...")
    typeset = sum(equations for _, equations, _ in cells.values())
    expected = len(re.findall(r"^```\{math\}", source, flags=re.MULTILINE))
    if typeset != expected:
        problems.append(f"{typeset} typeset display equations, {expected} {{math}} blocks")
    return problems


#: How the Markdown cell after a figure's code cell starts: JupyterLab shows that
#: cell as the figure's caption; the book removes it (tag remove-cell) and shows
#: the caption stored in the code cell's options instead.
CAPTION_PREFIX = "**Figure.** "


def caption_mismatches(notebook):
    """Figures whose caption is not repeated, word for word, in a removed cell below them."""
    problems = []
    for index, cell in enumerate(notebook.cells):
        caption = cell.metadata.get("mystnb", {}).get("figure", {}).get("caption")
        if cell.cell_type != "code" or caption is None:
            continue
        below = notebook.cells[index + 1] if index + 1 < len(notebook.cells) else None
        if (below is None or below.cell_type != "markdown"
                or "remove-cell" not in below.metadata.get("tags", [])
                or " ".join(below.source.split()) != " ".join((CAPTION_PREFIX + caption).split())):
            name = cell.metadata["mystnb"]["figure"].get("name")
            problems.append(f"cell {index} ({name}): caption not repeated below it for JupyterLab")
    return problems
