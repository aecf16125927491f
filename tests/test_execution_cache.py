"""The execution cache: what runs again after an edit.

`make book` uses Jupyter Book's execution cache (jupyter-cache), whose folder
`_ext/execution_key.py` names after a hash of mlp_core's sources,
pyproject.toml, requirements.txt and _config.yml. On a small book of two
pages that import a package of the book's own, built with the command of
`make book`: a prose edit runs no page again and shows in the HTML, a code
edit runs that page alone, and a change in the package runs every page; when
two pages must run they run side by side, each once. The
negative control is the cache keyed on the notebooks alone (the extension
left out), which must keep the stale outputs after the package changes.
"""

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from book_paths import BUILD_FLAGS, FRONT_MATTER, ROOT

sys.path.insert(0, str(ROOT / "_ext"))

from execution_key import KEYED_FILES, execution_key  # noqa: E402

JUPYTER_BOOK = str(ROOT / ".venv" / "bin" / "jupyter-book")
MAKE_BOOK_FLAGS = ["--all", *BUILD_FLAGS]

# Each run prints a fresh token: the same token after a rebuild means the
# output came from the cache, a new one that the page was executed again.
PAGE = FRONT_MATTER + """
# Page {name}

Prose of page {name}.

```{{code-cell}} ipython3
import sys
import uuid

sys.path.insert(0, "..")
from mlp_core.value import VALUE

print("page {name} value", VALUE, "run", uuid.uuid4().hex)
```
"""
#: Both pages run once each, at the same time, in the first build and after a package change.
BOTH_SIDE_BY_SIDE = [("a", "2"), ("b", "2")]
OUTPUT = re.compile(r"page (\w) value (\d+) run ([0-9a-f]{32})")


def make_small_book(root, keyed=True):
    root.mkdir()
    config = (ROOT / "_config.yml").read_text()
    if not keyed:
        settings = yaml.safe_load(config)
        del settings["sphinx"]["local_extensions"]["execution_key"]
        config = yaml.safe_dump(settings)
    (root / "_config.yml").write_text(config)
    shutil.copytree(ROOT / "_ext", root / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "site").symlink_to(ROOT / "site")  # the config's local extension mlp_site
    for name in ("pyproject.toml", "requirements.txt"):
        shutil.copy(ROOT / name, root / name)
    (root / "mlp_core").mkdir()
    (root / "mlp_core" / "value.py").write_text("VALUE = 1\n")
    (root / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", root / "book" / "references.bib")
    (root / "book" / "intro.md").write_text("# Small book\n\nA book for cache tests.\n")
    for name in "ab":
        (root / "book" / f"{name}.md").write_text(PAGE.format(name=name))
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                   "  - file: book/a\n  - file: book/b\n")
    return root


def build(root):
    """``{page: (value, run token)}``, the runs of pages and the page HTML after `make book`'s
    build command. A run is ``(page, "2")`` when _ext/parallel_execution.py ran it beside
    another page, ``(page, "")`` when MyST-NB ran it; a page run by both shows twice."""
    result = subprocess.run([JUPYTER_BOOK, "build", str(root), *MAKE_BOOK_FLAGS],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    outputs, html = {}, {}
    for name in "ab":
        html[name] = (root / "_build" / "html" / "book" / f"{name}.html").read_text()
        (match,) = {m.groups() for m in OUTPUT.finditer(html[name])}
        outputs[name] = (int(match[1]), match[2])
    executed = sorted(re.findall(r"book/(\w)\.md: Executing notebook(?:, (\d+) at a time)?",
                                 result.stdout))
    return outputs, executed, html


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_prose_edit_reuses_code_edit_reruns_its_page_package_change_reruns_all(tmp_path):
    root = make_small_book(tmp_path / "book")
    first, executed, _ = build(root)
    assert executed == BOTH_SIDE_BY_SIDE

    # One rebuild, two edits: prose on page b, a code cell on page a.
    edit(root / "book" / "b.md", "Prose of page b.", "Prose of page b, edited.")
    edit(root / "book" / "a.md", 'print("page a', 'print( "page a')
    after_edits, executed, html = build(root)
    assert "Prose of page b, edited." in html["b"]
    assert after_edits["b"] == first["b"]  # page b's output came from the cache
    assert executed == [("a", "")] and after_edits["a"][1] != first["a"][1]

    edit(root / "mlp_core" / "value.py", "VALUE = 1", "VALUE = 2")
    after_package, executed, _ = build(root)
    assert executed == BOTH_SIDE_BY_SIDE
    assert {value for value, _ in after_package.values()} == {2}


def test_cache_keyed_on_the_notebooks_alone_misses_a_package_change(tmp_path):
    """Negative control: without the key, a changed package leaves stale outputs."""
    root = make_small_book(tmp_path / "book", keyed=False)
    first, executed, _ = build(root)
    assert executed == BOTH_SIDE_BY_SIDE
    edit(root / "mlp_core" / "value.py", "VALUE = 1", "VALUE = 2")
    after_package, executed, _ = build(root)
    assert executed == []
    assert after_package == first  # value 1: stale


@pytest.fixture()
def keyed_tree(tmp_path):
    for pattern in KEYED_FILES:
        path = tmp_path / pattern.replace("*", "network")
        path.parent.mkdir(exist_ok=True)
        path.write_text("one\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "page.md").write_text("one\n")
    (tmp_path / "README.md").write_text("one\n")
    return tmp_path


@pytest.mark.parametrize("changed", [*KEYED_FILES, "mlp_core/new_module.py"])
def test_key_changes_with_every_keyed_file(keyed_tree, changed):
    before = execution_key(keyed_tree, {})
    (keyed_tree / changed.replace("*", "network")).write_text("two\n")
    assert execution_key(keyed_tree, {}) != before


def test_key_changes_with_the_explorer_mode(keyed_tree):
    assert (execution_key(keyed_tree, {"MLP_CORE_WIDGETS": "precomputed"})
            != execution_key(keyed_tree, {"MLP_CORE_WIDGETS": "live"}))


@pytest.mark.parametrize("unkeyed", ["book/page.md", "README.md"])
def test_key_ignores_pages_and_other_files(keyed_tree, unkeyed):
    # The pages are jupyter-cache's own business (it hashes their code cells).
    before = execution_key(keyed_tree, {})
    (keyed_tree / unkeyed).write_text("two\n")
    assert execution_key(keyed_tree, {}) == before
