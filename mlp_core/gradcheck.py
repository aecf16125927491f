"""Central-difference gradient check (book section 3)."""

__all__ = ["gradient_check"]

import numpy as np

from mlp_core import validation as check
from mlp_core.losses import _cross_entropy_from_logits
from mlp_core.network import NeuralNetworkFromScratch

#: Steps outside this range make central differences meaningless in float64:
#: below, rounding (1e-16 / eps) swamps them; above, truncation (eps**2) does.
EPS_RANGE = (1e-8, 1e-3)

#: Largest |x| accepted: the truncation error grows with the inputs (about
#: 1e-6 at |x| = 1e3) and would look like a bug.
MAX_CHECK_INPUT = 100


def gradient_check(network, X, y, eps=1e-5):
    """``max_a ||g_a - g_num_a|| / max_a (||g_a|| + ||g_num_a||)`` over the parameter arrays
    ``a = W_1, b_1, ..., W_L, b_L`` of a float64 ``network`` (perturbed one at a time and
    restored exactly), with ``|X| <= MAX_CHECK_INPUT`` and ``eps`` in ``EPS_RANGE``.

    ``g_num = (L(theta + eps) - L(theta - eps)) / (2 eps)`` is off by order ``eps**2`` plus
    rounding noise of about ``1e-16 |L| / eps``. Measured against the network's largest gradient,
    a layer whose gradient vanished to that noise (deep sigmoid stacks) raises no false alarm, but
    an error in an array below about 1e-7 of the largest goes unseen. A correct float64 backward
    pass gives 1e-11 to 1e-8, the book accepts 1e-7, a wrong one gives errors near 1. An input
    that puts a ReLU pre-activation within the step of its kink raises ``ValueError``.
    """
    check.instance("network", network, NeuralNetworkFromScratch,
                   "a float64 NeuralNetworkFromScratch")
    if network.dtype != np.float64:
        raise ValueError(check.message("network", "a float64 NeuralNetworkFromScratch",
                                       f"a {network.dtype} network", "float32 rounding makes "
                                       "central differences wrong by about 1e-2"))
    X = network._X(X)
    if np.abs(X).max() > MAX_CHECK_INPUT:
        raise ValueError(check.message(
            "X", f"within [-{MAX_CHECK_INPUT}, {MAX_CHECK_INPUT}]",
            f"|x| up to {np.abs(X).max():.3g}",
            "the truncation error of central differences grows with the inputs and would look "
            "like a bug; scale the features to about [0, 1]"))
    Y = network._Y(y, X)
    eps = check.real("eps", eps, *EPS_RANGE, closed=True)

    def loss():
        return _cross_entropy_from_logits(network._forward(X)[-1]["z"], Y)

    cache = network._forward(X)
    if network.activation == "relu":
        _check_away_from_kinks(X, cache, eps)
    grads = network._backward(X, cache, Y)
    errors, scales = [], []
    for layer, grad in zip(network.params, grads):
        for name in ("W", "b"):
            theta, analytic = layer[name], grad["d" + name]
            numeric = np.empty_like(theta)
            for index in np.ndindex(theta.shape):
                original = theta[index]
                theta[index] = original + eps
                loss_plus = loss()
                theta[index] = original - eps
                loss_minus = loss()
                theta[index] = original
                numeric[index] = (loss_plus - loss_minus) / (2 * eps)
            errors.append(np.linalg.norm(analytic - numeric))
            scales.append(np.linalg.norm(analytic) + np.linalg.norm(numeric))
    return float(max(errors) / max(scales)) if max(scales) > 0 else 0.0


def _check_away_from_kinks(X, cache, eps):
    for l, layer_cache in enumerate(cache[:-1]):
        A_prev = X if l == 0 else cache[l - 1]["a"]
        margin = 10 * eps * (1 + np.abs(A_prev).max())
        closest = float(np.abs(layer_cache["z"]).min())
        if closest < margin:
            raise ValueError(check.message(
                "X", f"away from the ReLU kink at 0 in hidden layer {l + 1} (|Z| >= {margin:.1e})",
                f"min |Z| = {closest:.1e}", "central differences cannot match relu_grad there; "
                "check other inputs, or a network whose biases are not all 0"))
