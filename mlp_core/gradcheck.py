"""Central-difference gradient check (book section 3)."""

import numpy as np

from mlp_core.losses import cross_entropy_from_logits
from mlp_core.network import unchecked
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
        The largest relative error over the parameter arrays
        ``W_1, b_1, ..., W_L, b_L``, each measured as
        ``||g - g_num|| / (||g|| + ||g_num||)`` (0 where both vanish).

    Notes
    -----
    ``g_num = (L(theta + eps) - L(theta - eps)) / (2 eps)`` has error of
    order ``eps**2``. Measuring the error per array rather than per entry
    keeps entries whose gradient is nearly zero from dominating: there the
    ratio of two tiny numbers is noise, not a bug. In float64 a correct
    backward pass gives about 1e-10 to 1e-8 and the book accepts at most
    1e-7; a wrong one gives errors near 1.
    A ReLU pre-activation near 0 makes the difference quotient straddle the
    kink, where no derivative exists; such a tie raises ``ValueError``
    rather than reporting a misleading error. Ties happen exactly when a
    sample switches off every unit of a layer while the next layer's
    biases are still 0, as right after initialisation. Book section 3.

    Raises
    ------
    ValueError
        If a hidden ReLU pre-activation lies within ``10 * eps * (1 + max|A|)``
        of 0.
    """
    eps = check_positive_finite("eps", eps)
    X = check_inputs(X, network.layer_sizes[0], network.dtype)
    Y = check_targets(y, len(X), network.layer_sizes[-1], network.dtype)

    # X and Y are validated above; the two forward passes per parameter skip the checks.
    forward = unchecked(network.forward)

    def loss():
        return cross_entropy_from_logits(forward(X)[-1]["z"], Y)

    cache = network.forward(X)
    if network.activation == "relu":
        _check_away_from_kinks(network, X, cache, eps)
    grads = network.backward(X, cache, Y)
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
            scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
            if scale > 0:
                worst = max(worst, float(np.linalg.norm(analytic - numeric) / scale))
    return worst


def _check_away_from_kinks(network, X, cache, eps):
    for l, layer_cache in enumerate(cache[:-1]):
        A_prev = X if l == 0 else cache[l - 1]["a"]
        margin = 10 * eps * (1 + np.abs(A_prev).max())
        closest = float(np.abs(layer_cache["z"]).min())
        if closest < margin:
            raise ValueError(
                f"`X` gives hidden layer {l + 1} a ReLU pre-activation within {margin:.1e} of "
                f"the kink at 0 (min |Z| = {closest:.1e}), where central differences cannot "
                "match relu_grad; check other inputs, or a network whose biases are not all 0"
            )
