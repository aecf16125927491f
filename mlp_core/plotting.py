"""Matplotlib figures of the chapter: each function draws on the Axes it is given (or a new
one) and returns it, trains nothing and changes no global setting. Colours come from the
Okabe-Ito palette, distinguishable under the common colour blindnesses; lines differ in style.
"""

__all__ = ["PAGE_STYLE", "plot_losses", "plot_grad_norms", "plot_accuracy",
           "plot_decision_boundary", "plot_success_rate", "plot_activation",
           "plot_computational_graph", "legend_below"]

import io

import matplotlib.pyplot as plt
import numpy as np
import PIL.Image

from mlp_core import validation as check
from mlp_core.activations import ACTIVATIONS
from mlp_core.experiments import success_interval

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
             "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000"}
PALETTE = [OKABE_ITO[k]
           for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1))]

#: A legend right of the plot: where curves may run anywhere, inside it could cover one.
OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.01, 1)}

#: The settings of the pages' figures, which a page applies once with ``plt.style.use``.
#: A page shows a figure at 100 dpi, one CSS pixel per 1/100 in: 4.5 in is about 460 px
#: wide, and 12 pt text 16.7 px, near the body's 16 px on a desktop. A phone's column
#: (342 px for a figure) scales it to about 0.74, and the text to 12.4 px.
PAGE_STYLE = {"figure.figsize": (4.5, 3.0), "figure.dpi": 100,
              "figure.constrained_layout.use": True, "font.size": 12,
              "axes.titlesize": "medium", "axes.titleweight": "bold", "legend.frameon": False}


def _axes(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def legend_below(ax, ncol=2):
    """The Axes' legend moved under the figure's plots, where it cannot cover a curve."""
    handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    return ax.figure.legend(handles, labels, loc="outside lower center", ncol=ncol)


def _label(ax, xlabel, ylabel=None, title=None, **legend):
    """Axis labels, an optional title and, given ``legend`` options, a legend."""
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(frameon=False, **legend)
    return ax


def plot_losses(losses, ax=None, log_scale=False, title=None):
    """Per-epoch loss curves of one run, or of several as a dict ``{legend label: losses}``."""
    runs = losses if isinstance(losses, dict) else {None: losses}
    ax = _axes(ax)
    for i, (label, run) in enumerate(runs.items()):
        ax.plot(np.arange(1, len(run) + 1), run, label=label, lw=2,
                color=PALETTE[i % len(PALETTE)], linestyle=LINESTYLES[i % len(LINESTYLES)])
    if log_scale:
        ax.set_yscale("log")
    legend = {} if None in runs else OUTSIDE
    return _label(ax, "epoch", "mean cross-entropy", title, **legend)


def plot_grad_norms(grad_norms, ax=None, title=None, ylabel=None):
    """Per-layer gradient norms ``history['grad_norms']`` (n_epochs, n_layers) over training,
    on a log axis; ``ylabel`` names another per-layer size plotted instead (such as an RMS)."""
    grad_norms = np.asarray(grad_norms)
    ax = _axes(ax)
    n_layers = grad_norms.shape[1]
    for l in range(n_layers):
        name = "output" if l == n_layers - 1 else f"hidden {l + 1}"
        ax.plot(np.arange(1, len(grad_norms) + 1), grad_norms[:, l], lw=2,
                color=PALETTE[l % len(PALETTE)], linestyle=LINESTYLES[l % len(LINESTYLES)],
                label=f"$W_{l + 1}$ ({name})")
    ax.set_yscale("log")
    return _label(ax, "epoch", ylabel or r"$\|\partial L / \partial W_l\|_F$", title, **OUTSIDE)


def plot_accuracy(history, ax=None, title=None):
    """Train and validation accuracy per epoch from ``history`` of ``fit(..., eval_data=...)``."""
    train, validation = history["train_accuracy"], history["val_accuracy"]
    epochs = np.arange(1, len(train) + 1)
    ax = _axes(ax)
    ax.plot(epochs, train, lw=2, color=PALETTE[0], label="train")
    ax.plot(epochs, validation, lw=2, color=PALETTE[1], linestyle="--", label="validation")
    ax.set_ylim(0, 1.02)
    return _label(ax, "epoch", "accuracy", title, loc="lower right")


def plot_decision_boundary(network, X, y, ax=None, resolution=200, margin=0.5, title=None):
    """Class regions of a network with 2 inputs and 2 classes, points ``X``, ``y`` on top:
    shaded by the probability of class 1, the white line at 0.5 the decision boundary."""
    if (network.layer_sizes[0], network.layer_sizes[-1]) != (2, 2):
        raise ValueError(check.message("network", "a network with 2 inputs and 2 outputs",
                                       f"layer_sizes {network.layer_sizes}"))
    X = network._X(X)
    labels = network._Y(y, X).argmax(axis=1)
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution),
                                 np.linspace(low[1], high[1], resolution))
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    proba = network._forward(grid)[-1]["a"][:, 1].reshape(grid_x.shape)
    ax = _axes(ax, figsize=(4, 4))
    ax.contourf(grid_x, grid_y, proba, levels=np.linspace(0, 1, 11), cmap="cividis",
                vmin=0, vmax=1, alpha=0.85)
    # Without both sides of 0.5 in view there is no boundary to draw.
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
    """Bar chart of the fraction of ``trials`` seeds that solve a task, per hidden width, each
    bar with its count and 95% Wilson interval (:func:`~mlp_core.experiments.success_interval`)."""
    rates = np.array(successes) / trials
    low, high = np.array([success_interval(k, trials) for k in successes]).T
    positions = np.arange(len(widths))
    ax = _axes(ax)
    ax.bar(positions, rates, color=OKABE_ITO["blue"], edgecolor="black")
    ax.errorbar(positions, rates, yerr=[rates - low, high - rates], fmt="none",
                ecolor="black", capsize=4)
    for position, top, count in zip(positions, high, successes):
        ax.text(position, top + 0.02, f"{count}/{trials}", ha="center", va="bottom")
    ax.set_xticks(positions, [str(w) for w in widths])
    ax.set_ylim(0, 1.15)
    return _label(ax, "hidden width", "fraction of seeds solved", title)


def plot_activation(name, ax=None, z_range=(-5, 5)):
    """The activation ``name`` ('relu' or 'sigmoid') beside its derivative, over ``z_range``."""
    function, derivative = ACTIVATIONS[check.one_of("name", name, ACTIVATIONS)]
    low, high = z_range
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
    """A computational graph: ``nodes`` maps a name to ``(x, y, text)``; each edge ``(source,
    target, value, gradient)`` is an arrow with the value above it and the gradient of the
    loss with respect to that value below, in vermillion."""
    ax = _axes(ax, figsize=(4.5, 2.2))
    xs, ys = [node[0] for node in nodes.values()], [node[1] for node in nodes.values()]
    ax.set(xlim=(min(xs) - 0.6, max(xs) + 0.6), ylim=(min(ys) - 0.45, max(ys) + 0.45))
    # Inches per unit along x and y, to find the side of a sloping edge on the page.
    width, height = ax.figure.get_size_inches() * ax.get_position().size
    scale = np.array([width / np.ptp(ax.get_xlim()), height / np.ptp(ax.get_ylim())])
    for source, target, value, gradient in edges:
        (x0, y0, start), (x1, y1, end) = nodes[source], nodes[target]
        # Shrunk by the boxes' half widths, in points, so that arrows end at the boxes.
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(
            arrowstyle="-|>", color="0.35", lw=1.3, shrinkA=10 + 4 * len(start),
            shrinkB=10 + 4 * len(end)))
        # Labels nearer the source, where edges that meet at one node are farthest apart,
        # unless the source's box is the wider one; the value on the upper side of the
        # edge, the gradient on the lower, clear of the line however it slopes.
        t = 0.4 if len(start) <= len(end) else 0.6
        middle = (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        along = np.array([x1 - x0, y1 - y0]) * scale
        normal = np.array([-along[1], along[0]]) / np.hypot(*along)
        for text, side, color in ((f"{value:g}", 1, "black"),
                                  (f"{gradient:g}", -1, OKABE_ITO["vermillion"])):
            nx, ny = side * normal
            ax.annotate(text, middle, xytext=(5 * nx, 5 * ny), textcoords="offset points",
                        color=color, ha="right" if nx < -0.3 else "left" if nx > 0.3 else "center",
                        va="bottom" if ny > 0.3 else "top" if ny < -0.3 else "center")
    for x, y, text in nodes.values():
        ax.text(x, y, text, ha="center", va="center",
                bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="0.35"))
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def figure_to_png(fig, dpi=72, colors=64):
    """PNG bytes of ``fig`` with a palette of ``colors`` colours and no metadata:
    about a third of the bytes of full RGBA, and the same bytes for the same figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    image = PIL.Image.open(buffer).convert("RGB").quantize(
        colors=colors, method=PIL.Image.Quantize.MEDIANCUT, dither=PIL.Image.Dither.NONE)
    compact = io.BytesIO()
    image.save(compact, format="PNG", optimize=True)
    return compact.getvalue()
