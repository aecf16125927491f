"""Cross-entropy on probabilities (clipped, as in the source chapter) and on logits."""

import math
import warnings

import numpy as np
import pytest

from mlp_core import NeuralNetworkFromScratch
from mlp_core.activations import softmax
from mlp_core.losses import PROBABILITY_FLOOR, cross_entropy, cross_entropy_from_logits

CAP = -math.log(1e-15)  # 34.538776394910684: largest per-sample clipped loss


def test_hand_computed_value():
    Z = np.array([[1.0, 2.0, 3.0]])
    Y = np.array([[0.0, 0.0, 1.0]])
    expected = math.log(math.e + math.e**2 + math.e**3) - 3.0
    assert cross_entropy_from_logits(Z, Y) == pytest.approx(expected, rel=1e-14)
    assert cross_entropy(softmax(Z), Y) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("scale", [0.1, 1.0, 5.0])
def test_both_losses_agree_on_moderate_logits(scale):
    rng = np.random.default_rng(10)
    Z = rng.normal(0, scale, size=(50, 10))
    Y = np.eye(10)[rng.integers(0, 10, 50)]
    a = cross_entropy(softmax(Z), Y)
    b = cross_entropy_from_logits(Z, Y)
    assert isinstance(a, float) and isinstance(b, float)
    assert a == pytest.approx(b, rel=1e-12)


def test_extreme_wrong_predictions_clipped_caps_logits_exact():
    # Each row puts logit 1000 on the wrong class and 0 on the true one:
    # -log softmax(z)_true = logsumexp([1000, 0]) - 0 = 1000 + log(1 + e^-1000) = 1000.
    Z = np.array([[1000.0, 0.0], [0.0, 1000.0]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        exact = cross_entropy_from_logits(Z, Y)
        clipped = cross_entropy(softmax(Z), Y)
    assert exact == pytest.approx(1000.0, rel=1e-15)
    assert clipped == pytest.approx(CAP, rel=1e-12)
    assert clipped == pytest.approx(-math.log(PROBABILITY_FLOOR), rel=1e-12)
    assert 34.5 < clipped < 34.6


def test_extreme_mixed_batch():
    # row 0: true class gets +1000 vs -1000 (loss 0); row 1: true class gets -1000 (loss 2000)
    Z = np.array([[1000.0, -1000.0], [1000.0, -1000.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert cross_entropy_from_logits(Z, Y) == pytest.approx((0.0 + 2000.0) / 2, rel=1e-15)
    assert cross_entropy(softmax(Z), Y) == pytest.approx((0.0 + CAP) / 2, rel=1e-12)


def test_confident_correct_prediction_has_zero_loss():
    Z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    Y = np.eye(2)
    assert cross_entropy_from_logits(Z, Y) == 0.0
    assert cross_entropy(softmax(Z), Y) == 0.0


def test_losses_are_means_over_the_batch():
    rng = np.random.default_rng(11)
    Z = rng.normal(size=(6, 4))
    Y = np.eye(4)[rng.integers(0, 4, 6)]
    per_row = [cross_entropy_from_logits(Z[i:i + 1], Y[i:i + 1]) for i in range(6)]
    assert cross_entropy_from_logits(Z, Y) == pytest.approx(np.mean(per_row), rel=1e-13)
    assert cross_entropy(softmax(Z), Y) == pytest.approx(np.mean(per_row), rel=1e-13)
    # duplicating the batch leaves a mean unchanged (a sum would double)
    assert cross_entropy_from_logits(np.vstack([Z, Z]), np.vstack([Y, Y])) == pytest.approx(
        cross_entropy_from_logits(Z, Y), rel=1e-13)


def test_losses_do_not_modify_inputs():
    rng = np.random.default_rng(12)
    Z = rng.normal(size=(5, 3))
    P = softmax(Z)
    P[0] = [0.0, 1.0, 0.0]  # exercises the clip
    Y = np.eye(3)[[0, 1, 2, 0, 1]]
    copies = Z.copy(), P.copy(), Y.copy()
    cross_entropy(P, Y)
    cross_entropy_from_logits(Z, Y)
    for array, copy in zip((Z, P, Y), copies):
        np.testing.assert_array_equal(array, copy)


def test_network_loss_is_the_clipped_cross_entropy():
    net = NeuralNetworkFromScratch([3, 2], rng=0)
    P = np.array([[0.0, 1.0], [0.3, 0.7]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert net.loss(P, Y) == cross_entropy(P, Y)
    assert net.loss(P, Y) == pytest.approx((CAP - math.log(0.7)) / 2, rel=1e-12)


def test_logits_loss_at_the_edge_of_the_float_range_is_inf_without_warning():
    # The true loss, 2e308, is not representable: inf is the honest answer.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wrong = cross_entropy_from_logits(np.array([[1e308, -1e308]]), np.array([[0.0, 1.0]]))
        right = cross_entropy_from_logits(np.array([[1e308, -1e308]]), np.array([[1.0, 0.0]]))
    assert wrong == np.inf
    assert right == 0.0


def test_float32_scores_are_computed_in_float32():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(5, 3)).astype(np.float32)
    P, Y = softmax(Z), np.eye(3, dtype=np.float32)[[0, 1, 2, 1, 0]]
    assert cross_entropy(P, Y) == float(-np.mean(np.sum(Y * np.log(P), axis=1)))
    log_sum_exp = Z.max(axis=1) + np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1))
    assert cross_entropy_from_logits(Z, Y) == float(np.mean(log_sum_exp - np.sum(Y * Z, axis=1)))


def test_probabilities_within_the_row_sum_tolerance():
    # Rows may sum to 1 within 1e-2 (float16 softmax rows); an entry a little above 1
    # counts as 1, so no loss is negative; a negative entry is refused even so.
    assert cross_entropy([[0.995, 0.0]], [0]) == pytest.approx(-math.log(0.995))
    assert cross_entropy([[1.005, 0.0]], [0]) == 0.0
    with pytest.raises(ValueError, match=r"^`y_pred` must be probabilities.*entries from -0\.1"):
        cross_entropy([[-0.1, 1.0, 0.1]], [1])
    with pytest.raises(ValueError, match=r"row sums from 0\.98 to 0\.98"):
        cross_entropy([[0.98, 0.0]], [0])
