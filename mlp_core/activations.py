"""Activation functions and their derivatives (book section 1).

Every derivative takes the *pre-activation* ``z``, as the backward pass
needs ``sigma'(Z_l)``. All functions are pure, elementwise (softmax is
row-wise) and free of overflow warnings for any finite input.
"""

import numpy as np


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
    return np.maximum(z, 0)


def relu_grad(z):
    """Derivative of :func:`relu` with respect to its input ``z``.

    Notes
    -----
    ReLU has no derivative at ``z = 0``; we use ``relu_grad(0) = 0``, the
    convention of most frameworks (any value in ``[0, 1]`` is a valid
    subgradient). Book section 1.
    """
    return (np.asarray(z) > 0).astype(np.result_type(z, np.float32))


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
    z = np.asarray(z)
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
        Logits.

    Returns
    -------
    P : ndarray, shape (n_samples, n_classes)
        Rows are probability vectors.

    Notes
    -----
    Subtracting each row's maximum leaves the result unchanged and keeps
    every exponent ``<= 0``, so nothing overflows.
    """
    # A logit more than the float range below its row's maximum (only
    # possible near +-1e308) shifts to -inf, whose exponential is exactly 0.
    with np.errstate(over="ignore"):
        Z_shifted = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z_shifted)
    return E / E.sum(axis=1, keepdims=True)


#: Hidden-layer activations by name: (function, derivative at z).
ACTIVATIONS = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
}
