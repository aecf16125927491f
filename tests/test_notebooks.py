"""nbval over the section notebooks, and proof that it can fail.

The sections are MyST Markdown notebooks. Converted to .ipynb they carry no
outputs, so strict nbval would compare nothing; instead each key result is
asserted in a cell tagged `remove-cell` (hidden in the HTML, executed here
and in the build), and nbval runs in lax mode, which executes every cell
and fails on any exception.
"""

import os
import re
import subprocess

import jupytext
import pytest

from book_paths import PYTHON, SECTIONS

FRONT_MATTER_KEYS = ("jupytext", "kernelspec")


def convert(markdown_path, out_dir, edit=None):
    """Write ``markdown_path`` as an .ipynb into ``out_dir``; ``edit`` rewrites its text first."""
    text = markdown_path.read_text()
    if edit is not None:
        text = edit(text)
    notebook = jupytext.reads(text, fmt="md:myst")
    target = out_dir / (markdown_path.stem + ".ipynb")
    jupytext.write(notebook, target, fmt="ipynb")
    return target, notebook


def run_nbval(paths, cwd):
    environment = dict(os.environ, MLP_CORE_WIDGETS="precomputed")
    return subprocess.run(
        [PYTHON, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         "--nbval-cell-timeout=600", *map(str, paths)],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=1200)


def test_every_section_is_an_executable_notebook():
    assert len(SECTIONS) == 4, [p.name for p in SECTIONS]
    for path in SECTIONS:
        metadata = jupytext.read(path).metadata
        # Without this front matter MyST-NB renders the page as plain
        # Markdown and silently runs none of its code.
        for key in FRONT_MATTER_KEYS:
            assert key in metadata, f"{path.name} lacks `{key}` front matter"


def test_sections_carry_result_checks():
    for path in SECTIONS:
        notebook = jupytext.read(path)
        checks = [c for c in notebook.cells if c.cell_type == "code"
                  and "remove-cell" in c.metadata.get("tags", []) and "assert" in c.source]
        assert checks, f"{path.name} has no assert cell tagged remove-cell"


def test_nbval_passes_on_every_section(tmp_path):
    paths = []
    n_code_cells = 0
    for section in SECTIONS:
        path, notebook = convert(section, tmp_path)
        paths.append(path)
        n_code_cells += sum(cell.cell_type == "code" for cell in notebook.cells)
    result = run_nbval(paths, tmp_path)
    report = result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    # Every code cell ran as a test item: nothing skipped to get a green run.
    passed = int(re.search(r"(\d+) passed", result.stdout).group(1))
    assert passed == n_code_cells, report
    assert "skipped" not in result.stdout.splitlines()[-1], report


def _slow_xor_learning_rate(text):
    changed, count = re.subn(r"NeuralNetworkFromScratch\(\[2, 4, 2\], lr=0\.5",
                             "NeuralNetworkFromScratch([2, 4, 2], lr=0.001", text)
    assert count == 1, "section 2 no longer trains XOR with [2, 4, 2] and lr=0.5"
    return changed


def test_nbval_fails_when_a_result_changes(tmp_path):
    """Negative control: a learning rate 500x too small must fail the XOR checks."""
    section = next(p for p in SECTIONS if p.name.startswith("02_"))
    path, _ = convert(section, tmp_path, edit=_slow_xor_learning_rate)
    result = run_nbval([path], tmp_path)
    assert result.returncode != 0, result.stdout[-3000:]
    assert "AssertionError" in result.stdout, result.stdout[-3000:]
