"""Explorers for the learning rate and hidden sizes (sections 2-4), in two modes.

``'live'`` (JupyterLab): every released control retrains in the kernel.
``'precomputed'`` (the HTML book, which has no kernel): every combination of
the controls' options is trained when the cell runs, and the controls are
linked in the browser (``jslink``) to ``Stack`` widgets of the stored pictures.
``mode='auto'`` is ``'precomputed'`` when the environment variable
``MLP_CORE_WIDGETS`` is ``precomputed`` (as in ``make book``), else ``'live'``.

A control is a dict (see ``control``); a render function takes the settings
``{name: value}`` and, live, an ``on_epoch_end`` callback, and returns
``(png_bytes, alt_text, summary_html, code_line)``. No math lives here.
"""

__all__ = ["explore_xor", "explore_digits", "explore_learning_rate"]

import base64
import html
import os
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from mlp_core import plotting
from mlp_core import validation as check
from mlp_core.data import xor_data
from mlp_core.experiments import train_digits, train_xor

MODE_VARIABLE = "MLP_CORE_WIDGETS"


def control(name, label, options, default, kind="slider"):
    """One control: the experiment's keyword ``name``, its ``options`` and the ``default``
    selected first, shown as a ``'slider'`` or a ``'toggle'``."""
    return {"name": name, "label": label, "options": tuple(options), "default": default,
            "kind": kind}


def format_value(value):
    """Label of an option: ``0.01``, ``128`` or ``'relu'``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _make_widget(spec):
    labelled = [(format_value(v), v) for v in spec["options"]]
    common = dict(options=labelled, value=spec["default"], description=spec["label"],
                  layout={"width": "360px", "margin": "2px 12px 2px 0"})
    if spec["kind"] == "toggle":
        # Without an explicit flex row the buttons wrap below their label.
        common["layout"].update(display="flex", flex_flow="row nowrap", align_items="center")
        return widgets.ToggleButtons(
            style={"description_width": "120px", "button_width": "90px"}, **common)
    return widgets.SelectionSlider(continuous_update=False,
                                   style={"description_width": "120px"}, **common)


def resolve_mode(mode):
    """``'live'`` or ``'precomputed'`` from ``mode`` and ``MLP_CORE_WIDGETS``."""
    mode = check.one_of("mode", mode, ("auto", "live", "precomputed"))
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
    """An ``<img>`` of the PNG bytes ``png`` with the alt text ``alt``, for an HTML widget
    (ipywidgets' ``Image`` has no alt text)."""
    data = base64.b64encode(png).decode("ascii")
    return (f"<img class='mlp-figure' alt='{html.escape(alt, quote=True)}' "
            f"src='data:image/png;base64,{data}'>")


def _panel_html(summary, code):
    return (f"<div class='mlp-summary'>{summary}</div>"
            f"<div>Reproduce with <code>mlp_core.experiments</code>: "
            f"<code class='mlp-code'>{html.escape(code)}</code></div>")


def _frame(mode, title, note, controls, control_widgets, body):
    """The explorer: a header, the controls in a wrapping row, then ``body``."""
    header = widgets.HTML(f"<div class='mlp-header'><b>{html.escape(title)}</b> "
                          f"<span class='mlp-mode'>{note}</span></div>")
    explorer = widgets.VBox([header, widgets.HBox(control_widgets,
                                                  layout={"flex_flow": "row wrap"}), *body])
    explorer.add_class("mlp-explorer")
    explorer.add_class(f"mlp-{mode}")
    explorer.controls = dict(zip((spec["name"] for spec in controls), control_widgets))
    return explorer


def build_precomputed(title, controls, render):
    """An explorer whose every combination of ``controls`` (outermost first) is rendered
    now with ``render(settings)`` and switched in the browser."""
    control_widgets = [_make_widget(spec) for spec in controls]

    def stack(level, settings):
        if level == len(controls):
            png, alt, summary, code = render(settings)
            leaf = widgets.VBox([widgets.HTML(figure_html(png, alt)),
                                 widgets.HTML(_panel_html(summary, code))])
            leaf.add_class("mlp-run")
            leaf.add_class(combination_class(settings))
            return leaf
        spec, widget = controls[level], control_widgets[level]
        children = [stack(level + 1, {**settings, spec["name"]: value})
                    for value in spec["options"]]
        node = widgets.Stack(children, selected_index=spec["options"].index(spec["default"]))
        widgets.jslink((widget, "index"), (node, "selected_index"))
        return node

    note = (f"Precomputed: these {np.prod([len(spec['options']) for spec in controls])} runs "
            "were trained with mlp_core when this page was built, so the controls work without "
            "a kernel. Open the notebook in JupyterLab to retrain them live.")
    return _frame("precomputed", title, note, controls, control_widgets, [stack(0, {})])


def build_live(title, controls, render, default_epochs=200):
    """An explorer that retrains in the kernel with ``render(settings, on_epoch_end)``
    whenever a control is released; an error shows as a one-line status message."""
    control_widgets = [_make_widget(spec) for spec in controls]
    progress = widgets.IntProgress(value=0, min=0, max=1, description="training",
                                   layout={"width": "50%"})
    status = widgets.HTML()
    image = widgets.HTML()  # figure_html: an <img> with alt text
    panel = widgets.HTML()

    def on_epoch_end(epoch, loss):
        progress.value = epoch + 1

    def update(change=None):
        settings = {spec["name"]: w.value for spec, w in zip(controls, control_widgets)}
        progress.value = 0
        progress.max = settings.get("n_epochs", default_epochs)
        status.value = "training…"
        start = time.perf_counter()
        try:
            png, alt, summary, code = render(settings, on_epoch_end)
        except Exception as error:  # noqa: BLE001 - a widget shows a message, never a traceback
            status.value = f"<b>Could not train with these settings:</b> {html.escape(str(error))}"
            return
        image.value = figure_html(png, alt)
        panel.value = _panel_html(summary, code)
        progress.value = progress.max  # also for a run that stopped early
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
    error = run.diverged
    return "" if error is None else (f"<b>Diverged</b> in epoch {error.epoch}: {error.cause}. "
                                     f"{html.escape(error.advice)} ")


def _run_words(run):
    """What a run's loss curve shows, for alt text: "training loss falls from 0.69 to ..."."""
    losses = run.losses
    if run.diverged is not None:
        after = f" after a loss of {losses[-1]:.2g}" if losses else ", so no loss curve is drawn"
        return f"training diverged in epoch {run.diverged.epoch}{after}"
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
        control("hidden", "hidden width", (2, 4, 8, 16), 4),
        control("lr", "learning rate", (0.01, 0.05, 0.2, 0.5, 2.0, 10.0, 50.0), 0.5),
    ],
    "live": [
        control("hidden", "hidden width", (2, 3, 4, 6, 8, 16, 32, 64), 4),
        control("lr", "learning rate",
                (0.003, 0.01, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0), 0.5),
        control("seed", "seed", range(10), 0),
    ],
}


def render_xor(settings, on_epoch_end=None):
    """Figure, alt text, summary and ``train_xor`` code line of one XOR run.

    ``settings`` holds ``train_xor``'s ``hidden`` and ``lr``, optionally ``seed``.
    """
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

DIGITS_EPOCHS = 30

DIGITS_CONTROLS = {
    "precomputed": [
        control("activation", "hidden activation", ("relu", "sigmoid"), "relu", kind="toggle"),
        control("hidden_1", "hidden 1", (32, 128), 128),
        control("hidden_2", "hidden 2", (16, 64), 64),
        control("lr", "learning rate", (0.001, 0.01, 0.1, 1.0, 10.0), 0.01),
    ],
    "live": [
        control("activation", "hidden activation", ("relu", "sigmoid"), "relu", kind="toggle"),
        control("hidden_1", "hidden 1", (8, 16, 32, 64, 128, 256), 128),
        control("hidden_2", "hidden 2", (8, 16, 32, 64, 128, 256), 64),
        control("lr", "learning rate",
                (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0), 0.01),
        control("n_epochs", "epochs", (5, 10, 20, DIGITS_EPOCHS, 50, 100), DIGITS_EPOCHS),
    ],
}


def render_digits(settings, on_epoch_end=None):
    """Figure, alt text, summary and ``train_digits`` code line of one digits run.

    ``settings`` holds ``activation``, ``hidden_1``, ``hidden_2``, ``lr``, optionally ``n_epochs``.
    """
    arguments = {"hidden": (settings["hidden_1"], settings["hidden_2"]), "lr": settings["lr"],
                 "activation": settings["activation"],
                 "n_epochs": settings.get("n_epochs", DIGITS_EPOCHS)}
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
    return _build(mode, "Digits explorer", DIGITS_CONTROLS, render_digits, DIGITS_EPOCHS)


# -- section 4: learning rates ---------------------------------------------------------

LR_EPOCHS = 30
LR_CONTROLS = {"precomputed": [control("lr", "learning rate", (0.0003, 0.001, 0.003, 0.01, 0.03,
                                                               0.1, 0.3, 1.0, 3.0, 10.0), 0.01)]}
LR_CONTROLS["live"] = LR_CONTROLS["precomputed"]


def render_learning_rate(settings, runs, on_epoch_end=None):
    """The run at ``settings['lr']`` highlighted over every other run of ``runs``
    (a dict lr -> Run, to which a missing run is added) in grey."""
    lr = settings["lr"]
    if lr not in runs:
        runs[lr] = train_digits(lr=lr, n_epochs=LR_EPOCHS, on_epoch_end=on_epoch_end)
    selected = runs[lr]
    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.subplots()
    others = [other for other_lr, other in sorted(runs.items())
              if other_lr != lr and other.losses]
    for other in others:
        ax.plot(np.arange(1, len(other.losses) + 1), other.losses, color="0.75", lw=1)
    if selected.losses:
        plotting.plot_losses(selected.losses, ax=ax, log_scale=True)
        ax.lines[-1].set_color(plotting.OKABE_ITO["blue"])
        ax.lines[-1].set_linewidth(3)
    ax.set_yscale("log")
    ax.set_xlim(1, LR_EPOCHS)
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
                   f"{selected.history['val_accuracy'][-1]:.3f} after {_epochs(LR_EPOCHS)}")
    alt = f"At learning rate {lr:g}, {_run_words(selected)}{behind}"
    code = call_line("train_digits", {"lr": lr, "n_epochs": LR_EPOCHS})
    return plotting.figure_to_png(fig), alt, summary, code


def explore_learning_rate(mode="auto"):
    """The chapter's digits network over learning rates from too small to diverging (section 4)."""
    runs = {}
    if resolve_mode(mode) == "precomputed":  # every run first: each picture shows the others
        runs.update((lr, train_digits(lr=lr, n_epochs=LR_EPOCHS))
                    for lr in LR_CONTROLS["precomputed"][0]["options"])
    return _build(mode, "Learning-rate explorer", LR_CONTROLS,
                  lambda settings, on_epoch_end: render_learning_rate(settings, runs,
                                                                      on_epoch_end),
                  LR_EPOCHS)
