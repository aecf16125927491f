"""Bad-input tests generated from the constraints tables of the public entry points.

The entry points are the network, its methods, the losses, the gradient
check, the data split, the experiments, the plot helpers and the explorers
with their controls, builders and renderers.

Every entry point below is called once with valid arguments, then once per
invalid example of each argument's constraint, with that one argument
replaced. Each call must raise the constraint's error type with the one
template, "`name` must be <rule>, got <value>", naming the argument.
"""

import inspect
import re
from typing import Callable, NamedTuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from mlp_core import (  # noqa: E402
    NeuralNetworkFromScratch,
    cross_entropy,
    cross_entropy_from_logits,
    gradient_check,
    load_digits_split,
    softmax,
    xor_data,
)
from mlp_core.autodiff import (  # noqa: E402
    SCALAR_CONSTRAINTS,
    SCALAR_GRADIENTS_CONSTRAINTS,
    Scalar,
    scalar_gradients,
)
from mlp_core.data import SPLIT_CONSTRAINTS  # noqa: E402
from mlp_core.experiments import (  # noqa: E402
    DIGITS_CONSTRAINTS,
    INTERVAL_CONSTRAINTS,
    XOR_CONSTRAINTS,
    success_interval,
    train_digits,
    train_xor,
    xor_solved,
)
from mlp_core.gradcheck import GRADCHECK_CONSTRAINTS  # noqa: E402
from mlp_core.losses import LOGIT_CONSTRAINTS, PROBABILITY_CONSTRAINTS  # noqa: E402
from mlp_core.network import NETWORK_CONSTRAINTS  # noqa: E402
from mlp_core.plotting import (  # noqa: E402
    PLOT_CONSTRAINTS,
    figure_to_png,
    plot_accuracy,
    plot_activation,
    plot_computational_graph,
    plot_decision_boundary,
    plot_grad_norms,
    plot_losses,
    plot_success_rate,
)
from mlp_core.validation import Integer, validate  # noqa: E402
from mlp_core.widgets import (  # noqa: E402
    DIGITS_RENDER_CONSTRAINTS,
    LR_RENDER_CONSTRAINTS,
    WIDGET_CONSTRAINTS,
    XOR_RENDER_CONSTRAINTS,
    Control,
    LearningRateSweep,
    build_live,
    build_precomputed,
    explore_digits,
    explore_learning_rate,
    explore_xor,
    figure_html,
    precomputed_grid,
    render_digits,
    render_xor,
    resolve_mode,
)

X_XOR, Y_XOR = xor_data()


def small_network():
    return NeuralNetworkFromScratch([2, 3, 2], lr=0.1, rng=0)


def network_call(method):
    return lambda **arguments: getattr(small_network(), method)(**arguments)


class EntryPoint(NamedTuple):
    function: Callable  # whose signature the table must cover
    call: Callable
    valid: Callable  # fresh valid keyword arguments
    table: Callable


def _cache():
    return small_network().forward(X_XOR)


def _grads():
    network = small_network()
    return network.backward(X_XOR, network.forward(X_XOR), Y_XOR)


_network = NeuralNetworkFromScratch
ENTRY_POINTS = {
    "NeuralNetworkFromScratch": EntryPoint(
        _network.__init__, _network,
        lambda: dict(layer_sizes=[2, 3, 2], lr=0.1, rng=0, activation="relu", dtype=np.float64,
                     init="he"),
        lambda: NETWORK_CONSTRAINTS),
    "fit": EntryPoint(
        _network.fit, network_call("fit"),
        lambda: dict(X=X_XOR, y_onehot=Y_XOR, n_epochs=1, batch_size=2, record_grad_norms=True,
                     eval_data=(X_XOR, Y_XOR), on_epoch_end=lambda epoch, loss: None,
                     blas_threads=1),
        lambda: small_network()._fit_constraints()),
    "forward": EntryPoint(_network.forward, network_call("forward"), lambda: dict(X=X_XOR),
                          lambda: small_network()._constraints()),
    "backward": EntryPoint(_network.backward, network_call("backward"),
                           lambda: dict(X=X_XOR, cache=_cache(), y_onehot=Y_XOR),
                           lambda: small_network()._constraints()),
    "update": EntryPoint(_network.update, network_call("update"), lambda: dict(grads=_grads()),
                         lambda: small_network()._constraints()),
    "predict_proba": EntryPoint(_network.predict_proba, network_call("predict_proba"),
                                lambda: dict(X=X_XOR), lambda: small_network()._constraints()),
    "predict": EntryPoint(_network.predict, network_call("predict"), lambda: dict(X=X_XOR),
                          lambda: small_network()._constraints()),
    "score": EntryPoint(_network.score, network_call("score"), lambda: dict(X=X_XOR, y=Y_XOR),
                        lambda: small_network()._constraints()),
    "cross_entropy": EntryPoint(
        cross_entropy, cross_entropy,
        lambda: dict(y_pred=softmax(X_XOR), y_true_onehot=Y_XOR), lambda: PROBABILITY_CONSTRAINTS),
    "cross_entropy_from_logits": EntryPoint(
        cross_entropy_from_logits, cross_entropy_from_logits,
        lambda: dict(Z=X_XOR, y_true_onehot=Y_XOR), lambda: LOGIT_CONSTRAINTS),
    "gradient_check": EntryPoint(
        gradient_check, gradient_check,
        lambda: dict(network=NeuralNetworkFromScratch([2, 3, 2], rng=0, activation="sigmoid"),
                     X=X_XOR, y=Y_XOR, eps=1e-5),
        lambda: GRADCHECK_CONSTRAINTS),
    "Scalar": EntryPoint(Scalar.__init__, Scalar, lambda: dict(value=1.5),
                         lambda: SCALAR_CONSTRAINTS),
    "scalar_gradients": EntryPoint(
        scalar_gradients, scalar_gradients,
        lambda: dict(network=small_network(), X=X_XOR, y_onehot=Y_XOR),
        lambda: SCALAR_GRADIENTS_CONSTRAINTS),
    "load_digits_split": EntryPoint(load_digits_split, load_digits_split,
                                    lambda: dict(validation_size=0.2, test_size=0.2, seed=0),
                                    lambda: SPLIT_CONSTRAINTS),
    "train_xor": EntryPoint(
        train_xor, train_xor,
        lambda: dict(hidden=2, lr=0.5, seed=0, n_epochs=1, on_epoch_end=None),
        lambda: XOR_CONSTRAINTS),
    "xor_solved": EntryPoint(xor_solved, xor_solved, lambda: dict(run=train_xor(n_epochs=0)),
                             lambda: XOR_CONSTRAINTS),
    "success_interval": EntryPoint(success_interval, success_interval,
                                   lambda: dict(successes=12, trials=20, confidence=0.95),
                                   lambda: INTERVAL_CONSTRAINTS),
    "train_digits": EntryPoint(
        train_digits, train_digits,
        lambda: dict(hidden=(8,), lr=0.01, activation="relu", n_epochs=1, seed=0, batch_size=64,
                     on_epoch_end=None),
        lambda: DIGITS_CONSTRAINTS),
}


def plot_entry(function, **valid):
    # A fresh Axes outside pyplot, so that ax has examples to refuse (None is valid).
    return EntryPoint(function, function, lambda: {**valid, "ax": Figure().subplots()},
                      lambda: PLOT_CONSTRAINTS)


def _figure():
    # Outside pyplot, so that it does not count as a figure left behind.
    fig = Figure(figsize=(2, 1.5))
    fig.subplots().plot([1, 2])
    return fig


ENTRY_POINTS.update({
    "plot_losses": plot_entry(plot_losses, losses=[1.0, 0.5], log_scale=True,
                              title="t"),
    "plot_grad_norms": plot_entry(plot_grad_norms, grad_norms=[[1.0, 2.0]], title="t",
                                  ylabel="rms"),
    "plot_accuracy": plot_entry(plot_accuracy, history={"train_accuracy": [0.5, 0.9],
                                                        "val_accuracy": [0.4, 0.8]},
                                title="t"),
    "plot_decision_boundary": plot_entry(plot_decision_boundary, network=small_network(),
                                         X=X_XOR, y=Y_XOR, resolution=5, margin=0.5,
                                         title="t"),
    "plot_success_rate": plot_entry(plot_success_rate, widths=[2, 4], successes=[1, 2],
                                    trials=2, title="t"),
    "plot_activation": plot_entry(plot_activation, name="relu", z_range=(-1.0, 1.0)),
    "plot_computational_graph": plot_entry(
        plot_computational_graph, nodes={"x": (0, 0, "x"), "L": (1, 0, "L")},
        edges=[("x", "L", 1.0, 2.0)], title="t"),
    "figure_to_png": EntryPoint(figure_to_png, figure_to_png,
                                lambda: dict(fig=_figure(), dpi=20, colors=8),
                                lambda: PLOT_CONSTRAINTS),
})

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def lr_control():
    return Control("lr", "learning rate", (0.5, 1.0), 0.5)


def render_stub(settings, on_epoch_end=None):
    return PNG_SIGNATURE, "alt text", "summary", "run = f()"


def sweep_call(method):
    return lambda **arguments: getattr(LearningRateSweep(n_epochs=1), method)(**arguments)


def widget_entry(function, table=WIDGET_CONSTRAINTS, call=None, **valid):
    return EntryPoint(function, call or function, lambda: dict(valid), lambda: table)


ENTRY_POINTS.update({
    "Control": widget_entry(Control, name="lr", label="learning rate", options=(0.1, 1.0),
                            default=0.1, kind="slider"),
    "build_precomputed": EntryPoint(
        build_precomputed, build_precomputed,
        lambda: dict(title="t", controls=[lr_control()], render=render_stub),
        lambda: WIDGET_CONSTRAINTS),
    "build_live": EntryPoint(
        build_live, build_live,
        lambda: dict(title="t", controls=[lr_control()], render=render_stub, default_epochs=5),
        lambda: WIDGET_CONSTRAINTS),
    "precomputed_grid": EntryPoint(
        precomputed_grid, precomputed_grid,
        lambda: dict(explorer=build_precomputed("t", [lr_control()], render_stub)),
        lambda: WIDGET_CONSTRAINTS),
    "resolve_mode": widget_entry(resolve_mode, mode="auto"),
    "figure_html": widget_entry(figure_html, png=PNG_SIGNATURE, alt="a loss curve"),
    # Live: a valid call then trains one run, not the whole precomputed grid.
    "explore_xor": widget_entry(explore_xor, mode="live"),
    "explore_digits": widget_entry(explore_digits, mode="live"),
    "explore_learning_rate": widget_entry(explore_learning_rate, mode="live"),
    "render_xor": widget_entry(render_xor, XOR_RENDER_CONSTRAINTS,
                               settings={"hidden": 2, "lr": 0.5, "seed": 0}, on_epoch_end=None),
    "render_digits": widget_entry(
        render_digits, DIGITS_RENDER_CONSTRAINTS, on_epoch_end=None,
        settings={"activation": "relu", "hidden_1": 8, "hidden_2": 8, "lr": 0.01, "n_epochs": 1}),
    "LearningRateSweep": widget_entry(LearningRateSweep, n_epochs=1),
    "LearningRateSweep.run": widget_entry(LearningRateSweep.run, call=sweep_call("run"), lr=0.1,
                                          on_epoch_end=None),
    "LearningRateSweep.render": widget_entry(LearningRateSweep.render, LR_RENDER_CONSTRAINTS,
                                             call=sweep_call("render"), settings={"lr": 0.1},
                                             on_epoch_end=None),
})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def refusal_problem(call, arguments, name, error):
    """What is wrong with how ``call(**arguments)`` refuses argument ``name``, or None."""
    try:
        call(**arguments)
    except (TypeError, ValueError) as raised:
        if type(raised) is not error and not (error is ValueError and type(raised).__mro__[1]
                                              is ValueError):
            return f"raised {type(raised).__name__}, not {error.__name__}: {raised}"
        if not re.match(rf"`{re.escape(name)}(\[[^`]*)?` must be .+, got .+", str(raised)):
            return f"message does not follow the template for `{name}`: {raised}"
        return None
    return "accepted"


def generated_cases():
    for entry, point in ENTRY_POINTS.items():
        table, valid = point.table(), point.valid()
        for name in valid:
            for index, (bad, error) in enumerate(table[name].invalid_examples(valid[name])):
                yield pytest.param(entry, name, index, error, id=f"{entry}-{name}-{index}")


@pytest.mark.parametrize("entry, name, index, error", list(generated_cases()))
def test_each_invalid_example_is_refused_naming_its_argument(entry, name, index, error):
    point = ENTRY_POINTS[entry]
    valid = point.valid()
    bad, _ = point.table()[name].invalid_examples(valid[name])[index]
    assert refusal_problem(point.call, {**valid, name: bad}, name, error) is None
    assert plt.get_fignums() == []  # refused before any figure was created


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_valid_arguments_are_accepted(entry):
    # Without this, an entry point that refuses everything would pass the test above.
    point = ENTRY_POINTS[entry]
    point.call(**point.valid())


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_the_table_covers_every_argument_and_each_has_invalid_examples(entry):
    point = ENTRY_POINTS[entry]
    parameters = [name for name in inspect.signature(point.function).parameters if name != "self"]
    valid, table = point.valid(), point.table()
    assert sorted(valid) == sorted(parameters)
    for name in parameters:
        assert table[name].invalid_examples(valid[name]), name


def test_the_walker_reports_a_bad_value_that_is_accepted_or_misnamed():
    # Negative controls for refusal_problem: an entry point that checks
    # nothing, and one that blames the wrong argument.
    def unchecked(count):
        return count

    def misnamed(count):
        validate({"total": Integer(0)}, total=count)

    assert refusal_problem(unchecked, {"count": -1}, "count", ValueError) == "accepted"
    assert "template" in refusal_problem(misnamed, {"count": -1}, "count", ValueError)
    assert "not TypeError" in refusal_problem(misnamed, {"count": -1}, "count", TypeError)
