"""Edge cases of the plotting functions: rules across arguments, limits, accepted inputs.

Bad values of single arguments are covered by the tests generated from
``PLOT_CONSTRAINTS`` (tests/test_constraints.py).
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

import mlp_core.validation  # noqa: E402
from mlp_core.experiments import success_interval  # noqa: E402
from mlp_core import NeuralNetworkFromScratch, xor_data  # noqa: E402
from mlp_core.plotting import (  # noqa: E402
    GRID_CHUNK,
    MAX_MAGNITUDE,
    MAX_RESOLUTION,
    MIN_DPI,
    figure_to_png,
    plot_accuracy,
    plot_activation,
    plot_computational_graph,
    plot_decision_boundary,
    plot_grad_norms,
    plot_losses,
    plot_success_rate,
)

X, Y = xor_data()
HISTORY = {"train_accuracy": [0.5, 0.9], "val_accuracy": [0.4, 0.8]}


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


# Rules that link arguments or depend on the data; the rules of single
# arguments are covered by the tests generated from PLOT_CONSTRAINTS.
SEMANTIC_REFUSALS = [
    pytest.param(lambda: plot_losses([1.0, -0.5], log_scale=True),
                 r"`losses` must be drawable on a log axis \(values >= 0, not all 0\), got "
                 r"values from -0\.5 to 1", id="log-losses-negative"),
    pytest.param(lambda: plot_losses({"a": [0.0], "b": [0.0]}, log_scale=True),
                 r"`losses` must be drawable on a log axis.*from 0 to 0", id="log-losses-zero"),
    pytest.param(lambda: plot_grad_norms(np.zeros((3, 2))),
                 r"`grad_norms` must be drawable on a log axis.*from 0 to 0", id="norms-all-zero"),
    pytest.param(lambda: plot_success_rate([2, 4], [1], trials=2),
                 r"`successes` must be one count per width \(2\), got 1 entries",
                 id="successes-length"),
    pytest.param(lambda: plot_success_rate([2, 4], [1, 3], trials=2),
                 r"`successes` must be at most trials \(2\) each, got \[1, 3\]",
                 id="successes-above-trials"),
    pytest.param(lambda: plot_activation("relu", z_range=(1, -1)),
                 r"`z_range` must be two numbers \(low, high\) with low < high, "
                 r"got \[1\.0, -1\.0\]",
                 id="z-range-order"),
    pytest.param(lambda: plot_activation("relu", z_range=(-1, 0, 1)),
                 r"`z_range` must be two numbers", id="z-range-three"),
    pytest.param(lambda: figure_to_png(small_figure(), dpi=1e5),
                 r"`dpi` must be small enough for 1 to 65535 pixels per side and at most "
                 r"25,000,000 pixels, got 100000, which gives 300,000 x 200,000", id="dpi-pixels"),
    pytest.param(lambda: plot_accuracy({"train_accuracy": [0.5], "val_accuracy": [0.5, 0.6]}),
                 r"`history` must be .* got curves of 1 and 2 epochs", id="history-lengths"),
    pytest.param(lambda: plot_computational_graph({"x": (0, 0, "x")}, [("x", "y", 1.0, 2.0)]),
                 r"`edges` must be edges between names of `nodes`, got the unknown names "
                 r"\['y'\]", id="graph-unknown-node"),
]


@pytest.mark.parametrize("call, message", SEMANTIC_REFUSALS)
def test_rules_that_link_arguments_are_refused_before_drawing(call, message):
    with pytest.raises(ValueError, match=message):
        call()
    assert plt.get_fignums() == []


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


def test_success_rate_accepts_arrays_and_counts_at_bounds():
    ax = plot_success_rate(np.array([2, 4]), np.array([0, 5]), trials=5)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4"]
    assert [p.get_height() for p in ax.patches] == [0.0, 1.0]
    assert [t.get_text() for t in ax.texts] == ["0/5", "5/5"]


def test_success_rate_error_bars_are_the_wilson_intervals():
    ax = plot_success_rate([2, 4], [12, 20], trials=20)
    (bars,) = [c for c in ax.containers if hasattr(c, "has_yerr")]
    segments = bars.lines[2][0].get_segments()
    drawn = [(segment[0][1], segment[1][1]) for segment in segments]
    expected = [success_interval(12, 20), success_interval(20, 20)]
    assert np.allclose(drawn, expected)
    assert np.allclose(drawn[0], (0.387, 0.781), atol=5e-4)


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


def test_valid_mathtext_and_literal_dollars_are_drawn():
    ax = plot_losses({"$\\alpha$ = 0.1": [1.0, 0.5], "costs $5": [2.0, 1.0]},
                     title=r"loss of \$5 and $\frac{1}{2}$")
    assert figure_to_png(ax.figure).startswith(b"\x89PNG")


def test_figure_of_one_pixel_per_side_is_written():
    assert figure_to_png(Figure(figsize=(0.05, 0.05)), dpi=20).startswith(b"\x89PNG")


def test_computational_graph_draws_every_value_and_gradient():
    nodes = {"x": (0, 0, "x"), "f": (1, 0, "max(·, 0)"), "L": (2, 0, "L")}
    ax = plot_computational_graph(nodes, [("x", "f", 3.0, 0.5), ("f", "L", 3.0, 1.0)])
    boxes = sorted(text.get_text() for text in ax.texts if not isinstance(text, Annotation))
    assert boxes == ["L", "max(·, 0)", "x"]
    labels = sorted(text.get_text() for text in ax.texts if isinstance(text, Annotation))
    # One arrow per edge (empty text), and its value and gradient.
    assert labels == ["", "", "0.5", "1", "3", "3"]
