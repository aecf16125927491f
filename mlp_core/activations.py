"""Activation functions and their derivatives (book section 1).

Every derivative takes the *pre-activation* ``z``, as the backward pass
needs ``sigma'(Z_l)``. All functions are pure, elementwise (softmax works
along the last axis) and free of overflow warnings for any finite input.
They accept lists and integer or boolean arrays, computing in float64;
float16/32/64 arrays keep their dtype.
"""

import numpy as np

from mlp_core.validation import as_array, describe, message


class NonFiniteLogitsError(ValueError):
    """A row of logits given to :func:`softmax` has no probability vector.

    ``fit`` catches it as a sign of divergence; anywhere else it is the
    ``ValueError`` of a bad argument.
    """


def _real(z, name="z"):
    # The network passes float arrays; skip the full check for them, since
    # these functions run several times in every SGD step.
    if type(z) is np.ndarray and z.dtype.kind == "f":
        return z
    return as_array(name, z)


def relu(z):
    """Rectified linear unit, ``max(0, z)``.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, same shape as ``z``
    """
    return np.maximum(_real(z), 0)


def relu_grad(z):
    """Derivative of :func:`relu` with respect to its input ``z``.

    Notes
    -----
    ReLU has no derivative at ``z = 0``; we use ``relu_grad(0) = 0``, the
    convention of most frameworks (any value in ``[0, 1]`` is a valid
    subgradient). Book section 1.
    """
    z = _real(z)
    return (z > 0).astype(z.dtype)


def sigmoid(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, stable for any finite ``z``.

    Notes
    -----
    With ``e = exp(-|z|)``, which never overflows, ``sigmoid(z)`` is
    ``1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` for ``z < 0``. The
    source chapter's ``np.where`` version evaluates ``exp(z)`` on both
    branches and warns for ``|z|`` above about 710. Limits are exact:
    ``sigmoid(-1000) == 0.0`` and ``sigmoid(1000) == 1.0``.
    """
    z = _real(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


def sigmoid_grad(z):
    """Derivative ``sigmoid(z) * (1 - sigmoid(z))`` of :func:`sigmoid` at ``z``."""
    s = sigmoid(z)
    return s * (1 - s)


def softmax(Z):
    """Row-wise softmax.

    Parameters
    ----------
    Z : ndarray, shape (n_samples, n_classes)
        Logits. Any array with at least one dimension works along its last
        axis, so a single vector of logits gives a single probability vector.

    Returns
    -------
    P : ndarray, same shape as ``Z``
        Rows are probability vectors.

    Notes
    -----
    A row that holds NaN or ``+inf`` or is all ``-inf`` has no probability
    vector and is refused; a ``-inf`` logit beside finite ones gets
    probability 0.
    Subtracting each row's maximum leaves the result unchanged and keeps
    every exponent ``<= 0``, so nothing overflows.
    """
    Z = _real(Z, "Z")
    if Z.ndim == 0 or Z.size == 0:
        raise ValueError(message("Z", "an array with at least one logit along its last axis",
                                 describe(Z)))
    Z_max = Z.max(axis=-1, keepdims=True)
    # The row maxima are few: checking them catches NaN, +inf and all -inf rows cheaply.
    if not np.isfinite(Z_max).all():
        raise NonFiniteLogitsError(message(
            "Z", "finite at the maximum of every row (no NaN, no +inf, not all -inf)",
            f"row maxima including {Z_max[~np.isfinite(Z_max)].flat[0]}"))
    # A logit more than the float range below its row's maximum (only
    # possible near +-1e308) shifts to -inf, whose exponential is exactly 0.
    with np.errstate(over="ignore"):
        Z_shifted = Z - Z_max
    E = np.exp(Z_shifted)
    return E / E.sum(axis=-1, keepdims=True)


#: Hidden-layer activations by name: (function, derivative at z).
ACTIVATIONS = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
}
