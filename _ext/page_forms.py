"""The forms a page takes outside the book: a student's copy for JupyterLab, a take-home notebook.

The pages in ``book/`` are written for the book build, which runs every cell:
the hidden result checks (code cells tagged ``remove-cell``) and the code of
the exercises' solutions, whose cells sit between ``{solution-start}`` and
``{solution-end}``. Outside the book three things differ:

- A solution must stay hidden until the reader opens it. JupyterLab shows the
  first line of a collapsed Markdown cell and expands a code cell's outputs as
  soon as *Run All Cells* runs it, so every solution becomes one Markdown cell,
  a closed dropdown, with its code as a listing (:func:`merge_solutions`).
- The hidden checks assert this build's numbers and timings: the reader's copy
  leaves them out (:func:`drop_hidden_checks`); the book and CI still run them.
- jupyterlab-myst numbers equations and exercises per page; the student's copy
  numbers them as the book does, (2.1) and Exercise 2.1 (:func:`number_as_the_book`).

``python _ext/page_forms.py book lab`` writes the student's copy of every page
of ``book/`` into ``lab/`` (what `make lab` does; it keeps pages already there);
:mod:`take_home` uses the same functions, then turns the MyST into plain Markdown.
"""

import re
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

SOLUTION_START = re.compile(r"^```\{solution-start\}\s*(?P<label>\S+)\n(?P<options>(?::[^\n]*\n)*)```\n?",
                            re.MULTILINE)
SOLUTION_END = re.compile(r"^```\{solution-end\}\n```\n?", re.MULTILINE)


def is_hidden_check(cell):
    """A code cell the book runs but does not show (tag ``remove-cell``)."""
    return cell.cell_type == "code" and "remove-cell" in cell.metadata.get("tags", [])


def drop_hidden_checks(notebook):
    notebook.cells = [cell for cell in notebook.cells if not is_hidden_check(cell)]
    return notebook


def fence(text, info=""):
    """``text`` in a code fence longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text.rstrip()}\n{ticks}"


def output_text(outputs):
    """What a code cell's outputs print, as text (stdout, stderr and plain results)."""
    parts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") in ("execute_result", "display_data"):
            text = output.get("data", {}).get("text/plain", "")
            if text and not text.startswith("<"):  # not a repr such as <Figure size ...>
                parts.append(text + "\n")
    return "".join(parts)


def solution_parts(cells):
    """``[(kind, text)]`` of a solution's cells: Markdown text, code, and what the code printed."""
    parts = []
    for cell in cells:
        if is_hidden_check(cell):
            continue
        if cell.cell_type == "markdown":
            if cell.source.strip():
                parts.append(("markdown", cell.source.strip()))
        elif cell.cell_type == "code":
            parts.append(("code", cell.source.strip()))
            printed = output_text(cell.get("outputs", []))
            if printed.strip():
                parts.append(("output", printed.rstrip()))
    return parts


def myst_solution(label, options, parts):
    """One MyST ``{solution}`` dropdown (jupyterlab-myst shows it closed)."""
    body = []
    for kind, text in parts:
        if kind == "markdown":
            body.append(text)
        elif kind == "code":
            body.append(fence(text, "python"))
        else:
            body.append("Output:\n\n" + fence(text, "text"))
    return fence(f"{options}\n" + "\n\n".join(body), f"{{solution}} {label}")


def merge_solutions(notebook, render=myst_solution):
    """Every solution whose cells lie between ``{solution-start}`` and ``{solution-end}``
    becomes one Markdown cell, ``render(label, options, parts)``, where it started.

    A Markdown cell may end one solution, hold an exercise and start the next."""
    cells, label, options, gathered = [], None, "", None

    def emit(text):
        if text.strip():
            cells.append(nbformat.v4.new_markdown_cell(text.strip()))

    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            (cells if gathered is None else gathered).append(cell)
            continue
        text = cell.source
        while text:
            if gathered is None:
                start = SOLUTION_START.search(text)
                if start is None:
                    if text is cell.source:
                        cells.append(cell)  # unchanged, with its metadata
                    else:
                        emit(text)
                    break
                emit(text[:start.start()])
                label, options, gathered = start.group("label"), start.group("options"), []
                text = text[start.end():]
            else:
                end = SOLUTION_END.search(text)
                if end is None:
                    gathered.append(nbformat.v4.new_markdown_cell(text))
                    break
                gathered.append(nbformat.v4.new_markdown_cell(text[:end.start()]))
                cells.append(nbformat.v4.new_markdown_cell(render(label, options, solution_parts(gathered))))
                gathered, text = None, text[end.end():]
    if gathered is not None:
        raise ValueError(f"the solution of {label} has no {{solution-end}}")
    notebook.cells = cells
    return notebook


def is_notebook_source(text):
    """Whether a page's MyST source is a notebook: jupytext front matter with a kernelspec
    (a section's landing page is plain Markdown)."""
    return text.startswith("---\n") and "kernelspec:" in text.split("\n---\n", 1)[0]


def section_files(root):
    """The files of each numbered section of ``_toc.yml``, in order: the section's page,
    then its sub-pages (its ``sections:``), e.g. ``["book/03_index", "book/03_backprop..."]``."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text())
    return [[chapter["file"], *(sub["file"] for sub in chapter.get("sections", []))]
            for part in toc.get("parts", []) if part.get("numbered")
            for chapter in part["chapters"]]


def section_numbers(root):
    """``{page name: section number}`` of the numbered pages of ``_toc.yml`` (book/02_x -> 2);
    the sub-pages of a section carry the section's number."""
    return {Path(file).name: number
            for number, files in enumerate(section_files(root), start=1) for file in files}


#: What the book numbers on a page, as jupyterlab-myst's numbering names it, and how the
#: page's MyST source marks each one.
NUMBERED = {"equation": re.compile(r"^```\{math\}\n:label:", re.MULTILINE),
            "figure": re.compile(r"^  figure:\n(?:    .*\n)*?    name: ", re.MULTILINE),
            "exercise": re.compile(r"^```\{exercise\}", re.MULTILINE)}


def numbering_starts(root, name):
    """``{kind: first number}`` of a sub-page of a section (``sections:`` in ``_toc.yml``):
    the book numbers a section's equations, figures and exercises on from one page to the
    next, so the second page's first equation is one more than the first page's count.
    Empty for a section's first page and for pages outside a section."""
    for files in section_files(root):
        names = [Path(file).name for file in files]
        if name in names[1:]:
            before = "".join((Path(root) / f"{file}.md").read_text()
                             for file in files[:names.index(name)])
            return {kind: len(pattern.findall(before)) + 1 for kind, pattern in NUMBERED.items()}
    return {}


def number_as_the_book(notebook, section, starts=None):
    """jupyterlab-myst numbers equations and exercises per page, (1) and Exercise 1; page
    front matter in the first Markdown cell makes them (2.1) and Exercise 2.1, as in the book,
    and on a section's later pages starts each kind at its number in the book (``starts``)."""
    first = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    kinds = "".join(f"\n  {kind}:\n    start: {start}" for kind, start in (starts or {}).items())
    first.source = f'---\nnumbering:\n  enumerator: "{section}.%s"{kinds}\n---\n' + first.source
    return notebook


def student_copy(notebook, section=None, starts=None):
    """The page as a student works on it in JupyterLab: no hidden checks, solutions in
    closed dropdowns, and for a section (its number) the book's numbering (``starts``:
    :func:`numbering_starts`). Markdown cells the book removes (figure captions) stay."""
    notebook = merge_solutions(drop_hidden_checks(notebook))
    return notebook if section is None else number_as_the_book(notebook, section, starts)


# -- plain Markdown, for front ends without MyST -------------------------------------------

FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})(?P<info>[^`\n]*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[\w-]+)\}\s*(?P<argument>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
ROLE = re.compile(r"\{(?P<role>eq|ref)\}`(?P<target>[^`]+)`")
CITE = re.compile(r"\{cite:(?P<style>[pt])\}`(?P<keys>[^`]+)`")
TARGET = re.compile(r"^\((?P<label>[\w-]+)\)=\n", re.MULTILINE)
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def parse_blocks(text):
    """``[(directive name or None, argument, options, body or text)]``: the top-level
    fenced directives of MyST ``text`` and the text between them (name None)."""
    lines, blocks, plain, i = text.split("\n"), [], [], 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        if opening is None:
            plain.append(lines[i])
            i += 1
            continue
        fence_ = opening.group("fence")
        closing = next((j for j in range(i + 1, len(lines))
                        if re.fullmatch(re.escape(fence_[0]) + "{%d,}" % len(fence_), lines[j].strip())),
                       len(lines))
        directive = DIRECTIVE.match(opening.group("info").strip())
        if directive is None:  # a code block: kept as it is
            plain.extend(lines[i:closing + 1])
            i = closing + 1
            continue
        if plain:
            blocks.append((None, "", {}, "\n".join(plain)))
            plain = []
        body, options = lines[i + 1:closing], {}
        while body and OPTION.match(body[0]):
            option = OPTION.match(body.pop(0))
            options[option.group("key")] = option.group("value")
        blocks.append((directive.group("name"), directive.group("argument"), options,
                       "\n".join(body).strip("\n")))
        i = closing + 1
    if plain:
        blocks.append((None, "", {}, "\n".join(plain)))
    return blocks


def plain_markdown(text, book):
    """MyST ``text`` as plain Markdown that Jupyter front ends without MyST (classic
    Notebook, nbconvert, VS Code, GitHub) render: ``{math}`` as ``$$...$$`` with the
    book's number as ``\tag``, exercises as bold headings, solutions in collapsed
    ``<details>``, admonitions as quotes, ``{eq}`` and ``{ref}`` as the book's numbers
    and titles, ``{cite:p}`` and ``{cite:t}`` as author-year links to the references, and links to pages and labels as links to the published pages.

    ``book`` answers ``equation(label)``, ``exercise(label)`` (numbers such as "2.1"),
    ``reference(label)`` (``(text, url)``), ``citation(key)`` (``(authors, year, url)``)
    and ``link(target)`` (a URL).
    """
    parts = []
    for name, argument, options, body in parse_blocks(text):
        if name is None:
            parts.append(inline_markdown(body, book))
        elif name == "math":
            parts.append(display_math(body.strip(), options, book))
        elif name == "exercise":
            parts.append(f"**Exercise {book.exercise(options['label'])} ({argument.strip()})**"
                         f"\n\n{plain_markdown(body, book)}")
        elif name == "solution":
            parts.append(f"<details>\n<summary>Solution to Exercise {book.exercise(argument.strip())}"
                         f"</summary>\n\n{plain_markdown(body, book)}\n\n</details>")
        elif name == "admonition":
            quoted = "\n".join(f"> {line}".rstrip() for line in plain_markdown(body, book).split("\n"))
            parts.append(f"> **{argument.strip()}**\n>\n{quoted}")
        else:
            raise ValueError(f"no plain Markdown for the directive {{{name}}}: {body[:80]!r}")
    return "\n\n".join(part.strip("\n") for part in parts if part.strip())


def display_math(body, options, book):
    """``$$...$$`` that every front end numbers as the book does. Lines split by ``\\\\``
    go in ``aligned``, as Sphinx puts them in ``split``. The ``equation*`` keeps
    jupyterlab-myst, which numbers each display of a page (1), (2)..., from adding its
    number beside the book's ``\\tag``."""
    if "\\\\" in body and "\\begin" not in body:
        body = f"\\begin{{aligned}}\n{body}\n\\end{{aligned}}"
    tag = f"\n\\tag{{{book.equation(options['label'])}}}" if "label" in options else ""
    return f"$$\n\\begin{{equation*}}\n{body}{tag}\n\\end{{equation*}}\n$$"


def inline_markdown(text, book):
    text = TARGET.sub("", text)

    def role(match):
        if match.group("role") == "eq":
            return f"({book.equation(match.group('target'))})"
        title, url = book.reference(match.group("target"))
        return f"[{title}]({url})"

    def cite(match):
        # (He et al., 2015) or He et al. (2015), each linked to its entry as in the book.
        entries = [book.citation(key.strip()) for key in match.group("keys").split(",")]
        if match.group("style") == "p":
            return "(" + "; ".join(f"[{who}, {year}]({url})" for who, year, url in entries) + ")"
        return "; ".join(f"{who} ([{year}]({url}))" for who, year, url in entries)

    text = CITE.sub(cite, ROLE.sub(role, text))
    return LINK.sub(lambda match: f"]({book.link(match.group('target'))})", text)


def plain_notebook(notebook, book):
    """Every Markdown cell of ``notebook`` (solutions already merged) as plain Markdown."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source, book)
    return notebook


def write_student_copies(book, target, reset=False):
    """Write the student's copy of every page of ``book`` into ``target``; keep the
    pages already there unless ``reset``. Returns the names written."""
    target.mkdir(parents=True, exist_ok=True)
    sections = section_numbers(Path(book).resolve().parent)
    written = []
    for page in sorted(Path(book).glob("*.md")):
        copy = target / page.name
        if copy.exists() and not reset:
            continue
        starts = numbering_starts(Path(book).resolve().parent, page.stem)
        jupytext.write(student_copy(jupytext.read(page), sections.get(page.stem), starts), copy,
                       fmt="md:myst")
        written.append(page.name)
    return written


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--reset"]
    if len(arguments) != 2:
        sys.exit("usage: python _ext/page_forms.py BOOK_DIR COPY_DIR [--reset]")
    book, target = map(Path, arguments)
    names = write_student_copies(book, target, reset="--reset" in sys.argv)
    print(f"{target}: {len(names)} page(s) copied from {book}/"
          + (f" ({', '.join(names)})" if names else ", every page was already there"))
