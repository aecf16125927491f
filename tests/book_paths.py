"""Paths and page text shared by the tests."""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SECTIONS = sorted(BOOK.glob("0[1-9]_*.md"))
PYTHON = sys.executable
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
