"""Scalar reverse-mode automatic differentiation (book section 4): what a framework
automates, at the size of one number. Every ``Scalar`` records its operands and its local
derivative with respect to each; ``backward`` runs the chain rule through that graph from
the output back, local gradient times upstream gradient. One Python object per number:
for small examples."""

__all__ = ["Scalar", "scalar_gradients"]

import math

import numpy as np

from mlp_core import validation as check
from mlp_core.network import NeuralNetworkFromScratch

#: Largest graph of scalar_gradients, in products n_samples * n_weights (2 µs each).
MAX_SCALAR_PRODUCTS = 100_000


class Scalar:
    """A number that records how it was computed, so that ``backward`` can differentiate it."""

    def __init__(self, value, operands=()):
        # Results of operations come with their operands and need no check.
        self.value = value if operands else check.real("value", value)
        self.grad, self.operands = 0.0, operands  # operands: (Scalar, local derivative) pairs

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.value + other.value, ((self, 1.0), (other, 1.0)))

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.value * other.value, ((self, other.value), (other, self.value)))

    __radd__, __rmul__ = __add__, __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def exp(self):
        try:
            e = math.exp(self.value)
        except OverflowError:
            raise ValueError(check.message("value", "at most 709.78 for exp, whose result would "
                                           "exceed the largest float", self.value)) from None
        return Scalar(e, ((self, e),))

    def log(self):
        if self.value <= 0:
            raise ValueError(check.message("value", "> 0 for log", self.value))
        return Scalar(math.log(self.value), ((self, 1.0 / self.value),))

    def relu(self):
        return Scalar(max(self.value, 0.0), ((self, float(self.value > 0)),))

    def sigmoid(self):
        try:
            s = 1.0 / (1.0 + math.exp(-self.value))
        except OverflowError:  # value below -709.78, where the sigmoid is below 1e-308
            s = 0.0
        return Scalar(s, ((self, s * (1.0 - s)),))

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


def scalar_gradients(network, X, y_onehot):
    """The loss and the gradients that ``backward`` returns, found by Scalar autodiff instead:
    ``(loss, grads)``, ``grads[l] = {'dW': ..., 'db': ...}`` shaped as the parameters, which are
    not changed. ``X`` may have at most ``MAX_SCALAR_PRODUCTS // n_weights`` rows; ``y_onehot``
    is one-hot rows or integer labels."""
    check.instance("network", network, NeuralNetworkFromScratch, "a NeuralNetworkFromScratch")
    X = network._X(X)
    n_weights = sum(layer["W"].size for layer in network.params)
    most_rows = max(1, MAX_SCALAR_PRODUCTS // n_weights)
    if len(X) > most_rows:
        raise ValueError(check.message(
            "X", f"at most {most_rows:,} rows for a network of {n_weights:,} weights",
            f"{len(X):,} rows", "autodiff on Python scalars is for small examples; use backward"))
    Y = network._Y(y_onehot, X, "y_onehot")
    loss, W, b = _scalar_loss(network.params, network.activation, X, Y)
    loss.backward()
    grads = [{"dW": np.array([[w.grad for w in row] for row in W_l]),
              "db": np.array([v.grad for v in b_l])} for W_l, b_l in zip(W, b)]
    return loss.value, grads
