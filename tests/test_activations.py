"""Activations: exact limits, no floating-point warnings, derivatives, purity."""

import warnings

import numpy as np
import pytest

from mlp_core.activations import ACTIVATIONS, relu, relu_grad, sigmoid, sigmoid_grad, softmax

# Overflow, division by zero and invalid operations are bugs; underflow to an
# exact 0 is what makes sigmoid(-1000) == 0.0, so it is allowed.
RAISE = dict(over="raise", divide="raise", invalid="raise", under="ignore")

EXTREMES = np.array([-1e308, -1e300, -1000.0, -750.0, -710.0, -50.0, 0.0,
                     50.0, 710.0, 750.0, 1000.0, 1e300, 1e308])


@pytest.mark.parametrize("function", [relu, relu_grad, sigmoid, sigmoid_grad])
def test_elementwise_functions_are_silent_and_finite_at_extremes(function):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(**RAISE):
            out = function(EXTREMES)
    assert out.shape == EXTREMES.shape
    assert np.all(np.isfinite(out))


def test_sigmoid_exact_limits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(**RAISE):
            assert sigmoid(-1000.0) == 0.0
            assert sigmoid(1000.0) == 1.0
            assert sigmoid(-1e308) == 0.0
            assert sigmoid(1e308) == 1.0
            np.testing.assert_array_equal(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
            assert sigmoid(0.0) == 0.5


def test_sigmoid_matches_definition_on_moderate_inputs():
    z = np.random.default_rng(0).uniform(-30, 30, size=500)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-13, atol=0)
    # symmetry sigma(-z) = 1 - sigma(z)
    np.testing.assert_allclose(sigmoid(-z), 1 - sigmoid(z), atol=1e-15)


def test_sigmoid_grad_is_zero_not_nan_at_extremes():
    with np.errstate(**RAISE):
        g = sigmoid_grad(np.array([-1e308, -1000.0, 1000.0, 1e308]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 0.0])
    assert sigmoid_grad(0.0) == 0.25


def test_relu_grad_at_zero_is_zero():
    # the documented convention relu'(0) = 0, for scalars and arrays
    assert relu_grad(0) == 0
    assert relu_grad(0.0) == 0
    assert relu_grad(-0.0) == 0
    assert relu_grad(np.float64(0.0)) == 0
    np.testing.assert_array_equal(relu_grad(np.array([-1.0, 0.0, 1.0])), [0.0, 0.0, 1.0])
    # smallest step either side of the kink
    np.testing.assert_array_equal(relu_grad(np.array([-5e-324, 5e-324])), [0.0, 1.0])


def test_relu_values_and_dtypes():
    np.testing.assert_array_equal(relu(np.array([-2.0, 0.0, 3.5])), [0.0, 0.0, 3.5])
    assert relu_grad(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert relu_grad(np.zeros(3, dtype=np.float64)).dtype == np.float64
    assert relu_grad(np.array([-1, 0, 2])).dtype == np.float64  # ints -> float


def test_softmax_extreme_logits_rows_sum_to_one_without_nan():
    Z = np.array([[1000.0, -1000.0, 0.0],
                  [-1000.0, 1000.0, 1000.0],
                  [-1000.0, -1000.0, -1000.0],
                  [1e308, 1e308, 1e308],
                  [-1e308, -1e308, -1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(**RAISE):
            P = softmax(Z)
    assert not np.isnan(P).any()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(P[0], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(P[1], [0.0, 0.5, 0.5])
    np.testing.assert_allclose(P[2:], 1 / 3, rtol=1e-15)


def test_softmax_row_spanning_the_whole_float_range():
    # 1e308 - (-1e308) overflows; the shifted logit must become -inf
    # silently and give an exact 0, not a warning or a NaN.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = softmax(np.array([[1e308, -1e308, 0.0]]))
    np.testing.assert_array_equal(P, [[1.0, 0.0, 0.0]])


def test_softmax_matches_definition_and_is_shift_invariant():
    rng = np.random.default_rng(1)
    Z = rng.normal(0, 3, size=(20, 6))
    expected = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax(Z), expected, rtol=1e-13)
    shift = rng.normal(0, 100, size=(20, 1))
    np.testing.assert_allclose(softmax(Z + shift), expected, rtol=1e-10)
    assert np.all(softmax(Z) > 0)


def central_difference(f, z, h=1e-6):
    return (f(z + h) - f(z - h)) / (2 * h)


def test_sigmoid_grad_matches_central_difference():
    z = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(sigmoid_grad(z), central_difference(sigmoid, z),
                               rtol=1e-7, atol=1e-10)
    # negative control: the comparison rejects a wrong derivative (sigma itself)
    assert not np.allclose(sigmoid(z), central_difference(sigmoid, z), rtol=1e-7, atol=1e-10)


def test_relu_grad_matches_central_difference_away_from_kink():
    z = np.random.default_rng(2).uniform(-5, 5, size=400)
    z = z[np.abs(z) > 1e-3]
    np.testing.assert_allclose(relu_grad(z), central_difference(relu, z), rtol=1e-7, atol=1e-9)
    # negative control: derivative with the mask flipped is rejected
    assert not np.allclose(1 - relu_grad(z), central_difference(relu, z), atol=1e-9)


def test_sigmoid_grad_equals_formula_and_is_bounded_by_a_quarter():
    z = np.linspace(-20, 20, 4001)
    e = np.exp(-np.abs(z))
    # e / (1 + e)^2 is sigma(z)(1 - sigma(z)) for both signs of z; for z > 0,
    # 1 - sigma(z) cancels, so compare with an absolute tolerance of a few ulps of 1
    np.testing.assert_allclose(sigmoid_grad(z), e / (1 + e) ** 2, rtol=1e-12, atol=1e-15)
    assert sigmoid_grad(z).max() <= 0.25


@pytest.mark.parametrize("function", [relu, relu_grad, sigmoid, sigmoid_grad, softmax])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_functions_do_not_modify_their_input(function, dtype):
    Z = np.random.default_rng(3).normal(0, 5, size=(7, 4)).astype(dtype)
    Z[0, 0] = 0.0
    Z[1, :] = [1000.0, -1000.0, 0.0, 3.0]
    before = Z.copy()
    out = function(Z)
    np.testing.assert_array_equal(Z, before)
    assert out is not Z
    assert out.shape == Z.shape


def test_activation_registry():
    assert set(ACTIVATIONS) == {"relu", "sigmoid"}
    assert ACTIVATIONS["relu"] == (relu, relu_grad)
    assert ACTIVATIONS["sigmoid"] == (sigmoid, sigmoid_grad)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_softmax_works_along_the_last_axis_of_any_array(shape):
    Z = np.random.default_rng(0).normal(size=shape)
    P = softmax(Z)
    np.testing.assert_allclose(P.sum(axis=-1), 1.0)
    np.testing.assert_allclose(P, np.exp(Z) / np.exp(Z).sum(axis=-1, keepdims=True))
