"""The explorers: precomputed grids and a fuzzed live widget in a real kernel."""

import html
import io
import itertools
import json

import nbformat
import PIL.Image
import pytest
from nbclient import NotebookClient

from book_paths import figure_pictures, stored_runs, widget_state_file
from page_figures import covered_points
from mlp_core import TrainingDiverged, widgets
from mlp_core.experiments import Run

# Each precomputed explorer's page, its controls and its render function.
EXPLORERS = {
    "xor": ("book/02_xor_seeds.html", widgets.XOR_CONTROLS["precomputed"],
            widgets.render_xor),
    "digits": ("book/03_training_on_digits.html", widgets.DIGITS_CONTROLS["precomputed"],
               widgets.render_digits),
}


def built_grid(page_path):
    """``{combination_class: (figure_html, panel_html)}`` of the explorer stored in a built page."""
    return stored_runs(json.loads(widget_state_file(page_path).read_text())["state"])


@pytest.mark.parametrize("name", EXPLORERS)
def test_precomputed_grid_is_complete_and_its_runs_reproduce(built_html, name):
    page, controls, render = EXPLORERS[name]
    grid = built_grid(built_html / page)
    settings = [dict(zip([c["name"] for c in controls], values))
                for values in itertools.product(*(c["options"] for c in controls))]
    assert sorted(grid) == sorted(widgets.combination_class(s) for s in settings)
    # Different settings give different pictures (not one image repeated), each with
    # its own code line, and alt texts made from each run; only runs that diverge in
    # their first epoch, which draw nothing, may share one.
    pictures = {key: figure_pictures(figure) for key, (figure, _) in grid.items()}
    assert all(pictures.values()), [key for key, value in pictures.items() if not value]
    alts = {key: tuple(alt for alt, *_ in value) for key, value in pictures.items()}
    drawn = [figure for key, (figure, _) in grid.items()
             if "diverged in its first epoch" not in alts[key][0]]
    assert len(set(drawn)) == len(drawn) > len(settings) // 2
    assert len(set(alts.values())) > len(settings) // 2
    assert len({panel for _, panel in grid.values()}) == len(settings)
    # The default, the first and the last combination trained again give the same bytes.
    default = {c["name"]: c["default"] for c in controls}
    for chosen in (default, settings[0], settings[-1]):
        panels, summary, code = render(chosen)
        assert grid[widgets.combination_class(chosen)] == (
            widgets.figure_html(panels), widgets._panel_html(summary, code))


def test_mode_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(widgets.MODE_VARIABLE, "precomputed")
    assert widgets.resolve_mode("auto") == "precomputed"
    monkeypatch.delenv(widgets.MODE_VARIABLE)
    assert widgets.resolve_mode("auto") == "live"
    with pytest.raises(ValueError, match="`mode` must be one of"):
        widgets.resolve_mode("static")


FUZZ_CELL = """
import numpy as np
rng = np.random.default_rng({seed})
controls = explorer.controls
# Both ends of every control (its own first value would change nothing), then random positions.
# The number of epochs first: its low end then makes the other extremes quick to train.
order = sorted(controls, key=lambda name: name != "n_epochs")
steps = [(name, end) for name in order for end in (len(controls[name].options) - 1, 0)]
steps += [(name, int(rng.integers(len(controls[name].options))))
          for name in rng.choice(list(controls), 4)]
for name, position in steps:
    controls[name].index = position
last_settings = {{name: w.value for name, w in controls.items()}}
"""

CHECK_CELL = """
import hashlib, json
print(json.dumps({"status": explorer.status.value, "panel": explorer.panel.value,
                  "figure": explorer.image.value, "settings": last_settings}))
"""

RENDERERS = {"explore_xor": widgets.render_xor, "explore_digits": widgets.render_digits}


@pytest.mark.parametrize("factory, seed", [("explore_xor", 1), ("explore_digits", 2)])
def test_live_explorer_survives_extreme_and_random_changes(factory, seed):
    """Both ends of every control, then four random changes, in a real kernel: no error
    output, the kernel lives, and the widget shows the figure and code line of the last
    setting."""
    cells = [
        nbformat.v4.new_code_cell(f"from mlp_core.widgets import {factory}\n"
                                  f"explorer = {factory}('live')"),
        nbformat.v4.new_code_cell(FUZZ_CELL.format(seed=seed)),
        nbformat.v4.new_code_cell(CHECK_CELL),
        nbformat.v4.new_code_cell("print('kernel alive')"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, timeout=900, kernel_name="python3").execute()
    for cell in notebook.cells:
        for output in cell.outputs:
            assert output.output_type != "error", output
            assert output.get("name") != "stderr", output["text"]
    state = json.loads(notebook.cells[2].outputs[0]["text"])
    assert state["status"].startswith("done in "), state["status"]
    panels, summary, code = RENDERERS[factory](state["settings"])
    assert state["panel"] == widgets._panel_html(summary, code)
    # The figure of the last setting, with the alt texts made from that run.
    assert state["figure"] == widgets.figure_html(panels)
    assert notebook.cells[3].outputs[0]["text"] == "kernel alive\n"


@pytest.mark.parametrize("factory, diverging", [
    (widgets.explore_xor, {"lr": 50.0}),
    (widgets.explore_learning_rate, {"lr": 10.0}),
])
def test_live_explorer_reports_divergence_in_plain_words(factory, diverging):
    explorer = factory("live")
    first_image = explorer.image.value
    for name, value in diverging.items():
        explorer.controls[name].value = value
    assert explorer.status.value.startswith("done in ")
    assert "<b>Diverged</b> in its first epoch" in explorer.panel.value
    assert "diverged" in " ".join(alt for alt, *_ in figure_pictures(explorer.image.value)).lower()
    assert "times smaller" in explorer.panel.value
    assert "Traceback" not in explorer.panel.value + explorer.status.value
    assert explorer.image.value != first_image


def test_live_explorer_shows_a_message_when_training_itself_fails():
    """Any unexpected error becomes a one-line message, never a traceback."""
    def broken_render(settings, on_epoch_end):
        raise RuntimeError("simulated failure")
    explorer = widgets.build_live("Broken", [widgets.control("lr", "learning rate", (0.1, 1.0), 0.1)],
                                  broken_render)
    assert explorer.status.value == ("<b>Could not train with these settings:</b> "
                                     "simulated failure")


@pytest.mark.parametrize("factory, epochs", [
    (widgets.explore_xor, 200),
    (widgets.explore_learning_rate, widgets.LR_EPOCHS),
])
def test_live_progress_bar_spans_the_run_and_ends_full(factory, epochs):
    explorer = factory("live")
    assert explorer.progress.max == epochs
    assert explorer.progress.value == epochs


def test_a_one_epoch_run_renders_without_warnings_and_names_its_code():
    panels, summary, code = widgets.render_digits({"activation": "relu", "hidden_1": 8,
                                                   "hidden_2": 8, "lr": 0.1, "n_epochs": 1})
    assert all(png.startswith(b"\x89PNG") for png, _ in panels) and "after 1 epoch" in summary
    assert "training loss is" in panels[0][1].lower()
    assert code == ("from mlp_core.experiments import train_digits\n"
                    "run = train_digits(hidden=(8, 8), lr=0.1, activation='relu', n_epochs=1)")


# -- the pictures: readable at the size the page shows them -----------------------------

#: The body's small print in the book (0.8rem, the "Implemented by" lines): no text of an
#: explorer's picture is smaller where the page shows it at its own size (test_pages
#: checks that it does, at 1280 and 390 px).
SMALL_PRINT_PX = 12.8
#: What a phone's column leaves an explorer's picture (390 px wide screen).
PHONE_PX = 330


def drawn_figures(monkeypatch, render, settings):
    """The matplotlib figures ``render(settings)`` turned into its panels, drawn."""
    figures = []
    to_png = widgets.plotting.figure_to_png

    def keep(fig, **kwargs):
        figures.append(fig)
        return to_png(fig, **kwargs)

    monkeypatch.setattr(widgets.plotting, "figure_to_png", keep)
    panels, summary, _ = render(settings)
    assert len(figures) == len(panels)
    return figures, panels, summary


def visible_texts(fig):
    """Every visible text of ``fig``, tick labels included."""
    from matplotlib.text import Text
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and t.get_window_extent().width > 0]


def divergence_marker(line):
    """The dotted vertical line at the epoch a run diverged (the legend names it)."""
    return line.get_linestyle() == ":" and len(set(line.get_xdata())) == 1


CASES = [
    (widgets.render_xor, {"hidden": 4, "lr": 0.5}),
    (widgets.render_xor, {"hidden": 2, "lr": 0.01}),
    (widgets.render_xor, {"hidden": 4, "lr": 50.0}),  # diverges in its first epoch
    (widgets.render_xor, {"hidden": 64, "lr": 5.0, "seed": 3}),
    (widgets.render_digits, {"activation": "relu", "hidden_1": 128, "hidden_2": 64, "lr": 0.01}),
    (widgets.render_digits, {"activation": "sigmoid", "hidden_1": 32, "hidden_2": 16,
                             "lr": 0.001}),
    (widgets.render_digits, {"activation": "relu", "hidden_1": 128, "hidden_2": 64, "lr": 10.0}),
    (widgets.render_digits, {"activation": "relu", "hidden_1": 8, "hidden_2": 8, "lr": 0.1,
                             "n_epochs": 1}),
    (lambda settings: widgets.render_learning_rate(settings, {}), {"lr": 0.01}),
    (lambda settings: widgets.render_learning_rate(settings, {}), {"lr": 10.0}),
]


@pytest.mark.parametrize("render, settings", CASES)
def test_pictures_are_readable_and_no_legend_covers_a_curve(monkeypatch, render, settings):
    figures, panels, _ = drawn_figures(monkeypatch, render, settings)
    for fig, (png, alt) in zip(figures, panels):
        fig.canvas.draw()
        texts = visible_texts(fig)
        assert texts, alt
        # One point of text is one CSS pixel at the size the page shows the picture, and
        # the picture fits a phone's column at that size, at twice its pixels.
        width, height = (float(v) * 72 for v in fig.get_size_inches())
        assert width <= PHONE_PX, f"{alt}: {width} px wide"
        small = [t.get_text() for t in texts if t.get_fontsize() < SMALL_PRINT_PX]
        assert not small, f"{alt}: text below {SMALL_PRINT_PX} px: {small}"
        # Nothing drawn is cut off at the picture's edges.
        drawn, edge = fig.get_tightbbox(), fig.bbox_inches
        assert (drawn.x0 >= -0.02 and drawn.y0 >= -0.02 and drawn.x1 <= edge.x1 + 0.02
                and drawn.y1 <= edge.y1 + 0.02), f"{alt}: drawn beyond the edge: {drawn}"
        image = PIL.Image.open(io.BytesIO(png))
        assert image.size == (round(2 * width), round(2 * height))
        # Legends sit outside every plot: no curve point inside one.
        covered = covered_points(fig, skip=divergence_marker)
        assert not covered, f"{alt}: a legend covers {covered} curve points"
        for ax in fig.axes:
            if ax.axison:
                assert ax.get_legend() is None, f"{alt}: a legend inside a plot"


def test_a_legend_inside_the_plot_is_caught(monkeypatch):
    """Negative control: the legend check above sees a legend put back over the curves."""
    figures, _, _ = drawn_figures(monkeypatch, widgets.render_digits,
                                  {"activation": "relu", "hidden_1": 128, "hidden_2": 64,
                                   "lr": 0.01})
    ax = figures[2].axes[0]
    ax.legend(loc="center")
    assert covered_points(figures[2], skip=divergence_marker) > 0


def test_a_run_that_diverged_says_so_in_its_picture(monkeypatch):
    """No empty axes: a run with nothing to draw gets one panel that says it diverged, and
    a run that diverged later marks the epoch on its curves, in the legend."""
    figures, panels, summary = drawn_figures(
        monkeypatch, widgets.render_digits,
        {"activation": "relu", "hidden_1": 128, "hidden_2": 64, "lr": 10.0})
    assert len(figures) == 1 and not figures[0].axes[0].axison
    words = " ".join(t.get_text() for t in visible_texts(figures[0]))
    assert "Diverged" in words and "smaller learning rate" in words
    assert summary.startswith("<b>Diverged</b> in its first epoch")
    # A run that diverged in its fourth epoch (no precomputed run does): its three losses
    # are drawn, and a line at epoch 4 is named in the legend.
    error = TrainingDiverged(3, 5.0, float("inf"), [2.0, 1.5, 1.2], None, True)
    partial = Run(None, {"loss": [2.0, 1.5, 1.2]}, error)
    figures, panels, summary = drawn_figures(
        monkeypatch, lambda settings: widgets.render_learning_rate(settings, {5.0: partial}),
        {"lr": 5.0})
    assert summary.startswith("<b>Diverged</b> after 3 epochs"), summary
    assert "diverged after 3 epochs" in panels[0][1]
    ax = figures[0].axes[0]
    curve, mark = ax.lines[0], ax.lines[1]
    assert list(curve.get_ydata()) == [2.0, 1.5, 1.2] and set(mark.get_xdata()) == {4}
    legend_words = [t.get_text() for t in figures[0].legends[0].get_texts()]
    assert legend_words == ["lr = 5", "diverged (epoch 4)"]
    assert ax.get_title() == "lr = 5: diverged"
