"""Shared fixtures: the built book."""

import os
import pathlib

import pytest

from book_paths import ROOT


@pytest.fixture(scope="session")
def built_html():
    """The HTML that `make book` built (`make test` builds it first)."""
    html_dir = pathlib.Path(os.environ.get("BOOK_HTML_DIR", ROOT / "_build" / "html"))
    if not (html_dir / "index.html").exists():
        pytest.fail(f"{html_dir} has no built book: run `make book` (make test does) first")
    return html_dir
