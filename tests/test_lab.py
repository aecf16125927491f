"""`make lab`: JupyterLab opens the MyST pages as notebooks, configured from the project only."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from book_paths import ROOT

TOKEN = "mlp-core-lab-test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def lab_server(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    environment = dict(os.environ, HOME=str(home))
    environment.pop("JUPYTER_CONFIG_DIR", None)
    process = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_ARGS=--ip=127.0.0.1 --port={port} "
         f"--IdentityProvider.token={TOKEN} --ServerApp.port_retries=0"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            get_json(f"{base}/api/status?token={TOKEN}")
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGTERM)
                pytest.fail("JupyterLab did not start:\n" + process.stdout.read().decode()[-3000:])
            time.sleep(0.5)
    yield base, home
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    process.stdout.close()


def test_lab_opens_myst_pages_as_notebooks_without_touching_home(lab_server):
    base, home = lab_server
    settings = get_json(f"{base}/lab/api/settings/@jupyterlab/docmanager-extension:plugin"
                        f"?token={TOKEN}")
    # Overrides from .jupyter/labconfig arrive as the schema's defaults.
    viewers = settings["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers["markdown"] == "Jupytext Notebook", viewers
    assert viewers["myst"] == "Jupytext Notebook", viewers
    page = get_json(f"{base}/api/contents/02_forward_pass.md?type=notebook&token={TOKEN}")
    assert page["type"] == "notebook"
    code_cells = [c for c in page["content"]["cells"] if c["cell_type"] == "code"]
    assert any("explore_xor" in c["source"] for c in code_cells)
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*")); assert written == [], written
