"""Matplotlib figures of the chapter.

Every function draws on the Axes it is given (or on a new one), returns
that Axes, trains nothing and changes no global matplotlib settings.
Colours come from the Okabe-Ito palette, which stays distinguishable
under the common forms of colour blindness; lines also differ in style.

Every argument is checked before anything is drawn: a bad one raises
``TypeError`` or ``ValueError`` naming it, and no figure is left behind.
"""

import io
import numbers
import reprlib
import warnings
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
from matplotlib import cbook
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser

from mlp_core.activations import ACTIVATIONS
from mlp_core.network import NeuralNetworkFromScratch
from mlp_core.validation import (
    MAX_PARAMETERS,
    Array,
    Integer,
    Real,
    Targets,
    as_array,
    describe,
    max_rows,
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
PALETTE = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
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

_SHORT = reprlib.Repr()


# -- argument checks ---------------------------------------------------------------

def _show(value):
    """Short description of a received value for an error message."""
    if isinstance(value, np.ndarray):
        return describe(value)
    # Truncated, so that a long list does not flood the message.
    return _SHORT.repr(value)


def _check_ax(ax):
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"`ax` must be a matplotlib Axes or None, got {_show(ax)}")
    return ax


def _check_text(subject, text):
    """Refuse ``text`` whose ``$...$`` mathtext matplotlib could not draw.

    Matplotlib parses it only when the figure is drawn, far from the call
    that passed it; parse it now so that the error names the argument.
    ``subject`` starts the message, e.g. ``"`title`"``.
    """
    if cbook.is_math_text(text):
        try:
            MathTextParser("path").parse(text)
        # The parser wraps its errors in ValueError, but a malformed command
        # can also surface as another exception from pyparsing.
        except Exception as error:  # noqa: BLE001
            # The parser's message points at the fault over several lines;
            # its last line says what is wrong.
            reason = (str(error).strip().splitlines() or ["unparsable"])[-1]
            raise ValueError(f"{subject} must be plain text or valid $...$ mathtext (escape a "
                             f"literal dollar as \\$), got {_show(text)}: {reason}") from None
    return text


def _check_title(title):
    if title is not None and not isinstance(title, str):
        raise TypeError(f"`title` must be a string or None, got {_show(title)}")
    return title if title is None else _check_text("`title`", title)


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False, got {_show(value)}")
    return bool(value)


def _check_int_range(name, value, minimum, maximum):
    return Integer(minimum, maximum).convert(name, value)


def _check_nonnegative_finite(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a finite number >= 0, got {_show(value)}")
    # float() first: a longdouble such as 1e400 is finite but becomes inf.
    if not np.isfinite(float(value)) or value < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}")
    return float(value)


def _check_magnitude(name, array, shown, rule="hold values of magnitude at most"):
    """Refuse values beyond ``MAX_MAGNITUDE``; ``shown`` describes the value received.

    ``rule`` completes "`name` must ... 1e+100".
    """
    largest = float(np.abs(array).max())
    if largest > MAX_MAGNITUDE:
        raise ValueError(f"`{name}` must {rule} {MAX_MAGNITUDE:g}, "
                         "since matplotlib's tick and transform arithmetic overflows near the "
                         f"float limit, got {shown} (magnitude up to {largest:.3g})")
    return array


def _float_array(name, value, ndim, rule):
    """``value`` as a float64 array of ``ndim`` dimensions, at least one entry, all finite
    and of magnitude at most ``MAX_MAGNITUDE``.

    ``rule`` completes "`name` must be ..." in every error message.
    """
    message = f"`{name}` must be {rule}, got {_show(value)}"
    # None, strings and dicts would become 0-d object or string arrays,
    # whose description would hide the value received.
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise TypeError(message)
    try:
        array = as_array(name, value)
    except (TypeError, ValueError) as error:
        raise type(error)(message) from None
    if array.ndim != ndim or array.size == 0:
        raise ValueError(message)
    # A longdouble beyond float64's range would turn into inf with a warning.
    with np.errstate(over="ignore"):
        array = array.astype(np.float64, copy=False)
    if not np.isfinite(array).all():
        raise ValueError(f"`{name}` must be {rule}, all finite, got {_show(value)}")
    return _check_magnitude(name, array, _show(value))


def _log_axis_range(arrays):
    """Whether ``arrays`` can share a logarithmic axis, and their range for a message.

    Zeros (a loss or gradient that reached exactly 0) are allowed and drawn
    at the bottom edge; but a negative value has no place on a log axis,
    and with no positive value at all there is nothing to scale it by.
    """
    lowest = min(float(a.min()) for a in arrays)
    highest = max(float(a.max()) for a in arrays)
    return lowest >= 0 and highest > 0, f"values from {lowest:.3g} to {highest:.3g}"


def _check_unit_interval(name, values):
    if not ((values >= 0) & (values <= 1)).all():
        raise ValueError(f"`{name}` must hold fractions in [0, 1], got values from "
                         f"{values.min():.3g} to {values.max():.3g}")
    return values


def _loss_runs(losses):
    """``losses`` as a dict of legend label (None for a single run) -> float array."""
    if not isinstance(losses, Mapping):
        return {None: _float_array("losses", losses, 1, "a non-empty sequence of numbers or a "
                                   "dict of str -> such sequences")}
    if not losses:
        raise ValueError("`losses` must be a dict with at least one run, got {}")
    runs = {}
    for label, run in losses.items():
        if not isinstance(label, str):
            raise TypeError("`losses` keys must be strings (the legend labels), "
                            f"got {_show(label)}")
        _check_text("`losses` keys", label)
        runs[label] = _float_array(f"losses[{label!r}]", run, 1, "a non-empty sequence of numbers")
    return runs


def _accuracy_curves(history):
    """The train and held-out accuracy curves of ``history``, checked."""
    keys = ("train_accuracy", "test_accuracy")
    if not isinstance(history, Mapping):
        raise TypeError("`history` must be a dict with 'train_accuracy' and 'test_accuracy' "
                        "lists, such as net.history after fit(..., eval_data=...), "
                        f"got {_show(history)}")
    if not all(key in history for key in keys):
        raise ValueError("`history` must have 'train_accuracy' and 'test_accuracy' entries, "
                         f"recorded by fit(..., eval_data=...), got keys {_show(list(history))}")
    curves = []
    for key in keys:
        name = f"history[{key!r}]"
        curves.append(_check_unit_interval(
            name, _float_array(name, history[key], 1, "a non-empty sequence of accuracies")))
    train, test = curves
    if len(test) != len(train):
        raise ValueError(f"`history['test_accuracy']` must have one entry per epoch of "
                         f"history['train_accuracy'] ({len(train)}), got {len(test)} entries")
    return train, test


def _check_network(network):
    if not isinstance(network, NeuralNetworkFromScratch):
        raise TypeError(f"`network` must be a NeuralNetworkFromScratch, got {_show(network)}")
    if network.layer_sizes[0] != 2 or network.layer_sizes[-1] != 2:
        raise ValueError("`network` must have 2 inputs and 2 outputs (two classes in the plane), "
                         f"got layer_sizes {network.layer_sizes}")
    return network


def _grid_limits(X, margin):
    """Lower and upper corners of the plotted window around ``X``.

    ``X`` holds values of magnitude at most ``MAX_MAGNITUDE``.
    """
    # X within MAX_MAGNITUDE and a finite margin cannot overflow here.
    low = X.min(axis=0) - margin
    high = X.max(axis=0) + margin
    _check_magnitude("margin", np.concatenate([low, high]),
                     f"{margin!r}, which puts them at {low.tolist()} and {high.tolist()}",
                     rule="keep the window's corners at a magnitude of at most")
    flat = np.flatnonzero(high - low <= 0)
    if flat.size and margin == 0:
        raise ValueError("`margin` must be > 0 when all points of `X` share an x_1 or an x_2 "
                         f"value, got {margin!r}")
    if flat.size:
        # Near |x| = 1e10 the float64 neighbours of x are 2e-6 apart: a smaller
        # margin rounds away, and the window has zero width.
        at = float(X[0, flat[0]])
        raise ValueError(
            f"`margin` must exceed the float64 spacing {np.spacing(abs(at)):.3g} of the points' "
            f"x_{flat[0] + 1} = {at:.6g}, which all points of `X` share, got {margin!r}: "
            "the window has zero width in float64 at that magnitude")
    return low, high


def _grid_probabilities(network, grid):
    """Class-1 probabilities of ``grid``, in chunks that bound the activations' memory."""
    chunk = min(GRID_CHUNK, max_rows(network.layer_sizes, network.dtype))
    return np.concatenate([network.predict_proba(grid[start:start + chunk])[:, 1]
                           for start in range(0, len(grid), chunk)])


def _check_widths(widths):
    rule = "a non-empty sequence of integers >= 1"
    if widths is None or isinstance(widths, (str, bytes, Mapping)):
        raise TypeError(f"`widths` must be {rule}, got {_show(widths)}")
    try:
        items = list(widths)
    except TypeError:
        raise TypeError(f"`widths` must be {rule}, got {_show(widths)}") from None
    if not items:
        raise ValueError(f"`widths` must be {rule}, got {_show(widths)}")
    # No network of the chapter is wider; a width of hundreds of digits
    # would be a tick label wider than the figure.
    return [_check_int_range(f"widths[{i}]", width, 1, MAX_PARAMETERS)
            for i, width in enumerate(items)]


def _check_z_range(z_range):
    rule = "two numbers (low, high) with low < high"
    low_high = _float_array("z_range", z_range, 1, rule)
    # Within MAX_MAGNITUDE, which _float_array checks, high - low is finite.
    if low_high.shape != (2,) or not low_high[0] < low_high[1]:
        raise ValueError(f"`z_range` must be {rule}, got {_show(z_range)}")
    return low_high


def _check_dpi(fig, dpi):
    Real(0).convert("dpi", dpi)
    if dpi < MIN_DPI:
        raise ValueError(f"`dpi` must be >= {MIN_DPI}, since smaller text cannot be rendered, "
                         f"got {dpi!r}")
    inches = [float(side) for side in fig.get_size_inches()]
    # Python floats: a product beyond the float range is inf, without the
    # RuntimeWarning that numpy would emit.
    width, height = (side * float(dpi) for side in inches)
    if not (min(width, height) >= MIN_SIDE and max(width, height) <= MAX_SIDE
            and width * height <= MAX_PIXELS):
        raise ValueError(
            f"`dpi` must give an image of {MIN_SIDE} to {MAX_SIDE} pixels per side and at most "
            f"{MAX_PIXELS:,} pixels, got {dpi!r}, which gives {width:,.6g} x {height:,.6g} pixels "
            f"for this {inches[0]:g} x {inches[1]:g} inch figure")
    return float(dpi)


# -- figures -----------------------------------------------------------------------

def _axes(ax, figsize=(6, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


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
        Plain text or valid ``$...$`` mathtext.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    TypeError
        If ``losses`` is not numbers or a dict of them with string keys, or
        ``ax``, ``log_scale`` or ``title`` has the wrong type.
    ValueError
        If a run is empty, not 1-D or holds NaN, inf or a value beyond
        ``MAX_MAGNITUDE``, if ``log_scale`` is True and a loss is negative
        or all are 0, or if ``title`` or a key holds mathtext that
        matplotlib cannot parse.
    """
    _check_ax(ax)
    log_scale = _check_bool("log_scale", log_scale)
    _check_title(title)
    runs = _loss_runs(losses)
    if log_scale:
        drawable, seen = _log_axis_range(runs.values())
        if not drawable:
            raise ValueError("`log_scale` must be False unless the losses are >= 0 and not all 0 "
                             f"(a log axis shows only positive values), got True with {seen}")
    ax = _axes(ax)
    for i, (label, run) in enumerate(runs.items()):
        ax.plot(np.arange(1, len(run) + 1), run, label=label, lw=2,
                color=PALETTE[i % len(PALETTE)], linestyle=LINESTYLES[i % len(LINESTYLES)])
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cross-entropy")
    if log_scale:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if isinstance(losses, Mapping):
        ax.legend(frameon=False, fontsize="small")
    return ax


def plot_grad_norms(grad_norms, ax=None, title=None):
    """Per-layer gradient norms ``||dL/dW_l||_F`` over training.

    Parameters
    ----------
    grad_norms : ndarray, shape (n_epochs, n_layers)
        ``history['grad_norms']`` from ``fit(..., record_grad_norms=True)``:
        finite, >= 0 and not all 0, as they are drawn on a log axis, and at
        most ``MAX_MAGNITUDE`` (1e100). A norm of exactly 0 (a layer whose
        gradient vanished) is drawn at the bottom edge.
    ax : matplotlib Axes, optional
    title : str, optional
        Plain text or valid ``$...$`` mathtext.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    TypeError
        If ``grad_norms`` does not hold real numbers, or ``ax`` or ``title``
        has the wrong type.
    ValueError
        If ``grad_norms`` is not a non-empty 2-D array of finite values
        from 0 to ``MAX_MAGNITUDE``, not all 0, or ``title`` holds mathtext
        that matplotlib cannot parse.
    """
    _check_ax(ax)
    _check_title(title)
    grad_norms = _float_array("grad_norms", grad_norms, 2,
                              "a non-empty 2-D array of shape (n_epochs, n_layers)")
    drawable, seen = _log_axis_range([grad_norms])
    if not drawable:
        raise ValueError("`grad_norms` must be >= 0 and not all 0 (they are drawn on a log axis), "
                         f"got {seen}")
    ax = _axes(ax)
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
    """Train and held-out accuracy per epoch from ``fit(..., eval_data=...)``.

    Parameters
    ----------
    history : dict
        ``net.history``, with lists ``'train_accuracy'`` and
        ``'test_accuracy'`` of equal, non-zero length holding values in
        [0, 1].
    ax : matplotlib Axes, optional
    title : str, optional
        Plain text or valid ``$...$`` mathtext.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    TypeError
        If ``history`` is not a dict or its curves do not hold real numbers,
        or ``ax`` or ``title`` has the wrong type.
    ValueError
        If a curve is missing, empty, not 1-D, outside [0, 1], or the two
        differ in length, or ``title`` holds mathtext that matplotlib
        cannot parse.
    """
    _check_ax(ax)
    _check_title(title)
    train, test = _accuracy_curves(history)
    ax = _axes(ax)
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, lw=2, color=PALETTE[0], label="train")
    ax.plot(epochs, test, lw=2, color=PALETTE[1], linestyle="--", label="held-out")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    if title:
        ax.set_title(title)
    return ax


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
        Space around the data, finite and >= 0, keeping the window within
        ``MAX_MAGNITUDE``. If all points share an x_1 or an x_2 value, it
        must be > 0 and large enough to widen the window in float64 (more
        than the spacing of floats there, e.g. 2e-6 at 1e10).
    title : str, optional
        Plain text or valid ``$...$`` mathtext.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    TypeError
        If ``network`` is not a NeuralNetworkFromScratch, ``X`` or ``y`` do
        not hold real numbers, or another argument has the wrong type.
    ValueError
        If the network does not have 2 inputs and 2 outputs, ``X`` is not
        finite with shape (n_samples, 2) and within ``MAX_MAGNITUDE``,
        ``y`` does not give a label 0 or 1 per row of ``X``, ``resolution``
        or ``margin`` is out of range, ``title`` holds mathtext that
        matplotlib cannot parse, or the network's forward pass overflows on
        the grid.
    """
    _check_ax(ax)
    _check_title(title)
    _check_network(network)
    X = Array(ndim=2, columns=2, dtype=np.float64).convert("X", X)
    _check_magnitude("X", X, describe(X))
    labels = Targets("X", 2, np.float64).convert("y", y, {"X": X}).argmax(axis=1)
    resolution = _check_int_range("resolution", resolution, 2, MAX_RESOLUTION)
    margin = _check_nonnegative_finite("margin", margin)
    low, high = _grid_limits(X, margin)
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution),
                                 np.linspace(low[1], high[1], resolution))
    # Before the Axes: the network may refuse the grid (its values overflow),
    # and no empty figure must stay behind.
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
        Hidden-layer widths, from 1 to ``validation.MAX_PARAMETERS``, one
        bar each; at least one.
    rates : sequence of float
        Fraction of runs solved for each width, in [0, 1]; one per width.
    ax : matplotlib Axes, optional
    title : str, optional
        Plain text or valid ``$...$`` mathtext.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    TypeError
        If a width is not an integer, ``rates`` does not hold real numbers,
        or ``ax`` or ``title`` has the wrong type.
    ValueError
        If ``widths`` is empty or a width out of range, ``rates`` is not
        1-D, has a different length from ``widths`` or a value outside
        [0, 1], or ``title`` holds mathtext that matplotlib cannot parse.
    """
    _check_ax(ax)
    _check_title(title)
    widths = _check_widths(widths)
    rates_array = _float_array("rates", rates, 1, "a non-empty 1-D sequence of fractions")
    if len(rates_array) != len(widths):
        raise ValueError(f"`rates` must have one entry per width ({len(widths)}), "
                         f"got {len(rates_array)} entries: {_show(rates)}")
    _check_unit_interval("rates", rates_array)
    ax = _axes(ax, figsize=(5, 3))
    positions = np.arange(len(widths))
    bars = ax.bar(positions, rates_array, color=OKABE_ITO["blue"], edgecolor="black")
    ax.bar_label(bars, labels=[f"{rate:.0%}" for rate in rates_array], padding=2)
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
        Interval ``(low, high)`` of ``z`` to draw: two numbers of
        magnitude at most ``MAX_MAGNITUDE`` (1e100) with ``low < high``.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    TypeError
        If ``name`` is not a string, ``z_range`` does not hold real numbers
        or ``ax`` is not an Axes.
    ValueError
        If ``name`` is not a known activation or ``z_range`` is not a valid
        interval.
    """
    if not isinstance(name, str) or name not in ACTIVATIONS:
        error = ValueError if isinstance(name, str) else TypeError
        raise error(f"`name` must be one of {sorted(ACTIVATIONS)}, got {_show(name)}")
    _check_ax(ax)
    low, high = _check_z_range(z_range)
    function, derivative = ACTIVATIONS[name]
    ax = _axes(ax, figsize=(4, 3))
    z = np.linspace(low, high, 1001)
    if name == "relu" and low <= 0 < high:
        z = np.union1d(z, [0.0])  # the kink itself, where relu' jumps
    ax.plot(z, function(z), lw=2, color=PALETTE[0], label=f"{name}(z)")
    slope = derivative(z)
    # ReLU's jump at 0 drawn as a line would look like a vertical segment,
    # as if the derivative took every value in between. Break the line there
    # and mark the value taken, relu'(0) = 0 (filled), and the limit from the
    # right, 1 (open). The sigmoid's derivative is smooth: no breaks at all.
    jumps = np.flatnonzero(np.diff(slope)) if name == "relu" else np.array([], dtype=int)
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

    Raises
    ------
    TypeError
        If ``fig`` is not a Figure, or ``dpi`` or ``colors`` is not a number
        of the right kind.
    ValueError
        If ``dpi`` or ``colors`` is out of range, or drawing ``fig`` warns
        (for instance, a constrained layout with no room for its Axes).
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"`fig` must be a matplotlib Figure, got {_show(fig)}")
    dpi = _check_dpi(fig, dpi)
    colors = _check_int_range("colors", colors, 2, 256)
    buffer = io.BytesIO()
    # A figure too small for its text (a constrained layout that collapses)
    # warns only now, while drawing; report it as this call's bad `fig`.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        except (UserWarning, RuntimeWarning) as warning:
            inches = " x ".join(f"{side:g}" for side in fig.get_size_inches())
            raise ValueError(f"`fig` must draw without warnings, got a {inches} inch figure "
                             f"whose drawing warned: {' '.join(str(warning).split())}") from None
    image = PIL.Image.open(buffer).convert("RGB").quantize(
        colors=colors, method=PIL.Image.Quantize.MEDIANCUT, dither=PIL.Image.Dither.NONE)
    compact = io.BytesIO()
    image.save(compact, format="PNG", optimize=True)
    return compact.getvalue()
