"""Explorers of the learning rate and hidden sizes (sections 2-4). ``'live'`` (JupyterLab)
retrains in the kernel when a control is released; ``'precomputed'`` (the HTML book, which has
no kernel) renders every combination of the controls when the cell runs, and the browser
switches between them (``jslink`` to ``Stack`` widgets). ``mode='auto'`` is ``'precomputed'``
where ``MLP_CORE_WIDGETS=precomputed``, as in ``make book``. A render function takes the
settings ``{name: value}`` (and, live, ``on_epoch_end=`` by keyword, so it needs a default)
and returns ``(panels, summary_html, code)``: one ``(png_bytes, alt_text)`` per plot, so that
they stack on a phone."""

__all__ = ["explore_xor", "explore_digits", "explore_learning_rate"]

import base64
import html
import os
import time
from functools import partial

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from mlp_core import plotting
from mlp_core import validation as check
from mlp_core.data import xor_data
from mlp_core.experiments import train_digits, train_xor

MODE_VARIABLE = "MLP_CORE_WIDGETS"


def control(name, label, options, default, kind="slider"):
    """One control: the keyword ``name``, its ``options``, the ``default``, a slider or toggle."""
    return dict(name=name, label=label, options=tuple(options), default=default, kind=kind)


def format_value(value):
    """Label of an option: ``0.01``, ``128`` or ``'relu'``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _make_widget(spec):
    common = dict(options=[(format_value(v), v) for v in spec["options"]], value=spec["default"],
                  description=spec["label"], layout={"width": "360px", "margin": "2px 12px 2px 0"})
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
    """The two lines of mlp_core code, import and call, that reproduce ``settings``."""
    arguments = ", ".join(f"{name}={value!r}" for name, value in settings.items())
    return f"from mlp_core.experiments import {function}\nrun = {function}({arguments})"


def figure_html(panels):
    """The pictures of one run: an ``<img>`` per panel ``(png_bytes, alt_text)``, shown at
    half its pixel size (ipywidgets' ``Image`` has no alt text), in a row that wraps."""
    images = []
    for png, alt in panels:
        # A PNG's width and height are the two 4-byte integers after its 16-byte header.
        width, height = (int.from_bytes(png[at:at + 4], "big") // PIXELS_PER_POINT
                         for at in (16, 20))
        data = base64.b64encode(png).decode("ascii")
        images.append(f"<img class='mlp-figure' width='{width}' height='{height}' "
                      f"alt='{html.escape(alt, quote=True)}' src='data:image/png;base64,{data}'>")
    return f"<div class='mlp-figures'>{''.join(images)}</div>"


def _panel_html(summary, code):
    # <br>, not a newline, ends a line of the code: JupyterLab keeps no white space.
    lines = "<br>".join(html.escape(line) for line in code.split("\n"))
    return (f"<div class='mlp-summary'>{summary}</div>"
            f"<div>Reproduce with:</div><code class='mlp-code'>{lines}</code>")


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
            panels, summary, code = render(settings)
            leaf = widgets.VBox([widgets.HTML(figure_html(panels)),
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
    """An explorer that retrains in the kernel with ``render(settings, on_epoch_end=...)``
    whenever a control is released; an error shows as a one-line status message."""
    control_widgets = [_make_widget(spec) for spec in controls]
    progress = widgets.IntProgress(value=0, min=0, max=1, description="training",
                                   layout={"width": "50%"})
    status, image, panel = widgets.HTML(), widgets.HTML(), widgets.HTML()  # image: figure_html

    def on_epoch_end(epoch, loss):
        progress.value = epoch + 1

    def update(change=None):
        settings = {spec["name"]: w.value for spec, w in zip(controls, control_widgets)}
        progress.value = 0
        progress.max = settings.get("n_epochs", default_epochs)
        status.value = "training…"
        start = time.perf_counter()
        try:
            panels, summary, code = render(settings, on_epoch_end=on_epoch_end)
        except Exception as error:  # noqa: BLE001 - a widget shows a message, never a traceback
            status.value = f"<b>Could not train with these settings:</b> {html.escape(str(error))}"
            return
        image.value = figure_html(panels)
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
    update()
    return explorer


def _build(mode, title, controls_by_mode, render, default_epochs=200):
    if resolve_mode(mode) == "precomputed":
        return build_precomputed(title, controls_by_mode["precomputed"], render)
    return build_live(title, controls_by_mode["live"], render, default_epochs)


#: Explorer panels are sized in points, one point per CSS pixel at the size the page shows them:
#: 320 pt wide fits a phone's column, two side by side a desktop's. Their text is 13 px, above the
#: body's small print (12.8 px); the PNG has twice the pixels, for high-density screens.
PANEL_SIZE = (320 / 72, 240 / 72)
PIXELS_PER_POINT = 2
PANEL_STYLE = {"font.size": 13, "axes.titlesize": 14, "axes.titleweight": "bold",
               "legend.frameon": False, "legend.handlelength": 1.8, "legend.columnspacing": 1.2}


def _panel(draw, alt, size=PANEL_SIZE):
    """``(png_bytes, alt)`` of one panel drawn by ``draw(ax)``, in the explorers' style."""
    with matplotlib.rc_context(PANEL_STYLE):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig.subplots())
        return plotting.figure_to_png(fig, dpi=72 * PIXELS_PER_POINT), alt


def _epochs(n):
    return f"{n} epoch" if n == 1 else f"{n} epochs"


def _when(error):
    """When a run diverged, in the epochs of its loss curve (which counts from 1)."""
    return "in its first epoch" if error.epoch == 0 else f"after {_epochs(error.epoch)}"


def _diverged_text(run):
    error = run.diverged
    return "" if error is None else (f"<b>Diverged</b> {_when(error)}: {error.cause}. "
                                     f"{html.escape(error.advice)} ")


def _run_words(run):
    """What a run's loss curve shows, for alt text: "training loss falls from 0.69 to ..."."""
    losses = run.losses
    if run.diverged is not None:
        after = (f", after falling from {losses[0]:.2g} to {losses[-1]:.2g}" if len(losses) > 1
                 else f", after a loss of {losses[-1]:.2g}" if losses else
                 ", so there is no loss to draw")
        return f"training diverged {_when(run.diverged)}{after}"
    first, last = losses[0], losses[-1]
    if len(losses) == 1:
        return f"training loss is {first:.2g} after 1 epoch"
    trend = "falls" if last < first else "rises" if last > first else "stays"
    return f"training loss {trend} from {first:.2g} to {last:.2g} over {_epochs(len(losses))}"


def _diverged_panel(run, nothing):
    """A panel that says in words that ``run`` diverged before any epoch ended."""
    def draw(ax):
        ax.set_axis_off()
        ax.text(0.5, 0.62, "Diverged", transform=ax.transAxes, ha="center", va="center",
                fontsize=20, fontweight="bold", color=plotting.OKABE_ITO["vermillion"])
        ax.text(0.5, 0.32, f"{_when(run.diverged)}:\nno {nothing} to draw.\n"
                f"Try a smaller learning rate.", transform=ax.transAxes, ha="center",
                va="center", linespacing=1.4)
    return _panel(draw, f"Training diverged {_when(run.diverged)}: no {nothing} to draw",
                  size=(PANEL_SIZE[0], 170 / 72))


def _epoch_panel(run, plot, alt, ncol=2, name_divergence=False, size=PANEL_SIZE):
    """A panel drawn by ``plot(ax)`` over the epochs of ``run``, a dotted line at the epoch in
    which it diverged (named in the legend if ``name_divergence``)."""
    def draw(ax):
        plot(ax)
        # A line through one point, as a one-epoch run draws, is invisible
        # without a marker, and the automatic ticks would split that epoch.
        for line in ax.lines:
            if len(line.get_xdata()) == 1:
                line.set_marker("o")
                ax.set_xticks(line.get_xdata())
        if run.diverged is not None and run.losses:
            epoch = run.diverged.epoch + 1
            ax.axvline(epoch, color=plotting.OKABE_ITO["vermillion"], linestyle=":", lw=2,
                       label=f"diverged (epoch {epoch})" if name_divergence else None)
        if ax.get_legend_handles_labels()[0]:
            plotting.legend_below(ax, ncol)
    return _panel(draw, alt, size)


def _loss_panel(run):
    words = _run_words(run)
    return _epoch_panel(run, lambda ax: plotting.plot_losses(run.losses, ax=ax, log_scale=True,
                                                             title="training loss"),
                        f"{words[0].upper()}{words[1:]} (log scale)", 1, name_divergence=True)


# -- section 2: XOR ----------------------------------------------------------------

XOR_CONTROLS = {
    "precomputed": [control("hidden", "hidden width", (2, 4, 8, 16), 4),
                    control("lr", "learning rate", (0.01, 0.05, 0.2, 0.5, 2.0, 10.0, 50.0), 0.5)],
    "live": [control("hidden", "hidden width", (2, 3, 4, 6, 8, 16, 32, 64), 4),
             control("lr", "learning rate",
                     (0.003, 0.01, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0), 0.5),
             control("seed", "seed", range(10), 0)],
}


def render_xor(settings, on_epoch_end=None):
    """Panels (loss, decision boundary), summary and ``train_xor`` code of one XOR run with
    ``settings`` ``hidden``, ``lr`` and optionally ``seed``."""
    run = train_xor(**settings, on_epoch_end=on_epoch_end)
    X, y = xor_data()
    correct = int((run.network.predict(X) == y).sum())
    sides = ("all four points" if correct == len(y) else
             "no point" if correct == 0 else f"{correct} of the 4 points")
    # A diverged run's network is the one before the epoch that diverged.
    title = ("decision boundary" if run.diverged is None else
             "initial boundary" if not run.losses else "boundary before divergence")

    def boundary(ax):
        plotting.plot_decision_boundary(run.network, X, y, ax=ax, resolution=80, title=title)
        plotting.legend_below(ax)

    panels = [_loss_panel(run) if run.losses else _diverged_panel(run, "loss curve"),
              _panel(boundary, f"The {title} puts {sides} on the correct side",
                     size=(260 / 72, PANEL_SIZE[1]))]
    summary = _diverged_text(run) or (
        f"{correct}/4 points correct ({'solved' if correct == len(y) else 'not solved'}); "
        f"final loss {run.losses[-1]:.3g}")
    return panels, summary, call_line("train_xor", settings)


def explore_xor(mode="auto"):
    """Hidden width and learning rate of the XOR network (section 2)."""
    return _build(mode, "XOR explorer", XOR_CONTROLS, render_xor)


# -- section 3: digits ---------------------------------------------------------------

DIGITS_EPOCHS = 30

ACTIVATION_CONTROL = control("activation", "hidden activation", ("relu", "sigmoid"), "relu",
                             kind="toggle")
LR_CONTROL = control("lr", "learning rate",
                     (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0), 0.01)
DIGITS_CONTROLS = {
    "precomputed": [ACTIVATION_CONTROL, control("hidden_1", "hidden 1", (32, 128), 128),
                    control("hidden_2", "hidden 2", (16, 64), 64),
                    control("lr", "learning rate", (0.001, 0.01, 0.1, 1.0, 10.0), 0.01)],
    "live": [ACTIVATION_CONTROL, control("hidden_1", "hidden 1", (8, 16, 32, 64, 128, 256), 128),
             control("hidden_2", "hidden 2", (8, 16, 32, 64, 128, 256), 64), LR_CONTROL,
             control("n_epochs", "epochs", (5, 10, 20, DIGITS_EPOCHS, 50, 100), DIGITS_EPOCHS)],
}


def render_digits(settings, on_epoch_end=None):
    """Panels (loss, accuracy, gradient norms), summary and ``train_digits`` code of one digits
    run with ``settings`` ``activation``, ``hidden_1``, ``hidden_2``, ``lr`` and, if given,
    ``n_epochs``."""
    arguments = {"hidden": (settings["hidden_1"], settings["hidden_2"]), "lr": settings["lr"],
                 "activation": settings["activation"],
                 "n_epochs": settings.get("n_epochs", DIGITS_EPOCHS)}
    run = train_digits(**arguments, on_epoch_end=on_epoch_end)
    code = call_line("train_digits", arguments)
    if not run.losses:
        return ([_diverged_panel(run, "loss, accuracy or gradient norm")],
                _diverged_text(run), code)
    history, norms = run.history, run.history["grad_norms"]
    train, validation = history["train_accuracy"][-1], history["val_accuracy"][-1]
    panels = [_loss_panel(run),
              _epoch_panel(run, lambda ax: plotting.plot_accuracy(history, ax=ax,
                                                                  title="accuracy"),
                           f"Accuracy: train ends at {train:.3f}, validation at {validation:.3f}"),
              _epoch_panel(run, lambda ax: plotting.plot_grad_norms(norms, ax=ax,
                                                                    title="gradient norms"),
                           f"Gradient norms of the {norms.shape[-1]} weight matrices (log scale) "
                           f"end between {norms[-1].min():.2g} and {norms[-1].max():.2g}")]
    summary = (f"train accuracy {train:.3f}, validation {validation:.3f} after "
               f"{_epochs(len(run.losses))}")
    # A run that diverged after some epochs still has accuracies worth reporting.
    return panels, _diverged_text(run) + summary, code


def explore_digits(mode="auto"):
    """Learning rate, hidden sizes, activation and epochs on digits (section 3)."""
    return _build(mode, "Digits explorer", DIGITS_CONTROLS, render_digits, DIGITS_EPOCHS)


# -- section 4: learning rates ---------------------------------------------------------

LR_EPOCHS = 30
LR_CONTROLS = {"precomputed": [LR_CONTROL], "live": [LR_CONTROL]}


def render_learning_rate(settings, runs, on_epoch_end=None):
    """The run at ``settings['lr']`` highlighted over every other run of ``runs``
    (a dict lr -> Run, to which a missing run is added) in grey."""
    lr = settings["lr"]
    if lr not in runs:
        runs[lr] = train_digits(lr=lr, n_epochs=LR_EPOCHS, on_epoch_end=on_epoch_end)
    selected = runs[lr]
    others = [other for other_lr, other in sorted(runs.items()) if other_lr != lr and other.losses]

    def plot(ax):
        for i, other in enumerate(others):
            ax.plot(np.arange(1, len(other.losses) + 1), other.losses, color="0.7", lw=1.2,
                    label="other learning rates" if i == 0 else None)
        if selected.losses:
            ax.plot(np.arange(1, len(selected.losses) + 1), selected.losses,
                    color=plotting.OKABE_ITO["blue"], lw=3, label=f"lr = {lr:g}")
        ax.set(yscale="log", xlim=(1, LR_EPOCHS), xlabel="epoch", ylabel="mean cross-entropy")
        if selected.diverged is None:
            ax.set_title(f"lr = {lr:g}")
        else:
            ax.set_title(f"lr = {lr:g}: diverged", color=plotting.OKABE_ITO["vermillion"])

    behind = (f", drawn over the grey curves of {len(others)} other learning "
              f"rate{'s' if len(others) != 1 else ''}" if others else "")
    summary = _diverged_text(selected) or (
        f"final loss {selected.losses[-1]:.3g}, validation accuracy "
        f"{selected.history['val_accuracy'][-1]:.3f} after {_epochs(LR_EPOCHS)}")
    alt = f"At learning rate {lr:g}, {_run_words(selected)}{behind} (log scale)"
    code = call_line("train_digits", {"lr": lr, "n_epochs": LR_EPOCHS})
    return ([_epoch_panel(selected, plot, alt, name_divergence=True,
                          size=(PANEL_SIZE[0], 270 / 72))], summary, code)


def explore_learning_rate(mode="auto"):
    """The chapter's digits network over learning rates from too small to diverging (section 4)."""
    runs = {}
    if resolve_mode(mode) == "precomputed":  # every run first: each picture shows the others
        runs.update((lr, train_digits(lr=lr, n_epochs=LR_EPOCHS)) for lr in LR_CONTROL["options"])
    return _build(mode, "Learning-rate explorer", LR_CONTROLS,
                  partial(render_learning_rate, runs=runs), LR_EPOCHS)
