"""The built HTML book, and proof that the build fails loudly.

`make book` builds with `--nitpick --warningiserror --keep-going`,
`nb_execution_raise_on_error` and `execute.stderr_output: error`; the
negative controls below build tiny books with the same configuration and
one defect each, and check that the build command exits non-zero.
"""

import shutil
import subprocess

import pytest
import yaml
from bs4 import BeautifulSoup

from book_paths import BUILD_FLAGS, FRONT_MATTER, ROOT, SECTIONS

PAGE_BUDGET_BYTES = 2_000_000
PAGES = ["book/intro.html", *(f"book/{p.stem}.html" for p in SECTIONS), "book/references.html"]
JUPYTER_BOOK = str(ROOT / ".venv" / "bin" / "jupyter-book")


def soup_of(path):
    return BeautifulSoup(path.read_text(), "html.parser")


@pytest.mark.parametrize("page", PAGES)
def test_page_has_no_error_output(built_html, page):
    path = built_html / page
    soup = soup_of(path)
    article = soup.find("article") or soup
    text = article.get_text()
    assert "Traceback" not in text
    assert "Error" not in " ".join(el.get_text() for el in article.select(".output"))
    assert not article.select(".output.stderr, .output.traceback, .output.error")
    assert path.stat().st_size < PAGE_BUDGET_BYTES, f"{page} is {path.stat().st_size} bytes"


@pytest.mark.parametrize("page", [f"book/{p.stem}.html" for p in SECTIONS])
def test_section_has_figures_math_and_exercises(built_html, page):
    soup = soup_of(built_html / page)
    figures = soup.select("figure")
    assert figures, f"{page} has no figure"
    for figure in figures:
        image = figure.find("img")
        assert image is not None, f"a figure in {page} has no image: {figure.get_text()[:80]}"
        assert len(image.get("alt", "")) > 20, f"a figure in {page} lacks alt text: {image}"
        assert figure.find("figcaption"), f"a figure in {page} lacks a caption"
        assert figure.get("id", "").startswith("fig-"), f"a figure in {page} lacks a name"
        # Referenced with {numref} from the text, not just floating.
        assert soup.select(f'a[href$="#{figure["id"]}"]'), f"{figure['id']} is never referenced"
    assert soup.select(".math"), f"{page} has no math"
    labelled = soup.select('[id^="equation-eq-"]')
    assert labelled, f"{page} has no labelled equation"
    assert soup.select('a[href*="#equation-eq-"]'), f"{page} never references an equation"
    assert soup.select(".exercise"), f"{page} has no exercise"
    assert soup.select(".solution"), f"{page} has no solution"


def test_config_keys_the_execution_cache_and_fails_on_errors():
    """Stale outputs and swallowed errors are prevented by the configuration."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    # jupyter-cache alone matches pages on their code cells; the extension keys the
    # cache on mlp_core and the config too (tests/test_execution_cache.py).
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["sphinx"]["local_extensions"]["execution_key"] == "_ext"
    assert config["execute"]["stderr_output"] == "error"
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True


@pytest.mark.parametrize("source", sorted(p.relative_to(ROOT).as_posix()
                                           for p in (ROOT / "mlp_core").glob("*.py")))
def test_any_mlp_core_change_rebuilds_every_page(source):
    """Sphinx alone re-executes only edited pages; `make book` must rebuild all of them."""
    dry_run = subprocess.run(["make", "-n", "-W", source, "book"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    build_lines = [line for line in dry_run.splitlines() if "jupyter-book build" in line]
    assert build_lines, f"changing {source} does not rebuild the book:\n{dry_run}"
    assert "--all" in build_lines[0].split()


def test_rebuild_check_can_fail():
    """Negative control: a file the book does not use triggers no rebuild."""
    dry_run = subprocess.run(["make", "-n", "-W", "README.md", "book"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert "jupyter-book build" not in dry_run


DEFECTS = {
    "none": "```{code-cell} ipython3\nprint(1 + 1)\n```\n",
    "raising cell": "```{code-cell} ipython3\nraise ValueError('broken cell')\n```\n",
    "warning on stderr": "```{code-cell} ipython3\nimport warnings\nwarnings.warn('stale')\n```\n",
    "broken cross-reference": "See {numref}`fig-that-does-not-exist`.\n",
}


def build_tiny_book(tmp_path, body):
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "site").symlink_to(ROOT / "site")  # the config's local extension
    shutil.copytree(ROOT / "_ext", tmp_path / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", tmp_path / "book" / "references.bib")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: book/page\n")
    (tmp_path / "book" / "intro.md").write_text("# Tiny book\n\nA page for build tests.\n")
    (tmp_path / "book" / "page.md").write_text(FRONT_MATTER + "\n# Page\n\n" + body)
    return subprocess.run([JUPYTER_BOOK, "build", str(tmp_path), *BUILD_FLAGS],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("defect", DEFECTS)
def test_build_command_fails_on_each_defect(tmp_path, defect):
    result = build_tiny_book(tmp_path, DEFECTS[defect])
    if defect == "none":
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    else:
        assert result.returncode != 0, f"the build ignored a {defect}"
