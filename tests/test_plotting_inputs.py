"""Bad and edge-case arguments of the plotting functions.

Every bad argument must raise TypeError or ValueError naming the argument
and showing the value received, before anything is drawn.
"""

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import mlp_core.validation  # noqa: E402
from mlp_core import NeuralNetworkFromScratch, xor_data  # noqa: E402
from mlp_core.plotting import (  # noqa: E402
    GRID_CHUNK,
    MAX_MAGNITUDE,
    MAX_RESOLUTION,
    MIN_DPI,
    figure_to_png,
    plot_accuracy,
    plot_activation,
    plot_decision_boundary,
    plot_grad_norms,
    plot_losses,
    plot_success_rate,
)

X, Y = xor_data()
INF = float("inf")
NAN = float("nan")
HISTORY = {"train_accuracy": [0.5, 0.9], "test_accuracy": [0.4, 0.8]}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def net():
    return NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=0)


def small_figure():
    # Outside pyplot, so that it does not count as a figure left behind.
    fig = Figure(figsize=(3, 2))
    fig.subplots().plot([1, 2])
    return fig


def collapsing_figure():
    # Constrained layout has no room for the Axes and warns while drawing.
    fig = Figure(figsize=(0.1, 0.1), layout="constrained")
    fig.subplots().plot([1, 2])
    return fig


def case(call, kind, name, shown, id):
    return pytest.param(call, kind, name, shown, id=id)


BAD_CALLS = [
    # plot_grad_norms
    case(lambda net: plot_grad_norms([1.0, 2.0]), ValueError, "grad_norms", "[1.0, 2.0]",
         "norms-1d"),
    case(lambda net: plot_grad_norms(None), TypeError, "grad_norms", "None", "norms-none"),
    case(lambda net: plot_grad_norms(np.zeros((3, 2))), ValueError, "grad_norms",
         "values from 0 to 0", "norms-all-zero"),
    case(lambda net: plot_grad_norms([[-1.0, 1.0]]), ValueError, "grad_norms", "values from -1",
         "norms-negative"),
    case(lambda net: plot_grad_norms([[1.0]], ax=Figure()), TypeError, "ax", "Figure", "norms-ax"),
    case(lambda net: plot_grad_norms([[1.0], [1e308]]), ValueError, "grad_norms",
         "[[1.0], [1e+308]] (magnitude up to 1e+308)", "norms-huge"),
    case(lambda net: plot_grad_norms([[1.0]], title="$x^$"), ValueError, "title", "'$x^$'",
         "norms-title-mathtext"),
    # plot_accuracy
    case(lambda net: plot_accuracy({}), ValueError, "history", "got keys []", "accuracy-empty"),
    case(lambda net: plot_accuracy(None), TypeError, "history", "None", "accuracy-none"),
    case(lambda net: plot_accuracy({"train_accuracy": [0.5, 0.6], "test_accuracy": [0.5]}),
         ValueError, "history['test_accuracy']", "got 1 entries", "accuracy-lengths"),
    case(lambda net: plot_accuracy({"train_accuracy": [1.5], "test_accuracy": [0.5]}),
         ValueError, "history['train_accuracy']", "1.5", "accuracy-range"),
    # plot_decision_boundary
    case(lambda net: plot_decision_boundary("net", X, Y), TypeError, "network", "'net'",
         "boundary-not-network"),
    case(lambda net: plot_decision_boundary(NeuralNetworkFromScratch([3, 2]), X, Y), ValueError,
         "network", "[3, 2]", "boundary-three-inputs"),
    case(lambda net: plot_decision_boundary(net, [0.0, 1.0], Y), ValueError, "X", "shape (2,)",
         "boundary-X-1d"),
    case(lambda net: plot_decision_boundary(net, np.ones((4, 3)), Y), ValueError, "X",
         "shape (4, 3)", "boundary-X-3-columns"),
    case(lambda net: plot_decision_boundary(net, [[1e308, 1e308], [-1e308, -1e308]], [0, 1]),
         ValueError, "X", "1e+308", "boundary-X-huge"),
    case(lambda net: plot_decision_boundary(net, X, [0, 1.5, 1, 0]), ValueError, "y", "1.5",
         "boundary-y-fraction"),
    case(lambda net: plot_decision_boundary(net, X, [0, 1]), ValueError, "y", "shape (2,)",
         "boundary-y-length"),
    case(lambda net: plot_decision_boundary(net, X, [0, 1, 2, 0]), ValueError, "y", "got 2",
         "boundary-y-class-2"),
    case(lambda net: plot_decision_boundary(net, X, Y, resolution=-1), ValueError, "resolution",
         "-1", "resolution-negative"),
    case(lambda net: plot_decision_boundary(net, X, Y, resolution=1), ValueError, "resolution",
         "got 1", "resolution-1"),
    case(lambda net: plot_decision_boundary(net, X, Y, resolution=100_000), ValueError,
         "resolution", "100000", "resolution-huge"),
    case(lambda net: plot_decision_boundary(net, X, Y, resolution=2.5), TypeError, "resolution",
         "2.5", "resolution-float"),
    case(lambda net: plot_decision_boundary(net, X, Y, margin=INF), ValueError, "margin", "inf",
         "margin-inf"),
    case(lambda net: plot_decision_boundary(net, X, Y, margin=-0.5), ValueError, "margin", "-0.5",
         "margin-negative"),
    case(lambda net: plot_decision_boundary(net, X, Y, margin="1"), TypeError, "margin", "'1'",
         "margin-string"),
    case(lambda net: plot_decision_boundary(net, [[0, 0]], [0], margin=0), ValueError, "margin",
         "got 0", "margin-0-one-point"),
    case(lambda net: plot_decision_boundary(net, X, Y, ax=1), TypeError, "ax", "got 1",
         "boundary-ax"),
    case(lambda net: plot_decision_boundary(net, [[1e101, 0.0], [0.0, 1.0]], [0, 1]), ValueError,
         "X", "magnitude up to 1e+101", "boundary-X-beyond-limit"),
    case(lambda net: plot_decision_boundary(net, X, Y, margin=1e200), ValueError, "margin",
         "got 1e+200", "margin-window-beyond-limit"),
    case(lambda net: plot_decision_boundary(net, [[1e10, 1e10]], [0], margin=1e-10), ValueError,
         "margin", "got 1e-10: the window has zero width in float64", "margin-rounds-away"),
    case(lambda net: plot_decision_boundary(net, X, Y, title="$\\foo$"), ValueError, "title",
         repr("$\\foo$"), "boundary-title-mathtext"),
    # plot_activation
    case(lambda net: plot_activation("relu", z_range=(5,)), ValueError, "z_range", "(5,)",
         "z-range-one-number"),
    case(lambda net: plot_activation("relu", z_range=(-INF, INF)), ValueError, "z_range",
         "(-inf, inf)", "z-range-infinite"),
    case(lambda net: plot_activation("relu", z_range=(5, -5)), ValueError, "z_range", "(5, -5)",
         "z-range-reversed"),
    case(lambda net: plot_activation("sigmoid", z_range=(-1e308, 1e308)), ValueError, "z_range",
         "(-1e+308, 1e+308)", "z-range-width-overflows"),
    case(lambda net: plot_activation("relu", z_range=(0, 1.7e308)), ValueError, "z_range",
         "(0, 1.7e+308)", "z-range-relu-huge"),
    case(lambda net: plot_activation("relu", z_range=(-5, 1e308)), ValueError, "z_range",
         "(-5, 1e+308)", "z-range-relu-huge-high"),
    case(lambda net: plot_activation("sigmoid", z_range=(-8e307, 8e307)), ValueError, "z_range",
         "(-8e+307, 8e+307)", "z-range-sigmoid-huge"),
    case(lambda net: plot_activation([]), TypeError, "name", "[]", "name-list"),
    case(lambda net: plot_activation("relu", ax="left"), TypeError, "ax", "'left'",
         "activation-ax"),
    # plot_success_rate
    case(lambda net: plot_success_rate([2, 4], [0.5]), ValueError, "rates", "[0.5]",
         "rates-length"),
    case(lambda net: plot_success_rate([2, 4], [0.5, 1.5]), ValueError, "rates", "1.5",
         "rates-range"),
    case(lambda net: plot_success_rate([0, 4], [0.5, 1.0]), ValueError, "widths[0]", "0",
         "widths-zero"),
    case(lambda net: plot_success_rate([2.5], [0.5]), TypeError, "widths[0]", "2.5",
         "widths-float"),
    case(lambda net: plot_success_rate([], []), ValueError, "widths", "[]", "widths-empty"),
    case(lambda net: plot_success_rate([10**200], [0.5]), ValueError, "widths[0]", "1000000",
         "widths-huge"),
    # plot_losses
    case(lambda net: plot_losses("abc"), TypeError, "losses", "'abc'", "losses-string"),
    case(lambda net: plot_losses([NAN, NAN]), ValueError, "losses", "[nan, nan]", "losses-nan"),
    case(lambda net: plot_losses([]), ValueError, "losses", "[]", "losses-empty"),
    case(lambda net: plot_losses({"a": "x"}), TypeError, "losses['a']", "'x'",
         "losses-dict-string"),
    case(lambda net: plot_losses({1: [1.0]}), TypeError, "losses", "got 1", "losses-key"),
    case(lambda net: plot_losses([0.0, 0.0], log_scale=True), ValueError, "log_scale",
         "values from 0 to 0", "log-scale-all-zero"),
    case(lambda net: plot_losses([-1.0, -2.0], log_scale=True), ValueError, "log_scale",
         "values from -2 to -1", "log-scale-negative"),
    case(lambda net: plot_losses([1.0], log_scale="yes"), TypeError, "log_scale", "'yes'",
         "log-scale-string"),
    case(lambda net: plot_losses([1.0], title=5), TypeError, "title", "5", "losses-title"),
    case(lambda net: plot_losses([1.0], ax="ax"), TypeError, "ax", "'ax'", "losses-ax"),
    case(lambda net: plot_losses([1e308, 1.7e308]), ValueError, "losses",
         f"at most {MAX_MAGNITUDE:g}, since matplotlib's tick and transform arithmetic overflows "
         "near the float limit, got [1e+308, 1.7e+308]", "losses-huge"),
    case(lambda net: plot_losses([-1.7e308, 1.7e308]), ValueError, "losses",
         "[-1.7e+308, 1.7e+308]", "losses-huge-both-signs"),
    case(lambda net: plot_losses([1, 1e308], log_scale=True), ValueError, "losses",
         "[1, 1e+308]", "losses-huge-log"),
    case(lambda net: plot_losses({"a": [1e101]}), ValueError, "losses['a']", "[1e+101]",
         "losses-dict-huge"),
    case(lambda net: plot_losses([1, 2], title="$\\foo$"), ValueError, "title",
         repr("$\\foo$") + ": ParseFatalException: Unknown symbol", "losses-title-mathtext"),
    case(lambda net: plot_losses({"$\\frac{1}$": [1, 2]}), ValueError, "losses",
         repr("$\\frac{1}$"), "losses-key-mathtext"),
    # figure_to_png
    case(lambda net: figure_to_png(None), TypeError, "fig", "None", "png-none"),
    case(lambda net: figure_to_png(small_figure(), colors=0), ValueError, "colors", "0",
         "png-colors-0"),
    case(lambda net: figure_to_png(small_figure(), colors=257), ValueError, "colors", "257",
         "png-colors-257"),
    case(lambda net: figure_to_png(small_figure(), colors=2.0), TypeError, "colors", "2.0",
         "png-colors-float"),
    case(lambda net: figure_to_png(small_figure(), dpi=0), ValueError, "dpi", "0", "png-dpi-0"),
    case(lambda net: figure_to_png(small_figure(), dpi=5), ValueError, "dpi", "5", "png-dpi-5"),
    case(lambda net: figure_to_png(small_figure(), dpi=1e6), ValueError, "dpi", "1000000.0",
         "png-dpi-huge"),
    case(lambda net: figure_to_png(small_figure(), dpi="72"), TypeError, "dpi", "'72'",
         "png-dpi-string"),
    case(lambda net: figure_to_png(Figure(), dpi=1e308), ValueError, "dpi",
         "1e+308, which gives inf x inf pixels", "png-dpi-overflows"),
    case(lambda net: figure_to_png(Figure(figsize=(0.01, 0.01)), dpi=20), ValueError, "dpi",
         "1 to 65535 pixels per side and at most 25,000,000 pixels, got 20, which gives "
         "0.2 x 0.2 pixels for this 0.01 x 0.01 inch figure", "png-under-a-pixel"),
    case(lambda net: figure_to_png(Figure(figsize=(1000, 0.01)), dpi=20), ValueError, "dpi",
         "20,000 x 0.2 pixels", "png-under-a-pixel-high"),
    case(lambda net: figure_to_png(collapsing_figure()), ValueError, "fig",
         "got a 0.1 x 0.1 inch figure whose drawing warned: constrained_layout not applied",
         "png-fig-warns"),
]


@pytest.mark.parametrize("call, kind, name, shown", BAD_CALLS)
def test_bad_argument_raises_naming_it(net, call, kind, name, shown):
    pattern = re.escape(f"`{name}`") + ".* must .*" + re.escape(shown)
    with pytest.raises(kind, match=pattern):
        call(net)
    assert plt.get_fignums() == []  # checked before a figure was created


def test_decision_boundary_accepts_lists_and_whole_float_labels(net):
    ax = plot_decision_boundary(net, X.tolist(), [0.0, 1.0, 1.0, 0.0], resolution=10)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(s.get_offsets()) for s in scatters] == [2, 2]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_boundary_accepts_one_hot_rows(net):
    ax = plot_decision_boundary(net, X, np.eye(2)[Y], resolution=10)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_array_equal(scatters[1].get_offsets(), X[Y == 1])


@pytest.mark.parametrize("resolution", [2, MAX_RESOLUTION])
def test_decision_boundary_resolution_bounds(net, monkeypatch, resolution):
    batches = []
    predict_proba = net.predict_proba

    def spy(points):
        batches.append(len(points))
        return predict_proba(points)

    monkeypatch.setattr(net, "predict_proba", spy)
    plot_decision_boundary(net, X, Y, resolution=resolution)
    # the whole grid is evaluated, in batches that bound the memory used
    assert sum(batches) == resolution**2
    assert max(batches) <= GRID_CHUNK


def test_log_axes_accept_an_exact_zero():
    ax = plot_losses([1.0, 0.1, 0.0], log_scale=True)
    assert ax.get_yscale() == "log"
    ax = plot_grad_norms([[0.0, 1.0], [0.0, 0.5]])
    assert len(ax.lines) == 2


def test_activation_accepts_a_list_z_range():
    ax = plot_activation("sigmoid", z_range=[-1, 2])
    z = ax.lines[0].get_xdata()
    assert (z[0], z[-1]) == (-1, 2)


def test_success_rate_accepts_arrays_and_rates_at_bounds():
    ax = plot_success_rate(np.array([2, 4]), np.array([0.0, 1.0]))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4"]
    assert [p.get_height() for p in ax.patches] == [0.0, 1.0]


def test_ax_from_a_figure_outside_pyplot_is_accepted():
    ax = Figure().subplots()
    assert plot_accuracy(HISTORY, ax=ax) is ax


@pytest.mark.parametrize("colors", [2, 256])
def test_figure_to_png_colour_and_dpi_bounds(colors):
    png = figure_to_png(small_figure(), dpi=MIN_DPI, colors=colors)
    assert png.startswith(b"\x89PNG")


def test_decision_boundary_chunks_stay_within_the_activation_bound(monkeypatch):
    # A 16 MiB bound instead of 1 GiB keeps the test small: 10 rows of a
    # 200,000-wide layer per chunk.
    monkeypatch.setattr(mlp_core.validation, "MAX_ACTIVATION_BYTES", 2**24)
    wide = NeuralNetworkFromScratch([2, 200_000, 2], rng=0)
    limit = mlp_core.validation.max_rows(wide.layer_sizes, wide.dtype)
    assert limit == 10 < GRID_CHUNK
    batches = []
    predict_proba = wide.predict_proba

    def spy(points):
        batches.append(len(points))
        return predict_proba(points)

    monkeypatch.setattr(wide, "predict_proba", spy)
    ax = plot_decision_boundary(wide, X, Y, resolution=12)
    assert sum(batches) == 12**2 and max(batches) == limit
    assert len(ax.collections) >= 1


def test_decision_boundary_refused_grid_leaves_no_figure():
    huge = NeuralNetworkFromScratch([2, 4, 2], rng=0)
    huge.params[0]["W"] *= 1e250  # the grid's corners, at 1e100, overflow forward
    # The overflow is numpy's to report; the logits it leaves have no softmax.
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(ValueError, match="`Z`"):
        plot_decision_boundary(huge, [[1e100, 1e100], [-1e100, -1e100]], [0, 1], resolution=4)
    assert plt.get_fignums() == []


def test_values_at_the_magnitude_limit_draw_without_warnings(net):
    pngs = [
        figure_to_png(plot_losses([-MAX_MAGNITUDE, MAX_MAGNITUDE]).figure),
        figure_to_png(plot_losses([1 / MAX_MAGNITUDE, MAX_MAGNITUDE], log_scale=True).figure),
        figure_to_png(plot_grad_norms([[1.0], [MAX_MAGNITUDE]]).figure),
        figure_to_png(plot_activation("sigmoid", z_range=(-MAX_MAGNITUDE, MAX_MAGNITUDE)).figure),
        figure_to_png(plot_decision_boundary(
            net, [[MAX_MAGNITUDE, MAX_MAGNITUDE], [-MAX_MAGNITUDE, -MAX_MAGNITUDE]], [0, 1],
            resolution=10).figure),
    ]
    assert all(png.startswith(b"\x89PNG") for png in pngs)


def test_a_margin_wider_than_the_float_spacing_widens_the_window(net):
    ax = plot_decision_boundary(net, [[1e10, 1e10]], [0], margin=1e-5, resolution=10)
    low, high = ax.get_xlim()
    assert low < 1e10 < high


def test_valid_mathtext_and_literal_dollars_are_drawn():
    ax = plot_losses({"$\\alpha$ = 0.1": [1.0, 0.5], "costs $5": [2.0, 1.0]},
                     title=r"loss of \$5 and $\frac{1}{2}$")
    assert figure_to_png(ax.figure).startswith(b"\x89PNG")


def test_figure_of_one_pixel_per_side_is_written():
    assert figure_to_png(Figure(figsize=(0.05, 0.05)), dpi=20).startswith(b"\x89PNG")
