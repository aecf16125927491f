"""The explorers: precomputed grids and a fuzzed live widget in a real kernel."""

import html
import itertools
import json

import nbformat
import pytest
from nbclient import NotebookClient

from book_paths import FIGURE_HTML, stored_runs, widget_state_file
from mlp_core import widgets

# Each precomputed explorer's page, its controls and its render function.
EXPLORERS = {
    "xor": ("book/02_forward_pass.html", widgets.XOR_CONTROLS["precomputed"],
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
    alts = {key: FIGURE_HTML.fullmatch(figure).group(1) for key, (figure, _) in grid.items()}
    drawn = [figure for key, (figure, _) in grid.items() if "diverged in epoch 0" not in alts[key]]
    assert len(set(drawn)) == len(drawn) > len(settings) // 2
    assert len(set(alts.values())) > len(settings) // 2
    assert len({panel for _, panel in grid.values()}) == len(settings)
    # The default, the first and the last combination trained again give the same bytes.
    default = {c["name"]: c["default"] for c in controls}
    for chosen in (default, settings[0], settings[-1]):
        png, alt, summary, code = render(chosen)
        assert grid[widgets.combination_class(chosen)] == (
            widgets.figure_html(png, alt), widgets._panel_html(summary, code))


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
steps = [(name, end) for name in controls for end in (len(controls[name].options) - 1, 0)]
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
    png, alt, summary, code = widgets.render_digits({"activation": "relu", "hidden_1": 8,
                                                     "hidden_2": 8, "lr": 0.1, "n_epochs": 1})
    assert png.startswith(b"\x89PNG") and "after 1 epoch" in summary
    assert "training loss is" in alt and code == ("run = train_digits(hidden=(8, 8), lr=0.1, "
                                                  "activation='relu', n_epochs=1)")
