"""The explorers: precomputed grids and a fuzzed live widget in a real kernel."""

import html
import json

import nbformat
import pytest
from nbclient import NotebookClient

from book_paths import FIGURE_HTML, stored_runs, widget_state_file
from mlp_core import widgets

PRECOMPUTED = {"xor": widgets.explore_xor, "learning_rate": widgets.explore_learning_rate}
# The page whose one explorer each is.
BUILT_PAGE = {"xor": "book/02_forward_pass.html", "learning_rate": "book/04_what_next.html"}


def built_grid(page_path):
    """``{combination_class: (figure_html, panel_html)}`` of the explorer stored in a built page."""
    return stored_runs(json.loads(widget_state_file(page_path).read_text())["state"])


@pytest.mark.parametrize("name", PRECOMPUTED)
def test_precomputed_grid_is_complete_and_identical_to_the_books(built_html, name):
    # Trained again here and compared with the grid the book build stored in the
    # page: the same pictures and panels, byte for byte.
    first = widgets.precomputed_grid(PRECOMPUTED[name]("precomputed"))
    second = built_grid(built_html / BUILT_PAGE[name])
    assert first.keys() == second.keys()
    assert first == second
    controls = {"xor": widgets.XOR_CONTROLS, "learning_rate": widgets.LR_CONTROLS}[name]
    expected = 1
    for control in controls["precomputed"]:
        expected *= len(control.options)
    assert len(first) == expected
    # Different settings give different pictures (not one image repeated),
    # each with its own code line, and alt texts made from each run: runs with the
    # same outcome (two that diverge in their first epoch) may share one.
    assert len({figure for figure, _ in first.values()}) == expected
    assert len({FIGURE_HTML.fullmatch(figure).group(1) for figure, _ in first.values()}) > expected // 2
    assert len({panel for _, panel in first.values()}) == expected


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
names = list(explorer.controls)
settings = {{}}
for step in range(50):
    name = names[rng.integers(len(names))]
    options = explorer.controls[name].options
    # Extremes first and last, random positions in between.
    position = [0, len(options) - 1][step % 2] if step < 10 else rng.integers(len(options))
    explorer.controls[name].index = int(position)
last_settings = {{name: w.value for name, w in explorer.controls.items()}}
"""

CHECK_CELL = """
import hashlib, json
print(json.dumps({"status": explorer.status.value, "panel": explorer.panel.value,
                  "figure": explorer.image.value, "settings": last_settings}))
"""

RENDERERS = {"explore_xor": widgets.render_xor, "explore_digits": widgets.render_digits}


@pytest.mark.parametrize("factory, seed", [("explore_xor", 1), ("explore_digits", 2)])
def test_live_explorer_survives_fifty_random_changes(factory, seed):
    """Fifty control changes in a real kernel: no error output, the kernel lives,
    and the widget shows the figure and code line of the last setting."""
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
    png, alt, _, code = RENDERERS[factory](state["settings"])
    assert code in html.unescape(state["panel"])
    # The figure of the last setting, with the alt text made from that run.
    assert state["figure"] == widgets.figure_html(png, alt)
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
    assert "<b>Diverged</b> in epoch" in explorer.panel.value
    assert "Try a smaller learning rate" in explorer.panel.value
    assert "Traceback" not in explorer.panel.value + explorer.status.value
    assert explorer.image.value != first_image


def test_live_explorer_shows_a_message_when_training_itself_fails():
    """Any unexpected error becomes a one-line message, never a traceback."""
    def broken_render(settings, on_epoch_end):
        raise RuntimeError("simulated failure")
    explorer = widgets.build_live("Broken", [widgets.Control("lr", "learning rate", (0.1, 1.0), 0.1)],
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
