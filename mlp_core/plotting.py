"""Matplotlib figures of the chapter.

Every function draws on the Axes it is given (or on a new one), returns
that Axes, trains nothing and changes no global matplotlib settings.
Colours come from the Okabe-Ito palette, which stays distinguishable
under the common forms of colour blindness; lines also differ in style.
"""

import io

import matplotlib.pyplot as plt
import numpy as np
import PIL.Image

from mlp_core.activations import ACTIVATIONS

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
PALETTE = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1))]


def _axes(ax, figsize=(6, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_losses(losses, ax=None, log_scale=False, title=None):
    """Loss curves of one run or several.

    Parameters
    ----------
    losses : sequence of float, or dict of str -> sequence of float
        One run's per-epoch losses, or several runs keyed by legend label.
    ax : matplotlib Axes, optional
    log_scale : bool, default False
        Logarithmic loss axis.
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    runs = losses if isinstance(losses, dict) else {None: losses}
    for i, (label, run) in enumerate(runs.items()):
        ax.plot(np.arange(1, len(run) + 1), run, label=label, lw=2,
                color=PALETTE[i % len(PALETTE)], linestyle=LINESTYLES[i % len(LINESTYLES)])
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cross-entropy")
    if log_scale:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if isinstance(losses, dict):
        ax.legend(frameon=False, fontsize="small")
    return ax


def plot_grad_norms(grad_norms, ax=None, title=None):
    """Per-layer gradient norms ``||dL/dW_l||_F`` over training.

    Parameters
    ----------
    grad_norms : ndarray, shape (n_epochs, n_layers)
        ``history['grad_norms']`` from ``fit(..., record_grad_norms=True)``.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    grad_norms = np.asarray(grad_norms)
    n_layers = grad_norms.shape[1]
    for l in range(n_layers):
        name = "output" if l == n_layers - 1 else f"hidden {l + 1}"
        ax.plot(np.arange(1, len(grad_norms) + 1), grad_norms[:, l], lw=2,
                color=PALETTE[l % len(PALETTE)], linestyle=LINESTYLES[l % len(LINESTYLES)],
                label=f"$W_{l + 1}$ ({name})")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(r"$\|\partial L / \partial W_l\|_F$")
    ax.legend(frameon=False, fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def plot_accuracy(history, ax=None, title=None):
    """Train and held-out accuracy per epoch from ``fit(..., eval_data=...)``."""
    ax = _axes(ax)
    epochs = np.arange(1, len(history["train_accuracy"]) + 1)
    ax.plot(epochs, history["train_accuracy"], lw=2, color=PALETTE[0], label="train")
    ax.plot(epochs, history["test_accuracy"], lw=2, color=PALETTE[1], linestyle="--",
            label="held-out")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def plot_decision_boundary(network, X, y, ax=None, resolution=200, margin=0.5, title=None):
    """Class regions of a 2-input network, with the data points on top.

    Parameters
    ----------
    network : NeuralNetworkFromScratch
        A trained network with two inputs.
    X : ndarray, shape (n_samples, 2)
    y : ndarray, shape (n_samples,)
        Integer labels, drawn as circles (0) and squares (1, 2, ...).
    ax : matplotlib Axes, optional
    resolution : int, default 200
        Grid points per axis.
    margin : float, default 0.5
        Space around the data.
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(4, 4))
    x_min, y_min = X.min(axis=0) - margin
    x_max, y_max = X.max(axis=0) + margin
    grid_x, grid_y = np.meshgrid(np.linspace(x_min, x_max, resolution),
                                 np.linspace(y_min, y_max, resolution))
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    proba = network.predict_proba(grid)[:, 1].reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, proba, levels=np.linspace(0, 1, 11), cmap="cividis",
                vmin=0, vmax=1, alpha=0.85)
    ax.contour(grid_x, grid_y, proba, levels=[0.5], colors="white", linewidths=2)
    markers = ["o", "s", "^", "D"]
    for label in np.unique(y):
        points = X[y == label]
        ax.scatter(points[:, 0], points[:, 1], s=120, marker=markers[label % 4],
                   edgecolor="black", facecolor="white" if label == 0 else "black",
                   linewidth=1.5, label=f"class {label}", zorder=3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False,
              fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def plot_success_rate(widths, rates, ax=None, title=None):
    """Bar chart of the fraction of seeds that solve a task, per hidden width.

    Parameters
    ----------
    widths : sequence of int
        Hidden-layer widths, one bar each.
    rates : sequence of float
        Fraction of runs solved for each width, in [0, 1].
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(5, 3))
    positions = np.arange(len(widths))
    bars = ax.bar(positions, rates, color=OKABE_ITO["blue"], edgecolor="black")
    ax.bar_label(bars, labels=[f"{rate:.0%}" for rate in rates], padding=2)
    ax.set_xticks(positions, [str(w) for w in widths])
    ax.set_ylim(0, 1.12)
    ax.set_xlabel("hidden width")
    ax.set_ylabel("fraction of seeds solved")
    if title:
        ax.set_title(title)
    return ax


def plot_activation(name, ax=None, z_range=(-5, 5)):
    """An activation function beside its derivative.

    Parameters
    ----------
    name : {'relu', 'sigmoid'}
    ax : matplotlib Axes, optional
    z_range : tuple of float
        Interval of ``z`` to draw.

    Returns
    -------
    matplotlib Axes
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"`name` must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    function, derivative = ACTIVATIONS[name]
    ax = _axes(ax, figsize=(4, 3))
    z = np.linspace(*z_range, 1001)
    ax.plot(z, function(z), lw=2, color=PALETTE[0], label=f"{name}(z)")
    slope = derivative(z)
    # A jump (ReLU's at 0) drawn as a line would look like a vertical
    # segment, as if the derivative took every value in between. Break the
    # line there and mark the value taken (filled) and the limit not taken
    # (open); the grid holds the kink itself, z = 0, as one of its points.
    jumps = np.flatnonzero(np.abs(np.diff(slope)) > 0.1)
    ax.plot(np.insert(z, jumps + 1, np.nan), np.insert(slope, jumps + 1, np.nan), lw=2,
            color=PALETTE[1], linestyle="--", label=f"{name}'(z)")
    for i in jumps:
        ax.plot(z[i], slope[i], "o", color=PALETTE[1])
        ax.plot(z[i], slope[i + 1], "o", color=PALETTE[1], markerfacecolor="white")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("z")
    ax.set_title(name)
    ax.legend(frameon=False, fontsize="small")
    return ax


def figure_to_png(fig, dpi=72, colors=64):
    """Compact PNG bytes of a figure, for pages that embed many of them.

    The image is reduced to a palette of ``colors`` colours (about a third
    of the bytes of full RGBA for line plots) and carries no metadata, so
    the same figure always gives the same bytes.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    image = PIL.Image.open(buffer).convert("RGB").quantize(
        colors=colors, method=PIL.Image.Quantize.MEDIANCUT, dither=PIL.Image.Dither.NONE)
    compact = io.BytesIO()
    image.save(compact, format="PNG", optimize=True)
    return compact.getvalue()
