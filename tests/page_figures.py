"""The pages' figures drawn again outside the build, to read their text sizes.

A built page shows a figure as a PNG at its natural size (``width`` in CSS pixels, half
the retina PNG's pixels), scaled down to fit a narrower column. How large its text then
is depends on the font sizes the figure was drawn with, which the PNG does not record.
:func:`draw_page_figures` therefore runs each figure cell of a page as the page has it,
after the page's own imports and figure style (the imports, functions and ``plt.style`` statements
of its code cells), on small stand-in data of the kinds the page passes (:func:`stand_ins`),
and measures every piece of text the figure shows. :func:`readability_problems` turns the
sizes into what a reader sees in a column of a given width.
"""

import ast
import io
import re
from dataclasses import dataclass

import jupytext
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from book_paths import DESKTOP_COLUMN, PHONE_COLUMN, SECTIONS  # noqa: E402

#: A figure's smallest text on a phone (the body's small print is 12.8 px), its smallest
#: on a desktop, and its largest there (the body text is 16 px), in CSS px.
PHONE_SMALLEST = 12.0
DESKTOP_SMALLEST = 12.8
DESKTOP_LARGEST = 18.0


@dataclass
class Drawn:
    """One figure as drawn: its natural width (CSS px), the sizes of its texts (CSS px
    at the natural size, with the text itself), and the points of its curves that a
    legend covers."""

    name: str
    width: int
    texts: list
    covered: int = 0

    def smallest(self):
        return min(size for size, _ in self.texts)

    def largest(self):
        return max(size for size, _ in self.texts)


def figure_cells(path):
    """``[(name, source)]`` of a page's code cells with ``mystnb: figure:`` metadata."""
    return [(cell.metadata["mystnb"]["figure"]["name"], cell.source)
            for cell in jupytext.read(path).cells
            if cell.cell_type == "code" and "figure" in cell.metadata.get("mystnb", {})]


def setup_source(path):
    """The imports, function definitions and figure-style statements of a page's code
    cells (its magics, data and training left out)."""
    kept = []
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(line for line in cell.source.splitlines()
                         if not line.lstrip().startswith(("%", "!")))
        kept += [node for node in ast.parse(code).body
                 if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))
                 or re.search(r"\bplt\.style\b|\brcParams\b", ast.unparse(node))]
    return "\n".join(ast.unparse(node) for node in kept)


def natural_width(fig):
    """The CSS width a page gives the figure: IPython's retina PNG (twice the figure's dpi,
    cropped to its contents) halved."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=2 * fig.dpi, bbox_inches="tight")
    return PIL.Image.open(buffer).size[0] // 2


def curve_points(fig, skip=lambda line: False):
    """Display coordinates of every drawn point of the curves of ``fig`` (not of ``skip``)."""
    points = [line.get_transform().transform(xy[np.isfinite(xy).all(axis=1)])
              for ax in fig.axes for line in ax.lines
              if len(xy := line.get_xydata()) and not skip(line)]
    return np.vstack(points) if points else np.empty((0, 2))


def covered_points(fig, skip=lambda line: False):
    """How many of the points the curves of ``fig`` pass through lie inside a legend."""
    fig.canvas.draw()
    points = curve_points(fig, skip)
    return sum(int(legend.get_window_extent().count_contains(points))
               for legend in fig.findobj(Legend))


def measure(name, fig):
    """:class:`Drawn` of a figure that has been drawn (``natural_width`` draws it)."""
    width = natural_width(fig)
    texts = [(text.get_fontsize() * fig.dpi / 72, text.get_text())
             for text in fig.findobj(Text)
             if text.get_visible() and text.get_text().strip()]
    return Drawn(name, width, texts, covered_points(fig))


def draw(source, setup="", name="figure"):
    """The figures ``source`` shows (each ``plt.show()``), drawn after ``setup`` with the
    stand-in data, as :class:`Drawn`; matplotlib's settings are restored afterwards."""
    shown = []

    def show():
        shown.extend(plt.figure(number) for number in plt.get_fignums())

    original = plt.show
    with matplotlib.rc_context():
        namespace = {}
        exec(setup, namespace)  # noqa: S102 - the page's own imports
        namespace.update(stand_ins())
        plt.show = show
        try:
            exec(source, namespace)  # noqa: S102 - the page's own figure cell
        finally:
            plt.show = original
        drawn = [measure(name, figure) for figure in dict.fromkeys(shown)]
    plt.close("all")
    return drawn


def draw_page_figures():
    """``{name: Drawn}`` of every figure of every section page."""
    figures = {}
    for path in SECTIONS:
        setup = setup_source(path)
        for name, source in figure_cells(path):
            drawn = draw(source, setup, name)
            assert len(drawn) == 1, f"{path.name}, {name}: {len(drawn)} figures shown, not 1"
            figures[name] = drawn[0]
    return figures


def shown_size(size, width, column):
    """A text ``size`` (CSS px) of a figure ``width`` px wide as shown in ``column`` px."""
    return size * min(1.0, column / width)


def readability_problems(drawn, width=None):
    """What makes a figure hard to read on a phone or too loud on a desktop, in words;
    ``width`` is its natural width on the built page (default: as drawn here)."""
    width = width or drawn.width
    phone = shown_size(drawn.smallest(), width, PHONE_COLUMN)
    desktop_small = shown_size(drawn.smallest(), width, DESKTOP_COLUMN)
    desktop_large = shown_size(drawn.largest(), width, DESKTOP_COLUMN)
    smallest = min(drawn.texts)[1]
    largest = max(drawn.texts)[1]
    problems = []
    if phone < PHONE_SMALLEST:
        problems.append(f"{drawn.name}: text {phone:.1f} px on a phone ({width} px wide "
                        f"figure, {drawn.smallest():.1f} px text such as {smallest!r})")
    if desktop_small < DESKTOP_SMALLEST:
        problems.append(f"{drawn.name}: text {desktop_small:.1f} px on a desktop ({smallest!r})")
    if desktop_large > DESKTOP_LARGEST:
        problems.append(f"{drawn.name}: text {desktop_large:.1f} px on a desktop ({largest!r})")
    return problems


def _run(losses, **history):
    """A stand-in training run: per-epoch ``losses`` and any other history."""
    from mlp_core import NeuralNetworkFromScratch
    from mlp_core.experiments import Run
    network = NeuralNetworkFromScratch([64, 128, 64, 10], rng=np.random.default_rng(0))
    return Run(network, {"loss": list(losses), **history}, None)


def stand_ins():
    """Data of the kinds the pages' figure cells take, under the pages' names: losses that
    fall over 200 epochs, a network with 2 inputs and 2 outputs, the seed study's counts,
    the computational graph's values, digits runs with every history a figure reads."""
    from mlp_core import NeuralNetworkFromScratch, xor_data
    epochs = np.arange(100)
    rising = 1 - 0.9 * np.exp(-epochs / 15)
    grad_norms = np.column_stack([np.geomspace(a, b, 100) for a, b in
                                  ((0.01, 0.0002), (0.01, 0.0003), (0.03, 0.0004))])
    run = _run(np.geomspace(2.4, 0.17, 100), train_accuracy=0.97 * rising,
               val_accuracy=0.95 * rising, grad_norms=grad_norms)
    X, y = xor_data()
    values = dict(x=3.0, w=2.0, b=-2.0, u=0.5, q=6.0, s=4.0, h=4.0, loss=2.0,
                  dL_dx=1.0, dL_dw=1.5, dL_dq=0.5, dL_db=0.5, dL_ds=0.5, dL_dh=0.5, dL_du=4.0)
    return dict(
        values,
        losses=list(np.geomspace(0.7, 0.002, 200)), X=X, y=y,
        net=NeuralNetworkFromScratch([2, 4, 2], rng=np.random.default_rng(42)),
        widths=[2, 4, 8, 16],
        solved={w: [True] * k + [False] * (20 - k) for w, k in zip((2, 4, 8, 16), (3, 12, 19, 20))},
        run=run, run_sigmoid=run, sweep={("relu", 0.3): [run], ("sigmoid", 3.0): [run]},
        tuned={"relu": 0.3, "sigmoid": 3.0},
        runs={lr: _run(np.geomspace(2.3, 2.3 * f, 30)) for lr, f in
              ((0.0003, 0.98), (0.003, 0.65), (0.03, 0.1), (0.3, 0.005), (3.0, 1.0))},
    )
