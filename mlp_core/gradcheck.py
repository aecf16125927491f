"""Central-difference gradient check (book section 3)."""

import numpy as np

from mlp_core.losses import mean_cross_entropy_from_logits
from mlp_core.network import NeuralNetworkFromScratch, unchecked
from mlp_core.validation import check_inputs, check_positive_finite, check_targets

#: Steps outside this range make the central difference meaningless in
#: float64: below, rounding error (1e-16 / eps) swamps it; above, the
#: truncation error (eps**2) does.
EPS_RANGE = (1e-8, 1e-3)

#: Largest |x| accepted. The loss curves faster as inputs grow, so the
#: truncation error of the difference grows with them: inputs of 1e3 give
#: relative errors near 1e-6 and 1e4 near 1e-3 for a correct backward pass.
MAX_CHECK_INPUT = 100


def gradient_check(network, X, y, eps=1e-5):
    """Compare :meth:`backward` with central differences on every parameter.

    Parameters
    ----------
    network : NeuralNetworkFromScratch
        A float64 network. Its parameters are perturbed one at a time and
        restored exactly.
    X : ndarray, shape (n_samples, n_features)
        Inputs with ``|x| <= MAX_CHECK_INPUT`` (100); scale larger ones.
    y : ndarray, shape (n_samples, n_classes) or (n_samples,)
        One-hot rows or integer labels.
    eps : float, default 1e-5
        Step of the central difference, in ``EPS_RANGE`` = [1e-8, 1e-3].

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
        of 0; if ``eps`` lies outside ``EPS_RANGE``; if some ``|x|`` exceeds
        ``MAX_CHECK_INPUT``; if the network is not
        float64, whose rounding (about 1e-7 in float32) would swamp the
        differences.
    TypeError
        If ``network`` is not a :class:`NeuralNetworkFromScratch`.
    """
    if not isinstance(network, NeuralNetworkFromScratch):
        raise TypeError(f"`network` must be a NeuralNetworkFromScratch, got {network!r}")
    if network.dtype != np.float64:
        raise ValueError(
            f"`network` must be float64 for a gradient check, got dtype {network.dtype.name}: "
            "float32 rounding makes central differences wrong by about 1e-2; check a "
            "float64 copy of the architecture instead"
        )
    eps = check_positive_finite("eps", eps)
    if not EPS_RANGE[0] <= eps <= EPS_RANGE[1]:
        raise ValueError(f"`eps` must lie in [{EPS_RANGE[0]:g}, {EPS_RANGE[1]:g}], where central "
                         f"differences are meaningful in float64, got {eps!r}")
    X = check_inputs(X, network.layer_sizes[0], network.dtype)
    largest = float(np.abs(X).max())
    if largest > MAX_CHECK_INPUT:
        raise ValueError(
            f"`X` must satisfy |x| <= {MAX_CHECK_INPUT} for a reliable gradient check, got "
            f"|x| up to {largest:.3g}: the truncation error of central differences grows "
            "with the inputs and would look like a bug; scale the features to about [0, 1]"
        )
    Y = check_targets(y, len(X), network.layer_sizes[-1], network.dtype)

    # X and Y are validated above; the two forward passes per parameter skip the checks.
    forward = unchecked(network.forward)

    def loss():
        return mean_cross_entropy_from_logits(forward(X)[-1]["z"], Y)

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
