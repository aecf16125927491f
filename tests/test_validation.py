"""Every bad argument raises ValueError or TypeError naming the argument and the value.

pytest.raises((ValueError, TypeError)) lets any other exception (IndexError,
AttributeError, ...) propagate, so these tests also prove none of those occur.
"""

import re

import numpy as np
import pytest

from mlp_core import NeuralNetworkFromScratch, gradient_check
from mlp_core.validation import check_inputs, check_targets

BAD = (ValueError, TypeError)


def esc(value):
    return re.escape(str(value))


def make_net(**kwargs):
    return NeuralNetworkFromScratch([2, 3, 2], rng=0, **kwargs)


def good_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    y = np.array([0, 1, 1, 0, 1, 0])
    return X, y


def params_copy(net):
    return [(p["W"].copy(), p["b"].copy()) for p in net.params]


def assert_params_unchanged(net, before):
    for p, (W, b) in zip(net.params, before):
        np.testing.assert_array_equal(p["W"], W)
        np.testing.assert_array_equal(p["b"], b)


# -- constructor ---------------------------------------------------------------

@pytest.mark.parametrize("layer_sizes, pattern", [
    ([5], r"`layer_sizes`.*at least 2.*\[5\]"),
    ([], r"`layer_sizes`.*at least 2.*\[\]"),
    ([2, 2.5, 2], r"`layer_sizes\[1\]`.*2\.5"),
    ([2, "3", 2], r"`layer_sizes\[1\]`.*'3'"),
    ([2, True, 2], r"`layer_sizes\[1\]`.*True"),
    ([2.0, 2], r"`layer_sizes\[0\]`.*2\.0"),
    ([2, 0, 2], r"`layer_sizes\[1\]`.*positive.*got 0"),
    ([2, -4, 2], r"`layer_sizes\[1\]`.*positive.*got -4"),
    ([2, 3, 0], r"`layer_sizes\[2\]`.*got 0"),
    ("23", r"`layer_sizes`.*'23'"),
    (5, r"`layer_sizes`.*got 5"),
    (None, r"`layer_sizes`.*None"),
])
def test_bad_layer_sizes(layer_sizes, pattern):
    with pytest.raises(BAD, match=pattern):
        NeuralNetworkFromScratch(layer_sizes)


def test_numpy_integer_layer_sizes_are_accepted():
    net = NeuralNetworkFromScratch(np.array([3, 4, 2]), rng=0)
    assert net.layer_sizes == [3, 4, 2]
    assert all(type(s) is int for s in net.layer_sizes)


@pytest.mark.parametrize("lr, kind", [
    (0, ValueError), (0.0, ValueError), (-0.1, ValueError), (float("nan"), ValueError),
    (float("inf"), ValueError), (-float("inf"), ValueError), ("0.1", TypeError),
    (None, TypeError), (True, TypeError), (np.array([0.1]), TypeError),
])
def test_bad_learning_rate(lr, kind):
    with pytest.raises(kind, match=r"`lr`.*got " + esc(repr(lr))):
        NeuralNetworkFromScratch([2, 2], lr=lr)


@pytest.mark.parametrize("activation", ["tanh", "ReLU", "", None, 3])
def test_unknown_activation(activation):
    with pytest.raises(BAD, match=r"`activation`.*got " + esc(repr(activation))):
        NeuralNetworkFromScratch([2, 2], activation=activation)


@pytest.mark.parametrize("dtype", [int, np.int32, np.float16, bool, complex])
def test_bad_dtype(dtype):
    with pytest.raises(TypeError, match=r"`dtype`.*got "):
        NeuralNetworkFromScratch([2, 2], dtype=dtype)


@pytest.mark.parametrize("rng", ["0", 1.5, True, np.random.RandomState(0)])
def test_bad_rng(rng):
    with pytest.raises(TypeError, match=r"`rng`.*got "):
        NeuralNetworkFromScratch([2, 2], rng=rng)


# -- fit: sizes and counts -------------------------------------------------------

@pytest.mark.parametrize("batch_size, kind", [
    (0, ValueError), (-3, ValueError), (2.5, TypeError), (8.0, TypeError), ("8", TypeError),
    (None, TypeError), (True, TypeError),
])
def test_bad_batch_size(batch_size, kind):
    net = make_net()
    before = params_copy(net)
    X, y = good_data()
    with pytest.raises(kind, match=r"`batch_size`.*got " + esc(repr(batch_size))):
        net.fit(X, y, n_epochs=1, batch_size=batch_size)
    assert_params_unchanged(net, before)


@pytest.mark.parametrize("n_epochs, kind", [
    (-1, ValueError), (-10, ValueError), (1.5, TypeError), ("3", TypeError), (None, TypeError),
])
def test_bad_n_epochs(n_epochs, kind):
    net = make_net()
    X, y = good_data()
    with pytest.raises(kind, match=r"`n_epochs`.*got " + esc(repr(n_epochs))):
        net.fit(X, y, n_epochs=n_epochs)


# -- X -----------------------------------------------------------------------------

BAD_X = [
    (np.zeros(2), r"`X`.*2-D.*shape \(2,\)"),
    (np.zeros(6), r"`X`.*2-D.*shape \(6,\)"),
    (np.zeros((6, 2, 1)), r"`X`.*2-D.*shape \(6, 2, 1\)"),
    (np.float64(1.0), r"`X`.*2-D.*shape \(\)"),
    (np.zeros((6, 3)), r"`X`.*2 columns.*shape \(6, 3\)"),
    (np.zeros((6, 1)), r"`X`.*2 columns.*shape \(6, 1\)"),
    (np.zeros((0, 2)), r"`X`.*at least one sample.*shape \(0, 2\)"),
    (np.array([["a", "b"]] * 6), r"`X`.*real numbers.*dtype <U1"),
    (np.array([[1 + 1j, 0]] * 6), r"`X`.*real numbers.*complex"),
    ([[1, 2], [3]], r"`X`"),
]


def _with(value, index):
    X = np.zeros((6, 2))
    X[index] = value
    return X


NONFINITE_X = [
    (_with(np.nan, (0, 0)), r"`X`.*finite.*got 1 NaN or inf"),
    (_with(np.inf, (3, 1)), r"`X`.*finite.*got 1 NaN or inf"),
    (_with(-np.inf, (slice(None), 0)), r"`X`.*finite.*got 6 NaN or inf"),
]


@pytest.mark.parametrize("X, pattern", BAD_X + NONFINITE_X)
def test_bad_X_in_fit(X, pattern):
    net = make_net()
    before = params_copy(net)
    y = np.zeros(6, dtype=int)
    with pytest.raises(BAD, match=pattern):
        net.fit(X, y, n_epochs=1)
    assert_params_unchanged(net, before)


@pytest.mark.parametrize("X, pattern", BAD_X + NONFINITE_X)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_bad_X_in_prediction(method, X, pattern):
    net = make_net()
    args = (np.zeros(6, dtype=int),) if method == "score" else ()
    with pytest.raises(BAD, match=pattern):
        getattr(net, method)(X, *args)


def test_float32_overflow_to_inf_is_caught():
    net = make_net(dtype=np.float32)
    X = np.full((6, 2), 1e300)  # finite in float64, inf in float32
    # No RuntimeWarning from the cast (warnings are errors in the suite).
    with pytest.raises(ValueError, match=r"`X` must fit in the network's dtype float32.*1e\+300"):
        net.fit(X, np.zeros(6, dtype=int), n_epochs=1)


# -- y -------------------------------------------------------------------------------

BAD_Y = [
    (np.array([0, 1, 1]), r"`y`.*one entry per sample \(6\).*shape \(3,\)"),
    (np.array([0, 1, 1, 0, 1, 0, 1]), r"`y`.*\(6\).*shape \(7,\)"),
    (np.int64(1), r"`y`.*\(6\).*shape \(\)"),
    (np.array([0, 1, 1, 0, 1, -1]), r"`y`.*0\.\.1.*\[-1\]"),
    (np.array([0, 1, 2, 0, 1, 0]), r"`y`.*0\.\.1.*\[2\]"),
    (np.array([0, 1, 1, 0, 1, 2.5]), r"`y`.*whole numbers.*2\.5"),
    (np.array([0, 1, 1, 0, 1, np.nan]), r"`y`.*whole numbers.*nan"),
    (np.array(["0", "1", "1", "0", "1", "0"]), r"`y`.*integer labels or one-hot.*<U1"),
    (np.array([[1, 1]] + [[1, 0]] * 5), r"`y`.*one-hot.*row 0 = \[1, 1\]"),
    (np.array([[1, 0]] * 3 + [[0.5, 0.5]] + [[1, 0]] * 2), r"`y`.*one-hot.*row 3 = \[0\.5, 0\.5\]"),
    (np.array([[1, 0]] * 5 + [[0, 0]]), r"`y`.*one-hot.*row 5 = \[0, 0\]"),
    (np.array([[2, 0]] + [[1, 0]] * 5), r"`y`.*one-hot.*row 0 = \[2, 0\]"),
    (np.array([[1, 0, 0]] * 6), r"`y`.*2 columns.*shape \(6, 3\)"),
    (np.zeros((6, 2, 1)), r"`y`.*1-D labels or 2-D one-hot.*shape \(6, 2, 1\)"),
]


@pytest.mark.parametrize("y, pattern", BAD_Y)
def test_bad_y_in_fit(y, pattern):
    net = make_net()
    before = params_copy(net)
    X = np.zeros((6, 2))
    with pytest.raises(BAD, match=pattern):
        net.fit(X, y, n_epochs=1)
    assert_params_unchanged(net, before)


@pytest.mark.parametrize("y, pattern", BAD_Y)
def test_bad_y_in_score(y, pattern):
    with pytest.raises(BAD, match=pattern):
        make_net().score(np.zeros((6, 2)), y)


def test_labels_equal_to_n_classes_are_rejected_for_ten_classes():
    net = NeuralNetworkFromScratch([4, 10], rng=0)
    y = np.array([0, 9, 10])
    with pytest.raises(ValueError, match=r"`y`.*0\.\.9.*10 outputs.*\[10\]"):
        net.fit(np.zeros((3, 4)), y, n_epochs=1)


def test_check_targets_accepts_good_labels_and_rejects_bad_ones():
    # positive control for the validator itself
    Y = check_targets(np.array([1, 0, 2]), 3, 3, np.float64)
    np.testing.assert_array_equal(Y, np.eye(3)[[1, 0, 2]])
    Y = check_targets(np.array([1.0, 0.0, 2.0]), 3, 3, np.float32)  # whole floats are fine
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y, np.eye(3)[[1, 0, 2]])
    X = check_inputs([[1, 2]], 2, np.float32)
    assert X.dtype == np.float32 and X.shape == (1, 2)


# -- eval_data -------------------------------------------------------------------------

@pytest.mark.parametrize("eval_data, pattern", [
    ("test", r"`eval_data`.*tuple.*'test'"),
    ((np.zeros((3, 2)),), r"`eval_data`.*tuple"),
    ((np.zeros((3, 2)), np.zeros(3, int), None), r"`eval_data`.*tuple"),
    ({"X": 1, "y": 2}, r"`eval_data`.*tuple"),
    ((np.zeros((3, 5)), np.zeros(3, int)), r"`eval_data\[0\]`.*2 columns.*shape \(3, 5\)"),
    ((np.zeros(3), np.zeros(3, int)), r"`eval_data\[0\]`.*2-D"),
    ((np.full((3, 2), np.nan), np.zeros(3, int)), r"`eval_data\[0\]`.*finite"),
    ((np.zeros((3, 2)), np.zeros(4, int)), r"`eval_data\[1\]`.*\(3\).*shape \(4,\)"),
    ((np.zeros((3, 2)), np.array([0, 1, 5])), r"`eval_data\[1\]`.*0\.\.1.*\[5\]"),
    ((np.zeros((3, 2)), np.array([[1, 1]] * 3)), r"`eval_data\[1\]`.*one-hot"),
])
def test_bad_eval_data(eval_data, pattern):
    net = make_net()
    before = params_copy(net)
    X, y = good_data()
    with pytest.raises(BAD, match=pattern):
        net.fit(X, y, n_epochs=1, eval_data=eval_data)
    assert_params_unchanged(net, before)


# -- gradient_check --------------------------------------------------------------------

@pytest.mark.parametrize("eps", [0, -1e-5, float("nan"), "1e-5"])
def test_gradient_check_bad_eps(eps):
    X, y = good_data()
    with pytest.raises(BAD, match=r"`eps`.*got " + esc(repr(eps))):
        gradient_check(make_net(), X, y, eps=eps)


def test_gradient_check_bad_data():
    X, y = good_data()
    with pytest.raises(BAD, match=r"`X`.*2 columns"):
        gradient_check(make_net(), np.zeros((6, 3)), y)
    with pytest.raises(BAD, match=r"`y`.*0\.\.1"):
        gradient_check(make_net(), X, y + 1)


# -- the public math methods validate their arguments; fit's inner loop does not -----------

def test_forward_rejects_wrong_width_and_nan():
    net = make_net()
    with pytest.raises(ValueError, match=r"`X` must have 2 columns.*shape \(3, 5\)"):
        net.forward(np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"`X` must contain only finite values, got 1 NaN"):
        net.forward(np.array([[0.0, np.nan]]))


def test_backward_rejects_a_cache_from_other_data_and_bad_targets():
    net = make_net()
    X = np.ones((4, 2))
    cache = net.forward(X)
    with pytest.raises(ValueError, match=r"`cache\[0\]\['z'\]` must be an array of shape \(3,"):
        net.backward(X[:3], cache, np.zeros(3, dtype=int))
    with pytest.raises(TypeError, match=r"`cache` must be the list of \d+ dicts"):
        net.backward(X, cache[:-1], np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"`y_onehot` labels must lie in"):
        net.backward(X, cache, np.full(4, 7))


def test_update_refuses_nan_or_misshapen_gradients_and_keeps_the_weights():
    net = make_net()
    grads = net.backward(np.ones((4, 2)), net.forward(np.ones((4, 2))), np.zeros(4, dtype=int))
    before = [p["W"].copy() for p in net.params]
    grads[0]["dW"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"`grads\[0\]\['dW'\]` must be finite"):
        net.update(grads)
    grads[0]["dW"] = grads[0]["dW"][:, :1]
    with pytest.raises(ValueError, match=r"`grads\[0\]\['dW'\]` must be an array of shape"):
        net.update(grads)
    assert all(np.array_equal(b, p["W"]) for b, p in zip(before, net.params))


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"blas_threads": 0}, ValueError, r"`blas_threads` must be an integer >= 1, got 0"),
    ({"blas_threads": 1.5}, TypeError, r"`blas_threads` must be an integer >= 1, got 1.5"),
    ({"on_epoch_end": 3}, TypeError, r"`on_epoch_end` must be callable or None, got 3"),
])
def test_fit_rejects_bad_options(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        make_net().fit(np.ones((4, 2)), np.zeros(4, dtype=int), n_epochs=1, **kwargs)


def test_fit_steps_run_the_unchecked_math(monkeypatch):
    """The per-step checks are skipped inside fit (validated once), not everywhere."""
    import mlp_core.network

    net = make_net()
    calls = []
    original = mlp_core.network.check_inputs
    monkeypatch.setattr(mlp_core.network, "check_inputs",
                        lambda X, *args, **kwargs: calls.append(X.shape) or original(X, *args, **kwargs))
    net.fit(np.ones((8, 2)), np.zeros(8, dtype=int), n_epochs=2, batch_size=2)
    assert calls == [(8, 2)]  # fit's own check, none for its 8 steps
    net.forward(np.ones((1, 2)))
    assert calls == [(8, 2), (1, 2)]
