"""A page taken home: from the served site alone, run a section's notebook elsewhere.

`make serve` serves the built site (`_build/html`) at its address,
``html.baseurl`` of _config.yml (http://127.0.0.1:8080/ by default). As a
reader would, the test downloads a section page, follows its download menu to
the executed notebook (`.ipynb`), and reads the notebook's first code cell:
one `%pip install` line with the site's address and the mlp_core wheel. In a
fresh virtual environment outside the repository, with only a kernel
installed (ipykernel, nbclient), nbclient executes the notebook as
downloaded: its first cell installs the wheel from the served site, with the
dependencies the wheel declares coming from pip's configured index (on this
machine a local one: no network). Every cell runs without an error and prints
what the page prints. The book's own result checks (code cells tagged
``remove-cell``, hidden on the page) are not in the download: they assert this
build's exact numbers and timings, which a reader's machine need not match.
"""

import base64
import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile

import jupytext
import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from book_paths import ROOT, SECTIONS

sys.path.insert(0, str(ROOT / "_ext"))

from take_home import is_removed_code  # noqa: E402

SECTION = "book/01_composition.html"
KERNEL = ["ipykernel==7.4.0", "nbclient==0.11.0"]  # the versions requirements.txt pins
INSTALL = re.compile(r"%pip install (\S+)")

RUN = """
import sys
import nbformat
from nbclient import NotebookClient

notebook = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(notebook, timeout=900, kernel_name="python3").execute()
nbformat.write(notebook, sys.argv[2])
"""


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def downloaded_notebook(base, section=SECTION):
    """The notebook the section page's download menu offers, as a reader gets it."""
    page_url = f"{base}/{section}"
    soup = BeautifulSoup(fetch(page_url), "html.parser")
    links = [a["href"] for a in soup.select(".dropdown-download-buttons a[href]")
             if a["href"].endswith(".ipynb")]
    assert len(links) == 1, soup.select(".dropdown-download-buttons")
    return nbformat.reads(fetch(urllib.parse.urljoin(page_url, links[0])).decode(), as_version=4)


def printed(cell):
    """What a code cell printed: its stdout and the text of its results."""
    return [output.get("text") if output.output_type == "stream"
            else output.get("data", {}).get("text/plain")
            for output in cell.outputs
            if output.output_type in ("stream", "execute_result")]


def site_address():
    return yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["baseurl"]


@pytest.fixture(scope="session")
def site(built_html, tmp_path_factory):
    """The address `make serve` serves the built book at (``-o book``: as built).

    One server for the session, as its port is fixed (`make test` runs this file's
    tests in one worker). It is ready once http.server says it listens, so that no
    other server on the port answers.
    """
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(["make", "-s", "-o", "book", "serve"], cwd=ROOT,
                                   env=dict(os.environ, PYTHONUNBUFFERED="1"),
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base = site_address().rstrip("/")
    try:
        deadline = time.monotonic() + 30
        while "Serving HTTP on 127.0.0.1" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`make serve` did not serve {base}:\n{log.read_text()}")
            time.sleep(0.2)
        fetch(f"{base}/index.html")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.parametrize("section", [f"book/{path.stem}.html" for path in SECTIONS])
def test_the_downloaded_notebook_has_outputs_and_installs_the_wheel_first(site, section):
    notebook = downloaded_notebook(site, section)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert INSTALL.fullmatch(code[0].source), code[0].source
    assert code[0].source.startswith(f"%pip install {site_address()}mlp_core-")
    # Executed: the page's outputs come with it.
    assert sum(bool(cell.outputs) for cell in code) >= 3
    # The result checks the page hides stay out; the page has some.
    assert [cell.source for cell in code if is_removed_code(cell)] == []
    assert any(map(is_removed_code, jupytext.read(ROOT / section.replace(".html", ".md")).cells))


def test_an_explorer_comes_with_the_picture_it_shows(site, built_html):
    """A precomputed explorer's output carries its first run's picture as image/png."""
    from test_widgets import built_grid

    notebook = downloaded_notebook(site, "book/02_forward_pass.html")
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs
               if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    assert len(outputs) == 1
    picture = base64.b64decode(outputs[0]["data"]["image/png"])
    assert picture.startswith(b"\x89PNG")
    figures = [figure for figure, _ in built_grid(built_html / "book/02_forward_pass.html").values()]
    assert any(f"base64,{outputs[0]['data']['image/png']}'" in figure for figure in figures)


def test_a_fresh_environment_runs_the_downloaded_notebook(site, tmp_path_factory):
    notebook = downloaded_notebook(site)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    wheel_url = INSTALL.fullmatch(first.source).group(1)
    with zipfile.ZipFile(io.BytesIO(fetch(wheel_url))) as wheel:
        assert "mlp_core/network.py" in wheel.namelist()

    home = tmp_path_factory.mktemp("reader")
    assert ROOT not in home.parents
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
    source, executed = home / "page.ipynb", home / "executed.ipynb"
    nbformat.write(notebook, source)
    result = subprocess.run([python, "-c", RUN, str(source), str(executed)], cwd=home,
                            env=environment, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ran = nbformat.read(executed, as_version=4)
    code = [cell for cell in ran.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    errors = [output for cell in code for output in cell.outputs if output.output_type == "error"]
    assert not errors, errors
    # The first cell installed the wheel from the served site.
    installed = "".join(output.get("text", "") for output in code[0].outputs)
    assert re.search(r"Successfully installed .*mlp[-_]core-1\.0\.0", installed), installed
    # The results hold: after the install cell, every cell prints what the page printed.
    book_code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(book_code) == len(code)
    assert sum(any(printed(cell)) for cell in book_code[1:]) >= 3  # there is something to compare
    for on_the_page, here in zip(book_code[1:], code[1:]):
        assert printed(here) == printed(on_the_page), on_the_page.source[:300]
    print(f"take-home run: {len(code)} code cells of {SECTION} ran in a fresh environment; "
          f"first cell: {first.source}\n{installed[-600:]}")
