"""Scalar reverse-mode automatic differentiation (book section 4).

What a framework automates, at the size of one number: every ``Scalar``
records the operands it was computed from and its local derivative with
respect to each, and ``backward`` runs the chain rule through that graph
from the output back to the inputs, local gradient times upstream gradient.
It is slow, one Python object per number, and meant for small examples.
"""

import math

import numpy as np

from mlp_core.network import NeuralNetworkFromScratch
from mlp_core.validation import Array, InstanceOf, Real, Targets, message, validate

#: Largest graph built by :func:`scalar_gradients`, counted in
#: multiplications ``n_samples * n_weights``; at about 2 microseconds per
#: Scalar operation the cap keeps one call under a few seconds.
MAX_SCALAR_PRODUCTS = 100_000


class Scalar:
    """A number that records how it was computed, so that ``backward`` can differentiate it."""

    def __init__(self, value):
        (self.value,) = validate(SCALAR_CONSTRAINTS, value=value)
        self.grad, self.operands = 0.0, ()

    @classmethod
    def _result(cls, value, operands):
        """The output of one operation; ``operands`` holds (operand, local derivative) pairs."""
        node = cls.__new__(cls)
        node.value, node.grad, node.operands = value, 0.0, operands
        return node

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar._result(self.value + other.value, ((self, 1.0), (other, 1.0)))

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar._result(self.value * other.value, ((self, other.value), (other, self.value)))

    __radd__, __rmul__ = __add__, __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def exp(self):
        e = math.exp(self.value)
        return Scalar._result(e, ((self, e),))

    def log(self):
        return Scalar._result(math.log(self.value), ((self, 1.0 / self.value),))

    def relu(self):
        return Scalar._result(max(self.value, 0.0), ((self, float(self.value > 0)),))

    def sigmoid(self):
        s = 1.0 / (1.0 + math.exp(-self.value))
        return Scalar._result(s, ((self, s * (1.0 - s)),))

    def backward(self):
        """Set ``grad`` of every Scalar this one was computed from to d(self)/d(that Scalar)."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first, so that every node comes after all of its operands
            node, operands_done = stack.pop()
            if operands_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((operand, False) for operand, _ in node.operands)
        self.grad = 1.0
        for node in reversed(order):
            for operand, local in node.operands:
                operand.grad += local * node.grad  # local gradient times upstream gradient


def _scalar_loss(params, activation, X, Y):
    """The network's mean cross-entropy, built one Scalar operation at a time."""
    W = [[[Scalar(w) for w in row] for row in layer["W"]] for layer in params]
    b = [[Scalar(v) for v in layer["b"]] for layer in params]
    L = len(params)
    total = 0.0
    for x, y in zip(X.tolist(), Y.tolist()):
        a = x
        for l, (W_l, b_l) in enumerate(zip(W, b), start=1):
            z = [sum((a[k] * W_l[k][j] for k in range(len(a))), b_l[j]) for j in range(len(b_l))]
            a = z if l == L else [getattr(z_j, activation)() for z_j in z]
        m = max(z_k.value for z_k in a)  # a constant: log-sum-exp without overflow
        log_sum_exp = sum((z_k - m).exp() for z_k in a).log() + m
        total = total + log_sum_exp - sum(y_k * z_k for y_k, z_k in zip(y, a))
    return total * (1.0 / len(X)), W, b


class SmallBatch(Array):
    """Rows few enough that the Scalar graph stays within ``MAX_SCALAR_PRODUCTS``."""

    def convert(self, name, value, validated=None):
        array = super().convert(name, value, validated)
        n_weights = sum(layer["W"].size for layer in validated["network"].params)
        if len(array) * n_weights > MAX_SCALAR_PRODUCTS:
            raise ValueError(message(
                name, f"an array of at most {max(1, MAX_SCALAR_PRODUCTS // n_weights):,} rows for a network "
                f"of {n_weights:,} weights (a graph of at most {MAX_SCALAR_PRODUCTS:,} products)",
                f"{len(array):,} rows",
                "autodiff on Python scalars is for small examples; use backward for batches"))
        return array

    def invalid_examples(self, valid):
        too_many = np.repeat(np.asarray(valid, dtype=float)[:1], MAX_SCALAR_PRODUCTS + 1, axis=0)
        return super().invalid_examples(valid) + [(too_many, ValueError)]


#: The constraints tables of the Scalar and of :func:`scalar_gradients`.
SCALAR_CONSTRAINTS = {"value": Real()}
SCALAR_GRADIENTS_CONSTRAINTS = {
    "network": InstanceOf(NeuralNetworkFromScratch, "a NeuralNetworkFromScratch"),
    "X": SmallBatch(ndim=2, columns=lambda validated: validated["network"].layer_sizes[0]),
    "y_onehot": Targets("X", lambda validated: validated["network"].layer_sizes[-1]),
}


def scalar_gradients(network, X, y_onehot):
    """The gradients that ``backward`` returns, found by Scalar autodiff instead.

    Parameters
    ----------
    network : NeuralNetworkFromScratch
        Any activation; its parameters are read, not changed.
    X : ndarray, shape (n_samples, n_features)
        At most ``MAX_SCALAR_PRODUCTS // n_weights`` rows.
    y_onehot : ndarray, shape (n_samples, n_classes) or (n_samples,)
        One-hot rows or integer labels.

    Returns
    -------
    loss : float
        The mean cross-entropy.
    grads : list of dict
        ``grads[l] = {'dW': ..., 'db': ...}`` in the shapes of the parameters.
    """
    network, X, Y = validate(SCALAR_GRADIENTS_CONSTRAINTS, network=network, X=X,
                             y_onehot=y_onehot)
    loss, W, b = _scalar_loss(network.params, network.activation, X, Y)
    loss.backward()
    grads = [{"dW": np.array([[w.grad for w in row] for row in W_l]),
              "db": np.array([v.grad for v in b_l])} for W_l, b_l in zip(W, b)]
    return loss.value, grads
