"""Explorers for the learning rate and hidden sizes (sections 2-4).

Each explorer exists in two modes that share controls and figures:

``'live'``
    Every released control retrains in the running kernel, with a progress
    bar. This is what JupyterLab shows.
``'precomputed'``
    Every combination of the controls' options is trained once when the
    cell runs and rendered to a PNG; the controls are linked in the browser
    (``jslink``) to ``Stack`` widgets holding those images. The built HTML
    book, which has no kernel, keeps working: moving a control shows the
    stored run for exactly that combination.

``mode='auto'`` picks ``'precomputed'`` when the environment variable
``MLP_CORE_WIDGETS`` is ``precomputed`` (``make book`` and ``make test``
set it) and ``'live'`` otherwise.

This module wires training (:mod:`mlp_core.experiments`) to figures
(:mod:`mlp_core.plotting`); it holds no math of its own.
"""

import html
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from mlp_core import plotting
from mlp_core.activations import ACTIVATIONS
from mlp_core.data import xor_data
from mlp_core.experiments import train_digits, train_xor
from mlp_core.validation import (
    CallableOrNone,
    Integer,
    Options,
    Real,
    check_parameter_count,
    describe,
)

MODE_VARIABLE = "MLP_CORE_WIDGETS"
MODES = ("auto", "live", "precomputed")
#: Kinds of :class:`Control`: a ``SelectionSlider`` or ``ToggleButtons``.
CONTROL_KINDS = ("slider", "toggle")


@dataclass(frozen=True)
class Control:
    """One control of an explorer: a keyword of the experiment and its options.

    Parameters
    ----------
    name : str
        The experiment's keyword, a Python identifier such as ``'lr'``.
    label : str
        Text beside the control.
    options : sequence
        The values offered, at least one; distinct, hashable and with
        distinct labels (``format_value``), since the precomputed grid
        names each run by its labels. Stored as a tuple.
    default : object
        The value selected first, one of ``options``.
    kind : {'slider', 'toggle'}, default 'slider'

    Raises
    ------
    TypeError
        If ``name`` or ``label`` is not a string, ``options`` is not a
        sequence of hashable values, or ``kind`` is not a string.
    ValueError
        If ``name`` is not an identifier, ``options`` is empty or repeats a
        value or label, ``default`` is not among them, or ``kind`` is not
        one of ``CONTROL_KINDS``.
    """

    name: str
    label: str
    options: tuple
    default: object
    kind: str = "slider"

    def __post_init__(self):
        for field in ("name", "label"):
            if not isinstance(getattr(self, field), str):
                raise TypeError(f"`{field}` must be a string, got {describe(getattr(self, field))}")
        if not self.name.isidentifier():
            raise ValueError(f"`name` must be a keyword of the experiment (an identifier), "
                             f"got {self.name!r}")
        # Frozen: the tuple replaces a list or range passed by the caller.
        object.__setattr__(self, "options", _check_options(self.options))
        try:
            # A set, not the tuple: `in` on a tuple would compare an array elementwise.
            known = self.default in set(self.options)
        except TypeError:  # an unhashable default cannot be one of the hashable options
            known = False
        if not known:
            raise ValueError(f"`default` must be one of the options {self.options!r}, "
                             f"got {self.default!r}")
        _check_choice("kind", self.kind, CONTROL_KINDS)

    def make_widget(self):
        labelled = [(format_value(v), v) for v in self.options]
        common = dict(options=labelled, value=self.default, description=self.label,
                      layout={"width": "360px", "margin": "2px 12px 2px 0"})
        if self.kind == "toggle":
            # Without an explicit flex row the buttons wrap below their label.
            common["layout"].update(display="flex", flex_flow="row nowrap", align_items="center")
            return widgets.ToggleButtons(
                style={"description_width": "120px", "button_width": "90px"}, **common)
        return widgets.SelectionSlider(continuous_update=False,
                                       style={"description_width": "120px"}, **common)


def format_value(value):
    """Label of an option: ``0.01``, ``128`` or ``'relu'``."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _check_choice(name, value, choices):
    """Return ``value`` if it is one of the strings ``choices``, or raise naming ``name``."""
    # A type check first: `in` on an array would compare elementwise.
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be one of {list(choices)}, got {describe(value)}")
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {list(choices)}, got {value!r}")
    return value


def _check_options(options):
    """``options`` as a tuple of distinct hashable values with distinct labels, or raise."""
    rule = "a non-empty sequence of distinct values such as (0.1, 1.0)"
    if not isinstance(options, Sequence) or isinstance(options, (str, bytes)):
        raise TypeError(f"`options` must be {rule}, got {describe(options)}")
    options = tuple(options)
    try:
        distinct = len(set(options)) == len(options)
    except TypeError:  # an unhashable option, such as a list or an array
        raise TypeError(f"`options` must be {rule}, hashable, got {options!r}") from None
    if not options or not distinct:
        raise ValueError(f"`options` must be {rule}, got {options!r}")
    labels = [format_value(value) for value in options]
    if len(set(labels)) != len(labels):
        raise ValueError(f"`options` must have distinct labels, as they name the runs, "
                         f"got {options!r} labelled {labels}")
    return options


def resolve_mode(mode):
    """``'live'`` or ``'precomputed'`` from ``mode`` and ``MLP_CORE_WIDGETS``.

    Raises
    ------
    TypeError
        If ``mode`` is not a string.
    ValueError
        If ``mode`` is not one of ``MODES``.
    """
    # A type check first: `in` on an array would compare elementwise.
    if not isinstance(mode, str):
        raise TypeError(f"`mode` must be one of {MODES}, got {describe(mode)}")
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}, got {mode!r}")
    if mode == "auto":
        return "precomputed" if os.environ.get(MODE_VARIABLE) == "precomputed" else "live"
    return mode


def combination_class(settings):
    """CSS class naming one combination, e.g. ``mlp-run--lr-0.5--hidden-8``."""
    parts = (f"{name}-{format_value(value)}" for name, value in settings.items())
    return "mlp-run--" + "--".join(parts)


def call_line(function, settings):
    """The one line of mlp_core code that reproduces ``settings``."""
    arguments = ", ".join(f"{name}={value!r}" for name, value in settings.items())
    return f"run = {function}({arguments})"


def _panel_html(summary, code):
    return (f"<div class='mlp-summary'>{summary}</div>"
            f"<div>Reproduce with <code>mlp_core.experiments</code>: "
            f"<code class='mlp-code'>{html.escape(code)}</code></div>")


def _header(text):
    return widgets.HTML(f"<div class='mlp-header'>{text}</div>")


# -- the two modes -----------------------------------------------------------------


def _check_explorer(title, controls, render):
    """Refuse a title, controls or render that could not make an explorer."""
    if not isinstance(title, str):
        raise TypeError(f"`title` must be a string, got {describe(title)}")
    if (not isinstance(controls, (list, tuple))
            or not all(isinstance(control, Control) for control in controls)):
        raise TypeError(f"`controls` must be a list of Control, got {describe(controls)}")
    names = [control.name for control in controls]
    if len(set(names)) != len(names):
        raise ValueError(f"`controls` must have distinct names, as they are the keys of the "
                         f"settings, got the names {names}")
    if not callable(render):
        raise TypeError(f"`render` must be callable, got {describe(render)}")
    return list(controls)


def _rendered(result):
    """``render``'s result, checked: the widgets would otherwise fail far from it."""
    if (not isinstance(result, tuple) or len(result) != 3 or not isinstance(result[0], bytes)
            or not all(isinstance(text, str) for text in result[1:])):
        shown = (f"a tuple of {[type(item).__name__ for item in result]}"
                 if isinstance(result, tuple) else describe(result))
        raise TypeError(f"`render` must return (png_bytes, summary_html, code_line), got {shown}")
    return result


def build_precomputed(title, controls, render):
    """An explorer whose every combination is rendered now and switched in the browser.

    Parameters
    ----------
    title : str
    controls : list of Control
        Outermost first; the product of their options is the grid.
    render : callable
        ``render(settings) -> (png_bytes, summary_html, code_line)``.

    Returns
    -------
    ipywidgets.VBox

    Raises
    ------
    TypeError
        If ``title`` is not a string, ``controls`` not a list of Control,
        ``render`` not callable or it returns something else than
        ``(bytes, str, str)``.
    ValueError
        If two controls share a name.
    """
    controls = _check_explorer(title, controls, render)
    control_widgets = [control.make_widget() for control in controls]

    def stack(level, settings):
        if level == len(controls):
            png, summary, code = _rendered(render(settings))
            image = widgets.Image(value=png, format="png")
            image.add_class("mlp-figure")
            leaf = widgets.VBox([image, widgets.HTML(_panel_html(summary, code))])
            leaf.add_class("mlp-run")
            leaf.add_class(combination_class(settings))
            return leaf
        control, widget = controls[level], control_widgets[level]
        children = [stack(level + 1, {**settings, control.name: value}) for value in control.options]
        node = widgets.Stack(children, selected_index=control.options.index(control.default))
        widgets.jslink((widget, "index"), (node, "selected_index"))
        return node

    grid = stack(0, {})
    n_runs = int(np.prod([len(c.options) for c in controls]))
    header = _header(
        f"<b>{title}</b> <span class='mlp-mode'>Precomputed: these {n_runs} runs were trained "
        "with mlp_core when this page was built, so the controls work without a kernel. "
        "Open the notebook in JupyterLab to retrain live with more settings.</span>")
    explorer = widgets.VBox([header, widgets.HBox(control_widgets,
                                                  layout={"flex_flow": "row wrap"}), grid])
    explorer.add_class("mlp-explorer")
    explorer.add_class("mlp-precomputed")
    return explorer


def build_live(title, controls, render, default_epochs=200):
    """An explorer that retrains in the kernel whenever a control is released.

    Parameters
    ----------
    title : str
    controls : list of Control
    render : callable
        ``render(settings, on_epoch_end) -> (png_bytes, summary_html, code_line)``.
    default_epochs : int, default 200
        Length of the progress bar when no control sets ``n_epochs``,
        ``>= 1``.

    Returns
    -------
    ipywidgets.VBox
        Its ``update()`` attribute retrains with the current settings. An
        error of ``render`` (including a result other than
        ``(bytes, str, str)``) is shown as a one-line status message.

    Raises
    ------
    TypeError
        If ``title`` is not a string, ``controls`` not a list of Control,
        ``render`` not callable or ``default_epochs`` not an integer.
    ValueError
        If two controls share a name or ``default_epochs`` < 1.
    """
    controls = _check_explorer(title, controls, render)
    default_epochs = Integer(1).convert("default_epochs", default_epochs)
    control_widgets = [control.make_widget() for control in controls]
    progress = widgets.IntProgress(value=0, min=0, max=1, description="training",
                                   layout={"width": "50%"})
    status = widgets.HTML()
    image = widgets.Image(format="png")
    panel = widgets.HTML()

    def on_epoch_end(epoch, loss):
        progress.value = epoch + 1

    def update(change=None):
        settings = {c.name: w.value for c, w in zip(controls, control_widgets)}
        progress.value = 0
        status.value = "training…"
        start = time.perf_counter()
        try:
            # Inside the try: a custom control's n_epochs need not be a number.
            progress.max = max(int(settings.get("n_epochs", default_epochs)), 1)
            png, summary, code = _rendered(render(settings, on_epoch_end))
        except Exception as error:  # noqa: BLE001 - a widget shows a message, never a traceback
            status.value = f"<b>Could not train with these settings:</b> {html.escape(str(error))}"
            return
        image.value = png
        panel.value = _panel_html(summary, code)
        progress.value = progress.max  # also for a stored run or one that stopped early
        status.value = f"done in {time.perf_counter() - start:.2f} s"

    for widget in control_widgets:
        widget.observe(update, names="value")
    header = _header(f"<b>{title}</b> <span class='mlp-mode'>Live: every released control "
                     "retrains with mlp_core in this kernel.</span>")
    explorer = widgets.VBox([header, widgets.HBox(control_widgets, layout={"flex_flow": "row wrap"}),
                             widgets.HBox([progress, status]), image, panel])
    explorer.add_class("mlp-explorer")
    explorer.add_class("mlp-live")
    explorer.controls = dict(zip((c.name for c in controls), control_widgets))
    explorer.image = image
    explorer.progress = progress
    explorer.status = status
    explorer.panel = panel
    explorer.update = update
    update()
    return explorer


def _build(mode, title, controls_by_mode, render, default_epochs=200):
    mode = resolve_mode(mode)
    if mode == "precomputed":
        return build_precomputed(title, controls_by_mode["precomputed"],
                                 lambda settings: render(settings, None))
    return build_live(title, controls_by_mode["live"], render, default_epochs)


def _check_settings(settings, controls_by_mode):
    """Return ``settings`` with every value checked, or raise naming ``settings['key']``.

    Its keys must be those of the explorer's controls: keys that every
    mode's controls define are required; keys of only some modes (such as
    the live explorers' seed or epochs) are optional. Each value is checked
    by ``SETTING_RULES`` and returned as a plain int, float or str, so that
    the code line shows ``seed=3``, not ``seed=np.int64(3)``.
    """
    names = [{control.name for control in controls} for controls in controls_by_mode.values()]
    required, known = set.intersection(*names), set.union(*names)
    if not isinstance(settings, Mapping):
        raise TypeError(f"`settings` must be a dict with the keys {sorted(required)}, "
                        f"got {describe(settings)}")
    missing = sorted(required - set(settings))
    unknown = sorted(set(settings) - known, key=repr)
    if missing or unknown:
        optional = f" and optionally {sorted(known - required)}" if known != required else ""
        raise ValueError(
            f"`settings` must have the keys {sorted(required)}{optional}, got {dict(settings)!r}"
            + (f"; missing {missing}" if missing else "")
            + (f"; unknown {unknown}" if unknown else ""))
    return {key: SETTING_RULES[key].convert(f"settings[{key!r}]", value)
            for key, value in settings.items()}


def _check_width(names, settings, sizes):
    """Refuse hidden widths ``settings[name]`` that give more than ``MAX_PARAMETERS``."""
    # The trainer would refuse too, but naming `hidden`, not the settings key.
    check_parameter_count("` and `".join(f"settings[{name!r}]" for name in names),
                          [settings[name] for name in names] if len(names) > 1
                          else settings[names[0]], sizes)


def _mark_single_points(*axes):
    # A line through one point, as a one-epoch run draws, is invisible
    # without a marker, and the automatic ticks would split that epoch.
    for ax in axes:
        for line in ax.lines:
            if len(line.get_xdata()) == 1:
                line.set_marker("o")
                ax.set_xticks(line.get_xdata())


def _epochs(n):
    return f"{n} epoch" if n == 1 else f"{n} epochs"


def _diverged_text(run):
    if run.diverged is None:
        return ""
    error = run.diverged
    return f"<b>Diverged</b> in epoch {error.epoch}: {error.cause}. {html.escape(error.advice)} "


def _diverged_axes(ax, run):
    ax.text(0.5, 0.5, f"diverged in epoch {run.diverged.epoch}\ntry a smaller lr",
            transform=ax.transAxes, ha="center", va="center", fontsize=12,
            color=plotting.OKABE_ITO["vermillion"])


#: The constraints table of the explorers' settings keys.
SETTING_RULES = {
    "hidden": Integer(1),
    "hidden_1": Integer(1),
    "hidden_2": Integer(1),
    "lr": Real(0),
    # An int only: a Generator's repr in the code line would not reproduce the run.
    "seed": Integer(0),
    # At least one epoch: the figures plot curves over the epochs.
    "n_epochs": Integer(1),
    "activation": Options(sorted(ACTIVATIONS)),
}


# -- section 2: XOR ----------------------------------------------------------------

XOR_CONTROLS = {
    "precomputed": [
        Control("hidden", "hidden width", (2, 4, 8, 16), 4),
        Control("lr", "learning rate", (0.01, 0.05, 0.2, 0.5, 2.0, 10.0, 50.0), 0.5),
    ],
    "live": [
        Control("hidden", "hidden width", (2, 3, 4, 6, 8, 16, 32, 64), 4),
        Control("lr", "learning rate", (0.003, 0.01, 0.03, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0), 0.5),
        Control("seed", "seed", tuple(range(10)), 0),
    ],
}


def _xor_call(settings):
    """``train_xor`` keywords of ``settings``, checked under the names the caller wrote."""
    settings = _check_settings(settings, XOR_CONTROLS)
    _check_width(["hidden"], settings, [2, settings["hidden"], 2])
    return settings


def render_xor(settings, on_epoch_end=None):
    """Figure, summary and code line of one XOR run.

    Parameters
    ----------
    settings : dict
        Keyword arguments of :func:`~mlp_core.experiments.train_xor` named
        by ``XOR_CONTROLS``: ``'hidden'`` (an int ``>= 1``) and ``'lr'``
        (finite, ``> 0``), optionally ``'seed'`` (an int ``>= 0``: a
        Generator would make the code line irreproducible).
    on_epoch_end : callable or None, optional
        Called as ``on_epoch_end(epoch, loss)`` after every epoch.

    Returns
    -------
    png : bytes
    summary : str
        HTML.
    code : str
        The ``train_xor`` call that reproduces the run.

    Raises
    ------
    TypeError
        If ``settings`` is not a dict, or a value has the wrong type.
    ValueError
        If a key is missing or unknown, or a value breaks its rule; the
        message names it as ``settings['key']``.
    """
    settings = _xor_call(settings)
    run = train_xor(**settings, on_epoch_end=on_epoch_end)
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    loss_ax, boundary_ax = fig.subplots(1, 2, width_ratios=[1.4, 1])
    if run.losses:
        plotting.plot_losses(run.losses, ax=loss_ax, log_scale=True, title="training loss")
    else:
        _diverged_axes(loss_ax, run)
    X, y = xor_data()
    plotting.plot_decision_boundary(run.network, X, y, ax=boundary_ax, resolution=80,
                                    title="decision boundary")
    correct = int((run.network.predict(X) == y).sum())
    summary = _diverged_text(run) + (
        f"{correct}/4 points correct ({'solved' if correct == len(y) else 'not solved'}); "
        f"final loss {run.losses[-1]:.3g}"
        if run.losses else "")
    return plotting.figure_to_png(fig), summary, call_line("train_xor", settings)


def explore_xor(mode="auto"):
    """Hidden width and learning rate of the XOR network (section 2)."""
    return _build(mode, "XOR explorer", XOR_CONTROLS, render_xor)


# -- section 3: digits ---------------------------------------------------------------

DIGITS_EPOCHS_PRECOMPUTED = 30

DIGITS_CONTROLS = {
    "precomputed": [
        Control("activation", "hidden activation", ("relu", "sigmoid"), "relu", kind="toggle"),
        Control("hidden_1", "hidden 1", (32, 128), 128),
        Control("hidden_2", "hidden 2", (16, 64), 64),
        Control("lr", "learning rate", (0.001, 0.01, 0.1, 1.0, 10.0), 0.01),
    ],
    "live": [
        Control("activation", "hidden activation", ("relu", "sigmoid"), "relu", kind="toggle"),
        Control("hidden_1", "hidden 1", (8, 16, 32, 64, 128, 256), 128),
        Control("hidden_2", "hidden 2", (8, 16, 32, 64, 128, 256), 64),
        Control("lr", "learning rate", (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0),
                0.01),
        Control("n_epochs", "epochs", (5, 10, 20, 50, 100), 20),
    ],
}


def _digits_call(settings):
    """``train_digits`` keywords of ``settings``, checked under the names the caller wrote."""
    settings = _check_settings(settings, DIGITS_CONTROLS)
    hidden = (settings["hidden_1"], settings["hidden_2"])
    _check_width(["hidden_1", "hidden_2"], settings, [64, *hidden, 10])
    return {"hidden": hidden, "lr": settings["lr"], "activation": settings["activation"],
            "n_epochs": settings.get("n_epochs", DIGITS_EPOCHS_PRECOMPUTED)}


def render_digits(settings, on_epoch_end=None):
    """Figure, summary and code line of one digits run.

    Parameters
    ----------
    settings : dict
        The controls of ``DIGITS_CONTROLS``: ``'activation'``,
        ``'hidden_1'``, ``'hidden_2'`` (ints ``>= 1``) and ``'lr'``, and
        optionally ``'n_epochs'`` (an int ``>= 1``; default
        ``DIGITS_EPOCHS_PRECOMPUTED``). ``'activation'`` is ``'relu'`` or
        ``'sigmoid'`` and ``'lr'`` finite and ``> 0``.
    on_epoch_end : callable or None, optional
        Called as ``on_epoch_end(epoch, loss)`` after every epoch.

    Returns
    -------
    png : bytes
    summary : str
        HTML.
    code : str
        The ``train_digits`` call that reproduces the run.

    Raises
    ------
    TypeError
        If ``settings`` is not a dict, or a value has the wrong type.
    ValueError
        If a key is missing or unknown, or a value breaks its rule; the
        message names it as ``settings['key']``.
    """
    arguments = _digits_call(settings)
    run = train_digits(**arguments, on_epoch_end=on_epoch_end)
    fig = Figure(figsize=(10, 2.9), layout="constrained")
    loss_ax, accuracy_ax, norms_ax = fig.subplots(1, 3)
    if run.losses:
        plotting.plot_losses(run.losses, ax=loss_ax, log_scale=True, title="training loss")
        plotting.plot_accuracy(run.history, ax=accuracy_ax, title="accuracy")
        plotting.plot_grad_norms(run.history["grad_norms"], ax=norms_ax, title="gradient norms")
        _mark_single_points(loss_ax, accuracy_ax, norms_ax)
        summary = (f"train accuracy {run.history['train_accuracy'][-1]:.3f}, held-out "
                   f"{run.history['test_accuracy'][-1]:.3f} after {_epochs(len(run.losses))}")
    else:
        for ax in (loss_ax, accuracy_ax, norms_ax):
            _diverged_axes(ax, run)
        summary = ""
    return (plotting.figure_to_png(fig), _diverged_text(run) + summary,
            call_line("train_digits", arguments))


def explore_digits(mode="auto"):
    """Learning rate, hidden sizes, activation and epochs on digits (section 3)."""
    return _build(mode, "Digits explorer", DIGITS_CONTROLS, render_digits)


# -- section 4: learning rates ---------------------------------------------------------

LR_EPOCHS = 30
LR_CONTROLS = {
    "precomputed": [Control("lr", "learning rate",
                            (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0), 0.01)],
}
LR_CONTROLS["live"] = LR_CONTROLS["precomputed"]


class LearningRateSweep:
    """Digits runs of the chapter's network at several learning rates, trained on demand.

    Parameters
    ----------
    n_epochs : int, default LR_EPOCHS
        Epochs of every run, ``>= 1`` (the figure plots loss curves).

    Raises
    ------
    TypeError, ValueError
        If ``n_epochs`` is not an integer ``>= 1``.
    """

    def __init__(self, n_epochs=LR_EPOCHS):
        self.n_epochs = Integer(1).convert("n_epochs", n_epochs)
        self.runs = {}

    def run(self, lr, on_epoch_end=None):
        """The run at learning rate ``lr`` (finite, ``> 0``), trained on first use.

        ``on_epoch_end`` (callable or None) is only called while training,
        not for a stored run.
        """
        lr = Real(0).convert("lr", lr)
        CallableOrNone().convert("on_epoch_end", on_epoch_end)
        if lr not in self.runs:
            self.runs[lr] = train_digits(lr=lr, n_epochs=self.n_epochs, on_epoch_end=on_epoch_end)
        return self.runs[lr]

    def render(self, settings, on_epoch_end=None):
        """Every run so far in grey, the selected one highlighted.

        ``settings`` is ``{'lr': lr}`` with ``lr`` finite and ``> 0``;
        returns ``(png_bytes, summary_html, code_line)``. Raises
        ``TypeError`` or ``ValueError`` naming the key otherwise.
        """
        lr = _check_settings(settings, LR_CONTROLS)["lr"]
        selected = self.run(lr, on_epoch_end)
        fig = Figure(figsize=(7, 3.2), layout="constrained")
        ax = fig.subplots()
        for other_lr, other in sorted(self.runs.items()):
            if other_lr != lr and other.losses:
                ax.plot(np.arange(1, len(other.losses) + 1), other.losses, color="0.75", lw=1)
        if selected.losses:
            plotting.plot_losses(selected.losses, ax=ax, log_scale=True)
            ax.lines[-1].set_color(plotting.OKABE_ITO["blue"])
            ax.lines[-1].set_linewidth(3)
        ax.set_yscale("log")
        # One epoch is one point: an axis from 1 to 1 would be singular.
        ax.set_xlim(*((1, self.n_epochs) if self.n_epochs > 1 else (0.5, 1.5)))
        _mark_single_points(ax)
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean cross-entropy")
        ax.set_title(f"lr = {lr:g} (grey: the other learning rates)")
        if selected.diverged is not None:
            _diverged_axes(ax, selected)
            summary = _diverged_text(selected)
        else:
            summary = (f"final loss {selected.losses[-1]:.3g}, held-out accuracy "
                       f"{selected.history['test_accuracy'][-1]:.3f} "
                       f"after {_epochs(self.n_epochs)}")
        code = call_line("train_digits", {"lr": lr, "n_epochs": self.n_epochs})
        return plotting.figure_to_png(fig), summary, code


def explore_learning_rate(mode="auto"):
    """The chapter's digits network over learning rates from too small to diverging (section 4)."""
    sweep = LearningRateSweep()
    if resolve_mode(mode) == "precomputed":
        for lr in LR_CONTROLS["precomputed"][0].options:
            sweep.run(lr)
    return _build(mode, "Learning-rate explorer", LR_CONTROLS, sweep.render, LR_EPOCHS)


def precomputed_grid(explorer):
    """``{combination_class: (png_bytes, panel_html)}`` of a precomputed explorer.

    Raises
    ------
    TypeError
        If ``explorer`` is not a widget.
    ValueError
        If it is not an explorer built in ``'precomputed'`` mode, or one of
        its runs is not as ``build_precomputed`` made it.
    """
    rule = "an explorer built in 'precomputed' mode, such as explore_xor('precomputed')"
    if not isinstance(explorer, widgets.Widget):
        raise TypeError(f"`explorer` must be {rule}, got {describe(explorer)}")
    classes = list(getattr(explorer, "_dom_classes", ()))
    if "mlp-precomputed" not in classes:
        raise ValueError(f"`explorer` must be {rule}, got a {type(explorer).__name__} "
                         f"with CSS classes {classes}")
    grid = {}
    pending = [explorer]
    while pending:
        widget = pending.pop()
        classes = getattr(widget, "_dom_classes", ())
        if "mlp-run" in classes:
            key, image, panel = _run_parts(widget, rule)
            grid[key] = (image.value, panel.value)
        pending.extend(getattr(widget, "children", ()))
    return grid


def _run_parts(widget, rule):
    """Combination class, Image and HTML of a run that ``build_precomputed`` made, or raise."""
    keys = [c for c in widget._dom_classes if c.startswith("mlp-run--")]
    children = getattr(widget, "children", ())
    if (len(keys) != 1 or len(children) != 2 or not isinstance(children[0], widgets.Image)
            or not isinstance(children[1], widgets.HTML)):
        raise ValueError(
            f"`explorer` must be {rule}, got a run (CSS class 'mlp-run') with classes "
            f"{list(widget._dom_classes)} and children {[type(c).__name__ for c in children]}, "
            "instead of one 'mlp-run--...' class and an Image and an HTML")
    return keys[0], *children


__all__ = ["explore_xor", "explore_digits", "explore_learning_rate", "build_live",
           "build_precomputed", "Control", "precomputed_grid"]
