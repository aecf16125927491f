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

from mlp_core import NeuralNetworkFromScratch, xor_data  # noqa: E402
from mlp_core.plotting import (  # noqa: E402
    GRID_CHUNK,
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
    case(lambda net: plot_decision_boundary(net, X, [0, 1, 2, 0]), ValueError, "y", "[2]",
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
    # plot_activation
    case(lambda net: plot_activation("relu", z_range=(5,)), ValueError, "z_range", "(5,)",
         "z-range-one-number"),
    case(lambda net: plot_activation("relu", z_range=(-INF, INF)), ValueError, "z_range",
         "(-inf, inf)", "z-range-infinite"),
    case(lambda net: plot_activation("relu", z_range=(5, -5)), ValueError, "z_range", "(5, -5)",
         "z-range-reversed"),
    case(lambda net: plot_activation("sigmoid", z_range=(-1e308, 1e308)), ValueError, "z_range",
         "(-1e+308, 1e+308)", "z-range-width-overflows"),
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
