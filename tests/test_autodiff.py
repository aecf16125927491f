"""Scalar reverse-mode autodiff (mlp_core.autodiff) against the hand-derived backward pass."""

import math

import numpy as np
import pytest

from mlp_core import NeuralNetworkFromScratch, load_digits_split
from mlp_core.autodiff import Scalar, scalar_gradients
from mlp_core.losses import cross_entropy_from_logits


def test_one_neuron_graph_gives_local_times_upstream_gradients():
    # L = relu(w x + b) * 3 with w = 2, x = 1.5, b = -1: dL/dw = 3 x, dL/db = 3, dL/dx = 3 w
    w, x, b = Scalar(2.0), Scalar(1.5), Scalar(-1.0)
    loss = (w * x + b).relu() * 3
    loss.backward()
    assert loss.value == 6.0
    assert (w.grad, x.grad, b.grad) == (4.5, 6.0, 3.0)


def test_a_reused_value_collects_the_gradients_of_every_use():
    x = Scalar(3.0)
    y = x * x + x.exp() - x.log()  # dy/dx = 2x + e^x - 1/x
    y.backward()
    assert x.grad == pytest.approx(2 * 3 + math.exp(3) - 1 / 3, rel=1e-15)


def test_a_dead_relu_passes_no_gradient():
    z = Scalar(-0.5)
    z.relu().backward()
    assert z.grad == 0.0


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
@pytest.mark.parametrize("layer_sizes", [[3, 4, 2], [3, 5, 4, 3]])
def test_scalar_gradients_equal_backward(activation, layer_sizes):
    rng = np.random.default_rng(7)
    net = NeuralNetworkFromScratch(layer_sizes, activation=activation, rng=rng)
    X = rng.normal(size=(5, layer_sizes[0]))
    y = rng.integers(0, layer_sizes[-1], 5)
    loss, grads = scalar_gradients(net, X, y)
    expected = net.backward(X, net.forward(X), y)
    assert loss == pytest.approx(cross_entropy_from_logits(net.forward(X)[-1]["z"], y), abs=1e-12)
    for got, want in zip(grads, expected):
        assert got["dW"].shape == want["dW"].shape and got["db"].shape == want["db"].shape
        np.testing.assert_allclose(got["dW"], want["dW"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(got["db"], want["db"], rtol=0, atol=1e-12)


def test_the_comparison_catches_a_wrong_backward_pass():
    # Negative control: the summed-loss bug of section 3 differs from autodiff by far more
    # than the tolerance, so the equality above is not vacuous.
    net = NeuralNetworkFromScratch([3, 4, 2], rng=0)
    X, y = np.random.default_rng(1).normal(size=(4, 3)), np.array([0, 1, 1, 0])
    _, grads = scalar_gradients(net, X, y)
    wrong = [g["dW"] * len(X) for g in net.backward(X, net.forward(X), y)]
    assert max(np.abs(g["dW"] - w).max() for g, w in zip(grads, wrong)) > 1e-3


def test_log_sum_exp_keeps_extreme_logits_finite():
    net = NeuralNetworkFromScratch([2, 2], rng=0)
    net.params[0]["W"][:] = [[400.0, -400.0], [0.0, 0.0]]
    loss, grads = scalar_gradients(net, np.array([[2.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(1600.0)
    np.testing.assert_allclose(grads[0]["db"], [1.0, -1.0])


def test_scalar_gradients_leave_the_network_unchanged():
    net = NeuralNetworkFromScratch([3, 4, 2], rng=0)
    before = [{k: v.copy() for k, v in layer.items()} for layer in net.params]
    X, _, _, y, _, _ = load_digits_split()
    scalar_gradients(NeuralNetworkFromScratch([64, 4, 10], rng=0), X[:3], y[:3])
    scalar_gradients(net, np.ones((2, 3)), np.array([0, 1]))
    for layer, old in zip(net.params, before):
        np.testing.assert_array_equal(layer["W"], old["W"])
        np.testing.assert_array_equal(layer["b"], old["b"])


def test_too_large_a_graph_is_refused_with_the_row_limit():
    net = NeuralNetworkFromScratch([64, 16, 10], rng=0)
    with pytest.raises(ValueError, match=r"`X` must be at most 84 rows for a network "
                                         r"of 1,184 weights, got 85 rows; .*use backward"):
        scalar_gradients(net, np.zeros((85, 64)), np.zeros(85, dtype=int))


def test_relu_passes_no_gradient_at_zero_as_relu_grad():
    z = Scalar(0.0)
    z.relu().backward()
    assert z.grad == 0.0


def test_exp_and_sigmoid_at_the_ends_of_the_float_range():
    assert Scalar(709.78).exp().value == math.exp(709.78)
    with pytest.raises(ValueError, match=r"^`value` must be at most 709\.78 for exp.*got 709\.79$"):
        Scalar(709.79).exp()
    assert Scalar(-709.78).sigmoid().value == 1 / (1 + math.exp(709.78))
    assert Scalar(-709.79).sigmoid().value == 0.0


def test_a_network_of_over_100000_weights_takes_one_row():
    net = NeuralNetworkFromScratch([64, 1600, 10], rng=0)  # 118,400 weights
    X, y = np.full((2, 64), 0.5), np.array([3, 7])
    with pytest.raises(ValueError, match=r"^`X` must be at most 1 rows for a network of 118,400"):
        scalar_gradients(net, X, y)
    loss, grads = scalar_gradients(net, X[:1], y[:1])
    assert grads[0]["dW"].shape == (64, 1600)
