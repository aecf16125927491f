"""The built HTML book, and proof that the build fails loudly.

`make book` builds with `--nitpick --warningiserror --keep-going`,
`nb_execution_raise_on_error` and `execute.stderr_output: error`; the
negative controls below build tiny books with the same configuration and
defective pages, and check that the build command exits non-zero and names each defect.
`make serve` serves the built book where its take-home notebooks install mlp_core from.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from book_paths import BUILD_FLAGS, FRONT_MATTER, LANDING_PAGES, ROOT, SECTIONS

sys.path[:0] = [str(ROOT / "_ext"), str(ROOT / "tests" / "browser"), str(ROOT / "site")]

from browser_support import free_port  # noqa: E402
from chapter_pdf import chapter_pages  # noqa: E402
from take_home import wheel_name  # noqa: E402

PAGE_BUDGET_BYTES = 2_000_000
PAGES = ["book/intro.html", *(f"book/{p.stem}.html" for p in sorted(SECTIONS + LANDING_PAGES)),
         "book/references.html"]
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


#: What a reader of this book never meets: the chapter it was written from, chapters that
#: are not in it, or earlier versions of a page.
NOT_FOR_READERS = re.compile(r"source chapter|earlier version|\bch\d{3}\b|\bchapters? \d{2,3}\b",
                             re.IGNORECASE)


def reader_text(path):
    """The words of a built page's article, as a reader reads them (line breaks joined)."""
    return " ".join((soup_of(path).find("article") or soup_of(path)).get_text(" ").split())


def test_no_page_speaks_of_other_chapters_or_versions(built_html, tmp_path):
    pages = sorted(built_html.glob("book/*.html"))
    assert len(pages) >= len(PAGES) + 1  # the reference appendix too, made from docstrings
    found = {path.name: NOT_FOR_READERS.findall(reader_text(path)) for path in pages}
    assert not any(found.values()), found
    # Negative control: the phrase split over two lines of a docstring is still found.
    sample = tmp_path / "not_for_readers.html"
    sample.write_text("<article><p>clipped as in the source\n  chapter</p></article>")
    assert NOT_FOR_READERS.findall(reader_text(sample)) == ["source chapter"]


@pytest.mark.parametrize("page", [f"book/{p.stem}.html" for p in SECTIONS])
def test_section_has_figures_math_and_exercises(built_html, page):
    soup = soup_of(built_html / page)
    figures = soup.select("figure")
    # A section in several pages has its figures, labelled equations and references to
    # them on some of its pages (page 2.2, the XOR seed study, has no equation of its own).
    section_soups = [soup_of(built_html / f"book/{p.stem}.html") for p in SECTIONS
                     if p.stem[:2] == page[5:7]]
    assert any(s.select("figure") for s in section_soups), f"the section of {page} has no figure"
    for figure in figures:
        image = figure.find("img")
        assert image is not None, f"a figure in {page} has no image: {figure.get_text()[:80]}"
        assert len(image.get("alt", "")) > 20, f"a figure in {page} lacks alt text: {image}"
        assert figure.find("figcaption"), f"a figure in {page} lacks a caption"
        assert figure.get("id", "").startswith("fig-"), f"a figure in {page} lacks a name"
        # Referenced with {numref} from the text, not just floating.
        assert soup.select(f'a[href$="#{figure["id"]}"]'), f"{figure['id']} is never referenced"
    assert soup.select(".math"), f"{page} has no math"
    assert any(s.select('[id^="equation-eq-"]') for s in section_soups), (
        f"the section of {page} has no labelled equation")
    assert any(s.select('a[href*="#equation-eq-"]') for s in section_soups), (
        f"the section of {page} never references an equation")
    assert soup.select(".exercise"), f"{page} has no exercise"
    assert soup.select(".solution"), f"{page} has no solution"


#: Where a page shows the numbers of its equations, figures and exercises.
NUMBERED = {"equations": "div.math span.eqno", "figures": "figure figcaption .caption-number",
            "exercises": ".exercise p.admonition-title"}


def section_notebooks(section):
    """The pages of section ``section`` ("03") that are notebooks, in reading order."""
    return [p for p in chapter_pages() if p.startswith(f"book/{section}_")
            and ROOT / f"{p}.md" in SECTIONS]


def heading_numbers(soup):
    """``[(level, number)]`` of the page's numbered headings: (1, "3.1") for its title."""
    return [(int(h.name[1]), h.select_one(".section-number").get_text().strip().rstrip("."))
            for h in soup.select("article h1, article h2, article h3")
            if h.select_one(".section-number")]


def sidebar_numbers(soup, name):
    """``{page: number}`` of the sidebar's links to the chapter's pages ("3.1") on page
    ``name`` (whose own link is "#")."""
    found = {}
    for link in soup.select("nav.bd-links a.reference.internal"):
        match = re.match(r"(\d+(?:\.\d+)*)\.\s", link.get_text().strip())
        if match:
            target = link["href"].split("#")[0].rsplit("/", 1)[-1].removesuffix(".html")
            found[target or name] = match.group(1)
    return found


def expected_page_numbers():
    """``{page: number}`` from _toc.yml: "3" for a section's page, "3.1" for its first sub-page."""
    expected = {}
    for number, chapter in enumerate(
            yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"][0]["chapters"], start=1):
        expected[Path(chapter["file"]).name] = str(number)
        for k, sub in enumerate(chapter.get("sections", []), start=1):
            expected[Path(sub["file"]).name] = f"{number}.{k}"
    return expected


def page_numbering_problems(html_dir):
    """Pages whose title, headings or sidebar are not numbered as a section and its
    sub-pages: a landing page 3 with no numbered heading of its own, its pages 3.1, 3.2, ...
    in the sidebar and in their titles, and their headings 3.1.1, 3.1.2, ..."""
    expected, problems = expected_page_numbers(), []
    for name, number in expected.items():
        soup = soup_of(html_dir / f"book/{name}.html")
        headings = heading_numbers(soup)
        if not headings or headings[0] != (1, number):
            problems.append(f"{name}: title numbered {headings[:1]}, not {number}")
        if (ROOT / "book" / f"{name}.md") in LANDING_PAGES:
            if headings[1:]:
                problems.append(f"{name}: a landing page with numbered headings {headings[1:3]}")
            continue
        problems += [f"{name}: heading {heading} at level {level}" for level, heading in headings[1:]
                     if not (heading.startswith(number + ".")
                             and heading.count(".") == number.count(".") + level - 1)]
        if sidebar_numbers(soup, name) != expected:
            problems.append(f"{name}: sidebar numbers {sidebar_numbers(soup, name)}")
    return problems


def test_sections_in_several_pages_are_numbered_as_subsections(built_html):
    # No page of section 3 comes after a heading 3.10 of its first page (3.11, 3.11.1...).
    expected = expected_page_numbers()
    assert {name for name, n in expected.items() if "." in n} >= {
        "03_backpropagation", "03_gradient_check", "03_training_on_digits"}
    assert all(path.stem in expected for path in LANDING_PAGES) and LANDING_PAGES
    assert page_numbering_problems(built_html) == []


def test_a_sub_page_numbered_after_its_section_pages_headings_is_reported(built_html, tmp_path):
    # Negative control: section 3's second page numbered as it was when the derivation,
    # with its ten numbered headings, was the section's own page: 3.11 and 3.11.1.
    shutil.copytree(built_html / "book", tmp_path / "book")
    page = tmp_path / "book" / "03_gradient_check.html"
    soup = soup_of(page)
    for span in soup.select("article .section-number"):
        span.string = span.get_text().replace("3.2.", "3.11.", 1)
    page.write_text(str(soup))
    problems = page_numbering_problems(tmp_path)
    assert any(p.startswith("03_gradient_check: title") for p in problems), problems
    assert any(p.startswith("03_gradient_check: heading 3.11.1") for p in problems), problems


def section_numbering(built_html):
    """``{(section, kind): [number, ...]}`` over the section's pages in reading order
    (_toc.yml), each number as a pair such as (3, 12) for (3.12)."""
    found = {}
    for page in chapter_pages():
        if not re.fullmatch(r"book/0\d_\w+", page):
            continue
        soup = soup_of(built_html / f"{page}.html")
        for kind, selector in NUMBERED.items():
            numbers = [tuple(map(int, re.search(r"(\d+)\.(\d+)", e.get_text()).groups()))
                       for e in soup.select(selector)]
            found.setdefault((int(page[5:7]), kind), []).extend(numbers)
    return found


def test_numbers_run_on_across_a_section_in_several_pages(built_html):
    # Section 3 is three pages: its second page goes on from the first page's last
    # equation, figure and exercise number; none restarts at 3.1 or repeats one.
    numbering = section_numbering(built_html)
    assert {section for section, _ in numbering} == {1, 2, 3, 4}
    for (section, kind), numbers in numbering.items():
        assert numbers == [(section, i) for i in range(1, len(numbers) + 1)], (section, kind, numbers)
    pages = section_notebooks("03")
    assert len(pages) == 3
    second = soup_of(built_html / f"{pages[1]}.html").select(NUMBERED["equations"])
    assert second and second[0].get_text().strip() != "(3.1)"


def test_a_restarted_number_is_reported(built_html, tmp_path):
    # Negative control: section 3's second page as it would be if its numbers restarted.
    pages = section_notebooks("03")
    shutil.copytree(built_html / "book", tmp_path / "book")
    second = tmp_path / f"{pages[1]}.html"
    soup = soup_of(second)
    for i, number in enumerate(soup.select(NUMBERED["equations"]), start=1):
        number.string = f"(3.{i})"
    second.write_text(str(soup))
    numbering = section_numbering(tmp_path)
    numbers = numbering[3, "equations"]
    assert numbers != [(3, i) for i in range(1, len(numbers) + 1)]


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


#: Tiny pages with one defect each, and what the build must report about it. A raising
#: cell stops the build at once, so it gets a book of its own, with a clean page that runs
#: side by side with it (_ext/parallel_execution.py): the raising page, not stored from
#: there, must still be reported by MyST-NB. The two warnings share one book.
DEFECTS = {
    "clean": ("```{code-cell} ipython3\nprint('fine')\n```\n",
              r"clean\.md: Executing notebook, 2 at a time"),
    "raising": ("```{code-cell} ipython3\nraise ValueError('broken cell')\n```\n",
                r"ExecutionError: \S*raising\.md"),
    "stderr": ("```{code-cell} ipython3\nimport warnings\nwarnings.warn('stale')\n```\n",
               r"stderr\.md:\d+: ERROR: stderr was found in the cell outputs"),
    "xref": ("See {numref}`fig-that-does-not-exist`.\n",
             r"xref\.md:\d+: WARNING: undefined label: 'fig-that-does-not-exist'"),
}


def build_tiny_book(tmp_path, pages):
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "site").symlink_to(ROOT / "site")  # the config's local extension
    shutil.copytree(ROOT / "_ext", tmp_path / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", tmp_path / "book" / "references.bib")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n" + "".join(
        f"  - file: book/{name}\n" for name in pages))
    (tmp_path / "book" / "intro.md").write_text("# Tiny book\n\nA page for build tests.\n")
    for name in pages:
        (tmp_path / "book" / f"{name}.md").write_text(
            FRONT_MATTER + f"\n# Page {name}\n\n" + DEFECTS[name][0])
    return subprocess.run([JUPYTER_BOOK, "build", str(tmp_path), *BUILD_FLAGS],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("pages", [["clean", "raising"], ["stderr", "xref"]], ids=str)
def test_build_command_fails_and_names_each_defect(tmp_path, pages):
    result = build_tiny_book(tmp_path, pages)
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)  # colours off
    assert result.returncode != 0, output[-2000:]
    # Each defect is reported by name: the failure is not some unrelated problem.
    for name in pages:
        assert re.search(DEFECTS[name][1], output), (name, output[-3000:])


def test_make_serve_serves_the_book_where_its_notebooks_install_from(built_html):
    # The take-home notebooks install mlp_core from html.baseurl; `make serve` serves the
    # built book, the wheel at its root, on that address's port.
    port = urllib.parse.urlsplit(yaml.safe_load((ROOT / "_config.yml").read_text())
                                 ["html"]["baseurl"]).port
    planned = subprocess.run(["make", "-s", "-n", "serve"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
    assert f"--bind 127.0.0.1 --directory _build/html {port}\n" in planned, planned
    # Run for real on a free port: the published one may be in use on this machine.
    free = free_port()
    process = subprocess.Popen(["make", "-s", "serve", f"SERVE_PORT={free}"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{free}/", timeout=5) as response:
                    assert "book/intro.html" in response.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None and time.monotonic() < deadline, "make serve did not serve"
                time.sleep(0.3)
        wheel = wheel_name(ROOT)
        with urllib.request.urlopen(f"http://127.0.0.1:{free}/{wheel}", timeout=5) as response:
            assert response.read() == (built_html / wheel).read_bytes()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
