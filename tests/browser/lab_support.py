"""Starting the real `make lab` for the tests, and reading what JupyterLab renders.

The server runs with ``HOME`` pointing at an empty folder, so a test can check that
`make lab` writes nothing there, and serves either the student's copy that `make lab`
makes (``LAB_COPY``, a temporary folder in the tests) or ``LAB_DIR`` (a copy of
``book/``, as an author would serve ``book/`` itself, so that saves never touch the
repository).
"""

import base64
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from book_paths import SECTIONS
from browser_support import free_port
from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "_ext"))

from page_forms import parse_blocks  # noqa: E402

TOKEN = "mlp-core-lab-test"
SECTION_PAGES = [path.name for path in SECTIONS]  # the notebooks, not the landing pages
ALL_PAGES = sorted(path.name for path in (REPO / "book").glob("*.md"))

# Source that must never be visible in a rendered Markdown cell: MyST roles and
# directives, equation options, and LaTeX that was not typeset.
RAW_MYST = re.compile(r"\{(eq|ref|doc|numref|cite:[pt]|math|exercise|solution[-a-z]*)\}`?"
                      r"|:label:|:class:|```|\\frac|\\operatorname|\\mathcal|\\begin\{")


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


@contextlib.contextmanager
def running_lab(home, lab_dir=None, config_path=None, lab_copy=None, lab_args=""):
    """``(base_url, log)`` of `make lab` serving ``lab_dir`` with ``HOME=home``.

    Without ``lab_dir`` it serves the student's copy, made by `make lab` in ``lab_copy``
    (``LAB_COPY``; a test passes a temporary folder). ``config_path`` is prepended to
    ``JUPYTER_CONFIG_PATH`` (a folder holding ``labconfig/page_config.json``, for
    instance, to disable an extension); ``lab_args`` go to JupyterLab.
    """
    if lab_dir is None and lab_copy is None:
        raise ValueError("give lab_dir or lab_copy: `make lab` alone makes lab/ in the repository")
    port = free_port()
    environment = dict(os.environ, HOME=str(home))
    environment.pop("JUPYTER_CONFIG_DIR", None)
    if config_path is not None:
        environment["JUPYTER_CONFIG_PATH"] = str(config_path)
    command = ["make", "-s", "lab", f"LAB_ARGS=--ip=127.0.0.1 --port={port} "
               f"--IdentityProvider.token={TOKEN} --ServerApp.port_retries=0 {lab_args}"]
    if lab_dir is not None:
        command.append(f"LAB_DIR={lab_dir}")
    if lab_copy is not None:
        command.append(f"LAB_COPY={lab_copy}")
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
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # On a loaded machine JupyterLab can take longer than that to shut its
            # kernels down (make waits for it); the test is over, so stop it outright.
            # The kernels, in sessions of their own, exit when their parent is gone.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


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


def markdown_cells(base, name, collapsed=False):
    """Indices of the Markdown cells of ``name`` as JupyterLab reads it.

    With ``collapsed``, only those whose source JupyterLab hides (``jupyter.source_hidden``).
    """
    model = get_json(f"{base}/api/contents/{name}?type=notebook&token={TOKEN}")
    return [index for index, cell in enumerate(model["content"]["cells"])
            if cell["cell_type"] == "markdown"
            and (not collapsed or cell["metadata"].get("jupyter", {}).get("source_hidden"))]


#: A Markdown cell of the open notebook, by its index.
CELL = '.jp-Notebook .jp-Cell[data-windowed-list-index="{}"]'
#: JupyterLab skips the layout of cells outside the viewport (``content-visibility:
#: auto``), and ``innerText`` of such a cell is empty: lay every cell out to read it.
EVERY_CELL_LAID_OUT = (".jp-content-visibility-mode > .jp-Notebook-cell "
                       "{ content-visibility: visible !important; }")
CELL_STATES = """indices => indices.map(index => {
    const cell = document.querySelector(`.jp-Notebook .jp-Cell[data-windowed-list-index="${index}"]`);
    if (cell === null) return 'absent';
    const placeholder = cell.querySelector('.jp-InputPlaceholder');
    if (placeholder !== null && placeholder.checkVisibility()) return 'collapsed';
    const out = cell.querySelector('.jp-RenderedMarkdown, .myst');
    return out !== null && out.textContent.trim() !== '' ? 'rendered' : 'empty'; })"""
READ_CELLS = """indices => indices.map(index => {
    const cell = document.querySelector(`.jp-Notebook .jp-Cell[data-windowed-list-index="${index}"]`);
    return [cell.querySelector('.jp-RenderedMarkdown, .myst').innerText,
            cell.querySelectorAll('.katex-display').length,
            cell.querySelectorAll('[title="Cross Reference Not Found"]').length]; })"""


def cell_states(page, indices, wanted, timeout):
    """``{index: state}`` of the cells, once every state is one of ``wanted`` or after
    ``timeout`` ms: 'absent', 'empty', 'rendered' or 'collapsed' (a hidden source)."""
    try:
        page.wait_for_function(f"indices => ({CELL_STATES})(indices).every("
                               f"state => {list(wanted)!r}.includes(state))",
                               arg=indices, timeout=timeout)
    except PlaywrightTimeout:
        pass
    return dict(zip(indices, page.evaluate(CELL_STATES, indices)))


def rendered_markdown(page, indices):
    """``{cell index: (text, display equations, unresolved references, collapsed)}``.

    After a notebook opens, JupyterLab attaches and renders its cells a few at a
    time; this waits until each cell of ``indices`` shows rendered Markdown or the
    placeholder of a collapsed cell (a solution's). A collapsed cell is expanded
    with a click, as a student would. All cells are read at the end, when a
    reference to a label further down has resolved. A cell that never renders is
    left out.
    """
    states = cell_states(page, indices, ("rendered", "collapsed"), 60_000)
    collapsed = [index for index, state in states.items() if state == "collapsed"]
    for index in collapsed:
        page.locator(CELL.format(index)).locator(".jp-InputPlaceholder").first.click()
    states = cell_states(page, indices, ("rendered",), 15_000)
    shown = [index for index, state in states.items() if state == "rendered"]
    page.add_style_tag(content=EVERY_CELL_LAID_OUT)
    return {index: (*cell, index in collapsed)
            for index, cell in zip(shown, page.evaluate(READ_CELLS, shown))}


def rendering_problems(cells, source, n_markdown_cells, collapsed=()):
    """What is wrong with the rendered Markdown of a page whose MyST ``source`` is given.

    ``collapsed``: the indices of the Markdown cells that must show collapsed.
    """
    problems = []
    shown_collapsed = sorted(index for index, cell in cells.items() if cell[3])
    if shown_collapsed != sorted(collapsed):
        problems.append(f"cells {shown_collapsed} showed collapsed, not {sorted(collapsed)}")
    if len(cells) != n_markdown_cells:
        problems.append(f"{len(cells)} of {n_markdown_cells} Markdown cells were rendered")
    for index, (text, _, unresolved, _) in sorted(cells.items()):
        if unresolved:
            problems.append(f"cell {index} shows {unresolved} unresolved reference(s)")
        for match in RAW_MYST.finditer(text):
            start = max(match.start() - 40, 0)
            problems.append(f"cell {index} shows raw source {match.group(0)!r}: "
                            f"...{text[start:match.end() + 40]!r}...")
    typeset = sum(cell[1] for cell in cells.values())
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


def solution_cells_not_collapsed(notebook):
    """Cells of a multi-cell solution (between solution-start and solution-end) that
    JupyterLab would show expanded: every such cell must hide its source, and a code
    cell its outputs too, so that the solution stays collapsed until clicked."""
    problems, inside = [], False
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and "```{solution-start}" in cell.source:
            inside = not cell.source.rstrip().endswith("```{solution-end}\n```")
            continue
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("```{solution-end}"):
            inside = False
            continue
        hidden = cell.metadata.get("jupyter", {})
        needed = ["source_hidden"] + (["outputs_hidden"] if cell.cell_type == "code" else [])
        if inside and not all(hidden.get(key) for key in needed):
            problems.append(f"cell {index} of a solution is not collapsed: {cell.source[:60]!r}")
    return problems


def run_all_cells(page, base, timeout=300):
    """*Run ▸ Run All Cells* in the open notebook, then :func:`wait_until_idle`."""
    start_run_all(page)
    wait_until_idle(base, timeout)


#: Whether a code cell of the open notebook is queued, running ([*]) or has run ([n]).
EXECUTION_STARTED = ("() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]"
                     ".some(prompt => /\\[(\\*|\\d+)\\]/.test(prompt.textContent))")


#: Whether a code cell of the open notebook is still queued or running ([*]).
EXECUTION_PENDING = ("() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]"
                     ".some(prompt => prompt.textContent.includes('[*]'))")


#: Whether the open notebook has a kernel and it is idle. (Before its session starts the
#: toolbar says "No Kernel" and the status is already "idle"; then "unknown" until the
#: kernel is connected.)
KERNEL_READY = """() => {
    const name = document.querySelector('.jp-Toolbar-kernelName');
    const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
    return name !== null && status !== null && status.dataset.status === 'idle'
           && !['', 'No Kernel'].includes(name.innerText.trim()); }"""


def start_run_all(page):
    """Once the notebook's kernel is connected and idle, click *Run ▸ Run All Cells* and
    wait until a cell is queued.

    Run All before the kernel is ready can open the kernel dialog or leave cells queued
    that never run. On a loaded machine a click on a menu that has just opened can be
    lost: then the menu is clicked once more.
    """
    for _ in range(2):  # idle twice, a second apart: not a status between two others
        page.wait_for_function(KERNEL_READY, timeout=120_000)
        page.wait_for_timeout(1000)
    for attempt in range(2):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.locator("li[data-command='runmenu:run-all']").click()
        try:
            page.wait_for_function(EXECUTION_STARTED, timeout=30_000)
            return
        except PlaywrightTimeout:
            if attempt:
                raise


def wait_until_idle(base, timeout=300):
    """Wait until every kernel of the lab at ``base`` has stayed idle for 3 s.

    A kernel reports idle between two queued cells only for an instant.
    """
    deadline, idle_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        states = {kernel["execution_state"] for kernel in get_json(f"{base}/api/kernels?token={TOKEN}")}
        if states == {"idle"}:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= 3:
                return
        else:
            idle_since = None
        time.sleep(0.25)
    raise TimeoutError(f"a kernel was still busy after {timeout} s")


def image_bytes(page, selector):
    """The bytes of the image an ``<img>`` shows, whatever its URL (blob or data)."""
    encoded = page.evaluate(
        """async selector => {
             const image = document.querySelector(selector);
             const bytes = new Uint8Array(await (await fetch(image.src)).arrayBuffer());
             let text = '';
             bytes.forEach(byte => { text += String.fromCharCode(byte); });
             return btoa(text); }""", selector)
    return base64.b64decode(encoded)


# -- the student's copy after Run All ------------------------------------------------------

#: Everything the open notebook shows as text, every cell laid out (hidden elements,
#: closed dropdowns and collapsed cells contribute nothing).
VISIBLE_TEXT = "() => document.querySelector('.jp-Notebook').innerText"
OUTPUT_TEXT = """index => {
    const cell = document.querySelector(`.jp-Notebook .jp-Cell[data-windowed-list-index="${index}"]`);
    const outputs = cell === null ? null : cell.querySelector('.jp-OutputArea');
    return outputs === null ? '' : outputs.innerText; }"""
#: ``[keyword colour, text colour, code-cell keyword colour]`` of a cell's first listing:
#: its first highlighted keyword (``def``), the colour of the text around it, and the
#: colour JupyterLab gives keywords in code cells; null without a highlighted keyword.
KEYWORD_COLOURS = """index => {
    const cell = document.querySelector(`.jp-Notebook .jp-Cell[data-windowed-list-index="${index}"]`);
    const keyword = cell.querySelector('.jp-OutputArea .hljs-keyword');
    if (keyword === null) return null;
    const probe = document.createElement('span');
    probe.style.color = 'var(--jp-mirror-editor-keyword-color)';
    keyword.parentElement.appendChild(probe);
    const colours = [getComputedStyle(keyword).color, getComputedStyle(keyword.parentElement).color,
                     getComputedStyle(probe).color];
    probe.remove();
    return colours; }"""
#: What a cell shows of its run, to say why an output is missing: its prompt, and the
#: MIME type and length of the HTML of each of its outputs.
CELL_RUN = """index => {
    const cell = document.querySelector(`.jp-Notebook .jp-Cell[data-windowed-list-index="${index}"]`);
    if (cell === null) return 'no such cell in the page';
    const prompt = cell.querySelector('.jp-InputPrompt');
    return [prompt === null ? null : prompt.textContent,
            [...cell.querySelectorAll('.jp-OutputArea-output')].map(
                output => [output.dataset.mimeType, output.innerHTML.length])]; }"""
ERROR_OUTPUTS = """() => [...document.querySelectorAll(
    '.jp-Notebook [data-mime-type="application/vnd.jupyter.error"]')].map(e => e.innerText)"""


def flat(text):
    return " ".join(text.split())


def solution_phrases(notebook, per_solution=3):
    """``{label: [phrases]}``: a few runs of plain words and a line of code from each
    solution of the student's copy (a MyST ``{solution}`` in a Markdown cell), which must
    not be on screen until the solution is opened."""
    found = {}
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for name, argument, _, body in parse_blocks(cell.source):
            if name != "solution":
                continue
            code = [line.strip() for line in re.findall(r"```python\n(.*?)```", body, re.S)
                    for line in line.splitlines() if len(line.strip()) > 20][:1]
            prose = re.sub(r"```.*?```|\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\{\w+\}`[^`]*`", "|", body,
                           flags=re.S)
            runs = re.findall(r"[A-Za-z][A-Za-z ,'-]{30,}", flat(prose))
            found[argument.strip()] = code + runs[:per_solution]
    return found


def shown_solution_phrases(page, phrases):
    """The phrases of ``phrases`` (``{label: [...]}``) that the open notebook shows."""
    text = flat(page.evaluate(VISIBLE_TEXT))
    return sorted(phrase for found in phrases.values() for phrase in found if flat(phrase) in text)


def save_with_keyboard(page, path, timeout=30):
    """File ▸ Save (Ctrl+S) in the open notebook; wait until ``path`` is written."""
    before = path.stat().st_mtime_ns
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + timeout
    while path.stat().st_mtime_ns == before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path.name} was not saved")
        time.sleep(0.2)
