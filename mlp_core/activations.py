"""Activation functions and their derivatives (book section 1). A derivative takes the
*pre-activation* ``z``, as backward needs ``sigma'(Z_l)``. Elementwise (softmax along the
last axis); float arrays keep their dtype, lists and integers compute in float64."""

__all__ = ["relu", "relu_grad", "sigmoid", "sigmoid_grad", "softmax"]

import numpy as np


def _floats(z):
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def relu(z):
    """Rectified linear unit, ``max(0, z)``."""
    return np.maximum(_floats(z), 0)


def relu_grad(z):
    """Derivative of :func:`relu`: 1 where ``z > 0``, else 0. ReLU has no derivative at 0;
    like most frameworks we take ``relu_grad(0) = 0`` (any value in [0, 1] is a valid
    subgradient)."""
    z = _floats(z)
    return (z > 0).astype(z.dtype)


def sigmoid(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, without overflow for any ``z``: with
    ``e = exp(-|z|) <= 1`` it is ``1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` below 0,
    so ``sigmoid(-1000) == 0.0`` exactly, with no warning."""
    z = _floats(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


def sigmoid_grad(z):
    """Derivative ``sigmoid(z) * (1 - sigmoid(z))`` of :func:`sigmoid` at ``z``."""
    s = sigmoid(z)
    return s * (1 - s)


def softmax(Z):
    """Softmax along the last axis: ``exp(Z) / sum exp(Z)``, each row a probability vector.
    Subtracting each row's maximum first changes nothing but keeps every exponent <= 0.
    A row holding NaN or inf, which no probability vector fits, comes out as NaN."""
    Z = _floats(Z)
    with np.errstate(over="ignore", invalid="ignore"):
        E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


#: Hidden-layer activations by name: (function, derivative at z).
ACTIVATIONS = {"relu": (relu, relu_grad), "sigmoid": (sigmoid, sigmoid_grad)}
