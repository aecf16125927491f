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

import base64
import html
import os
import time
from collections.abc import Callable, Mapping, Sequence
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
    Constraint,
    Got,
    InstanceOf,
    Integer,
    Options,
    Real,
    check_parameter_count,
    validate,
)

MODE_VARIABLE = "MLP_CORE_WIDGETS"
MODES = ("auto", "live", "precomputed")
#: Kinds of :class:`Control`: a ``SelectionSlider`` or ``ToggleButtons``.
CONTROL_KINDS = ("slider", "toggle")


def format_value(value):
    """Label of an option: ``0.01``, ``128`` or ``'relu'``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


# -- constraints of the explorers' arguments -------------------------------------------


class OptionValues(Constraint):
    """The values a control offers, as a tuple; each names its run by its label."""

    rule = "a non-empty sequence of distinct hashable values with distinct labels"

    def convert(self, name, value, validated=None):
        # Sets have no order of positions; a string is not a sequence of options.
        if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
            self.refuse(TypeError, name, value)
        options = tuple(value)
        try:
            distinct = len(set(options)) == len(options)
        except TypeError:  # an unhashable option, such as a list
            self.refuse(TypeError, name, options)
        labels = {format_value(option) for option in options}
        if not options or not distinct or len(labels) != len(options):
            self.refuse(ValueError, name, options)
        return options

    def invalid_examples(self, valid):
        return [("ab", TypeError), ({1, 2}, TypeError), (([1], [2]), TypeError),
                ((), ValueError), ((1, 1.0), ValueError), ((0.1, 0.1000001), ValueError)]


class OneOfOptions(Constraint):
    """One of the validated ``options``, as the control's first value."""

    rule = "one of `options`"

    def convert(self, name, value, validated):
        try:
            # A set, not the tuple: `in` on a tuple would compare an array elementwise.
            known = value in set(validated["options"])
        except TypeError:  # an unhashable value cannot be one of the hashable options
            known = False
        if not known:
            self.refuse(ValueError, name, value, f"one of the options {validated['options']!r}")
        return value

    def invalid_examples(self, valid):
        return [("not an option", ValueError), (np.array([1, 2]), ValueError)]


class Controls(Constraint):
    """A list of :class:`Control` with distinct names, the keys of the settings."""

    rule = "a list of Control with distinct names"

    def convert(self, name, value, validated=None):
        if (not isinstance(value, (list, tuple))
                or not all(isinstance(control, Control) for control in value)):
            self.refuse(TypeError, name, value)
        names = [control.name for control in value]
        if len(set(names)) != len(names):
            self.refuse(ValueError, name, Got(f"the names {names}"))
        return list(value)

    def invalid_examples(self, valid):
        return [(None, TypeError), ([*valid, "seed"], TypeError), ([*valid, valid[0]], ValueError)]


class Settings(Constraint):
    """The keyword arguments of one run, named as the explorer's controls name them.

    Keys that every mode's controls define are required, the others (such
    as the live explorers' seed) optional; each value is checked by
    ``WIDGET_CONSTRAINTS`` as ``settings['key']``, and the ``widths`` keys give
    the network ``layer_sizes(widths)`` for the parameter cap.
    """

    def __init__(self, controls_by_mode, widths=(), layer_sizes=None):
        names = [{control.name for control in controls} for controls in controls_by_mode.values()]
        self.required, self.known = set.intersection(*names), set.union(*names)
        self.widths, self.layer_sizes = widths, layer_sizes
        optional = sorted(self.known - self.required)
        self.rule = (f"a dict with the keys {sorted(self.required)}"
                     + (f" and optionally {optional}" if optional else ""))

    def convert(self, name, value, validated=None):
        if not isinstance(value, Mapping):
            self.refuse(TypeError, name, value)
        missing = sorted(self.required - set(value))
        unknown = sorted(set(value) - self.known, key=repr)
        if missing or unknown:
            self.refuse(ValueError, name, Got(
                repr(dict(value)) + (f"; missing {missing}" if missing else "")
                + (f"; unknown {unknown}" if unknown else "")))
        # Plain ints, floats and strs, so that the code line shows seed=3, not np.int64(3).
        settings = {key: WIDGET_CONSTRAINTS[key].convert(f"{name}[{key!r}]", item)
                    for key, item in value.items()}
        if self.widths:
            widths = [settings[key] for key in self.widths]
            check_parameter_count(", ".join(f"{name}[{key!r}]" for key in self.widths),
                                  widths if len(widths) > 1 else widths[0],
                                  self.layer_sizes(widths))
        return settings

    def invalid_examples(self, valid):
        bad = [(list(valid.items()), TypeError), ({}, ValueError),
               ({**valid, "unknown": 1}, ValueError)]
        for key, item in valid.items():
            bad += [({**valid, key: wrong}, error)
                    for wrong, error in WIDGET_CONSTRAINTS[key].invalid_examples(item)]
        return bad + [({**valid, key: 10**8}, ValueError) for key in self.widths]


class PngBytes(Constraint):
    """The bytes of a PNG image, as :func:`mlp_core.plotting.figure_to_png` returns them."""

    rule = "the bytes of a PNG image"
    signature = b"\x89PNG\r\n\x1a\n"

    def convert(self, name, value, validated=None):
        if not isinstance(value, bytes):
            self.refuse(TypeError, name, value)
        if not value.startswith(self.signature):
            self.refuse(ValueError, name, value)
        return value

    def invalid_examples(self, valid):
        return [(None, TypeError), ("image.png", TypeError), (b"GIF89a", ValueError)]


class AltText(Constraint):
    """What a figure shows, in words, for a reader who cannot see it."""

    rule = "a non-empty string describing the figure"

    def convert(self, name, value, validated=None):
        if not isinstance(value, str):
            self.refuse(TypeError, name, value)
        if not value.strip():
            self.refuse(ValueError, name, value)
        return value

    def invalid_examples(self, valid):
        return [(None, TypeError), (b"loss falls", TypeError), ("", ValueError),
                ("  ", ValueError)]


class PrecomputedExplorer(Constraint):
    """An explorer that :func:`build_precomputed` made."""

    rule = "an explorer built in 'precomputed' mode, such as explore_xor('precomputed')"

    def convert(self, name, value, validated=None):
        if not isinstance(value, widgets.Widget):
            self.refuse(TypeError, name, value)
        if "mlp-precomputed" not in value._dom_classes:
            self.refuse(ValueError, name, Got(f"a {type(value).__name__} with CSS classes "
                                              f"{list(value._dom_classes)}"))
        return value

    def invalid_examples(self, valid):
        return [(None, TypeError), ({"mlp-run--lr-0.5": None}, TypeError),
                (widgets.VBox(), ValueError)]


#: The constraints table of the controls, builders, explorers, sweep and settings keys.
WIDGET_CONSTRAINTS = {
    "name": InstanceOf(str, "a string"),
    "label": InstanceOf(str, "a string"),
    "options": OptionValues(),
    "default": OneOfOptions(),
    "kind": Options(CONTROL_KINDS),
    "title": InstanceOf(str, "a string"),
    "controls": Controls(),
    "render": InstanceOf(Callable, "callable"),
    "default_epochs": Integer(1),
    "mode": Options(MODES),
    "explorer": PrecomputedExplorer(),
    "on_epoch_end": CallableOrNone(),
    "hidden": Integer(1),
    "hidden_1": Integer(1),
    "hidden_2": Integer(1),
    "lr": Real(0),
    # An int only: a Generator's repr in the code line would not reproduce the run.
    "seed": Integer(0),
    # At least one epoch: the figures plot curves over the epochs.
    "n_epochs": Integer(1),
    "activation": Options(sorted(ACTIVATIONS)),
    "png": PngBytes(),
    "alt": AltText(),
}


@dataclass(frozen=True)
class Control:
    """One control of an explorer: the experiment's keyword ``name`` and its ``options``.

    ``default`` is selected first; ``kind`` is ``'slider'`` or ``'toggle'``.
    """

    name: str
    label: str
    options: tuple
    default: object
    kind: str = "slider"

    def __post_init__(self):
        fields = dict(vars(self))
        for field, value in zip(fields, validate(WIDGET_CONSTRAINTS, **fields)):
            object.__setattr__(self, field, value)  # frozen: options become a tuple

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


def resolve_mode(mode):
    """``'live'`` or ``'precomputed'`` from ``mode`` and ``MLP_CORE_WIDGETS``."""
    (mode,) = validate(WIDGET_CONSTRAINTS, mode=mode)
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


def figure_html(png, alt):
    """An ``<img>`` of the PNG bytes ``png`` with the alt text ``alt``, for an HTML widget.

    ipywidgets' ``Image`` has no alt text, so the explorers show their figures this way.
    """
    png, alt = validate(WIDGET_CONSTRAINTS, png=png, alt=alt)
    data = base64.b64encode(png).decode("ascii")
    return (f"<img class='mlp-figure' alt='{html.escape(alt, quote=True)}' "
            f"src='data:image/png;base64,{data}'>")


def _panel_html(summary, code):
    return (f"<div class='mlp-summary'>{summary}</div>"
            f"<div>Reproduce with <code>mlp_core.experiments</code>: "
            f"<code class='mlp-code'>{html.escape(code)}</code></div>")


# -- the two modes, in one frame -------------------------------------------------------


def _frame(mode, title, note, controls, control_widgets, body):
    """The explorer: a header, the controls in a wrapping row, then ``body``."""
    header = widgets.HTML(f"<div class='mlp-header'><b>{html.escape(title)}</b> "
                          f"<span class='mlp-mode'>{note}</span></div>")
    explorer = widgets.VBox([header, widgets.HBox(control_widgets,
                                                  layout={"flex_flow": "row wrap"}), *body])
    explorer.add_class("mlp-explorer")
    explorer.add_class(f"mlp-{mode}")
    explorer.controls = dict(zip((control.name for control in controls), control_widgets))
    return explorer


def build_precomputed(title, controls, render):
    """An explorer whose every combination is rendered now and switched in the browser.

    ``render(settings)`` returns ``(png_bytes, alt_text, summary_html, code_line)``;
    ``controls`` come outermost first, and the product of their options is the grid.
    """
    title, controls, render = validate(WIDGET_CONSTRAINTS, title=title, controls=controls,
                                       render=render)
    control_widgets = [control.make_widget() for control in controls]

    def stack(level, settings):
        if level == len(controls):
            png, alt, summary, code = render(settings)
            leaf = widgets.VBox([widgets.HTML(figure_html(png, alt)),
                                 widgets.HTML(_panel_html(summary, code))])
            leaf.add_class("mlp-run")
            leaf.add_class(combination_class(settings))
            return leaf
        control, widget = controls[level], control_widgets[level]
        children = [stack(level + 1, {**settings, control.name: value})
                    for value in control.options]
        node = widgets.Stack(children, selected_index=control.options.index(control.default))
        widgets.jslink((widget, "index"), (node, "selected_index"))
        return node

    n_runs = int(np.prod([len(control.options) for control in controls]))
    note = (f"Precomputed: these {n_runs} runs were trained with mlp_core when this page was "
            "built, so the controls work without a kernel. Open the notebook in JupyterLab "
            "to retrain them live.")
    return _frame("precomputed", title, note, controls, control_widgets, [stack(0, {})])


def build_live(title, controls, render, default_epochs=200):
    """An explorer that retrains in the kernel whenever a control is released.

    ``render(settings, on_epoch_end)`` returns ``(png_bytes, alt_text,
    summary_html, code_line)``; an error it raises shows as a one-line status message.
    """
    title, controls, render, default_epochs = validate(
        WIDGET_CONSTRAINTS, title=title, controls=controls, render=render,
        default_epochs=default_epochs)
    control_widgets = [control.make_widget() for control in controls]
    progress = widgets.IntProgress(value=0, min=0, max=1, description="training",
                                   layout={"width": "50%"})
    status = widgets.HTML()
    image = widgets.HTML()  # figure_html: an <img> with alt text
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
            png, alt, summary, code = render(settings, on_epoch_end)
            figure = figure_html(png, alt)
        except Exception as error:  # noqa: BLE001 - a widget shows a message, never a traceback
            status.value = f"<b>Could not train with these settings:</b> {html.escape(str(error))}"
            return
        image.value = figure
        panel.value = _panel_html(summary, code)
        progress.value = progress.max  # also for a stored run or one that stopped early
        status.value = f"done in {time.perf_counter() - start:.2f} s"

    for widget in control_widgets:
        widget.observe(update, names="value")
    note = "Live: every released control retrains with mlp_core in this kernel."
    explorer = _frame("live", title, note, controls, control_widgets,
                      [widgets.HBox([progress, status]), image, panel])
    explorer.image, explorer.progress, explorer.status, explorer.panel = (image, progress,
                                                                          status, panel)
    explorer.update = update
    update()
    return explorer


def _build(mode, title, controls_by_mode, render, default_epochs=200):
    if resolve_mode(mode) == "precomputed":
        return build_precomputed(title, controls_by_mode["precomputed"],
                                 lambda settings: render(settings, None))
    return build_live(title, controls_by_mode["live"], render, default_epochs)


def precomputed_grid(explorer):
    """``{combination_class: (figure_html, panel_html)}`` of a precomputed explorer."""
    (explorer,) = validate(WIDGET_CONSTRAINTS, explorer=explorer)
    grid, pending = {}, [explorer]
    while pending:
        widget = pending.pop()
        if "mlp-run" in widget._dom_classes:
            (key,) = (name for name in widget._dom_classes if name.startswith("mlp-run--"))
            figure, panel = widget.children
            grid[key] = (figure.value, panel.value)
        pending.extend(getattr(widget, "children", ()))
    return grid


# -- the figures of the runs -----------------------------------------------------------


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


def _run_words(run):
    """What a run's loss curve shows, for alt text.

    E.g. "training loss falls from 0.69 to 0.0014 over 200 epochs".
    """
    losses = run.losses
    if run.diverged is not None:
        return (f"training diverged in epoch {run.diverged.epoch}"
                + (f" after a loss of {losses[-1]:.2g}" if losses else ", so no loss curve is drawn"))
    if not losses:
        return "no epoch was trained"
    first, last = losses[0], losses[-1]
    if len(losses) == 1:
        return f"training loss is {first:.2g} after 1 epoch"
    trend = "falls" if last < first else "rises" if last > first else "stays"
    return f"training loss {trend} from {first:.2g} to {last:.2g} over {_epochs(len(losses))}"


def _diverged_axes(ax, run):
    ax.text(0.5, 0.5, f"diverged in epoch {run.diverged.epoch}\ntry a smaller lr",
            transform=ax.transAxes, ha="center", va="center", fontsize=12,
            color=plotting.OKABE_ITO["vermillion"])


# -- section 2: XOR ----------------------------------------------------------------

XOR_CONTROLS = {
    "precomputed": [
        Control("hidden", "hidden width", (2, 4, 8, 16), 4),
        Control("lr", "learning rate", (0.01, 0.05, 0.2, 0.5, 2.0, 10.0, 50.0), 0.5),
    ],
    "live": [
        Control("hidden", "hidden width", (2, 3, 4, 6, 8, 16, 32, 64), 4),
        Control("lr", "learning rate",
                (0.003, 0.01, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0), 0.5),
        Control("seed", "seed", tuple(range(10)), 0),
    ],
}
XOR_RENDER_CONSTRAINTS = {
    **WIDGET_CONSTRAINTS,
    "settings": Settings(XOR_CONTROLS, ("hidden",), lambda widths: [2, *widths, 2]),
}


def render_xor(settings, on_epoch_end=None):
    """Figure, alt text, summary and ``train_xor`` code line of one XOR run.

    ``settings`` holds ``train_xor``'s ``hidden`` and ``lr``, optionally ``seed``.
    """
    settings, on_epoch_end = validate(XOR_RENDER_CONSTRAINTS, settings=settings,
                                      on_epoch_end=on_epoch_end)
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
    sides = ("all four points" if correct == len(y) else
             "no point" if correct == 0 else f"{correct} of the 4 points")
    alt = f"{_run_words(run)}; the decision boundary puts {sides} on the correct side"
    alt = alt[0].upper() + alt[1:]
    summary = _diverged_text(run) + (
        f"{correct}/4 points correct ({'solved' if correct == len(y) else 'not solved'}); "
        f"final loss {run.losses[-1]:.3g}"
        if run.losses else "")
    return plotting.figure_to_png(fig), alt, summary, call_line("train_xor", settings)


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
        Control("lr", "learning rate",
                (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0), 0.01),
        Control("n_epochs", "epochs", (5, 10, 20, 50, 100), 20),
    ],
}
DIGITS_RENDER_CONSTRAINTS = {
    **WIDGET_CONSTRAINTS,
    "settings": Settings(DIGITS_CONTROLS, ("hidden_1", "hidden_2"),
                         lambda widths: [64, *widths, 10]),
}


def render_digits(settings, on_epoch_end=None):
    """Figure, alt text, summary and ``train_digits`` code line of one digits run.

    ``settings`` holds ``activation``, ``hidden_1``, ``hidden_2``, ``lr``, optionally ``n_epochs``.
    """
    settings, on_epoch_end = validate(DIGITS_RENDER_CONSTRAINTS, settings=settings,
                                      on_epoch_end=on_epoch_end)
    arguments = {"hidden": (settings["hidden_1"], settings["hidden_2"]), "lr": settings["lr"],
                 "activation": settings["activation"],
                 "n_epochs": settings.get("n_epochs", DIGITS_EPOCHS_PRECOMPUTED)}
    run = train_digits(**arguments, on_epoch_end=on_epoch_end)
    fig = Figure(figsize=(10, 2.9), layout="constrained")
    loss_ax, accuracy_ax, norms_ax = fig.subplots(1, 3)
    if run.losses:
        plotting.plot_losses(run.losses, ax=loss_ax, log_scale=True, title="training loss")
        plotting.plot_accuracy(run.history, ax=accuracy_ax, title="accuracy")
        plotting.plot_grad_norms(run.history["grad_norms"], ax=norms_ax, title="gradient norms")
        _mark_single_points(loss_ax, accuracy_ax, norms_ax)
        summary = (f"train accuracy {run.history['train_accuracy'][-1]:.3f}, validation "
                   f"{run.history['val_accuracy'][-1]:.3f} after {_epochs(len(run.losses))}")
        norms = np.asarray(run.history["grad_norms"])
        alt = (f"Three panels. In the first, {_run_words(run)}; train accuracy ends at "
               f"{run.history['train_accuracy'][-1]:.3f} and validation accuracy at "
               f"{run.history['val_accuracy'][-1]:.3f}; the gradient norms of the "
               f"{norms.shape[-1]} weight matrices end between {norms[-1].min():.2g} and "
               f"{norms[-1].max():.2g}")
    else:
        for ax in (loss_ax, accuracy_ax, norms_ax):
            _diverged_axes(ax, run)
        summary = ""
        alt = f"Three empty panels: {_run_words(run)}, and no accuracy or gradient norms either"
    return (plotting.figure_to_png(fig), alt, _diverged_text(run) + summary,
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
LR_RENDER_CONSTRAINTS = {**WIDGET_CONSTRAINTS, "settings": Settings(LR_CONTROLS)}


class LearningRateSweep:
    """Digits runs of the chapter's network at several learning rates, trained on demand."""

    def __init__(self, n_epochs=LR_EPOCHS):
        (self.n_epochs,) = validate(WIDGET_CONSTRAINTS, n_epochs=n_epochs)
        self.runs = {}

    def run(self, lr, on_epoch_end=None):
        """The run at learning rate ``lr``, trained on first use.

        ``on_epoch_end`` is called only while training, not for a stored run.
        """
        lr, on_epoch_end = validate(WIDGET_CONSTRAINTS, lr=lr, on_epoch_end=on_epoch_end)
        if lr not in self.runs:
            self.runs[lr] = train_digits(lr=lr, n_epochs=self.n_epochs, on_epoch_end=on_epoch_end)
        return self.runs[lr]

    def render(self, settings, on_epoch_end=None):
        """Every run so far in grey, the one at ``settings['lr']`` highlighted."""
        settings, on_epoch_end = validate(LR_RENDER_CONSTRAINTS, settings=settings,
                                          on_epoch_end=on_epoch_end)
        lr = settings["lr"]
        selected = self.run(lr, on_epoch_end)
        fig = Figure(figsize=(7, 3.2), layout="constrained")
        ax = fig.subplots()
        others = [other for other_lr, other in sorted(self.runs.items())
                  if other_lr != lr and other.losses]
        for other in others:
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
        behind = (f", drawn over the grey curves of {len(others)} other learning "
                  f"rate{'s' if len(others) != 1 else ''}" if others else "")
        if selected.diverged is not None:
            _diverged_axes(ax, selected)
            summary = _diverged_text(selected)
        else:
            summary = (f"final loss {selected.losses[-1]:.3g}, validation accuracy "
                       f"{selected.history['val_accuracy'][-1]:.3f} "
                       f"after {_epochs(self.n_epochs)}")
        alt = f"At learning rate {lr:g}, {_run_words(selected)}{behind}"
        code = call_line("train_digits", {"lr": lr, "n_epochs": self.n_epochs})
        return plotting.figure_to_png(fig), alt, summary, code


def explore_learning_rate(mode="auto"):
    """The chapter's digits network over learning rates from too small to diverging (section 4)."""
    sweep = LearningRateSweep()
    if resolve_mode(mode) == "precomputed":
        for lr in LR_CONTROLS["precomputed"][0].options:
            sweep.run(lr)
    return _build(mode, "Learning-rate explorer", LR_CONTROLS, sweep.render, LR_EPOCHS)


__all__ = ["explore_xor", "explore_digits", "explore_learning_rate", "build_live",
           "build_precomputed", "Control", "precomputed_grid", "figure_html"]
