"""Errors that a constraints table cannot express, and inputs that must keep working.

The bad-input cases of every argument's rule are generated from the tables
(tests/test_constraints.py). These are the semantic ones: divergence and its
advice, the two memory caps, targets that are not one-hot or out of range,
the ReLU kink of the gradient check (tests/test_gradcheck.py), a test split
that leaves out a class, and rows of probabilities that do not sum to 1.
pytest runs with warnings as errors, so a RuntimeWarning on the way fails.
"""

import re

import numpy as np
import pytest

import mlp_core.validation
from mlp_core import (
    NeuralNetworkFromScratch,
    TrainingDiverged,
    cross_entropy,
    cross_entropy_from_logits,
    gradient_check,
    load_digits_scaled,
    load_digits_split,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
)
from mlp_core.experiments import train_digits, train_xor, xor_solved

X = np.random.default_rng(0).random((6, 3))
y = np.array([0, 1, 0, 1, 1, 0])


def network(**options):
    return NeuralNetworkFromScratch([3, 5, 2], rng=0, **options)


def param_copy(net):
    return [{key: array.copy() for key, array in layer.items()} for layer in net.params]


def params_equal(a, b):
    return all(np.array_equal(p[key], q[key]) for p, q in zip(a, b) for key in ("W", "b"))


# -- divergence ------------------------------------------------------------------------

@pytest.mark.parametrize("lr, dtype, reason", [
    (1e300, np.float64, "the mean loss reached"),            # loss explodes in epoch 1
    (1e100, np.float32, "a parameter became inf or NaN"),    # W overflows float32 at once
])
def test_extreme_learning_rates_diverge_cleanly(lr, dtype, reason):
    net = network(lr=lr, dtype=dtype)
    with pytest.raises(TrainingDiverged, match=reason) as caught:
        net.fit(X, y, n_epochs=20)
    assert "smaller learning rate" in str(caught.value)
    assert all(np.isfinite(layer["W"]).all() for layer in net.params)


def test_inputs_too_large_for_the_initial_weights_get_input_advice():
    with pytest.raises(TrainingDiverged) as caught:
        network(lr=1e-12).fit(X * 1e6, y, n_epochs=3)
    error = caught.value
    assert error.epoch == 0
    assert "before any update" in error.advice and "Scale the features" in error.advice
    assert "Try a smaller learning rate" not in str(error)


def test_learning_rate_divergence_keeps_learning_rate_advice():
    # Negative control for the test above: well-scaled inputs, too large a step.
    with pytest.raises(TrainingDiverged) as caught:
        network(lr=1e3).fit(X, y, n_epochs=50)
    assert caught.value.advice.startswith("Try a smaller learning rate")


@pytest.mark.parametrize("lr, dtype", [(1e200, np.float64), (1e30, np.float32)])
def test_logits_that_overflow_mid_epoch_are_divergence(lr, dtype):
    X_digits, y_digits = load_digits_scaled()
    net = NeuralNetworkFromScratch([64, 32, 10], lr=lr, rng=0, dtype=dtype)
    before = param_copy(net)
    with pytest.raises(TrainingDiverged, match=r"epoch 0: the mean loss reached inf") as caught:
        net.fit(X_digits[:300], y_digits[:300], n_epochs=3)
    assert caught.value.advice.startswith("Try a smaller learning rate")
    assert net.history["loss"] == []
    assert params_equal(net.params, before)


def test_first_batch_overflow_is_blamed_on_the_inputs():
    with pytest.raises(TrainingDiverged) as caught:
        # Two wide layers: the second sums 50 activations of about 1e308.
        NeuralNetworkFromScratch([3, 50, 50, 2], rng=0).fit(np.full((6, 3), 1e308), y, n_epochs=1)
    assert "first batch already overflowed before any update" in caught.value.advice


def test_a_diverged_digits_run_is_reported_not_raised():
    run = train_digits(lr=10.0, n_epochs=5)
    assert isinstance(run.diverged, TrainingDiverged)
    assert len(run.losses) == run.diverged.epoch


# -- the two memory caps -----------------------------------------------------------------

def test_a_network_beyond_the_parameter_cap_is_refused_before_any_weight_is_drawn():
    # (10000 + 1) * 10000 + (10000 + 1) * 10 = 100,110,010 parameters, twice the cap.
    with pytest.raises(ValueError, match=r"`layer_sizes` must be small enough for at most "
                       r"50,000,000 parameters, got \[10000, 10000, 10\] with 100,110,010"):
        NeuralNetworkFromScratch([10_000, 10_000, 10])


@pytest.mark.parametrize("train, hidden, sizes", [
    (train_xor, 10**8, r"\[2, 100000000, 2\]"),
    (train_digits, (10**5, 10**5), r"\[64, 100000, 100000, 10\]"),
])
def test_the_parameter_cap_blames_hidden_which_the_caller_wrote(train, hidden, sizes):
    with pytest.raises(ValueError, match=rf"^`hidden` must be small enough .*which gives {sizes}"):
        train(hidden=hidden)


@pytest.mark.parametrize("call, message", [
    (lambda net, rows: net.predict(np.zeros((rows, 3))),
     r"`X` must be at most 1,000 rows.*got 1,001"),
    (lambda net, rows: net.fit(X, y, n_epochs=1, batch_size=rows),
     r"`batch_size` must be an integer in \[1, 1000\], got 1001; activations of at most 1,000 "
     r"rows fit in 3.7\d*e-05 GiB per layer of width 5"),
])
def test_batches_whose_activations_exceed_memory_are_refused(monkeypatch, call, message):
    # Width 5 in float64: 1,000 rows of activations fill the patched bound.
    monkeypatch.setattr(mlp_core.validation, "MAX_ACTIVATION_BYTES", 8 * 1000 * 5)
    with pytest.raises(ValueError, match=message):
        call(network(), 1001)
    call(network(), 1000)  # at the limit


def test_fit_measures_accuracy_in_chunks_within_the_cap(monkeypatch):
    # 1,001 rows exceed the patched cap of 1,000 at once; fit's accuracy
    # must still count every row, as it does without the cap.
    X_many = np.random.default_rng(1).random((1001, 3))
    y_many = (X_many[:, 0] > 0.5).astype(int)
    uncapped = network(lr=0.1)
    uncapped.fit(X_many, y_many, n_epochs=2, batch_size=100, eval_data=(X_many, y_many))
    monkeypatch.setattr(mlp_core.validation, "MAX_ACTIVATION_BYTES", 8 * 1000 * 5)
    capped = network(lr=0.1)
    capped.fit(X_many, y_many, n_epochs=2, batch_size=100, eval_data=(X_many, y_many))
    assert capped.history["val_accuracy"] == uncapped.history["val_accuracy"]


# -- targets -------------------------------------------------------------------------------

@pytest.mark.parametrize("targets, message", [
    (np.array([0, 1, 2, 1, 1, 0]),
     r"`y_onehot` must be labels in 0\.\.1 \(for 2 classes\), got 2"),
    (np.array([0, 1, -1, 1, 1, 0]), r"`y_onehot` must be labels in 0\.\.1.*got -1"),
    (np.array([0, 1, 0.5, 1, 1, 0]), r"`y_onehot` must be labels in 0\.\.1.*got 0\.5"),
    (np.array([[1, 0], [0, 1], [1, 1], [0, 1], [0, 1], [1, 0]]),
     r"`y_onehot` must be one-hot: each row a single 1 and zeros elsewhere, got row 2 = \[1, 1\]"),
    (np.array([[1, 0], [0, 1], [0, 0], [0, 1], [0, 1], [1, 0]]), r"got row 2 = \[0, 0\]"),
])
def test_targets_out_of_range_or_not_one_hot_are_refused(targets, message):
    with pytest.raises(ValueError, match=message):
        network().fit(X, targets, n_epochs=1)


def test_labels_equal_to_n_classes_are_refused_for_ten_classes():
    X_digits, _ = load_digits_scaled()
    with pytest.raises(ValueError, match=r"labels in 0\.\.9 \(for 10 classes\), got 10"):
        NeuralNetworkFromScratch([64, 10]).score(X_digits[:3], [1, 10, 2])


def test_integer_labels_and_one_hot_rows_train_identically():
    labels, one_hot = network(lr=0.5), network(lr=0.5)
    assert labels.fit(X, y, n_epochs=3) == one_hot.fit(X, np.eye(2)[y], n_epochs=3)


# -- the digits split ----------------------------------------------------------------------

@pytest.mark.parametrize("validation_size, test_size, counts", [
    (1e-6, 0.2, "1436 for training, 1 for validation and 360 for testing"),
    (0.2, 1e-6, "1436 for training, 360 for validation and 1 for testing"),
    (0.5, 0.497, "4 for training, 899 for validation and 894 for testing"),
])
def test_split_sizes_that_leave_a_split_too_small_give_every_count(validation_size, test_size,
                                                                    counts):
    with pytest.raises(ValueError, match=r"`validation_size and test_size` must be such that each "
                                         r"of the three splits .* at least 10 images.*"
                                         + re.escape(counts)):
        load_digits_split(validation_size, test_size)


@pytest.mark.parametrize("validation_size, test_size", [(10 / 1797, 10 / 1797),
                                                         (10 / 1797, 1777 / 1797),
                                                         (1777 / 1797, 10 / 1797)])
def test_extreme_feasible_sizes_keep_every_class_in_every_split(validation_size, test_size):
    *_, y_train, y_val, y_test = load_digits_split(validation_size, test_size)
    assert set(y_train) == set(y_val) == set(y_test) == set(range(10))


# -- losses and activations ----------------------------------------------------------------

def test_cross_entropy_refuses_rows_that_do_not_sum_to_one():
    with pytest.raises(ValueError, match=r"`y_pred` must be rows summing to 1.*summing to 0"):
        cross_entropy([[0.0, 0.0]], [0])


def test_cross_entropy_points_logits_to_the_logits_loss():
    with pytest.raises(ValueError,
                       match=r"`y_pred` must be within \[0, 1\].*cross_entropy_from_logits"):
        cross_entropy([[2.0, -1.0]], [0])


def test_losses_compute_float16_in_float32():
    assert cross_entropy(np.array([[0.0, 1.0]], np.float16), [1]) == 0.0
    assert cross_entropy_from_logits(np.array([[6e4, -6e4]], np.float16), [1]) == pytest.approx(
        1.2e5, rel=1e-3)


@pytest.mark.parametrize("logits, shown", [
    ([[1.0, np.nan]], "nan"), ([[1.0, np.inf]], "inf"), ([[-np.inf, -np.inf]], "-inf"),
])
def test_softmax_refuses_rows_without_a_probability_vector(logits, shown):
    with pytest.raises(ValueError,
                       match=rf"`Z` must be finite at the maximum of every row.*{shown}"):
        softmax(np.array(logits))


def test_softmax_gives_minus_infinity_probability_zero():
    np.testing.assert_array_equal(softmax(np.array([[0.0, -np.inf]])), [[1.0, 0.0]])


@pytest.mark.parametrize("function", [relu, relu_grad, sigmoid, sigmoid_grad, softmax])
@pytest.mark.parametrize("values", [[[1, -2]], np.array([[1, -2]]), np.array([[True, False]])])
def test_activations_compute_lists_integers_and_booleans_in_float64(function, values):
    assert function(values).dtype == np.float64


@pytest.mark.parametrize("function", [relu, relu_grad, sigmoid, sigmoid_grad, softmax])
@pytest.mark.parametrize("values", [np.array([[1j]]), np.array([["a"]]), np.array([[None]])])
def test_activations_refuse_values_that_are_not_real(function, values):
    with pytest.raises(TypeError, match=r"must be an array of real numbers"):
        function(values)


# -- values that must keep working -----------------------------------------------------------

def test_numpy_scalars_and_arrays_are_accepted_where_python_ones_are():
    net = NeuralNetworkFromScratch(np.array([3, 5, 2]), lr=np.float32(0.1), rng=np.int64(0),
                                   activation=np.str_("relu"))
    assert net.layer_sizes == [3, 5, 2] and net.lr == pytest.approx(0.1)
    assert params_equal(net.params, network().params)
    net.fit(X, y, n_epochs=np.int64(1), batch_size=np.int32(2))
    _, _, X_test, _, _, _ = load_digits_split(validation_size=np.float64(0.1),
                                              test_size=np.float32(0.3), seed=np.int64(2**32 - 1))
    assert X_test.shape == (540, 64)


@pytest.mark.parametrize("train", [train_xor, train_digits])
def test_seed_none_is_seed_zero_and_numpy_ints_are_seeds(train):
    zero = train(seed=0, n_epochs=2).network.params
    assert params_equal(train(seed=None, n_epochs=2).network.params, zero)
    assert params_equal(train(seed=np.int64(0), n_epochs=2).network.params, zero)
    assert not params_equal(train(seed=np.int64(1), n_epochs=2).network.params, zero)


def test_an_int_hidden_is_one_hidden_layer():
    run = train_digits(hidden=64, n_epochs=1)
    assert run.network.layer_sizes == [64, 64, 10]
    assert params_equal(run.network.params, train_digits(hidden=(64,), n_epochs=1).network.params)
    run = train_digits(hidden=np.array([16, 8]), n_epochs=1)
    assert run.network.layer_sizes == [64, 16, 8, 10]


def test_xor_solved_needs_an_xor_run():
    with pytest.raises(ValueError, match=r"`run` must be a Run of an XOR network.*got a run of a "
                                         r"\[64, 4, 10\] network"):
        xor_solved(train_digits(hidden=4, n_epochs=0))
    assert xor_solved(train_xor(hidden=16)) is True


@pytest.mark.parametrize("eps", [1e-8, 1e-3])
def test_gradient_check_accepts_the_ends_of_its_step_range(eps):
    assert gradient_check(network(activation="sigmoid"), X, y, eps=eps) < 1e-4


def test_gradient_check_works_at_its_input_limit():
    assert gradient_check(network(activation="sigmoid"), X / X.max() * 100, y) < 1e-7


def test_fit_runs_the_math_without_the_public_wrappers(monkeypatch):
    # fit validates once; its steps call _forward/_backward/_update directly.
    net = network()

    def refuse(*args):
        raise AssertionError("fit called a validating wrapper")

    for name in ("forward", "backward", "update"):
        monkeypatch.setattr(net, name, refuse)
    net.fit(X, y, n_epochs=2, batch_size=2, eval_data=(X, y))
    with pytest.raises(AssertionError):  # negative control: the patch is in effect
        net.forward(X)
