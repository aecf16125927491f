"""What the explorers do with bad settings beyond the generated refusals.

The refusal of each bad argument of the controls, builders, renderers and
explorers is tested from their constraints table (test_constraints.py).
These tests cover what a table cannot state: the message lists what is
missing and unknown, the parameter cap names the settings keys, a live
explorer shows any error as one line instead of a traceback, and valid
numpy inputs give code lines that reproduce the run.
"""

import re
import warnings

import ipywidgets
import numpy as np
import pytest

from mlp_core import widgets

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DIGITS_SETTINGS = {"activation": "relu", "hidden_1": 8, "hidden_2": 8, "lr": 0.01}
LR_CONTROL = widgets.Control("lr", "learning rate", (0.5, 1.0), 0.5)


@pytest.mark.parametrize("render, settings, pattern", [
    (widgets.render_xor, {"n_epochs": 0},
     r"`settings` must be a dict with the keys \['hidden', 'lr'\] and optionally \['seed'\], "
     r"got \{'n_epochs': 0\}; missing \['hidden', 'lr'\]; unknown \['n_epochs'\]"),
    (widgets.render_digits, {**DIGITS_SETTINGS, "seed": 0}, r"`settings`.*unknown \['seed'\]$"),
    (widgets.LearningRateSweep(n_epochs=1).render, {},
     r"`settings` must be a dict with the keys \['lr'\], got \{\}; missing \['lr'\]$"),
])
def test_settings_message_lists_missing_and_unknown_keys(render, settings, pattern):
    with pytest.raises(ValueError, match=pattern):
        render(settings)


@pytest.mark.parametrize("render, settings, pattern", [
    (widgets.render_xor, {"hidden": 10**8, "lr": 0.5},
     r"`settings\['hidden'\]` must be small enough for at most 50,000,000 parameters, "
     r"got 100000000, which gives \[2, 100000000, 2\] with 500,000,002$"),
    (widgets.render_digits, {**DIGITS_SETTINGS, "hidden_1": 10**5, "hidden_2": 10**5},
     r"`settings\['hidden_1'\], settings\['hidden_2'\]` must be small enough for at most "
     r"50,000,000 parameters, got \[100000, 100000\], which gives \[64, 100000, 100000, 10\]"),
])
def test_parameter_cap_names_the_settings_keys(render, settings, pattern):
    with pytest.raises(ValueError, match=pattern):
        render(settings)


def test_one_epoch_renders_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png, alt, summary, code = widgets.render_digits({**DIGITS_SETTINGS, "n_epochs": 1})
        assert png.startswith(PNG_SIGNATURE)
        assert "after 1 epoch" in summary and "n_epochs=1" in code
        assert "training loss is" in alt and "after 1 epoch" in alt
        sweep = widgets.LearningRateSweep(n_epochs=1)
        sweep.run(0.1)
        png, alt, summary, code = sweep.render({"lr": np.float64(0.01)})
        assert png.startswith(PNG_SIGNATURE)
        assert "after 1 epoch" in summary
        assert alt.startswith("At learning rate 0.01, training loss is ")
        assert alt.endswith("drawn over the grey curves of 1 other learning rate")
        assert code == "run = train_digits(lr=0.01, n_epochs=1)"


def test_render_xor_accepts_the_live_settings():
    png, alt, summary, code = widgets.render_xor({"hidden": 4, "lr": 0.5, "seed": np.int64(3)})
    assert re.fullmatch(r"Training loss falls from \S+ to \S+ over 200 epochs; the decision "
                        r"boundary puts (all four points|\d of the 4 points|no point) on the "
                        r"correct side", alt), alt
    assert png.startswith(PNG_SIGNATURE) and "points correct" in summary
    # A plain int in the code line, which reproduces the run when pasted.
    assert code == "run = train_xor(hidden=4, lr=0.5, seed=3)"


def assert_one_line_status(explorer, *fragments):
    status = explorer.status.value
    assert status.startswith("<b>Could not train with these settings:</b> ")
    assert "\n" not in status and "Traceback" not in status
    for fragment in fragments:
        assert fragment in status


def test_live_explorer_shows_bad_settings_as_one_line():
    explorer = widgets.build_live("Bad", [LR_CONTROL], widgets.render_xor)
    assert_one_line_status(explorer, "`settings` must be a dict with the keys",
                           "missing [&#x27;hidden&#x27;]")


def test_live_explorer_shows_a_bad_render_result_as_one_line():
    explorer = widgets.build_live("t", [LR_CONTROL], lambda settings, on_epoch_end: None)
    assert_one_line_status(explorer, "NoneType")


def test_live_control_with_a_non_numeric_n_epochs_is_one_line():
    epochs = widgets.Control("n_epochs", "epochs", ("many",), "many")
    explorer = widgets.build_live("t", [epochs], lambda settings, on_epoch_end: None)
    assert_one_line_status(explorer, "many")


def test_control_keeps_valid_options_as_a_tuple():
    control = widgets.Control("seed", "seed", range(3), 0, kind="toggle")
    assert control.options == (0, 1, 2)
    assert isinstance(control.make_widget(), ipywidgets.ToggleButtons)
    slider = widgets.Control("lr", "learning rate", [0.1, 1.0], 1.0).make_widget()
    assert slider.value == 1.0 and slider.index == 1


def test_options_with_equal_labels_are_refused_with_the_options():
    # 0.1 and 0.1000001 are distinct values but both are labelled "0.1", and
    # the precomputed grid names each run by its labels.
    with pytest.raises(ValueError, match=re.escape("got (0.1, 0.1000001)")):
        widgets.Control("lr", "learning rate", (0.1, 0.1000001), 0.1)


def test_valid_custom_explorer_builds_in_both_modes():
    def render(settings, on_epoch_end=None):
        return (PNG_SIGNATURE, f"a picture of lr {settings['lr']}", f"lr {settings['lr']}",
                widgets.call_line("f", settings))

    grid = widgets.precomputed_grid(widgets.build_precomputed("t", (LR_CONTROL,), render))
    assert sorted(grid) == ["mlp-run--lr-0.5", "mlp-run--lr-1"]
    explorer = widgets.build_live("t", [LR_CONTROL], render, default_epochs=np.int64(5))
    assert explorer.status.value.startswith("done in")
    assert "run = f(lr=0.5)" in explorer.panel.value
    assert "alt='a picture of lr 0.5'" in explorer.image.value


def test_a_live_explorer_has_no_precomputed_grid():
    explorer = widgets.build_live("t", [LR_CONTROL], lambda settings, on_epoch_end: None)
    with pytest.raises(ValueError, match=r"`explorer` must be an explorer built in "
                                         r"'precomputed' mode.*got a VBox with CSS classes "
                                         r"\['mlp-explorer', 'mlp-live'\]"):
        widgets.precomputed_grid(explorer)
