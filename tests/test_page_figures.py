"""The pages' figures read well where they are shown: on a phone, where the column scales a
figure down to fit, their smallest text is at least 12 px (the body's small print is
12.8 px); on a desktop, at least 12.8 px and not much above the body's 16 px. No legend
covers a curve.

The sizes come from each figure cell drawn again as its page has it, on stand-in data
(tests/page_figures.py); the width each figure is shown at comes from the built page, and
tests/browser/test_pages.py checks in Chromium that a figure is shown at that width, or
scaled to a column at least ``PHONE_COLUMN`` or ``DESKTOP_COLUMN`` px wide, never smaller.
"""

import re

import pytest
from bs4 import BeautifulSoup

from book_paths import BOOK, SECTIONS
from page_figures import (PHONE_COLUMN, PHONE_SMALLEST, draw, draw_page_figures, figure_cells,
                          readability_problems, setup_source, shown_size)

#: Fig. 1.1 as the page drew it before its figures were sized for a phone: two plots side
#: by side, 6.7 in wide, in matplotlib's default style.
SIDE_BY_SIDE = """
fig, (ax_relu, ax_sigmoid) = plt.subplots(1, 2, figsize=(6.7, 3), layout="constrained")
plot_activation("relu", ax=ax_relu)
plot_activation("sigmoid", ax=ax_sigmoid)
plt.show()
"""
SETUP = ("import matplotlib.pyplot as plt\n"
         "from mlp_core.plotting import PAGE_STYLE, plot_activation, plot_losses\n")


@pytest.fixture(scope="module")
def drawn():
    return draw_page_figures()


def shown_widths(built_html):
    """``{figure name: natural width}`` of every figure of the built section pages."""
    widths = {}
    for path in SECTIONS:
        soup = BeautifulSoup((built_html / "book" / f"{path.stem}.html").read_text(), "html.parser")
        for figure in soup.select("figure[id]"):
            size = re.search(r"width: (\d+)px", figure.img.get("style", ""))
            widths[figure["id"]] = int(size.group(1))
    return widths


def test_every_figure_of_the_pages_is_drawn_again(drawn):
    names = [name for path in SECTIONS for name, _ in figure_cells(path)]
    assert len(names) >= 10 and sorted(drawn) == sorted(names)


def test_page_figures_read_well_on_a_phone_and_a_desktop(drawn, built_html):
    widths = shown_widths(built_html)
    assert sorted(widths) == sorted(drawn)
    problems = []
    for name, figure in drawn.items():
        # Drawn here on stand-in data, the figure has the width the page gives it.
        assert abs(figure.width - widths[name]) <= 0.02 * widths[name], (
            name, figure.width, widths[name])
        problems += readability_problems(figure, widths[name])
    assert problems == []


def test_negative_control_two_plots_side_by_side_in_the_default_style_are_too_small():
    [figure] = draw(SIDE_BY_SIDE, SETUP, "side by side")
    assert figure.width > 600
    phone = shown_size(figure.smallest(), figure.width, PHONE_COLUMN)
    assert phone < 8
    problems = readability_problems(figure)
    assert len(problems) == 1 and re.search(rf"side by side: text {phone:.1f} px on a phone",
                                            problems[0]), problems
    # The same two plots one above the other in the pages' style read well.
    stacked = SIDE_BY_SIDE.replace("1, 2, figsize=(6.7, 3)", "2, 1, figsize=(4.5, 5.4)")
    [figure] = draw(stacked, SETUP + "plt.style.use(PAGE_STYLE)\n", "stacked")
    assert readability_problems(figure) == []
    assert shown_size(figure.smallest(), figure.width, PHONE_COLUMN) >= PHONE_SMALLEST


def test_negative_control_small_legend_and_loud_title_are_reported():
    cell = """
fig, ax = plt.subplots()
plot_losses({"a": [1.0, 0.5], "b": [1.0, 0.7]}, ax=ax)
ax.legend(fontsize=8)
ax.set_title("loud", fontsize=20)
plt.show()
"""
    [figure] = draw(cell, SETUP + "plt.style.use(PAGE_STYLE)\n", "legend")
    problems = "\n".join(readability_problems(figure))
    assert re.search(r"legend: text \d+\.\d px on a phone .* such as 'a'", problems), problems
    assert re.search(r"legend: text \d+\.\d px on a desktop \('a'\)", problems), problems
    assert re.search(r"legend: text \d+\.\d px on a desktop \('loud'\)", problems), problems


def test_no_legend_of_a_page_figure_covers_a_curve(drawn):
    # On the stand-in data for the trained runs' figures, on the functions themselves for
    # the activations'.
    assert {name: figure.covered for name, figure in drawn.items() if figure.covered} == {}


def test_negative_control_a_legend_over_a_curve_is_found():
    # Fig. 1.2 with both legends in the upper left corner, where tanh' and the sigmoid
    # pass under the tanh plot's legend.
    page = BOOK / "01_composition.md"
    source = dict(figure_cells(page))["fig-composition-relatives"]
    assert "ax.legend(loc=corner)" in source
    [figure] = draw(source.replace("ax.legend(loc=corner)", 'ax.legend(loc="upper left")'),
                    setup_source(page), "upper left")
    assert figure.covered > 10
    assert readability_problems(figure) == []  # its text is as readable as before
