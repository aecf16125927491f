"""The mlp_core reference (book/reference.md) and its links with the equations.

- Every public function and class of mlp_core (the names in ``__all__`` of each
  module but ``validation``, whose rules are internals), and every public method
  of those classes, has an entry; nothing of ``validation`` has one.
- Each entry links to its highlighted source (sphinx.ext.viewcode).
- Each equation of ``_ext/mlp_reference.IMPLEMENTS`` is followed by a link to
  the entry of the code implementing it, and that entry links back to it.
- Names in the pages' code cells link to their entries (sphinx-codeautolink).

Negative controls run the same checks on HTML with one link or entry removed.
"""

import importlib
import inspect
import pkgutil
import sys

import pytest
from bs4 import BeautifulSoup

import mlp_core
from book_paths import ROOT

sys.path.insert(0, str(ROOT / "_ext"))

from mlp_reference import IMPLEMENTS, short_name  # noqa: E402

REFERENCE = "book/reference.html"


def public_names():
    """``{dotted name: object}`` of every public function and class of mlp_core, and of
    the public methods and properties of those classes."""
    names = {}
    for info in pkgutil.iter_modules(mlp_core.__path__):
        if info.name == "validation":
            continue
        module = importlib.import_module(f"mlp_core.{info.name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if obj.__module__ != module.__name__:
                continue  # imported from elsewhere, documented there
            names[f"{module.__name__}.{name}"] = obj
            if inspect.isclass(obj):
                names.update({f"{module.__name__}.{name}.{member}": value
                              for member, value in vars(obj).items()
                              if not member.startswith("_")
                              and (inspect.isfunction(value) or isinstance(value, property))})
    return names


def soup_of(path):
    return BeautifulSoup(path.read_text(), "html.parser")


@pytest.fixture(scope="module")
def reference(built_html):
    return soup_of(built_html / REFERENCE)


@pytest.fixture(scope="module")
def pages(built_html):
    return {page: soup_of(built_html / f"{page}.html")
            for page in {page for page, _ in IMPLEMENTS.values()}}


def missing_entries(soup, names):
    """Names without an entry, or (functions, classes, methods) without a link to their
    highlighted source; viewcode links no property."""
    missing = []
    for name, obj in names.items():
        entry = soup.find(id=name)
        if entry is None or (not isinstance(obj, property)
                             and not entry.select('a[href*="_modules/"] .viewcode-link')):
            missing.append(name)
    return missing


def test_public_names_include_the_ones_the_pages_use():
    names = public_names()
    for name in ["mlp_core.experiments.train_digits", "mlp_core.gradcheck.gradient_check",
                 "mlp_core.network.NeuralNetworkFromScratch",
                 "mlp_core.network.NeuralNetworkFromScratch.fit",
                 "mlp_core.widgets.explore_xor"]:
        assert name in names


def test_every_public_name_has_an_entry_with_its_source(reference):
    assert missing_entries(reference, public_names()) == []
    # Nothing of validation, and no private name but the math the pages show.
    shown = {f"mlp_core.network.NeuralNetworkFromScratch.{name}"
             for name in ("_forward", "_backward", "_update", "_sgd_steps")}
    entries = {tag["id"] for tag in reference.select("dt[id]")}
    assert shown <= entries
    assert not {entry for entry in entries - shown
                if "validation" in entry or entry.rsplit(".", 1)[-1].startswith("_")}


def test_a_missing_entry_is_found(reference):
    """Negative control: a removed entry and a removed source link are reported."""
    soup = BeautifulSoup(str(reference), "html.parser")
    soup.find(id="mlp_core.gradcheck.gradient_check").decompose()
    soup.find(id="mlp_core.data.xor_data").select_one(".viewcode-link").decompose()
    assert missing_entries(soup, public_names()) == ["mlp_core.data.xor_data",
                                                     "mlp_core.gradcheck.gradient_check"]


def equation_id(label):
    """The HTML id of a labelled equation (docutils lower-cases ids)."""
    return f"equation-{label.lower()}"


def broken_equation_links(pages, reference):
    """Every missing link between an implemented equation and its code, in words."""
    problems = []
    for name, (page, labels) in IMPLEMENTS.items():
        entry = reference.find(id=name)
        if entry is None:
            problems.append(f"{name} has no entry")
            continue
        body = entry.find_next_sibling("dd")
        for label in labels:
            equation = pages[page].find(id=equation_id(label))
            if equation is None:
                problems.append(f"{page} has no equation {label}")
                continue
            line = equation.find_next_sibling()
            links = line.select(f'a[href$="reference.html#{name}"]') if line else []
            if not (line and "equation-code" in line.get("class", []) and links
                    and links[0].get_text() == short_name(name)):
                problems.append(f"{label} does not link to {name}")
            target = f"{page.split('/')[-1]}.html#{equation_id(label)}"
            if body is None or not body.select(f'a[href$="{target}"]'):
                problems.append(f"the entry of {name} does not link to {label}")
    return problems


def test_each_implemented_equation_links_to_its_code_and_back(pages, reference):
    assert broken_equation_links(pages, reference) == []


@pytest.mark.parametrize("direction", ["equation to code", "code to equation"])
def test_a_missing_equation_link_is_found(pages, reference, direction):
    """Negative control: one link removed in either direction is reported."""
    pages = {page: BeautifulSoup(str(soup), "html.parser") for page, soup in pages.items()}
    reference = BeautifulSoup(str(reference), "html.parser")
    name = "mlp_core.network.NeuralNetworkFromScratch._backward"
    page, labels = IMPLEMENTS[name]
    if direction == "equation to code":
        pages[page].find(id=equation_id(labels[1])).find_next_sibling().decompose()
        expected = f"{labels[1]} does not link to {name}"
    else:
        body = reference.find(id=name).find_next_sibling("dd")
        body.select_one(f'a[href$="#{equation_id(labels[1])}"]').decompose()
        expected = f"the entry of {name} does not link to {labels[1]}"
    assert broken_equation_links(pages, reference) == [expected]


@pytest.mark.parametrize("page, name", [
    ("book/03_training_on_digits", "mlp_core.experiments.train_digits"),
    ("book/03_gradient_check", "mlp_core.gradcheck.gradient_check"),
    ("book/02_forward_pass", "mlp_core.network.NeuralNetworkFromScratch.fit"),
])
def test_names_in_code_cells_link_to_their_entries(built_html, page, name):
    soup = soup_of(built_html / f"{page}.html")
    links = soup.select(f'.cell_input a[href$="reference.html#{name}"]')
    assert links, f"no code cell of {page} links {name}"
