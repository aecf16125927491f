"""Data sets, plotting helpers and module boundaries."""

import matplotlib

matplotlib.use("Agg")

import ast  # noqa: E402
import io  # noqa: E402
import pathlib  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

import mlp_core  # noqa: E402
from mlp_core import NeuralNetworkFromScratch, load_digits_scaled, load_digits_split, xor_data  # noqa: E402
from mlp_core.activations import relu, relu_grad, sigmoid, sigmoid_grad  # noqa: E402
from mlp_core.plotting import (  # noqa: E402
    figure_to_png,
    plot_accuracy,
    plot_activation,
    legend_below,
    plot_decision_boundary,
    plot_grad_norms,
    plot_losses,
)

PACKAGE_DIR = pathlib.Path(mlp_core.__file__).parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# -- data -------------------------------------------------------------------------

def test_xor_data():
    X, y = xor_data()
    assert X.shape == (4, 2) and y.shape == (4,)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(int))
    # fresh arrays on every call
    X[0, 0] = 9
    y[0] = 9
    X2, y2 = xor_data()
    assert X2[0, 0] == 0 and y2[0] == 0


def test_load_digits_scaled():
    X, y = load_digits_scaled()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    # scaled from whole numbers 0..16
    np.testing.assert_array_equal(X * 16, np.round(X * 16))


def test_load_digits_split_sizes_values_and_partition():
    X_train, X_val, X_test, y_train, y_val, y_test = load_digits_split()
    assert [X.shape for X in (X_train, X_val, X_test)] == [(1077, 64), (360, 64), (360, 64)]
    assert [y.shape for y in (y_train, y_val, y_test)] == [(1077,), (360,), (360,)]
    for X in (X_train, X_val, X_test):
        assert X.min() >= 0.0 and X.max() <= 1.0
    # the three splits together are exactly the full data set, each image once
    X_all, y_all = load_digits_scaled()
    combined = np.column_stack([np.vstack([X_train, X_val, X_test]),
                                np.concatenate([y_train, y_val, y_test])])
    full = np.column_stack([X_all, y_all])
    np.testing.assert_array_equal(combined[np.lexsort(combined.T[::-1])],
                                  full[np.lexsort(full.T[::-1])])


@pytest.mark.parametrize("validation_size, test_size", [(0.2, 0.2), (0.1, 0.5), (0.4, 0.3)])
def test_load_digits_split_is_stratified(validation_size, test_size):
    _, _, _, y_train, y_val, y_test = load_digits_split(validation_size, test_size)
    _, y_all = load_digits_scaled()
    for label in range(10):
        n = np.sum(y_all == label)
        assert abs(np.sum(y_test == label) - test_size * n) <= 1
        assert abs(np.sum(y_val == label) - validation_size * n) <= 1.5
        assert sum(np.sum(part == label) for part in (y_train, y_val, y_test)) == n


def test_load_digits_split_is_deterministic_and_seeded():
    a = load_digits_split()
    b = load_digits_split(validation_size=0.2, test_size=0.2, seed=0)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    c = load_digits_split(seed=1)
    assert not np.array_equal(a[1], c[1]) and not np.array_equal(a[2], c[2])


def test_the_test_split_does_not_depend_on_the_validation_size():
    # Changing how much validation data to carve out never moves a test image.
    _, _, X_test, _, _, _ = load_digits_split(validation_size=0.2)
    _, _, X_test_other, _, _, _ = load_digits_split(validation_size=0.3)
    np.testing.assert_array_equal(X_test, X_test_other)


@pytest.mark.parametrize("test_size", [0, 0.0, 1, 1.0, -0.2, 1.5, float("nan")])
def test_load_digits_split_bad_test_size(test_size):
    with pytest.raises(ValueError, match=r"`test_size`.*got " + re.escape(repr(test_size))):
        load_digits_split(test_size=test_size)


@pytest.mark.parametrize("seed, kind", [(-1, ValueError), (1.5, TypeError), ("0", TypeError)])
def test_load_digits_split_bad_seed(seed, kind):
    with pytest.raises(kind, match=r"`seed`.*got " + re.escape(repr(seed))):
        load_digits_split(seed=seed)


# -- plotting ---------------------------------------------------------------------

def rc_snapshot():
    return {key: matplotlib.rcParams[key] for key in matplotlib.rcParams}


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("plt.show must not be called")

    monkeypatch.setattr(plt, "show", fail)
    yield
    plt.close("all")


@pytest.fixture
def rc_unchanged():
    before = rc_snapshot()
    yield
    assert rc_snapshot() == before


def test_fixtures_detect_what_they_guard(rc_unchanged):
    # negative controls for the fixtures used below
    with pytest.raises(AssertionError, match="plt.show"):
        plt.show()
    before = rc_snapshot()
    with matplotlib.rc_context({"lines.linewidth": 7.5}):
        assert rc_snapshot() != before
    assert rc_snapshot() == before


def labelled_lines(ax):
    return [line for line in ax.lines if not line.get_label().startswith("_")]


def test_plot_losses_single_run(rc_unchanged):
    fig, ax = plt.subplots()
    losses = [1.0, 0.6, 0.4, 0.3]
    assert plot_losses(losses, ax=ax, log_scale=True, title="t") is ax
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), losses)
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "t"
    assert ax.get_legend() is None


def test_plot_losses_dict(rc_unchanged):
    fig, ax = plt.subplots()
    runs = {"lr=0.1": [1.0, 0.5], "lr=0.01": [1.0, 0.9, 0.8], "lr=1": [2.0]}
    assert plot_losses(runs, ax=ax) is ax
    assert len(ax.lines) == 3
    assert [line.get_label() for line in ax.lines] == list(runs)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(runs)
    assert len({line.get_linestyle() for line in ax.lines}) == 3  # not colour alone
    assert ax.get_yscale() == "linear"


def test_plot_losses_without_axes_creates_one(rc_unchanged):
    ax = plot_losses([1.0, 0.5])
    assert isinstance(ax, Axes) and len(ax.lines) == 1


def test_legend_below_moves_the_legend_under_the_plots(rc_unchanged):
    fig, ax = plt.subplots(layout="constrained")
    runs = {"lr=0.1": [1.0, 0.5], "lr=0.01": [1.0, 0.9], "lr=1": [2.0, 1.0]}
    plot_losses(runs, ax=ax)
    assert ax.get_legend() is not None  # right of the plot, as plot_losses draws it
    legend = legend_below(ax, ncol=3)
    assert ax.get_legend() is None and fig.legends == [legend]
    assert [t.get_text() for t in legend.get_texts()] == list(runs)
    assert legend._ncols == 3
    fig.canvas.draw()
    # under the plot: the legend's top is below the Axes' bottom, x labels included
    assert legend.get_window_extent().y1 <= ax.get_tightbbox().y0 + 1


def test_plot_grad_norms(rc_unchanged):
    fig, ax = plt.subplots()
    norms = np.random.default_rng(0).uniform(0.01, 1, size=(6, 3))
    assert plot_grad_norms(norms, ax=ax) is ax
    assert len(ax.lines) == 3
    for l, line in enumerate(ax.lines):
        np.testing.assert_array_equal(line.get_ydata(), norms[:, l])
    assert ax.get_yscale() == "log"
    assert "output" in ax.lines[-1].get_label()


def test_plot_accuracy(rc_unchanged):
    fig, ax = plt.subplots()
    history = {"train_accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.4, 0.7, 0.85]}
    assert plot_accuracy(history, ax=ax) is ax
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), history["train_accuracy"])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), history["val_accuracy"])


def test_plot_decision_boundary(rc_unchanged):
    X, y = xor_data()
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=np.random.default_rng(0))
    net.fit(np.tile(X, (100, 1)), np.tile(y, 100), n_epochs=50)
    params = [p["W"].copy() for p in net.params]
    fig, ax = plt.subplots()
    assert plot_decision_boundary(net, X, y, ax=ax, resolution=40) is ax
    assert len(ax.lines) == 0
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 2  # one per class
    assert sum(len(s.get_offsets()) for s in scatters) == 4
    assert all(np.array_equal(p["W"], W) for p, W in zip(net.params, params))  # trains nothing


@pytest.mark.parametrize("name, function, derivative",
                         [("relu", relu, relu_grad), ("sigmoid", sigmoid, sigmoid_grad)])
def test_plot_activation(rc_unchanged, name, function, derivative):
    fig, ax = plt.subplots()
    assert plot_activation(name, ax=ax) is ax
    curves = labelled_lines(ax)
    assert len(curves) == 2
    z = curves[0].get_xdata()
    assert 0.0 in z  # the kink is a grid point, for relu and by symmetry for sigmoid
    np.testing.assert_array_equal(curves[0].get_ydata(), function(z))
    z_slope, slope = curves[1].get_xdata(), curves[1].get_ydata()
    drawn = ~np.isnan(slope)
    np.testing.assert_array_equal(z_slope[drawn], z)
    np.testing.assert_array_equal(slope[drawn], derivative(z))
    # No drawn segment of the derivative is steeper than the curve allows:
    # a jump is a break in the line, not a vertical stroke.
    steps = np.abs(np.diff(slope)) / np.diff(z_slope)
    assert np.nanmax(steps) < 1  # relu' is flat, sigmoid'' is at most 0.1
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    if name == "relu":
        assert np.isnan(slope).sum() == 1
        # relu'(0) = 0 is the filled dot; the limit 1 from the right is open.
        filled, hollow = dots
        assert (filled.get_xdata()[0], filled.get_ydata()[0]) == (0, 0)
        assert (hollow.get_xdata()[0], hollow.get_ydata()[0]) == (0, 1)
        assert hollow.get_markerfacecolor() == "white" != filled.get_markerfacecolor()
    else:
        assert not np.isnan(slope).any() and dots == []


def test_plot_activation_unknown_name():
    with pytest.raises(ValueError, match=r"`name`.*'tanh'"):
        plot_activation("tanh")


def _figure(seed):
    fig, ax = plt.subplots(figsize=(3, 2))
    plot_losses({"a": np.random.default_rng(seed).random(10), "b": [0.5] * 10}, ax=ax)
    return fig


def test_figure_to_png_is_deterministic_and_valid(rc_unchanged):
    first = figure_to_png(_figure(0))
    second = figure_to_png(_figure(0))
    assert first == second
    assert first.startswith(PNG_SIGNATURE)
    image = PIL.Image.open(io.BytesIO(first))
    assert image.format == "PNG" and image.size == (3 * 72, 2 * 72)
    assert len(image.getcolors(maxcolors=256)) <= 64
    # negative control: a different figure gives different bytes
    assert figure_to_png(_figure(1)) != first


# -- module boundaries ----------------------------------------------------------------

MATH_MODULES = ["network", "activations", "losses", "gradcheck", "data", "experiments",
                "validation"]

CHECK = (
    "import sys\n"
    "heavy = lambda: ','.join(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules)\n"
    "import {modules}\n"
    "print(heavy())\n"
    "import mlp_core.plotting\n"
    "print(heavy())\n"
)


def test_math_modules_do_not_import_matplotlib_or_ipywidgets():
    code = CHECK.format(modules=", ".join(["mlp_core"] + [f"mlp_core.{m}" for m in MATH_MODULES]))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE_DIR.parent, timeout=120, check=True)
    after_math, after_plotting = result.stdout.split("\n")[:2]
    assert after_math == ""
    # Negative control: the same check sees matplotlib once plotting is imported.
    assert "matplotlib" in after_plotting.split(",")


def test_package_init_imports_only_math_modules():
    tree = ast.parse((PACKAGE_DIR / "__init__.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert imported
    assert imported <= {f"mlp_core.{m}" for m in MATH_MODULES}


ALLOWED_RANDOM = {"default_rng", "Generator"}
RANDOM_ATTRIBUTE = re.compile(r"\b(?:np|numpy)\.random\.([A-Za-z_]\w*)")
RANDOM_IMPORT = re.compile(r"^\s*(?:from\s+numpy\.random\s+import|from\s+numpy\s+import\s+.*\brandom\b"
                           r"|import\s+numpy\.random)", re.MULTILINE)


def global_random_uses(source):
    bad = [name for name in RANDOM_ATTRIBUTE.findall(source) if name not in ALLOWED_RANDOM]
    bad += RANDOM_IMPORT.findall(source)
    if re.search(r"^\s*import\s+random\b|^\s*from\s+random\s+import", source, re.MULTILINE):
        bad.append("stdlib random")
    return bad


def test_no_module_uses_global_numpy_random_functions():
    sources = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(sources) >= 9
    offenders = {path.name: global_random_uses(path.read_text()) for path in sources}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


@pytest.mark.parametrize("snippet", [
    "x = np.random.rand(3)",
    "np.random.seed(0)",
    "w = numpy.random.normal(0, 1)",
    "from numpy.random import randn",
    "import numpy.random",
    "import random",
])
def test_random_scanner_flags_global_state(snippet):
    # negative control for the scanner above
    assert global_random_uses(snippet)
    assert not global_random_uses("rng = np.random.default_rng(0); isinstance(rng, np.random.Generator)")


@pytest.mark.parametrize("z_range, kink", [((-5, 4), True), ((0, 3), True), ((1, 3), False)])
def test_relu_derivative_breaks_exactly_at_zero(rc_unchanged, z_range, kink):
    fig, ax = plt.subplots()
    plot_activation("relu", ax=ax, z_range=z_range)
    dots = [(line.get_xdata()[0], line.get_ydata()[0]) for line in ax.lines
            if line.get_marker() == "o"]
    assert dots == ([(0, 0), (0, 1)] if kink else [])
    plt.close(fig)


def test_sigmoid_derivative_is_never_broken_even_on_a_coarse_grid():
    # Negative control for the relu test above: a smooth derivative on a
    # grid so coarse that neighbouring values differ a lot has no breaks.
    fig, ax = plt.subplots()
    plot_activation("sigmoid", ax=ax, z_range=(-1000, 1000))
    slope = labelled_lines(ax)[1].get_ydata()
    assert not np.isnan(slope).any()
    assert [line for line in ax.lines if line.get_marker() == "o"] == []
    plt.close(fig)


# -- the static figures of the built pages ----------------------------------------------------

def test_page_figures_have_twice_the_pixels_of_their_size(built_html):
    """The pages' matplotlib figures are retina PNGs: each shown at half its pixel size."""
    from bs4 import BeautifulSoup
    checked = 0
    for page in sorted((built_html / "book").glob("0[1-9]_*.html")):
        for image in BeautifulSoup(page.read_text(), "html.parser").select("figure img"):
            size = re.fullmatch(r"width: (\d+)px; height: (\d+)px;", image.get("style", ""))
            assert size, f"{page.name}: a figure without its size: {image.get('src')}"
            with PIL.Image.open(page.parent / image["src"]) as picture:
                pixels = picture.size
            shown = (int(size.group(1)), int(size.group(2)))
            # IPython halves the pixel size, rounding down
            assert all(p // 2 == s for p, s in zip(pixels, shown)), (page.name, pixels, shown)
            checked += 1
    assert checked >= 9
