"""Bad arguments of the explorers and their renderers raise clear errors.

Every error is a TypeError or ValueError whose message names the argument
and shows the value received; valid inputs keep working. Each bad call
fails before any training, and the valid ones train for an epoch or two,
so the file runs in seconds. (The experiments' own arguments are covered
by the tests generated from their constraints tables.)
"""

import re
import warnings

import ipywidgets
import numpy as np
import pytest

from mlp_core import widgets

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DIGITS_SETTINGS = {"activation": "relu", "hidden_1": 8, "hidden_2": 8, "lr": 0.01}
GENERATOR = np.random.default_rng(0)


def names_and_shows(name, value):
    """A ``match`` pattern: the message names ``name`` and shows ``value``."""
    return re.escape(f"`{name}`") + ".*got " + re.escape(repr(value))


# -- the explorers' renderers -----------------------------------------------------------

@pytest.mark.parametrize("render, settings, error, pattern", [
    (widgets.render_xor, {"n_epochs": 0}, ValueError,
     r"`settings` must have the keys \['hidden', 'lr'\] and optionally \['seed'\], "
     r"got \{'n_epochs': 0\}; missing \['hidden', 'lr'\]; unknown \['n_epochs'\]"),
    (widgets.render_xor, {"hidden": 4, "lr": 0.5, "n_epochs": 0}, ValueError,
     r"`settings`.*unknown \['n_epochs'\]"),
    (widgets.render_xor, [("hidden", 4)], TypeError, names_and_shows("settings", [("hidden", 4)])),
    (widgets.render_xor, {"hidden": 4, "lr": 0.5, "seed": -1}, ValueError,
     names_and_shows("settings['seed']", -1)),
    (widgets.render_xor, {"hidden": 4, "lr": 0.5, "seed": GENERATOR}, TypeError,
     names_and_shows("settings['seed']", GENERATOR)),
    (widgets.render_xor, {"hidden": 4, "lr": 0.5, "seed": None}, TypeError,
     names_and_shows("settings['seed']", None)),
    (widgets.render_xor, {"hidden": True, "lr": 0.5}, TypeError,
     names_and_shows("settings['hidden']", True)),
    (widgets.render_xor, {"hidden": 4, "lr": -0.5}, ValueError,
     names_and_shows("settings['lr']", -0.5)),
    (widgets.render_xor, {"hidden": 10**8, "lr": 0.5}, ValueError,
     r"`settings\['hidden'\]` must be small enough for at most 50,000,000 parameters, "
     r"got 100000000, which gives \[2, 100000000, 2\]"),
    (widgets.render_digits, {}, ValueError,
     r"`settings`.*got \{\}; missing \['activation', 'hidden_1', 'hidden_2', 'lr'\]"),
    (widgets.render_digits, {**DIGITS_SETTINGS, "n_epochs": 0}, ValueError,
     names_and_shows("settings['n_epochs']", 0)),
    (widgets.render_digits, {**DIGITS_SETTINGS, "n_epochs": 1.0}, TypeError,
     names_and_shows("settings['n_epochs']", 1.0)),
    (widgets.render_digits, {**DIGITS_SETTINGS, "hidden_1": 0}, ValueError,
     names_and_shows("settings['hidden_1']", 0)),
    (widgets.render_digits, {**DIGITS_SETTINGS, "seed": 0}, ValueError,
     r"`settings`.*unknown \['seed'\]"),
    (widgets.render_digits, {**DIGITS_SETTINGS, "activation": "tanh"}, ValueError,
     names_and_shows("settings['activation']", "tanh")),
    (widgets.render_digits, {**DIGITS_SETTINGS, "activation": ["relu"]}, TypeError,
     names_and_shows("settings['activation']", ["relu"])),
    (widgets.render_digits, {**DIGITS_SETTINGS, "lr": "a"}, TypeError,
     names_and_shows("settings['lr']", "a")),
    (widgets.render_digits, {**DIGITS_SETTINGS, "hidden_1": 10**5, "hidden_2": 10**5}, ValueError,
     r"`settings\['hidden_1'\]` and `settings\['hidden_2'\]` must be small enough for at most "
     r"50,000,000 parameters, got \[100000, 100000\], which gives \[64, 100000, 100000, 10\]"),
    (widgets.LearningRateSweep(n_epochs=1).render, {}, ValueError,
     r"`settings` must have the keys \['lr'\], got \{\}; missing \['lr'\]"),
    (widgets.LearningRateSweep(n_epochs=1).render, {"lr": [1]}, TypeError,
     names_and_shows("settings['lr']", [1])),
])
def test_bad_settings_are_named(render, settings, error, pattern):
    with pytest.raises(error, match=pattern):
        render(settings)


@pytest.mark.parametrize("n_epochs, error", [(0, ValueError), (-3, ValueError),
                                             (True, TypeError), (2.0, TypeError)])
def test_learning_rate_sweep_needs_an_epoch(n_epochs, error):
    with pytest.raises(error, match=names_and_shows("n_epochs", n_epochs)):
        widgets.LearningRateSweep(n_epochs=n_epochs)


@pytest.mark.parametrize("lr, on_epoch_end, error, name, value", [
    ("a", None, TypeError, "lr", "a"),
    (-0.1, None, ValueError, "lr", -0.1),
    (0.1, 3, TypeError, "on_epoch_end", 3),
])
def test_learning_rate_sweep_run_checks_its_arguments(lr, on_epoch_end, error, name, value):
    with pytest.raises(error, match=names_and_shows(name, value)):
        widgets.LearningRateSweep(n_epochs=1).run(lr, on_epoch_end)


def test_one_epoch_renders_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png, summary, code = widgets.render_digits({**DIGITS_SETTINGS, "n_epochs": 1})
        assert png.startswith(PNG_SIGNATURE)
        assert "after 1 epoch" in summary and "n_epochs=1" in code
        sweep = widgets.LearningRateSweep(n_epochs=1)
        sweep.run(0.1)
        png, summary, code = sweep.render({"lr": np.float64(0.01)})
        assert png.startswith(PNG_SIGNATURE)
        assert "after 1 epoch" in summary
        assert code == "run = train_digits(lr=0.01, n_epochs=1)"


def test_render_xor_accepts_the_live_settings():
    png, summary, code = widgets.render_xor({"hidden": 4, "lr": 0.5, "seed": np.int64(3)})
    assert png.startswith(PNG_SIGNATURE) and "points correct" in summary
    # A plain int in the code line, which reproduces the run when pasted.
    assert code == "run = train_xor(hidden=4, lr=0.5, seed=3)"


def test_live_explorer_shows_bad_settings_as_one_line():
    explorer = widgets.build_live(
        "Bad", [widgets.Control("lr", "learning rate", (0.5, 1.0), 0.5)], widgets.render_xor)
    status = explorer.status.value
    assert status.startswith("<b>Could not train with these settings:</b> ")
    assert "`settings` must have the keys" in status and "missing [&#x27;hidden&#x27;]" in status
    assert "\n" not in status and "Traceback" not in status


# -- controls and explorer builders -----------------------------------------------------

def render_nothing(settings, on_epoch_end=None):
    return None


@pytest.mark.parametrize("args, kwargs, error, pattern", [
    (("lr", "lr", (1, 2), 3), {}, ValueError, names_and_shows("default", 3)),
    (("lr", "lr", (), 3), {}, ValueError, names_and_shows("options", ())),
    (("lr", "lr", (1, 2), 1), {"kind": "knob"}, ValueError, names_and_shows("kind", "knob")),
    (("lr", "lr", (1, 2), 1), {"kind": None}, TypeError, names_and_shows("kind", None)),
    ((5, "lr", (1, 2), 1), {}, TypeError, names_and_shows("name", 5)),
    (("learning rate", "lr", (1, 2), 1), {}, ValueError, names_and_shows("name", "learning rate")),
    (("lr", None, (1, 2), 1), {}, TypeError, names_and_shows("label", None)),
    (("lr", "lr", "ab", "a"), {}, TypeError, names_and_shows("options", "ab")),
    (("lr", "lr", {1, 2}, 1), {}, TypeError, r"`options` must be a non-empty sequence.*got \{1, 2\}"),
    (("lr", "lr", ([1], [2]), [1]), {}, TypeError, names_and_shows("options", ([1], [2]))),
    (("lr", "lr", (1, 1.0), 1), {}, ValueError, names_and_shows("options", (1, 1.0))),
    (("lr", "lr", (0.1, 0.1000001), 0.1), {}, ValueError,
     r"`options` must have distinct labels.*got \(0\.1, 0\.1000001\) labelled \['0\.1', '0\.1'\]"),
    (("lr", "lr", (1, 2), np.array([1, 2])), {}, ValueError, r"`default` must be one of"),
])
def test_bad_control_is_named(args, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        widgets.Control(*args, **kwargs)


def test_control_keeps_valid_options_as_a_tuple():
    control = widgets.Control("seed", "seed", range(3), 0, kind="toggle")
    assert control.options == (0, 1, 2)
    assert isinstance(control.make_widget(), ipywidgets.ToggleButtons)
    slider = widgets.Control("lr", "learning rate", [0.1, 1.0], 1.0).make_widget()
    assert slider.value == 1.0 and slider.index == 1


LR_CONTROL = widgets.Control("lr", "learning rate", (0.5, 1.0), 0.5)


@pytest.mark.parametrize("build", [widgets.build_live, widgets.build_precomputed])
@pytest.mark.parametrize("args, error, pattern", [
    (("t", None, render_nothing), TypeError, names_and_shows("controls", None)),
    (("t", [LR_CONTROL, "seed"], render_nothing), TypeError, r"`controls` must be a list of Control"),
    (("t", [LR_CONTROL, LR_CONTROL], render_nothing), ValueError,
     r"`controls` must have distinct names.*got the names \['lr', 'lr'\]"),
    (("t", [LR_CONTROL], None), TypeError, names_and_shows("render", None)),
    ((None, [LR_CONTROL], render_nothing), TypeError, names_and_shows("title", None)),
])
def test_bad_explorer_argument_is_named(build, args, error, pattern):
    with pytest.raises(error, match=pattern):
        build(*args)


@pytest.mark.parametrize("default_epochs, error", [("x", TypeError), (0, ValueError),
                                                   (2.5, TypeError)])
def test_build_live_checks_default_epochs(default_epochs, error):
    with pytest.raises(error, match=names_and_shows("default_epochs", default_epochs)):
        widgets.build_live("t", [LR_CONTROL], render_nothing, default_epochs=default_epochs)


def test_precomputed_render_must_return_png_summary_and_code():
    with pytest.raises(TypeError, match=r"`render` must return \(png_bytes, summary_html, "
                                        r"code_line\), got None"):
        widgets.build_precomputed("t", [LR_CONTROL], render_nothing)
    with pytest.raises(TypeError, match=r"`render` must return .*got a tuple of \['str', 'str'\]"):
        widgets.build_precomputed("t", [LR_CONTROL], lambda settings: ("png", "summary"))


def test_live_render_with_a_bad_result_is_one_line():
    explorer = widgets.build_live("t", [LR_CONTROL], render_nothing)
    status = explorer.status.value
    assert status.startswith("<b>Could not train with these settings:</b> ")
    assert "`render` must return (png_bytes, summary_html, code_line), got None" in status
    assert "\n" not in status and "Traceback" not in status


def test_valid_custom_explorer_builds_in_both_modes():
    def render(settings, on_epoch_end=None):
        return PNG_SIGNATURE, f"lr {settings['lr']}", widgets.call_line("f", settings)

    grid = widgets.precomputed_grid(widgets.build_precomputed("t", (LR_CONTROL,), render))
    assert sorted(grid) == ["mlp-run--lr-0.5", "mlp-run--lr-1"]
    explorer = widgets.build_live("t", [LR_CONTROL], render, default_epochs=np.int64(5))
    assert explorer.status.value.startswith("done in")
    assert "run = f(lr=0.5)" in explorer.panel.value


def marked_vbox(*run_classes):
    run = ipywidgets.VBox()
    for name in run_classes:
        run.add_class(name)
    explorer = ipywidgets.VBox([run])
    explorer.add_class("mlp-precomputed")
    return explorer


# -- explorers and grids ----------------------------------------------------------------

@pytest.mark.parametrize("explorer, error, pattern", [
    (None, TypeError, names_and_shows("explorer", None)),
    ({"mlp-run--lr-0.5": None}, TypeError, names_and_shows("explorer", {"mlp-run--lr-0.5": None})),
    (ipywidgets.VBox(), ValueError, r"`explorer` must be an explorer built in 'precomputed' "
                                    r"mode.*got a VBox with CSS classes \[\]"),
    (marked_vbox("mlp-run"), ValueError, r"`explorer` must be an explorer built in 'precomputed' "
                                         r"mode.*got a run \(CSS class 'mlp-run'\) with classes "
                                         r"\['mlp-run'\] and children \[\]"),
    (marked_vbox("mlp-run", "mlp-run--lr-0.5"), ValueError,
     r"`explorer` must be .*got a run .*\['mlp-run', 'mlp-run--lr-0\.5'\] and children \[\]"),
])
def test_precomputed_grid_needs_a_precomputed_explorer(explorer, error, pattern):
    with pytest.raises(error, match=pattern):
        widgets.precomputed_grid(explorer)


@pytest.mark.parametrize("factory", [widgets.explore_xor, widgets.explore_digits,
                                     widgets.explore_learning_rate])
@pytest.mark.parametrize("mode, error", [("static", ValueError), (3, TypeError),
                                         (None, TypeError)])
def test_explorer_mode_is_named(factory, mode, error):
    with pytest.raises(error, match=names_and_shows("mode", mode)):
        factory(mode)


def test_live_control_with_a_non_numeric_n_epochs_is_one_line():
    epochs = widgets.Control("n_epochs", "epochs", ("many",), "many")
    explorer = widgets.build_live("t", [epochs], render_nothing)
    status = explorer.status.value
    assert status.startswith("<b>Could not train with these settings:</b> ")
    assert "\n" not in status and "Traceback" not in status
