"""Inputs at the edges: overflow, odd dtypes and containers, hand-edited parameters.

Each bad input must raise a ValueError or TypeError naming the argument and
the value, never a warning, a raw numpy error or a silent inf/NaN (pytest
runs with warnings as errors, so any RuntimeWarning fails these tests).
"""

import warnings

import numpy as np
import pytest

from mlp_core import (
    NeuralNetworkFromScratch,
    TrainingDiverged,
    cross_entropy,
    cross_entropy_from_logits,
    gradient_check,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
)

X = np.random.default_rng(0).random((6, 3))
y = np.array([0, 1, 0, 1, 1, 0])


def network(**options):
    return NeuralNetworkFromScratch([3, 5, 2], rng=0, **options)


def param_copy(net):
    return [{key: array.copy() for key, array in layer.items()} for layer in net.params]


def assert_params_equal(net, params):
    for layer, saved in zip(net.params, params):
        for key in ("W", "b"):
            np.testing.assert_array_equal(layer[key], saved[key])


# -- divergence and overflow -------------------------------------------------------

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
    net = network(lr=1e-12)
    with pytest.raises(TrainingDiverged) as caught:
        net.fit(X * 1e6, y, n_epochs=3)
    error = caught.value
    assert error.epoch == 0
    assert "before any update" in error.advice and "Scale the features" in error.advice
    assert "Try a smaller learning rate" not in str(error)


def test_learning_rate_divergence_keeps_learning_rate_advice():
    # Negative control for the test above: well-scaled inputs, too large a step.
    with pytest.raises(TrainingDiverged) as caught:
        network(lr=1e3).fit(X, y, n_epochs=50)
    assert caught.value.advice.startswith("Try a smaller learning rate")


@pytest.mark.parametrize("call", [
    lambda net, X_big: net.forward(X_big),
    lambda net, X_big: net.predict_proba(X_big),
    lambda net, X_big: net.predict(X_big),
    lambda net, X_big: net.score(X_big, [0, 1]),
])
def test_finite_inputs_that_overflow_the_forward_pass_raise(call):
    with pytest.raises(ValueError, match=r"`X` or the parameters.*overflow.*\|X\| = 1e\+308"):
        call(network(), np.full((2, 3), 1e308))


def test_update_refuses_a_step_that_overflows_and_changes_nothing():
    net = network(lr=10)
    grads = net.backward(X, net.forward(X), y)
    huge = [{"dW": np.full_like(g["dW"], 1e308), "db": g["db"]} for g in grads]
    before = param_copy(net)
    with pytest.raises(ValueError, match=r"`grads\[0\]\['dW'\]` times lr=10 must leave `W` finite"):
        net.update(huge)
    assert_params_equal(net, before)


def test_update_refuses_float64_gradients_that_overflow_float32_parameters():
    net = network(dtype=np.float32)
    grads = net.backward(X, net.forward(X), y)
    huge = [{"dW": np.full(g["dW"].shape, 1e300), "db": g["db"]} for g in grads]
    with pytest.raises(ValueError, match=r"finite in float32"):
        net.update(huge)


# -- dtypes and containers ----------------------------------------------------------

@pytest.mark.parametrize("dtype", [object, complex, str])
def test_update_names_gradients_of_the_wrong_kind(dtype):
    net = network()
    grads = net.backward(X, net.forward(X), y)
    grads[0]["dW"] = grads[0]["dW"].astype(dtype)
    with pytest.raises(TypeError, match=r"`grads\[0\]\['dW'\]` must be an array of real floats"):
        net.update(grads)


def test_backward_refuses_a_cache_with_nan_or_of_the_wrong_kind():
    net = network()
    cache = net.forward(X)
    cache[0]["z"] = cache[0]["z"] * np.nan
    with pytest.raises(ValueError, match=r"`cache\[0\]\['z'\]`.*finite"):
        net.backward(X, cache, y)
    cache = net.forward(X)
    cache[1]["a"] = cache[1]["a"].astype(object)
    with pytest.raises(TypeError, match=r"`cache\[1\]\['a'\]`.*real floats.*object"):
        net.backward(X, cache, y)


@pytest.mark.parametrize("targets, error, message", [
    (y.astype(complex), TypeError, r"`y` must be integer labels or one-hot rows of real"),
    ([[0, 1], [1]] * 3, ValueError, r"`y` must be integer labels or one-hot rows of equal"),
])
def test_fit_names_targets_of_the_wrong_kind(targets, error, message):
    with pytest.raises(error, match=message):
        network().fit(X, targets, n_epochs=1)


@pytest.mark.parametrize("layer_sizes", [np.array(3), {3, 5, 2}, {3: 5}])
def test_layer_sizes_without_an_order_or_length_are_refused(layer_sizes):
    with pytest.raises(TypeError, match=r"`layer_sizes` must be a list of positive integers"):
        NeuralNetworkFromScratch(layer_sizes)


def test_a_network_beyond_the_parameter_cap_is_refused_before_any_weight_is_drawn():
    # (10000 + 1) * 10000 + (10000 + 1) * 10 = 100,110,010 parameters, twice the cap.
    with pytest.raises(ValueError, match=r"`layer_sizes` must keep the network within "
                       r"50,000,000 parameters, got \[10000, 10000, 10\] with 100,110,010"):
        NeuralNetworkFromScratch([10_000, 10_000, 10])


def test_layer_sizes_as_a_numpy_array_are_accepted():
    assert NeuralNetworkFromScratch(np.array([3, 5, 2])).layer_sizes == [3, 5, 2]


@pytest.mark.parametrize("activation, error", [
    ([], TypeError), (None, TypeError), (1, TypeError), ("tanh", ValueError),
])
def test_activation_that_is_not_a_known_name(activation, error):
    with pytest.raises(error, match=r"`activation` must be one of \['relu', 'sigmoid'\]"):
        network(activation=activation)


def test_learning_rate_that_overflows_float_is_refused():
    with pytest.raises(ValueError, match=r"`lr` must be a positive finite number.*1e\+400"):
        network(lr=np.longdouble("1e400"))


# -- hand-edited parameters ---------------------------------------------------------

def test_parameters_replaced_with_the_wrong_shape_are_named():
    net = network()
    net.params[0]["W"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"`params\[0\]\['W'\]` must be an array of shape \(3, 5\)"):
        net.forward(X)
    with pytest.raises(ValueError, match=r"`params\[0\]\['W'\]`"):
        net.fit(X, y, n_epochs=1)


def test_parameters_of_another_dtype_are_named():
    net = network()
    net.params[1]["b"] = net.params[1]["b"].astype(np.float32)
    with pytest.raises(ValueError, match=r"`params\[1\]\['b'\]`.*dtype float64.*float32"):
        net.predict(X)


def test_a_removed_layer_is_named():
    net = network()
    net.params.pop()
    with pytest.raises(TypeError, match=r"`params` must be a list of 2 dicts.*length 1"):
        net.fit(X, y, n_epochs=1)


def test_nan_parameters_are_refused_not_propagated():
    net = network()
    net.params[0]["W"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"`params\[0\]\['W'\]` must be finite"):
        net.predict_proba(X)


# -- losses -------------------------------------------------------------------------

P = softmax(np.array([[2.0, 0.5], [0.1, 1.0], [3.0, -1.0]]))
labels = np.array([0, 1, 1])


@pytest.mark.parametrize("loss, scores", [(cross_entropy, P), (cross_entropy_from_logits, np.log(P))])
def test_losses_take_labels_like_one_hot_rows(loss, scores):
    assert loss(scores, labels) == pytest.approx(loss(scores, np.eye(2)[labels]), rel=1e-15)
    # The value itself: -mean log P[i, y_i], not a broadcast of labels against columns.
    assert loss(scores, labels) == pytest.approx(-np.mean(np.log(P[[0, 1, 2], labels])))


@pytest.mark.parametrize("loss", [cross_entropy, cross_entropy_from_logits])
@pytest.mark.parametrize("scores, targets, error, message", [
    (P, np.eye(2)[:1], ValueError, r"`y_true_onehot` must have one entry per sample \(3\)"),
    (P[None], labels, ValueError, r"must be a non-empty 2-D array.*\(1, 3, 2\)"),
    (np.zeros((0, 2)), np.zeros((0, 2)), ValueError, r"must be a non-empty 2-D array.*\(0, 2\)"),
    (P.astype(complex), labels, TypeError, r"must hold real numbers.*complex128"),
    (np.array([[np.nan, 0.5]]), [0], ValueError, r"must be finite"),
    (P, [0, 1, 2], ValueError, r"`y_true_onehot` labels must lie in 0\.\.1"),
])
def test_losses_refuse_mismatched_or_broken_arguments(loss, scores, targets, error, message):
    with pytest.raises(error, match=message):
        loss(scores, targets)


def test_cross_entropy_refuses_values_that_are_not_probabilities():
    with pytest.raises(ValueError, match=r"`y_pred` must hold probabilities in \[0, 1\].*logits"):
        cross_entropy(np.array([[2.0, -1.0]]), [0])


def test_logits_loss_accepts_lists_and_integer_logits():
    expected = cross_entropy_from_logits(np.array([[1.0, 2.0]]), [1])
    assert cross_entropy_from_logits([[1, 2]], [[0, 1]]) == expected
    assert cross_entropy_from_logits(np.array([[1, 2]], np.uint8), [1]) == expected


# -- activations --------------------------------------------------------------------

@pytest.mark.parametrize("function", [relu, relu_grad, sigmoid, sigmoid_grad, softmax])
@pytest.mark.parametrize("values", [
    [[1, 2, 3]], np.array([[1, 2, 3]], np.uint8), np.array([[1, 2, 3]], np.int64),
])
def test_activations_compute_integers_and_lists_in_float64(function, values):
    result = function(values)
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, function(np.array([[1.0, 2.0, 3.0]])))


def test_sigmoid_of_booleans_is_sigmoid_of_zero_and_one():
    np.testing.assert_array_equal(sigmoid(np.array([True, False])), sigmoid(np.array([1.0, 0.0])))


@pytest.mark.parametrize("function", [relu, relu_grad, sigmoid, sigmoid_grad, softmax])
@pytest.mark.parametrize("values", [np.array([[1j]]), np.array([["a"]]), np.array([[None]])])
def test_activations_refuse_values_that_are_not_real(function, values):
    with pytest.raises(TypeError, match=r"`z`|`Z`"):
        function(values)


def test_softmax_of_one_vector_is_one_probability_vector():
    np.testing.assert_array_equal(softmax([1.0, 2.0, 3.0]), softmax([[1.0, 2.0, 3.0]])[0])


@pytest.mark.parametrize("logits, shown", [
    ([[np.inf, 0.0]], "inf"), ([[np.nan, 0.0]], "nan"), ([[-np.inf, -np.inf]], "-inf"),
])
def test_softmax_refuses_rows_without_a_probability_vector(logits, shown):
    with pytest.raises(ValueError, match=rf"`Z` must have a finite maximum.*including {shown}"):
        softmax(logits)


@pytest.mark.parametrize("logits", [3.0, np.zeros((2, 0))])
def test_softmax_refuses_scalars_and_empty_rows(logits):
    with pytest.raises(ValueError, match=r"`Z` must hold at least one logit"):
        softmax(logits)


def test_softmax_gives_minus_infinity_probability_zero():
    np.testing.assert_array_equal(softmax([[-np.inf, 0.0, 0.0]]), [[0.0, 0.5, 0.5]])


# -- gradient check -----------------------------------------------------------------

def test_gradient_check_needs_a_network():
    with pytest.raises(TypeError, match=r"`network` must be a NeuralNetworkFromScratch, got 'net'"):
        gradient_check("net", X, y)


@pytest.mark.parametrize("eps", [1e-300, 1e-9, 2e-3, 10.0])
def test_gradient_check_refuses_steps_where_differences_mean_nothing(eps):
    with pytest.raises(ValueError, match=r"`eps` must lie in \[1e-08, 0\.001\]"):
        gradient_check(network(activation="sigmoid"), X, y, eps=eps)


@pytest.mark.parametrize("eps", [1e-8, 1e-3])
def test_gradient_check_accepts_the_ends_of_its_step_range(eps):
    assert gradient_check(network(activation="sigmoid"), X, y, eps=eps) < 1e-4


def test_gradient_check_refuses_float32_networks():
    with pytest.raises(ValueError, match=r"`network` must be float64.*float32"):
        gradient_check(network(activation="sigmoid", dtype=np.float32), X, y)


def test_gradient_check_refuses_inputs_too_large_for_central_differences():
    with pytest.raises(ValueError, match=r"`X` must satisfy \|x\| <= 100.*up to 9\.35e\+03"):
        gradient_check(network(activation="sigmoid"), X * 1e4, y)
    # At the limit the check still works and passes a correct backward pass.
    assert gradient_check(network(activation="sigmoid"), X / X.max() * 100, y) < 1e-7


# -- divergence inside an epoch, memory, changed attributes ----------------------------

@pytest.mark.parametrize("lr, dtype", [(1e200, np.float64), (1e30, np.float32)])
def test_logits_that_overflow_mid_epoch_are_divergence(lr, dtype):
    from mlp_core import load_digits_scaled
    X_digits, y_digits = load_digits_scaled()
    net = NeuralNetworkFromScratch([64, 32, 10], lr=lr, rng=0, dtype=dtype)
    before = param_copy(net)
    with pytest.raises(TrainingDiverged, match=r"epoch 0: the mean loss reached inf") as caught:
        net.fit(X_digits[:300], y_digits[:300], n_epochs=3)
    assert caught.value.advice.startswith("Try a smaller learning rate")
    assert net.history["loss"] == []
    assert_params_equal(net, before)


def test_first_batch_overflow_is_blamed_on_the_inputs():
    with pytest.raises(TrainingDiverged) as caught:
        # Two wide layers: the second sums 50 activations of about 1e308.
        NeuralNetworkFromScratch([3, 50, 50, 2], rng=0).fit(np.full((6, 3), 1e308), y, n_epochs=1)
    assert "first batch already overflowed before any update" in caught.value.advice


@pytest.mark.parametrize("call, message", [
    (lambda net, X_many: net.predict(X_many), r"`X` must have at most 1,000 rows.*got 1,001"),
    (lambda net, X_many: net.fit(X_many, np.zeros(len(X_many), int), batch_size=10**6),
     r"`batch_size` must be at most 1,000 for a network of width 5.*got 1,000,000"),
])
def test_batches_whose_activations_exceed_memory_are_refused(monkeypatch, call, message):
    import mlp_core.network
    import mlp_core.validation
    # Width 5 in float64: 1,000 rows of activations fill the patched bound.
    monkeypatch.setattr(mlp_core.validation, "MAX_ACTIVATION_BYTES", 8 * 1000 * 5)
    monkeypatch.setattr(mlp_core.network, "MAX_ACTIVATION_BYTES", 8 * 1000 * 5)
    with pytest.raises(ValueError, match=message):
        call(network(), np.zeros((1001, 3)))
    call(network(), np.zeros((1000, 3)))  # at the limit


@pytest.mark.parametrize("attribute, value, error, message", [
    ("lr", float("nan"), ValueError, r"`lr` must be a positive finite number, got nan"),
    ("lr", -1.0, ValueError, r"`lr` must be a positive finite number, got -1\.0"),
    ("lr", "x", TypeError, r"`lr` must be a positive finite number, got 'x'"),
    ("rng", 5, TypeError, r"`rng` must be a numpy Generator.*got 5"),
])
def test_fit_rechecks_attributes_changed_after_construction(attribute, value, error, message):
    net = network()
    setattr(net, attribute, value)
    with pytest.raises(error, match=message):
        net.fit(X, y, n_epochs=1)


def test_read_only_or_matrix_parameters_are_named():
    net = network()
    net.params[0]["W"].flags.writeable = False
    with pytest.raises(ValueError, match=r"`params\[0\]\['W'\]` must be writeable"):
        net.fit(X, y, n_epochs=1)
    net = network()
    with warnings.catch_warnings():  # numpy discourages np.matrix; that is the point here
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        net.params[0]["W"] = np.asmatrix(net.params[0]["W"])
    with pytest.raises(ValueError, match=r"`params\[0\]\['W'\]` must be an array of shape"):
        net.predict(X)


def test_record_grad_norms_must_be_a_bool():
    with pytest.raises(TypeError, match=r"`record_grad_norms` must be True or False, got 'no'"):
        network().fit(X, y, n_epochs=1, record_grad_norms="no")


@pytest.mark.parametrize("dtype", [np.zeros(2), "float16", int, "nonsense", None])
def test_dtype_must_be_float32_or_float64(dtype):
    with pytest.raises(TypeError, match=r"`dtype` must be numpy\.float32 or numpy\.float64"):
        network(dtype=dtype)


def test_timedeltas_are_not_inputs():
    with pytest.raises(TypeError, match=r"`X` must be a 2-D array of real numbers.*timedelta64"):
        network().predict(np.zeros((2, 3), "m8[s]"))


def test_losses_compute_float16_in_float32():
    assert cross_entropy(np.array([[0.0, 1.0]], np.float16), [1]) == 0.0
    assert cross_entropy_from_logits(np.array([[6e4, -6e4]], np.float16), [1]) == pytest.approx(
        1.2e5, rel=1e-3)


def test_cross_entropy_refuses_rows_that_do_not_sum_to_one():
    with pytest.raises(ValueError, match=r"`y_pred` rows must sum to 1.*summing to 0"):
        cross_entropy([[0.0, 0.0]], [0])
