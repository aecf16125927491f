"""The section notebooks run top to bottom, result checks included, and those checks can fail.

`make book` executes every section notebook and fails on any error in a cell
(`nb_execution_raise_on_error`); each key result is asserted in a cell tagged
`remove-cell` (hidden in the HTML, executed in the build). Executing the
notebooks a second time under nbval would repeat that work, so these tests
read the build's execution cache instead (jupyter-cache, in the folder
`_ext/execution_key.py` keys on mlp_core, the requirements and the config):
it must hold a successful run of each section exactly as the page reads now,
every code cell executed and none with an error. The negative controls: a
section whose learning rate was changed has no such run, and executed under
nbval its checks fail.
"""

import os
import re
import subprocess
import sys

import jupytext
import nbformat
import pytest
from jupyter_cache import get_cache
from myst_nb.core.read import read_myst_markdown_notebook

from book_paths import PYTHON, ROOT, SECTIONS

sys.path.insert(0, str(ROOT / "_ext"))

from execution_key import execution_key  # noqa: E402

FRONT_MATTER_KEYS = ("jupytext", "kernelspec")


def test_every_section_is_an_executable_notebook():
    assert len(SECTIONS) == 8, [p.name for p in SECTIONS]  # sections 2 and 4 in two pages, 3 in three
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


@pytest.fixture(scope="module")
def execution_cache(built_html):
    folder = built_html.parent / ".jupyter_cache" / execution_key(ROOT)
    if not folder.is_dir():
        pytest.fail(f"no execution cache {folder} for the current mlp_core, requirements, config "
                    "and MLP_CORE_WIDGETS: run `make book` (make test does) first")
    return get_cache(str(folder))


def as_the_build_reads(text):
    """The notebook MyST-NB makes of a page's text, which jupyter-cache matches on."""
    return read_myst_markdown_notebook(text)


def executed_run(cache, text):
    """The cached, executed notebook of a page's text; KeyError when the build has none."""
    record = cache.match_cache_notebook(as_the_build_reads(text))
    return cache.get_cache_bundle(record.pk).nb


@pytest.mark.parametrize("section", SECTIONS, ids=lambda path: path.stem)
def test_the_build_ran_every_cell_of_the_section_as_it_is_now(execution_cache, section):
    notebook = executed_run(execution_cache, section.read_text())
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells
    for cell in code_cells:
        assert cell.execution_count, f"a cell did not run:\n{cell.source[:200]}"
        errors = [output for output in cell.outputs if output.output_type == "error"]
        assert not errors, errors


def _slow_xor_learning_rate(text):
    changed, count = re.subn(r"NeuralNetworkFromScratch\(\[2, 4, 2\], lr=0\.5",
                             "NeuralNetworkFromScratch([2, 4, 2], lr=0.001", text)
    assert count == 1, "section 2 no longer trains XOR with [2, 4, 2] and lr=0.5"
    return changed


SECTION_2 = next(p for p in SECTIONS if p.name.startswith("02_"))


def test_a_changed_section_has_no_run_in_the_cache(execution_cache):
    """Negative control: the cache matches a section's code exactly."""
    with pytest.raises(KeyError):
        executed_run(execution_cache, _slow_xor_learning_rate(SECTION_2.read_text()))


def test_result_checks_fail_when_a_result_changes(tmp_path):
    """Negative control: a learning rate 500x too small must fail section 2's checks
    (nbval stops at the first failing cell, -x)."""
    notebook = jupytext.reads(_slow_xor_learning_rate(SECTION_2.read_text()), fmt="md:myst")
    path = tmp_path / "02_slow.ipynb"
    nbformat.write(notebook, path)
    result = subprocess.run(
        [PYTHON, "-m", "pytest", "--nbval-lax", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--nbval-cell-timeout=600", str(path)],
        cwd=tmp_path, env=dict(os.environ, MLP_CORE_WIDGETS="precomputed"),
        capture_output=True, text=True, timeout=1200)
    assert result.returncode != 0, result.stdout[-3000:]
    assert "AssertionError" in result.stdout, result.stdout[-3000:]
