"""`make preview`: the authors' live-reloading preview, run for real on a small book.

The small book of the execution cache tests (two pages that print a fresh token
per run) gets this repository's Makefile and .venv and is built once with
`make book`'s command. Then the real `make preview` (sphinx-autobuild) starts
in it. It must listen on 127.0.0.1 alone and serve each page with the script
that reloads it, take every output from the execution cache it shares with
`make book` (the page shows the token of that build), and after a prose edit
serve the edited page without executing any page.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from book_paths import ROOT
from test_execution_cache import BOTH_SIDE_BY_SIDE, OUTPUT, build, edit, make_small_book

sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_support import free_port  # noqa: E402

EXECUTING = "Executing notebook"


def listening_addresses(port):
    """The local IPv4 and IPv6 addresses with a socket listening on ``port``."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    addresses.add(address)
    return addresses


def page_text(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def wait_for(check, log, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and "Sphinx exited with exit code" not in log.read_text():
        try:
            result = check()
            if result:
                return result
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"{what} (waited up to {timeout} s); `make preview` said:\n{log.read_text()[-3000:]}")


@pytest.fixture()
def small_book(tmp_path):
    root = make_small_book(tmp_path / "book")
    shutil.copy2(ROOT / "Makefile", root / "Makefile")
    (root / ".venv").symlink_to(ROOT / ".venv")
    return root


def test_preview_serves_on_loopback_reloads_and_reuses_the_cache(small_book, tmp_path):
    built, executed, _ = build(small_book)
    assert executed == BOTH_SIDE_BY_SIDE
    port = free_port()
    log = tmp_path / "preview.log"
    with open(log, "wb") as output:
        # -o: the .venv is this repository's, already installed.
        process = subprocess.Popen(
            ["make", "-s", "-o", ".venv/.installed", "preview", f"PREVIEW_PORT={port}"],
            cwd=small_book, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/book"
    try:
        first = wait_for(lambda: page_text(f"{base}/b.html"), log, 180, "no page was served")
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
        assert "/websocket-reload" in first  # sphinx-autobuild's script that reloads the page
        tokens = {match.group(1): match.group(3) for match in OUTPUT.finditer(first)}
        assert tokens == {"b": built["b"][1]}  # the output of `make book`'s run, from the cache

        edit(small_book / "book" / "b.md", "Prose of page b.", "Prose of page b, edited.")
        edited = wait_for(lambda: (text := page_text(f"{base}/b.html"))
                          and "Prose of page b, edited." in text and text,
                          log, 120, "the edit was not served")
        assert {match.group(3) for match in OUTPUT.finditer(edited)} == {built["b"][1]}
        assert EXECUTING not in log.read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_a_server_on_every_address_is_seen():
    """Negative control of the loopback check: a socket listening on 0.0.0.0."""
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert listening_addresses(port) == {"00000000"}
