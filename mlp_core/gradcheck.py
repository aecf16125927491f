"""Central-difference gradient check (book section 3)."""

import numpy as np

from mlp_core.losses import mean_cross_entropy_from_logits
from mlp_core.network import NeuralNetworkFromScratch
from mlp_core.validation import Array, Got, InstanceOf, Real, Targets, message, validate

#: Steps outside this range make the central difference meaningless in
#: float64: below, rounding error (1e-16 / eps) swamps it; above, the
#: truncation error (eps**2) does.
EPS_RANGE = (1e-8, 1e-3)

#: Largest |x| accepted. The loss curves faster as inputs grow, so the
#: truncation error of the difference grows with them: inputs of 1e3 give
#: relative errors near 1e-6 and 1e4 near 1e-3 for a correct backward pass.
MAX_CHECK_INPUT = 100


class Float64Network(InstanceOf):
    """A float64 network: float32 rounding makes central differences wrong by about 1e-2."""

    def convert(self, name, value, validated=None):
        network = super().convert(name, value)
        if network.dtype != np.float64:
            self.refuse(ValueError, name, Got(f"a {network.dtype.name} network"),
                        "a float64 NeuralNetworkFromScratch (check a float64 copy of the "
                        "architecture)")
        return network

    def invalid_examples(self, valid):
        float32 = NeuralNetworkFromScratch(valid.layer_sizes, dtype=np.float32)
        return super().invalid_examples(valid) + [(float32, ValueError)]


#: The gradient check's constraints table.
GRADCHECK_CONSTRAINTS = {
    "network": Float64Network(NeuralNetworkFromScratch, "a float64 NeuralNetworkFromScratch"),
    "X": Array(ndim=2, columns=lambda validated: validated["network"].layer_sizes[0],
               dtype=np.float64, bounds=(-MAX_CHECK_INPUT, MAX_CHECK_INPUT),
               bounds_advice="the truncation error of central differences grows with the inputs "
                             "and would look like a bug; scale the features to about [0, 1]"),
    "y": Targets("X", lambda validated: validated["network"].layer_sizes[-1], np.float64),
    "eps": Real(*EPS_RANGE, closed="both",
                advice="outside it central differences mean nothing in float64"),
}


def gradient_check(network, X, y, eps=1e-5):
    """Compare ``backward`` with central differences on every parameter.

    ``network.backward`` is
    :meth:`~mlp_core.network.NeuralNetworkFromScratch.backward`.

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
    """
    network, X, Y, eps = validate(GRADCHECK_CONSTRAINTS, network=network, X=X, y=y, eps=eps)

    def loss():
        return mean_cross_entropy_from_logits(network._forward(X)[-1]["z"], Y)

    cache = network._forward(X)
    if network.activation == "relu":
        _check_away_from_kinks(network, X, cache, eps)
    grads = network._backward(X, cache, Y)
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
            raise ValueError(message(
                "X", f"away from the ReLU kink at 0 in hidden layer {l + 1} (|Z| >= {margin:.1e})",
                f"min |Z| = {closest:.1e}", "central differences cannot match relu_grad there; "
                "check other inputs, or a network whose biases are not all 0"))
