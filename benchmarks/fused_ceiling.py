"""The fastest numpy SGD written for this benchmark: a ceiling, not the book's code.

``fused_sgd`` does exactly the work of ``NeuralNetworkFromScratch.fit`` for
a ReLU network (same shuffles from the network's generator, same steps, the
same per-epoch loss from logits) and lands on the same parameters up to
rounding, but with every trick the book's ``forward``/``backward``/``update``
refuse for readability's sake:

* bias adds, ReLU, softmax and ``P - Y`` all in place;
* ReLU masks taken during the forward pass, used as booleans;
* the learning rate and ``1/n`` folded into ``delta_L``, so that each update
  is ``W -= A_prev.T @ delta`` with no gradient array kept;
* no cache of dicts, no list of gradients.

It exists to answer one question with a number measured in the same run as
the others: how fast can *any* numpy implementation of this SGD go on this
machine? ``tests/test_benchmarks.py`` checks that it does the same work as
``fit``.
"""

import numpy as np

from mlp_core.losses import _cross_entropy_from_logits


def fused_sgd(network, X, Y, n_epochs, batch_size):
    """Train ``network`` in place like ``network.fit(X, Y, n_epochs, batch_size)``.

    Parameters
    ----------
    network : mlp_core.NeuralNetworkFromScratch
        A ReLU network; its ``params`` are updated in place and its ``rng``
        supplies one permutation per epoch, as in ``fit``.
    X : ndarray, shape (n_samples, n_features)
    Y : ndarray, shape (n_samples, n_classes)
        One-hot targets.
    n_epochs, batch_size : int

    Returns
    -------
    losses : list of float
        Per-epoch mean cross-entropy, as returned by ``fit``.
    """
    if network.activation != "relu":
        raise ValueError(f"fused_sgd handles ReLU networks only, got activation="
                         f"{network.activation!r}")
    params = [(layer["W"], layer["b"]) for layer in network.params]
    n = len(X)
    X_shuffled, Y_shuffled, logits = np.empty_like(X), np.empty_like(Y), np.empty_like(Y)
    losses = []
    for _ in range(n_epochs):
        order = network.rng.permutation(n)
        np.take(X, order, axis=0, out=X_shuffled)
        np.take(Y, order, axis=0, out=Y_shuffled)
        for start in range(0, n, batch_size):
            batch = slice(start, start + batch_size)
            A = X_shuffled[batch]
            inputs, active = [A], []
            for W, b in params[:-1]:
                Z = A @ W
                Z += b
                active.append(Z > 0)
                A = np.maximum(Z, 0, out=Z)
                inputs.append(A)
            W, b = params[-1]
            P = A @ W
            P += b
            logits[batch] = P
            P -= P.max(axis=1, keepdims=True)
            np.exp(P, out=P)
            P /= P.sum(axis=1, keepdims=True)
            P -= Y_shuffled[batch]
            P *= network.lr / len(P)
            delta = P  # lr * dL/dZ_L of the batch-mean loss
            for l in range(len(params) - 1, -1, -1):
                W, b = params[l]
                if l > 0:
                    delta_prev = delta @ W.T  # before W changes
                    delta_prev *= active[l - 1]
                W -= inputs[l].T @ delta
                b -= delta.sum(axis=0)
                if l > 0:
                    delta = delta_prev
        losses.append(_cross_entropy_from_logits(logits, Y_shuffled))
    return losses
