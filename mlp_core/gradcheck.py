"""Central-difference gradient check (book section 3)."""

import numpy as np

from mlp_core.losses import cross_entropy_from_logits
from mlp_core.validation import check_inputs, check_positive_finite, check_targets


def gradient_check(network, X, y, eps=1e-5):
    """Compare :meth:`backward` with central differences on every parameter.

    Parameters
    ----------
    network : NeuralNetworkFromScratch
        Its parameters are perturbed one at a time and restored exactly.
    X : ndarray, shape (n_samples, n_features)
    y : ndarray, shape (n_samples, n_classes) or (n_samples,)
        One-hot rows or integer labels.
    eps : float, default 1e-5
        Step of the central difference.

    Returns
    -------
    float
        The largest relative error ``|g - g_num| / max(|g| + |g_num|, 1e-12)``
        over all weights and biases.

    Notes
    -----
    ``g_num = (L(theta + eps) - L(theta - eps)) / (2 eps)`` has error of
    order ``eps**2``; in float64 a correct backward pass gives relative
    errors near 1e-9 or below, a wrong one errors near 1.
    """
    eps = check_positive_finite("eps", eps)
    X = check_inputs(X, network.layer_sizes[0], network.dtype)
    Y = check_targets(y, len(X), network.layer_sizes[-1], network.dtype)

    def loss():
        return cross_entropy_from_logits(network.forward(X)[-1]["z"], Y)

    grads = network.backward(X, network.forward(X), Y)
    worst = 0.0
    for layer, grad in zip(network.params, grads):
        for name, grad_name in (("W", "dW"), ("b", "db")):
            theta, analytic = layer[name], grad[grad_name]
            numeric = np.empty_like(theta)
            for index in np.ndindex(theta.shape):
                original = theta[index]
                theta[index] = original + eps
                loss_plus = loss()
                theta[index] = original - eps
                loss_minus = loss()
                theta[index] = original
                numeric[index] = (loss_plus - loss_minus) / (2 * eps)
            error = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-12)
            worst = max(worst, float(error.max()))
    return worst
