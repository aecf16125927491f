"""Bad arguments of the experiments, the digits split and the explorers raise clear errors.

Every error is a TypeError or ValueError whose message names the argument
and shows the value received; valid inputs keep working. Each bad call
fails before any training, and the valid ones train for an epoch or two,
so the file runs in seconds.
"""

import re
import warnings

import ipywidgets
import numpy as np
import pytest

from mlp_core import load_digits_split
from mlp_core import widgets
from mlp_core.experiments import train_digits, train_xor, xor_solved

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DIGITS_SETTINGS = {"activation": "relu", "hidden_1": 8, "hidden_2": 8, "lr": 0.01}
GENERATOR = np.random.default_rng(0)


def names_and_shows(name, value):
    """A ``match`` pattern: the message names ``name`` and shows ``value``."""
    return re.escape(f"`{name}`") + ".*got " + re.escape(repr(value))


def params_equal(a, b):
    return all(np.array_equal(p["W"], q["W"]) and np.array_equal(p["b"], q["b"])
               for p, q in zip(a.network.params, b.network.params))


# -- seeds ------------------------------------------------------------------------------

BAD_SEEDS = [(-1, ValueError), ("a", TypeError), (1.5, TypeError), (True, TypeError),
             (np.float64(0.0), TypeError), ([0], TypeError)]


@pytest.mark.parametrize("train", [train_xor, train_digits])
@pytest.mark.parametrize("seed, error", BAD_SEEDS)
def test_bad_seed_is_named(train, seed, error):
    with pytest.raises(error, match=names_and_shows("seed", seed)):
        train(seed=seed, n_epochs=1)


@pytest.mark.parametrize("train", [train_xor, train_digits])
def test_seed_none_is_seed_zero_and_numpy_ints_are_seeds(train):
    zero = train(seed=0, n_epochs=2)
    assert params_equal(train(seed=None, n_epochs=2), zero)
    assert params_equal(train(seed=np.int64(0), n_epochs=2), zero)
    assert not params_equal(train(seed=np.int64(1), n_epochs=2), zero)


# -- the digits split -------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, name, value", [
    ({"seed": 2**32}, ValueError, "seed", 2**32),
    ({"seed": -1}, ValueError, "seed", -1),
    ({"seed": True}, TypeError, "seed", True),
    ({"seed": None}, TypeError, "seed", None),
    ({"test_size": 1e-6}, ValueError, "test_size", 1e-6),
    ({"test_size": 9 / 1797}, ValueError, "test_size", 9 / 1797),
    ({"test_size": 0.999}, ValueError, "test_size", 0.999),
    ({"test_size": 1.0}, ValueError, "test_size", 1.0),
    ({"test_size": True}, TypeError, "test_size", True),
    ({"test_size": "0.2"}, TypeError, "test_size", "0.2"),
])
def test_bad_split_argument_is_named(kwargs, error, name, value):
    with pytest.raises(error, match=names_and_shows(name, value)):
        load_digits_split(**kwargs)


def test_infeasible_test_size_message_gives_the_feasible_range():
    with pytest.raises(ValueError, match=r"each of the 10 classes in both splits.*"
                                         r"\(0\.00500835, 0\.994435\]"):
        load_digits_split(test_size=1e-6)


@pytest.mark.parametrize("test_size", [10 / 1797, 1787 / 1797])
def test_extreme_feasible_test_sizes_keep_every_class_in_both_splits(test_size):
    _, _, y_train, y_test = load_digits_split(test_size=test_size)
    assert set(y_train) == set(y_test) == set(range(10))


def test_numpy_test_size_and_largest_seed_are_accepted():
    _, X_test, _, _ = load_digits_split(test_size=np.float32(0.3), seed=np.int64(2**32 - 1))
    assert X_test.shape == (540, 64)


# -- hidden widths ----------------------------------------------------------------------

@pytest.mark.parametrize("hidden, error, name, value", [
    (None, TypeError, "hidden", None),
    ("64", TypeError, "hidden", "64"),
    ({64}, TypeError, "hidden", {64}),
    (64.0, TypeError, "hidden", 64.0),
    (True, TypeError, "hidden", True),
    (0, ValueError, "hidden", 0),
    ((64, 0), ValueError, "hidden[1]", 0),
    ((1.5,), TypeError, "hidden[0]", 1.5),
    ((10**5, 10**5), ValueError, "hidden", (10**5, 10**5)),
])
def test_train_digits_bad_hidden_is_named(hidden, error, name, value):
    with pytest.raises(error, match=names_and_shows(name, value)):
        train_digits(hidden=hidden, n_epochs=1)


def test_train_xor_too_wide_hidden_is_blamed_on_hidden():
    with pytest.raises(ValueError, match=names_and_shows("hidden", 10**8)):
        train_xor(hidden=10**8)


def test_an_int_hidden_is_one_hidden_layer():
    run = train_digits(hidden=64, n_epochs=1)
    assert run.network.layer_sizes == [64, 64, 10]
    assert params_equal(run, train_digits(hidden=(64,), n_epochs=1))
    assert train_digits(hidden=np.array([16, 8]), n_epochs=1).network.layer_sizes == [64, 16, 8, 10]


# -- the other arguments of the experiments ---------------------------------------------

BAD_COMMON = [
    ("lr", 0, ValueError), ("lr", float("nan"), ValueError), ("lr", "a", TypeError),
    ("lr", True, TypeError), ("n_epochs", -1, ValueError), ("n_epochs", 1.5, TypeError),
    ("on_epoch_end", 5, TypeError),
]
BAD_DIGITS_ONLY = [
    ("batch_size", 0, ValueError), ("batch_size", True, TypeError),
    ("activation", "tanh", ValueError), ("activation", ["relu"], TypeError),
    ("activation", None, TypeError),
]


@pytest.mark.parametrize("train, name, value, error",
                         [(train_xor, *case) for case in BAD_COMMON + [("hidden", (4,), TypeError)]]
                         + [(train_digits, *case) for case in BAD_COMMON + BAD_DIGITS_ONLY])
def test_bad_training_argument_is_named(train, name, value, error):
    with pytest.raises(error, match=names_and_shows(name, value)):
        train(**{name: value})


def test_xor_solved_needs_an_xor_run():
    with pytest.raises(TypeError, match=names_and_shows("run", None)):
        xor_solved(None)
    with pytest.raises(ValueError, match=r"`run` must be an XOR run.*got a run of a \[64, 4, 10\]"):
        xor_solved(train_digits(hidden=4, n_epochs=0))
    assert xor_solved(train_xor(hidden=16)) is True


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
     r"`settings\['hidden'\]` must keep the network within 50,000,000 parameters, "
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
     r"`settings\['hidden_1'\]` and `settings\['hidden_2'\]` must keep the network within "
     r"50,000,000 parameters, got 100000 and 100000"),
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
