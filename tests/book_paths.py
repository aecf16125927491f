"""Paths shared by the tests."""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SECTIONS = sorted(BOOK.glob("0[1-9]_*.md"))
PYTHON = sys.executable
BUILD_FLAGS = ["--nitpick", "--warningiserror", "--keep-going"]
