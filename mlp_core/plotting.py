"""Matplotlib figures of the chapter.

Every function validates its arguments against ``PLOT_CONSTRAINTS`` (so a
refusal leaves no figure behind), computes what it draws, gets its Axes
(the one it is given, or a new one), draws and labels. It returns the Axes,
trains nothing and changes no global matplotlib settings. Colours come from
the Okabe-Ito palette, which stays distinguishable under the common forms
of colour blindness; lines also differ in style.
"""

import io
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mlp_core.activations import ACTIVATIONS
from mlp_core.experiments import success_interval
from mlp_core.network import NeuralNetworkFromScratch
from mlp_core.validation import (
    Array,
    Boolean,
    Constraint,
    Got,
    InstanceOf,
    Integer,
    Optional,
    Options,
    Real,
    Sizes,
    Targets,
    max_rows,
    message,
    validate,
)

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
PALETTE = [OKABE_ITO[k]
           for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1))]

#: Largest ``resolution`` of :func:`plot_decision_boundary`: 1000 x 1000 grid points.
MAX_RESOLUTION = 1000
#: Most grid points per call of ``predict_proba``. A wide network takes
#: fewer, ``validation.max_rows`` of them, so that its hidden activations
#: stay within ``validation.MAX_ACTIVATION_BYTES``.
GRID_CHUNK = 65_536
#: Largest magnitude of a plotted value or range end. Matplotlib's tick
#: locators and transforms subtract, scale and exponentiate axis limits,
#: which overflows (a warning, or an error when the figure is saved) well
#: before the float64 limit of 1.8e308; no loss, norm or range of the
#: chapter comes near 1e100.
MAX_MAGNITUDE = 1e100
#: Smallest ``dpi`` of :func:`figure_to_png`: below about 10 dpi the text is
#: under a pixel high and the font renderer fails.
MIN_DPI = 20
#: Largest image of :func:`figure_to_png`, 25 million pixels (100 MB as RGBA).
MAX_PIXELS = 25_000_000
#: Longest side of an image that matplotlib's Agg renderer can draw.
MAX_SIDE = 2**16 - 1
#: Shortest side of an image: Agg truncates the size to whole pixels, and
#: PIL cannot write an image with 0 of them.
MIN_SIDE = 1


# -- constraints -----------------------------------------------------------------

#: Why plotted values are bounded by ``MAX_MAGNITUDE``.
_OVERFLOW = "matplotlib's tick and transform arithmetic overflows near the float limit"


def _curve(bounds=(-MAX_MAGNITUDE, MAX_MAGNITUDE), ndim=1):
    advice = _OVERFLOW if bounds[1] == MAX_MAGNITUDE else ""
    return Array(ndim=ndim, dtype=np.float64, bounds=bounds, bounds_advice=advice)


class Runs(Constraint):
    """One run's losses, or a dict of legend label -> losses; returned as such a dict."""

    rule = "a non-empty sequence of numbers, or a dict of legend label (str) -> such sequences"

    def convert(self, name, value, validated=None):
        if not isinstance(value, Mapping):
            return {None: _curve().convert(name, value)}
        if not value or not all(isinstance(label, str) for label in value):
            self.refuse(TypeError if value else ValueError, name, value)
        return {label: _curve().convert(f"{name}[{label!r}]", run) for label, run in value.items()}

    def invalid_examples(self, valid):
        return [({}, ValueError), ({1: valid}, TypeError)] + _curve().invalid_examples(valid)


class AccuracyHistory(Constraint):
    """``net.history`` with equally long ``'train_accuracy'`` and ``'val_accuracy'`` curves."""

    rule = ("a dict with 'train_accuracy' and 'val_accuracy' curves of equal length, "
            "such as net.history after fit(..., eval_data=...)")
    keys = ("train_accuracy", "val_accuracy")

    def convert(self, name, value, validated=None):
        if not isinstance(value, Mapping) or not all(key in value for key in self.keys):
            self.refuse(TypeError if not isinstance(value, Mapping) else ValueError, name, value)
        train, test = (_curve(bounds=(0, 1)).convert(f"{name}[{key!r}]", value[key])
                       for key in self.keys)
        if len(train) != len(test):
            self.refuse(ValueError, name, Got(f"curves of {len(train)} and {len(test)} epochs"))
        return train, test

    def invalid_examples(self, valid):
        train, test = (valid[key] for key in self.keys)
        return [([train, test], TypeError), ({"train_accuracy": train}, ValueError),
                ({"train_accuracy": train, "val_accuracy": test[:-1]}, ValueError),
                ({"train_accuracy": train, "val_accuracy": np.add(test, 1)}, ValueError)]


class TwoClassNetwork(InstanceOf):
    """A network with 2 inputs and 2 outputs: two classes in the plane."""

    def convert(self, name, value, validated=None):
        network = super().convert(name, value)
        if (network.layer_sizes[0], network.layer_sizes[-1]) != (2, 2):
            self.refuse(ValueError, name, Got(f"layer_sizes {network.layer_sizes}"))
        return network

    def invalid_examples(self, valid):
        return super().invalid_examples(valid) + [(NeuralNetworkFromScratch([3, 2]), ValueError)]


#: The plot helpers' constraints table (arguments of the same name share a rule).
PLOT_CONSTRAINTS = {
    "ax": Optional(InstanceOf(Axes, "a matplotlib Axes")),
    "title": Optional(InstanceOf(str, "a string")),
    "ylabel": Optional(InstanceOf(str, "a string")),
    "losses": Runs(),
    "log_scale": Boolean(),
    "grad_norms": _curve(bounds=(0, MAX_MAGNITUDE), ndim=2),
    "history": AccuracyHistory(),
    "network": TwoClassNetwork(NeuralNetworkFromScratch,
                               "a NeuralNetworkFromScratch with 2 inputs and 2 outputs"),
    "X": Array(ndim=2, columns=2, dtype=np.float64, bounds=(-MAX_MAGNITUDE, MAX_MAGNITUDE),
               bounds_advice=_OVERFLOW),
    "y": Targets("X", 2, np.float64),
    "resolution": Integer(2, MAX_RESOLUTION),
    # > 0: a window around points that share a coordinate needs some width.
    "margin": Real(0, MAX_MAGNITUDE, closed="right"),
    "widths": Sizes(min_length=1, example=[2, 4, 8], network=None),
    "successes": Sizes(min_length=1, example=[3, 12, 20], network=None, low=0),
    "trials": Integer(1),
    "name": Options(sorted(ACTIVATIONS)),
    "z_range": _curve(),
    "nodes": InstanceOf(Mapping, "a dict of node name -> (x, y, text)"),
    "edges": InstanceOf(list, "a list of (source, target, value, gradient) tuples"),
    "fig": InstanceOf(Figure, "a matplotlib Figure"),
    "dpi": Real(MIN_DPI, closed="left", advice="smaller text cannot be rendered"),
    "colors": Integer(2, 256),
}


def _refuse_unless(condition, name, rule, got):
    """A rule that links arguments or needs the data (a log axis, a range's order)."""
    if not condition:
        raise ValueError(message(name, rule, got))


def _log_drawable(name, arrays):
    # Zeros (a loss or gradient that reached exactly 0) are drawn at the
    # bottom edge; a negative value has no place on a log axis, and with no
    # positive value there is nothing to scale it by.
    low, high = min(float(a.min()) for a in arrays), max(float(a.max()) for a in arrays)
    _refuse_unless(low >= 0 and high > 0, name, "drawable on a log axis (values >= 0, not all 0)",
                   f"values from {low:.3g} to {high:.3g}")


def _grid_probabilities(network, grid):
    """Class-1 probabilities of ``grid``, in chunks that bound the activations' memory."""
    chunk = min(GRID_CHUNK, max_rows(network.layer_sizes, network.dtype))
    return np.concatenate([network.predict_proba(grid[start:start + chunk])[:, 1]
                           for start in range(0, len(grid), chunk)])


def _axes(ax, figsize=(6, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _label(ax, xlabel, ylabel=None, title=None, **legend):
    """Axis labels, an optional title and, given ``legend`` options, a legend."""
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(frameon=False, fontsize="small", **legend)
    return ax


# -- figures -----------------------------------------------------------------------

def plot_losses(losses, ax=None, log_scale=False, title=None):
    """Loss curves of one run or several.

    Parameters
    ----------
    losses : sequence of float, or dict of str -> sequence of float
        One run's per-epoch losses, or several runs keyed by legend label
        (plain text or valid ``$...$`` mathtext). Every run needs at least
        one value, and all values must be finite and of magnitude at most
        ``MAX_MAGNITUDE`` (1e100).
    ax : matplotlib Axes, optional
    log_scale : bool, default False
        Logarithmic loss axis. It needs losses >= 0, not all 0; a loss of
        exactly 0 is drawn at the bottom edge.
    title : str, optional
        Plain text, or ``$...$`` mathtext that matplotlib can draw.

    Returns
    -------
    matplotlib Axes
    """
    ax, title, runs, log_scale = validate(PLOT_CONSTRAINTS, ax=ax, title=title, losses=losses,
                                          log_scale=log_scale)
    if log_scale:
        _log_drawable("losses", runs.values())
    ax = _axes(ax)
    for i, (label, run) in enumerate(runs.items()):
        ax.plot(np.arange(1, len(run) + 1), run, label=label, lw=2,
                color=PALETTE[i % len(PALETTE)], linestyle=LINESTYLES[i % len(LINESTYLES)])
    if log_scale:
        ax.set_yscale("log")
    legend = {} if None in runs else {"loc": "best"}
    return _label(ax, "epoch", "mean cross-entropy", title, **legend)


def plot_grad_norms(grad_norms, ax=None, title=None, ylabel=None):
    """Per-layer gradient norms ``||dL/dW_l||_F`` (or another per-layer size) over training.

    Parameters
    ----------
    grad_norms : ndarray, shape (n_epochs, n_layers)
        ``history['grad_norms']`` from ``fit(..., record_grad_norms=True)``:
        finite, >= 0 and not all 0, as they are drawn on a log axis, and at
        most ``MAX_MAGNITUDE`` (1e100). A norm of exactly 0 (a layer whose
        gradient vanished) is drawn at the bottom edge.
    ax : matplotlib Axes, optional
    title : str, optional
        Plain text, or ``$...$`` mathtext that matplotlib can draw.
    ylabel : str, optional
        The y-axis label, ``||dL/dW_l||_F`` unless given (for example for
        per-entry RMS gradients).

    Returns
    -------
    matplotlib Axes
    """
    ax, title, grad_norms, ylabel = validate(PLOT_CONSTRAINTS, ax=ax, title=title,
                                             grad_norms=grad_norms, ylabel=ylabel)
    _log_drawable("grad_norms", [grad_norms])
    ax = _axes(ax)
    n_layers = grad_norms.shape[1]
    for l in range(n_layers):
        name = "output" if l == n_layers - 1 else f"hidden {l + 1}"
        ax.plot(np.arange(1, len(grad_norms) + 1), grad_norms[:, l], lw=2,
                color=PALETTE[l % len(PALETTE)], linestyle=LINESTYLES[l % len(LINESTYLES)],
                label=f"$W_{l + 1}$ ({name})")
    ax.set_yscale("log")
    return _label(ax, "epoch", ylabel or r"$\|\partial L / \partial W_l\|_F$", title, loc="best")


def plot_accuracy(history, ax=None, title=None):
    """Train and validation accuracy per epoch from ``fit(..., eval_data=...)``.

    Parameters
    ----------
    history : dict
        ``net.history``, with lists ``'train_accuracy'`` and
        ``'val_accuracy'`` of equal, non-zero length holding values in
        [0, 1].
    ax : matplotlib Axes, optional
    title : str, optional
        Plain text, or ``$...$`` mathtext that matplotlib can draw.

    Returns
    -------
    matplotlib Axes
    """
    ax, title, (train, test) = validate(PLOT_CONSTRAINTS, ax=ax, title=title, history=history)
    epochs = np.arange(1, len(train) + 1)
    ax = _axes(ax)
    ax.plot(epochs, train, lw=2, color=PALETTE[0], label="train")
    ax.plot(epochs, test, lw=2, color=PALETTE[1], linestyle="--", label="validation")
    ax.set_ylim(0, 1.02)
    return _label(ax, "epoch", "accuracy", title, loc="lower right")


def plot_decision_boundary(network, X, y, ax=None, resolution=200, margin=0.5, title=None):
    """Class regions of a 2-input, 2-class network, with the data points on top.

    The shading is the predicted probability of class 1; the white line,
    where it is 0.5, is the decision boundary.

    Parameters
    ----------
    network : NeuralNetworkFromScratch
        A trained network with two inputs and two outputs.
    X : array-like, shape (n_samples, 2)
        Finite points of magnitude at most ``MAX_MAGNITUDE`` (1e100); lists
        are accepted.
    y : array-like, shape (n_samples,) or (n_samples, 2)
        Labels 0 or 1 (whole floats such as 1.0 are accepted), drawn as
        circles (0) and squares (1), or one-hot rows.
    ax : matplotlib Axes, optional
    resolution : int, default 200
        Grid points per axis, from 2 to ``MAX_RESOLUTION`` (1000).
    margin : float, default 0.5
        Space around the data, in ``(0, MAX_MAGNITUDE]``.
    title : str, optional
        Plain text, or ``$...$`` mathtext that matplotlib can draw.

    Returns
    -------
    matplotlib Axes
    """
    network, X, Y, ax, resolution, margin, title = validate(
        PLOT_CONSTRAINTS, network=network, X=X, y=y, ax=ax, resolution=resolution,
        margin=margin, title=title)
    labels = Y.argmax(axis=1)
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution),
                                 np.linspace(low[1], high[1], resolution))
    # Before the Axes, so that a network that fails on the grid leaves no figure.
    proba = _grid_probabilities(
        network, np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    ax = _axes(ax, figsize=(4, 4))
    ax.contourf(grid_x, grid_y, proba, levels=np.linspace(0, 1, 11), cmap="cividis",
                vmin=0, vmax=1, alpha=0.85)
    # Without both sides of 0.5 in view there is no boundary to draw, and
    # some matplotlib versions warn about the empty contour.
    if proba.min() < 0.5 < proba.max():
        ax.contour(grid_x, grid_y, proba, levels=[0.5], colors="white", linewidths=2)
    for label, marker in ((0, "o"), (1, "s")):
        points = X[labels == label]
        if len(points):
            ax.scatter(points[:, 0], points[:, 1], s=120, marker=marker, edgecolor="black",
                       facecolor="white" if label == 0 else "black", linewidth=1.5,
                       label=f"class {label}", zorder=3)
    ax.set_aspect("equal")
    return _label(ax, "$x_1$", "$x_2$", title, loc="upper center", bbox_to_anchor=(0.5, -0.18),
                  ncol=2)


def plot_success_rate(widths, successes, trials, ax=None, title=None):
    """Bar chart of the fraction of seeds that solve a task, per hidden width.

    Each bar carries its count and a 95% Wilson interval
    (:func:`mlp_core.experiments.success_interval`).

    Parameters
    ----------
    widths : sequence of int
        Hidden-layer widths, positive integers, one bar each; at least one.
    successes : sequence of int
        Runs solved for each width, each in ``[0, trials]``; one per width.
    trials : int
        Runs (seeds) per width, ``>= 1``.
    ax : matplotlib Axes, optional
    title : str, optional
        Plain text, or ``$...$`` mathtext that matplotlib can draw.

    Returns
    -------
    matplotlib Axes
    """
    widths, successes, trials, ax, title = validate(
        PLOT_CONSTRAINTS, widths=widths, successes=successes, trials=trials, ax=ax, title=title)
    _refuse_unless(len(successes) == len(widths), "successes",
                   f"one count per width ({len(widths)})", f"{len(successes)} entries")
    _refuse_unless(max(successes) <= trials, "successes", f"at most trials ({trials}) each",
                   successes)
    rates = np.array(successes) / trials
    low, high = np.array([success_interval(k, trials) for k in successes]).T
    positions = np.arange(len(widths))
    ax = _axes(ax, figsize=(5, 3))
    ax.bar(positions, rates, color=OKABE_ITO["blue"], edgecolor="black")
    ax.errorbar(positions, rates, yerr=[rates - low, high - rates], fmt="none",
                ecolor="black", capsize=4)
    for position, top, count in zip(positions, high, successes):
        ax.text(position, top + 0.02, f"{count}/{trials}", ha="center", va="bottom")
    ax.set_xticks(positions, [str(w) for w in widths])
    ax.set_ylim(0, 1.15)
    return _label(ax, "hidden width", "fraction of seeds solved", title)


def plot_activation(name, ax=None, z_range=(-5, 5)):
    """An activation function beside its derivative.

    Parameters
    ----------
    name : {'relu', 'sigmoid'}
    ax : matplotlib Axes, optional
    z_range : tuple of float
        Interval ``(low, high)`` of ``z`` to draw: two numbers of
        magnitude at most ``MAX_MAGNITUDE`` (1e100) with ``low < high``.

    Returns
    -------
    matplotlib Axes
    """
    name, ax, z_range = validate(PLOT_CONSTRAINTS, name=name, ax=ax, z_range=z_range)
    _refuse_unless(z_range.shape == (2,) and z_range[0] < z_range[1], "z_range",
                   "two numbers (low, high) with low < high", z_range.tolist())
    low, high = z_range
    function, derivative = ACTIVATIONS[name]
    z = np.linspace(low, high, 1001)
    if name == "relu" and low <= 0 < high:
        z = np.union1d(z, [0.0])  # the kink itself, where relu' jumps
    slope = derivative(z)
    # ReLU's jump at 0 drawn as a line would look like a vertical segment,
    # as if the derivative took every value in between. Break the line there
    # and mark the value taken, relu'(0) = 0 (filled), and the limit from the
    # right, 1 (open). The sigmoid's derivative is smooth: no breaks at all.
    jumps = np.flatnonzero(np.diff(slope)) if name == "relu" else np.array([], dtype=int)
    ax = _axes(ax, figsize=(4, 3))
    ax.plot(z, function(z), lw=2, color=PALETTE[0], label=f"{name}(z)")
    ax.plot(np.insert(z, jumps + 1, np.nan), np.insert(slope, jumps + 1, np.nan), lw=2,
            color=PALETTE[1], linestyle="--", label=f"{name}'(z)")
    for i in jumps:
        ax.plot(z[i], slope[i], "o", color=PALETTE[1])
        ax.plot(z[i], slope[i + 1], "o", color=PALETTE[1], markerfacecolor="white")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    return _label(ax, "z", title=name, loc="best")


def plot_computational_graph(nodes, edges, ax=None, title=None):
    """A computational graph with each edge's forward value and its gradient.

    ``nodes`` maps a name to ``(x, y, text)``; each edge ``(source, target,
    value, gradient)`` is drawn as an arrow, the value above it and
    ``gradient`` (of the loss with respect to that value) below it, in vermillion.
    """
    nodes, edges, ax, title = validate(PLOT_CONSTRAINTS, nodes=nodes, edges=edges, ax=ax,
                                       title=title)
    unknown = sorted({end for edge in edges for end in edge[:2]} - set(nodes), key=repr)
    _refuse_unless(not unknown, "edges", "edges between names of `nodes`",
                   f"the unknown names {unknown}")
    ax = _axes(ax, figsize=(7, 3))
    for source, target, value, gradient in edges:
        (x0, y0, start), (x1, y1, end) = nodes[source], nodes[target]
        # Shrunk by the boxes' half widths, in points, so that arrows end at the boxes.
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(
            arrowstyle="-|>", color="0.35", lw=1.3, shrinkA=10 + 4 * len(start),
            shrinkB=10 + 4 * len(end)))
        # Labels nearer the source, where edges that meet at one node are farthest apart.
        middle = (x0 + 0.4 * (x1 - x0), y0 + 0.4 * (y1 - y0))
        ax.annotate(f"{value:g}", middle, xytext=(0, 5), textcoords="offset points",
                    ha="center", va="bottom", fontsize=10)
        ax.annotate(f"{gradient:g}", middle, xytext=(0, -5), textcoords="offset points",
                    ha="center", va="top", fontsize=10, color=OKABE_ITO["vermillion"])
    for x, y, text in nodes.values():
        ax.text(x, y, text, ha="center", va="center", fontsize=11,
                bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="0.35"))
    xs, ys = [node[0] for node in nodes.values()], [node[1] for node in nodes.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def figure_to_png(fig, dpi=72, colors=64):
    """Compact PNG bytes of a figure, for pages that embed many of them.

    The image is reduced to a palette of ``colors`` colours (about a third
    of the bytes of full RGBA for line plots) and carries no metadata, so
    the same figure always gives the same bytes.

    Parameters
    ----------
    fig : matplotlib Figure
    dpi : float, default 72
        Pixels per inch, at least ``MIN_DPI`` (20), giving an image of
        ``MIN_SIDE`` (1) to ``MAX_SIDE`` (65535) pixels per side and at
        most ``MAX_PIXELS`` (25 million) pixels.
    colors : int, default 64
        Size of the palette, from 2 to 256.

    Returns
    -------
    bytes
    """
    fig, dpi, colors = validate(PLOT_CONSTRAINTS, fig=fig, dpi=dpi, colors=colors)
    # An image too large for memory, or for the Agg renderer, would kill the kernel.
    width, height = (float(side) * dpi for side in fig.get_size_inches())
    _refuse_unless(min(width, height) >= MIN_SIDE and max(width, height) <= MAX_SIDE
                   and width * height <= MAX_PIXELS, "dpi",
                   f"small enough for {MIN_SIDE} to {MAX_SIDE} pixels per side and at most "
                   f"{MAX_PIXELS:,} pixels", f"{dpi:g}, which gives {width:,.6g} x {height:,.6g}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    image = PIL.Image.open(buffer).convert("RGB").quantize(
        colors=colors, method=PIL.Image.Quantize.MEDIANCUT, dither=PIL.Image.Dither.NONE)
    compact = io.BytesIO()
    image.save(compact, format="PNG", optimize=True)
    return compact.getvalue()
