"""Bad input: one plausible mistake per argument of every public entry point, through the
public call, and each rule's refusals once.

Every refusal names the argument and uses the one template "`name` must be <rule>,
got <value>". pytest runs with warnings as errors, so a RuntimeWarning on the way fails.
"""

import re

import numpy as np
import pytest

from mlp_core import (
    NeuralNetworkFromScratch,
    cross_entropy,
    cross_entropy_from_logits,
    gradient_check,
    load_digits_split,
)
from mlp_core import validation as check
from mlp_core.autodiff import Scalar, scalar_gradients
from mlp_core.experiments import success_interval, train_digits, train_xor, xor_solved
from mlp_core.plotting import plot_decision_boundary
from mlp_core.widgets import explore_digits, explore_learning_rate, explore_xor

X = np.random.default_rng(0).random((6, 3))
y = np.array([0, 1, 0, 1, 1, 0])


def net(**options):
    return NeuralNetworkFromScratch([3, 5, 2], rng=0, **options)


def grads():
    network = net()
    return network.backward(X, network.forward(X), y)


# (call, error type, the whole message): one bad value per argument.
ENTRY_POINTS = {
    "layer_sizes": (
        lambda: NeuralNetworkFromScratch([3]), ValueError,
        '`layer_sizes` must be a sequence of at least 2 positive integers, such as [64,'
        ' 128, 10], got [3]'),
    "layer_sizes[1]": (
        lambda: NeuralNetworkFromScratch([3, 0, 2]), ValueError,
        '`layer_sizes[1]` must be an integer >= 1, got 0'),
    "lr": (
        lambda: net(lr=0), ValueError,
        '`lr` must be a finite number > 0, got 0'),
    "rng": (
        lambda: NeuralNetworkFromScratch([3, 2], rng=1.5), TypeError,
        '`rng` must be a numpy Generator, an integer seed >= 0 or None, got 1.5; create'
        ' one with np.random.default_rng(seed)'),
    "activation": (
        lambda: net(activation="tanh"), ValueError,
        "`activation` must be one of ['relu', 'sigmoid'], got 'tanh'"),
    "dtype": (
        lambda: net(dtype=np.float16), TypeError,
        "`dtype` must be numpy.float32 or numpy.float64, got <class 'numpy.float16'>"),
    "init": (
        lambda: net(init="xavier"), ValueError,
        "`init` must be one of ['he', 'glorot'], got 'xavier'"),
    "fit X": (
        lambda: net().fit(X[:, :2], y), ValueError,
        '`X` must be a non-empty finite 2-D array of shape (n_samples, 3), got an array'
        ' of shape (6, 2) and dtype float64'),
    "fit y_onehot": (
        lambda: net().fit(X, y[:-1]), ValueError,
        '`y_onehot` must be 6 integer labels in 0..1 or 6 one-hot rows of 2, got an '
        'array of shape (5,) and dtype int64'),
    "fit n_epochs": (
        lambda: net().fit(X, y, n_epochs=-1), ValueError,
        '`n_epochs` must be an integer >= 0, got -1'),
    "fit batch_size": (
        lambda: net().fit(X, y, batch_size=0), ValueError,
        '`batch_size` must be an integer >= 1, got 0'),
    "fit record_grad_norms": (
        lambda: net().fit(X, y, record_grad_norms=1), TypeError,
        '`record_grad_norms` must be True or False, got 1'),
    "fit eval_data": (
        lambda: net().fit(X, y, eval_data=X), TypeError,
        '`eval_data` must be None or a tuple (X_val, y_val), got an array of shape (6, '
        '3) and dtype float64'),
    "fit eval_data of one item": (
        lambda: net().fit(X, y, eval_data=(X,)), TypeError,
        "`eval_data` must be None or a tuple (X_val, y_val), got a tuple of length 1"),
    "fit eval_data[0]": (
        lambda: net().fit(X, y, eval_data=(X[:, :2], y)), ValueError,
        '`eval_data[0]` must be a non-empty finite 2-D array of shape (n_samples, 3), '
        'got an array of shape (6, 2) and dtype float64'),
    "fit eval_data[1]": (
        lambda: net().fit(X, y, eval_data=(X, y + 5)), ValueError,
        '`eval_data[1]` must be 6 integer labels in 0..1 or 6 one-hot rows of 2, got '
        'labels 5, 6, 5, 6, 6'),
    "fit on_epoch_end": (
        lambda: net().fit(X, y, on_epoch_end="print"), TypeError,
        "`on_epoch_end` must be callable or None, got 'print'"),
    "predict X": (
        lambda: net().predict(X[0]), ValueError,
        '`X` must be a non-empty finite 2-D array of shape (n_samples, 3), got an array'
        ' of shape (3,) and dtype float64; reshape a single sample with X.reshape(1, '
        '-1)'),
    "predict_proba X": (
        lambda: net().predict_proba([["a", "b", "c"]]), TypeError,
        '`X` must be a non-empty finite 2-D array of shape (n_samples, 3) of real '
        'numbers, got an array of shape (1, 3) and dtype <U1'),
    "score y": (
        lambda: net().score(X, np.eye(3)[y]), ValueError,
        '`y` must be 6 integer labels in 0..1 or 6 one-hot rows of 2, got an array of '
        'shape (6, 3) and dtype float64'),
    "forward X": (
        lambda: net().forward(np.full((2, 3), np.nan)), ValueError,
        '`X` must be a non-empty finite 2-D array of shape (n_samples, 3), got 6 NaN or'
        ' inf entries'),
    "backward cache": (
        lambda: net().backward(X, net().forward(X[:2]), y), ValueError,
        "`cache[0]['z']` must be a finite float array of shape (6, 5), as forward(X) on"
        ' the same X returns, got an array of shape (2, 5) and dtype float64'),
    "backward cache of lists": (
        lambda: net().backward(X, [[], []], y), ValueError,
        "`cache[0]['z']` must be a finite float array of shape (6, 5), as forward(X) on the "
        "same X returns, got None"),
    "backward cache with NaN": (
        lambda: net().backward(X, [{key: np.full_like(array, np.nan) for key, array in layer.items()}
                                   for layer in net().forward(X)], y), ValueError,
        "`cache[0]['z']` must be a finite float array of shape (6, 5), as forward(X) on the "
        "same X returns, got an array of shape (6, 5) and dtype float64"),
    "backward y_onehot": (
        lambda: net().backward(X, net().forward(X), y[:2]), ValueError,
        '`y_onehot` must be 6 integer labels in 0..1 or 6 one-hot rows of 2, got an '
        'array of shape (2,) and dtype int64'),
    "update grads": (
        lambda: net().update(grads()[:1]), TypeError,
        '`grads` must be the list of 2 dicts that backward returns, got a list of '
        'length 1'),
    "loss y_pred": (
        lambda: net().loss(X[:, :2], y), ValueError,
        '`y_pred` must be probabilities: entries in [0, 1], rows summing to 1, got '
        'entries from 0.0165 to 0.935, row sums from 0.829798 to 1.75093; for logits '
        'use cross_entropy_from_logits'),
    "cross_entropy y_true_onehot": (
        lambda: cross_entropy([[0.5, 0.5]], [2]), ValueError,
        '`y_true_onehot` must be 1 integer labels in 0..1 or 1 one-hot rows of 2, got '
        'labels 2'),
    "cross_entropy_from_logits y_true_onehot": (
        lambda: cross_entropy_from_logits([[1.0, 2.0]], [[1, 0, 0]]), ValueError,
        "`y_true_onehot` must be 1 integer labels in 0..1 or 1 one-hot rows of 2, got an array "
        "of shape (1, 3) and dtype int64"),
    "cross_entropy_from_logits Z": (
        lambda: cross_entropy_from_logits([1.0, 2.0], [0]), ValueError,
        '`Z` must be a non-empty finite 2-D array, got an array of shape (2,) and dtype'
        ' float64; reshape a single sample with Z.reshape(1, -1)'),
    "gradient_check network in float32": (
        lambda: gradient_check(net(dtype=np.float32), X, y), ValueError,
        '`network` must be a float64 NeuralNetworkFromScratch, got a float32 network; '
        'float32 rounding makes central differences wrong by about 1e-2'),
    "gradient_check network that is not one": (
        lambda: gradient_check([[1.0]], X, y), TypeError,
        "`network` must be a float64 NeuralNetworkFromScratch, got [[1.0]]"),
    "gradient_check X": (
        lambda: gradient_check(net(), X * 1000, y), ValueError,
        '`X` must be within [-100, 100], got |x| up to 935; the truncation error of '
        'central differences grows with the inputs and would look like a bug; scale the'
        ' features to about [0, 1]'),
    "gradient_check y": (
        lambda: gradient_check(net(), X, y[:3]), ValueError,
        '`y` must be 6 integer labels in 0..1 or 6 one-hot rows of 2, got an array of '
        'shape (3,) and dtype int64'),
    "gradient_check eps": (
        lambda: gradient_check(net(), X, y, eps=1e-2), ValueError,
        '`eps` must be a number in [1e-08, 0.001], got 0.01'),
    "scalar_gradients network": (
        lambda: scalar_gradients("net", X, y), TypeError,
        "`network` must be a NeuralNetworkFromScratch, got 'net'"),
    "scalar_gradients X": (
        lambda: scalar_gradients(net(), np.zeros((10**4, 3)), np.zeros(10**4)), ValueError,
        '`X` must be at most 4,000 rows for a network of 25 weights, got 10,000 rows; '
        'autodiff on Python scalars is for small examples; use backward'),
    "scalar_gradients y_onehot": (
        lambda: scalar_gradients(net(), X, y - 1), ValueError,
        '`y_onehot` must be 6 integer labels in 0..1 or 6 one-hot rows of 2, got labels'
        ' -1, -1, -1'),
    "Scalar value": (
        lambda: Scalar("1.0"), TypeError,
        "`value` must be a finite number, got '1.0'"),
    "load_digits_split validation_size": (
        lambda: load_digits_split(validation_size=1.0), ValueError,
        '`validation_size` must be a number in (0, 1), got 1.0'),
    "load_digits_split test_size": (
        lambda: load_digits_split(test_size="0.2"), TypeError,
        "`test_size` must be a number in (0, 1), got '0.2'"),
    "load_digits_split seed": (
        lambda: load_digits_split(seed=2**32), ValueError,
        '`seed` must be an integer in [0, 4294967295], got 4294967296'),
    "train_xor hidden": (
        lambda: train_xor(hidden=2.5), TypeError,
        '`hidden` must be an integer >= 1, got 2.5'),
    "train_xor lr": (
        lambda: train_xor(lr=float("nan")), ValueError,
        '`lr` must be a finite number > 0, got nan'),
    "train_xor seed": (
        lambda: train_xor(seed=-1), ValueError,
        '`seed` must be a numpy Generator, an integer seed >= 0 or None, got -1; create'
        ' one with np.random.default_rng(seed)'),
    "train_xor n_epochs": (
        lambda: train_xor(n_epochs=True), TypeError,
        '`n_epochs` must be an integer >= 0, got True'),
    "train_xor on_epoch_end": (
        lambda: train_xor(on_epoch_end=3), TypeError,
        '`on_epoch_end` must be callable or None, got 3'),
    "xor_solved run": (
        lambda: xor_solved(net()), TypeError,
        '`run` must be a Run of an XOR network (2 inputs, 2 outputs), as train_xor '
        'returns, got a NeuralNetworkFromScratch'),
    "train_digits hidden": (
        lambda: train_digits(hidden="64"), TypeError,
        '`hidden` must be a sequence of positive integers, such as [64, 128, 10], got '
        "'64'"),
    "train_digits lr": (
        lambda: train_digits(lr=-0.1), ValueError,
        '`lr` must be a finite number > 0, got -0.1'),
    "train_digits activation": (
        lambda: train_digits(activation=None), TypeError,
        "`activation` must be one of ['relu', 'sigmoid'], got None"),
    "train_digits n_epochs": (
        lambda: train_digits(n_epochs=1.5), TypeError,
        '`n_epochs` must be an integer >= 0, got 1.5'),
    "train_digits seed": (
        lambda: train_digits(seed="0"), TypeError,
        "`seed` must be a numpy Generator, an integer seed >= 0 or None, got '0'; "
        'create one with np.random.default_rng(seed)'),
    "train_digits batch_size": (
        lambda: train_digits(batch_size=0), ValueError,
        '`batch_size` must be an integer >= 1, got 0'),
    "train_digits on_epoch_end": (
        lambda: train_digits(n_epochs=1, on_epoch_end=[]), TypeError,
        '`on_epoch_end` must be callable or None, got []'),
    "success_interval successes": (
        lambda: success_interval(21, 20), ValueError,
        '`successes` must be an integer in [0, 20], got 21'),
    "success_interval trials": (
        lambda: success_interval(0, 0), ValueError,
        '`trials` must be an integer >= 1, got 0'),
    "success_interval confidence": (
        lambda: success_interval(1, 2, confidence=95), ValueError,
        '`confidence` must be a number in (0, 1), got 95'),
    "explore_xor mode": (
        lambda: explore_xor("static"), ValueError,
        "`mode` must be one of ['auto', 'live', 'precomputed'], got 'static'"),
    "explore_digits mode": (
        lambda: explore_digits(None), TypeError,
        "`mode` must be one of ['auto', 'live', 'precomputed'], got None"),
    "explore_learning_rate mode": (
        lambda: explore_learning_rate("precompute"), ValueError,
        "`mode` must be one of ['auto', 'live', 'precomputed'], got 'precompute'"),
    "plot_decision_boundary network": (
        lambda: plot_decision_boundary(NeuralNetworkFromScratch([3, 2]), X, y), ValueError,
        '`network` must be a network with 2 inputs and 2 outputs, got layer_sizes [3, '
        '2]'),
}


@pytest.mark.parametrize("case", ENTRY_POINTS)
def test_each_argument_refuses_a_plausible_mistake_by_name(case):
    call, error, message = ENTRY_POINTS[case]
    with pytest.raises(error) as caught:
        call()
    assert re.match(r"^`[^`]+` must be .+, got \S", message)  # the template
    assert str(caught.value) == message


# -- the rules, each refusal once ----------------------------------------------------------

RULES = [
    (lambda: check.integer("n", True, 0), TypeError),
    (lambda: check.integer("n", "3", 0), TypeError),
    (lambda: check.integer("n", -1, 0), ValueError),
    (lambda: check.integer("n", 4, 0, 3), ValueError),
    (lambda: check.real("x", None), TypeError),
    (lambda: check.real("x", True), TypeError),
    (lambda: check.real("x", float("inf")), ValueError),
    (lambda: check.real("x", np.longdouble("1e400")), ValueError),
    (lambda: check.real("x", 0.0, 0), ValueError),         # an open end itself
    (lambda: check.real("x", -1e-9, 0, 1, closed=True), ValueError),
    (lambda: check.real("x", 1.0, 0, 1), ValueError),
    (lambda: check.one_of("o", 3, ["a"]), TypeError),
    (lambda: check.one_of("o", "b", ["a"]), ValueError),
    (lambda: check.instance("b", 1, bool, "True or False"), TypeError),
    (lambda: check.seed("s", 1.0), TypeError),
    (lambda: check.seed("s", -1), ValueError),
    (lambda: check.sizes("s", {3, 5}), TypeError),
    (lambda: check.sizes("s", "35"), TypeError),
    (lambda: check.sizes("s", [3], 2), ValueError),
    (lambda: check.sizes("s", [3, True]), TypeError),
    (lambda: check.parameter_count("s", [10**4] * 3, [10**4] * 3), ValueError),
    (lambda: check.array("a", [[1, 2], [3]], 2), ValueError),
    (lambda: check.array("a", np.array([[1j]]), 2), TypeError),
    (lambda: check.array("a", np.array([[None]]), 2), TypeError),
    (lambda: check.array("a", np.zeros((0, 2)), 2), ValueError),
    (lambda: check.array("a", np.zeros((2, 2, 1)), 2), ValueError),
    (lambda: check.array("a", np.zeros((2, 3)), 2, columns=2), ValueError),
    (lambda: check.array("a", [[1e39]], 2, dtype=np.float32), ValueError),  # inf in float32
    (lambda: check.targets("t", ["a", "b"], 2, 2, float), TypeError),
    (lambda: check.targets("t", [[1, 0], [1]], 2, 2, float), ValueError),
    (lambda: check.targets("t", [0, 1, 1], 2, 2, float), ValueError),
    (lambda: check.targets("t", [0, 2], 2, 2, float), ValueError),
    (lambda: check.targets("t", [0, 0.5], 2, 2, float), ValueError),
    (lambda: check.targets("t", [[1, 1], [0, 1]], 2, 2, float), ValueError),
    (lambda: check.targets("t", [[0, 0], [0, 1]], 2, 2, float), ValueError),
    (lambda: check.targets("t", [[0.5, 0.5], [0, 1]], 2, 2, float), ValueError),
    (lambda: check.targets("t", [[1, 0, 0], [0, 1, 0]], 2, 2, float), ValueError),
]


@pytest.mark.parametrize("index", range(len(RULES)))
def test_each_rule_refuses_with_the_template(index):
    call, error = RULES[index]
    with pytest.raises(error, match=r"^`[\w\[\]]+` must be .+, got \S"):
        call()


def test_accepted_values_come_back_converted():
    assert check.integer("n", np.int64(3), 0) == 3 and type(check.integer("n", np.int64(3), 0)) is int
    assert check.real("x", np.float32(0.5), 0, 1) == 0.5
    assert check.real("x", 0.0, 0, 1, closed=True) == 0.0
    assert check.sizes("s", np.array([3, 5]), 2) == [3, 5]
    assert check.array("a", [[1, 2]], 2).dtype == np.float64
    assert check.array("a", np.zeros((1, 2), np.float32), 2).dtype == np.float32
    np.testing.assert_array_equal(check.targets("t", [1, 0], 2, 3, float), [[0, 1, 0], [1, 0, 0]])
    assert check.one_of("o", np.str_("a"), ["a"]) == "a"


def test_describe_shortens_long_values_and_names_arrays():
    assert check.describe(np.zeros((2, 3))) == "an array of shape (2, 3) and dtype float64"
    assert check.describe(list(range(100))) == "a list of length 100"
    text = check.describe("x" * 100)
    assert len(text) == 80 and text.endswith("...")
    assert check.describe(object()) == "a object"
