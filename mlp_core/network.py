"""The chapter's network: forward pass, backpropagation and SGD (sections 2 and 3)."""

__all__ = ["NeuralNetworkFromScratch", "TrainingDiverged"]

from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from mlp_core import validation as check
from mlp_core.activations import ACTIVATIONS, softmax
from mlp_core.losses import _cross_entropy_from_logits, cross_entropy

#: A loss above this multiple of log(n_classes), ten times a uniform guess, is divergence.
DIVERGENCE_FACTOR = 10

#: Variance of the initial weights of a layer with ``n_in`` inputs and ``n_out``
#: outputs: He et al. (2015), derived for ReLU, and Glorot & Bengio (2010).
INIT_VARIANCES = {"he": lambda n_in, n_out: 2 / n_in,
                  "glorot": lambda n_in, n_out: 2 / (n_in + n_out)}


class TrainingDiverged(ArithmeticError):
    """Raised by :meth:`NeuralNetworkFromScratch.fit` when an epoch's mean loss is NaN, inf
    or above ``DIVERGENCE_FACTOR * log(n_classes)``, or a parameter stops being finite. Has
    ``epoch`` (from 0), ``lr``, ``loss``, ``losses`` (epochs before), ``cause`` and ``advice``."""

    def __init__(self, epoch, lr, loss, losses, advice, params_overflowed):
        self.epoch, self.lr, self.loss, self.losses = epoch, lr, loss, list(losses)
        # A rate that diverges says little about the largest that does not: offer a range.
        self.advice = advice or (
            f"Try a learning rate 10 to 100 times smaller (lr={lr / 10:g} to {lr / 100:g}), "
            "and smaller again while it still diverges.")
        self.cause = (f"a parameter became inf or NaN (the epoch's mean loss was {loss:.3g})"
                      if params_overflowed else f"the mean loss reached {loss:.3g}")
        recorded = (f"the losses of the {len(self.losses)} epochs before are in `.losses`"
                    if self.losses else "no epoch had finished")
        super().__init__(f"training diverged in epoch {epoch}: {self.cause} with lr={lr:g}. "
                         f"{self.advice} The parameters were restored to their values before "
                         f"epoch {epoch}; {recorded}.")


class NeuralNetworkFromScratch:
    """Fully connected network trained with mini-batch SGD and backpropagation.

    ``layer_sizes`` is ``[n_features, hidden_1, ..., n_classes]``; hidden layers use ``activation``
    ('relu' or 'sigmoid'), the output layer softmax. ``rng`` (a Generator, a seed, or None for
    seed 0) makes every random draw: the initial weights ``W ~ N(0, INIT_VARIANCES[init])`` ('he'
    or 'glorot'), then one permutation per epoch, in that order. ``dtype`` is float64 or float32.

    ``params[l - 1] = {'W': (n_{l-1}, n_l), 'b': (n_l,)}`` holds layer ``l``;
    ``history`` holds the per-epoch records of the last :meth:`fit`: ``'loss'``, and
    when asked for, ``'grad_norms'``, ``'train_accuracy'`` and ``'val_accuracy'``.
    """

    def __init__(self, layer_sizes, lr=0.01, rng=None, activation="relu", dtype=np.float64,
                 init="he"):
        self.layer_sizes = check.sizes("layer_sizes", layer_sizes, min_length=2)
        check.parameter_count("layer_sizes", self.layer_sizes, self.layer_sizes)
        self.lr = check.real("lr", lr, 0)
        self.rng = check.seed("rng", rng)
        self.activation = check.one_of("activation", activation, ACTIVATIONS)
        self.dtype = check.float_dtype("dtype", dtype)
        self.init = check.one_of("init", init, INIT_VARIANCES)
        self._hidden, self._hidden_grad = ACTIVATIONS[self.activation]
        self.params = []
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            std = np.sqrt(INIT_VARIANCES[self.init](n_in, n_out))
            self.params.append({"W": self.rng.normal(0, std, (n_in, n_out)).astype(self.dtype),
                                "b": np.zeros(n_out, dtype=self.dtype)})
        self.history = {}

    # -- the math of the chapter: trusts its arguments -----------------------

    def _forward(self, X):
        """Forward pass (book section 2): one ``{'z': Z_l, 'a': A_l}`` per
        layer l = 1..L; the last ``'a'`` is the softmax output P."""
        cache = []
        A = X
        for layer in self.params[:-1]:
            Z = A @ layer["W"] + layer["b"]
            A = self._hidden(Z)
            cache.append({"z": Z, "a": A})
        output = self.params[-1]
        Z = A @ output["W"] + output["b"]
        cache.append({"z": Z, "a": softmax(Z)})
        return cache

    def _backward(self, X, cache, Y):
        """Backpropagation (book section 3): one ``{'dW': dL/dW_l, 'db': dL/db_l}``
        per layer l = 1..L, for the mean loss; ``delta`` is n dL/dZ_l."""
        n, L = len(X), len(self.params)
        # Padded so that A[l], Z[l] and W[l] carry the book's layer index l.
        A = [X] + [layer["a"] for layer in cache]
        Z = [None] + [layer["z"] for layer in cache]
        W = [None] + [layer["W"] for layer in self.params]
        grads = []
        delta = A[L] - Y
        for l in range(L, 0, -1):
            grads.append({"dW": A[l - 1].T @ delta / n, "db": delta.sum(axis=0) / n})
            if l > 1:
                delta = (delta @ W[l].T) * self._hidden_grad(Z[l - 1])
        return grads[::-1]

    def _update(self, grads):
        """One SGD step, in place: ``W_l -= lr * dW_l`` and ``b_l -= lr * db_l``."""
        for layer, grad in zip(self.params, grads):
            layer["W"] -= self.lr * grad["dW"]
            layer["b"] -= self.lr * grad["db"]

    def _sgd_steps(self, X, Y, batch_size):
        """Mini-batch SGD over the rows of ``X``, ``Y`` in order (section 3):
        forward, backward and update per batch; yields each step's results."""
        for start in range(0, len(X), batch_size):
            batch = slice(start, start + batch_size)
            cache = self._forward(X[batch])
            grads = self._backward(X[batch], cache, Y[batch])
            self._update(grads)
            yield batch, cache, grads

    # -- where a reader's data enters: check it, then run the math -------------

    def _X(self, X, name="X"):
        return check.array(name, X, ndim=2, columns=self.layer_sizes[0], dtype=self.dtype)

    def _Y(self, y, X, name="y"):
        return check.targets(name, y, len(X), self.layer_sizes[-1], self.dtype)

    def _per_layer(self, name, value, shapes, origin):
        """Refuse ``value`` unless it is what ``origin`` returns, shaped as ``shapes``."""
        if not isinstance(value, (list, tuple)) or len(value) != len(shapes):
            raise TypeError(check.message(name, f"the list of {len(shapes)} dicts that {origin} "
                                                "returns", check.describe(value)))
        for l, (entry, layer_shapes) in enumerate(zip(value, shapes)):
            for key, shape in layer_shapes.items():
                array = entry.get(key) if isinstance(entry, dict) else None
                # Exactly ndarray: np.matrix multiplies differently.
                if (type(array) is not np.ndarray or array.shape != shape
                        or array.dtype.kind != "f" or not np.isfinite(array).all()):
                    raise ValueError(check.message(f"{name}[{l}][{key!r}]", f"a finite float "
                                     f"array of shape {shape}, as {origin} returns",
                                     check.describe(array)))

    def forward(self, X):
        """:meth:`_forward` on checked ``X`` of shape (n_samples, n_features)."""
        return self._forward(self._X(X))

    def backward(self, X, cache, y_onehot):
        """:meth:`_backward` on checked ``X``, ``cache = forward(X)`` and targets."""
        X = self._X(X)
        shapes = [{"z": (len(X), n), "a": (len(X), n)} for n in self.layer_sizes[1:]]
        self._per_layer("cache", cache, shapes, "forward(X) on the same X")
        return self._backward(X, cache, self._Y(y_onehot, X, "y_onehot"))

    def update(self, grads):
        """:meth:`_update` with checked ``grads``, shaped as ``backward`` returns them."""
        self._per_layer("grads", grads, [{"dW": layer["W"].shape, "db": layer["b"].shape}
                                         for layer in self.params], "backward")
        self._update(grads)

    def loss(self, y_pred, y_true_onehot):
        """Mean cross-entropy of probabilities; see :func:`~mlp_core.losses.cross_entropy`."""
        return cross_entropy(y_pred, y_true_onehot)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes)."""
        return self.forward(X)[-1]["a"]

    def predict(self, X):
        """Predicted class labels, shape (n_samples,)."""
        return np.argmax(self.predict_proba(X), axis=1)

    def score(self, X, y):
        """Accuracy on ``X`` against integer labels or one-hot rows ``y``."""
        X = self._X(X)
        return self._accuracy(X, self._Y(y, X).argmax(axis=1))

    def _accuracy(self, X, labels):
        return float(np.mean(self._forward(X)[-1]["z"].argmax(axis=1) == labels))

    # -- training ----------------------------------------------------------------

    def fit(self, X, y_onehot, n_epochs=200, batch_size=64, *, record_grad_norms=False,
            eval_data=None, on_epoch_end=None):
        """Train with mini-batch SGD on ``X`` and one-hot rows or labels ``y_onehot``; return
        each epoch's loss (the mean of each sample's loss in its step, before the update).

        The last batch may be smaller. ``record_grad_norms`` records each layer's
        ``||dW_l||_F``, averaged over the epoch's steps, in ``history['grad_norms']``;
        ``eval_data=(X_val, y_val)`` records train and validation accuracy;
        ``on_epoch_end(epoch, loss)`` is called after every epoch. An epoch that diverges
        raises :class:`TrainingDiverged`, with the parameters as they were before it.
        """
        X = self._X(X)
        Y = self._Y(y_onehot, X, "y_onehot")
        n_epochs = check.integer("n_epochs", n_epochs, 0)
        batch_size = check.integer("batch_size", batch_size, 1)
        check.instance("record_grad_norms", record_grad_norms, (bool, np.bool_), "True or False")
        if eval_data is not None:
            if not isinstance(eval_data, (tuple, list)) or len(eval_data) != 2:
                raise TypeError(check.message("eval_data", "None or a tuple (X_val, y_val)",
                                              check.describe(eval_data)))
            X_val = self._X(eval_data[0], "eval_data[0]")
            eval_data = X_val, self._Y(eval_data[1], X_val, "eval_data[1]").argmax(axis=1)
        check.instance("on_epoch_end", on_epoch_end, (Callable, type(None)), "callable or None")

        self.history = {"loss": []}
        if record_grad_norms:
            self.history["grad_norms"] = np.empty((0, len(self.params)))
        if eval_data is not None:
            self.history["train_accuracy"], self.history["val_accuracy"] = [], []
        # One BLAS thread: these matrices are so small that more threads only wait
        # for each other. A diverging run overflows on the way; the check after
        # each epoch reports it, so the warnings would say nothing new.
        with threadpool_limits(1, user_api="blas"), np.errstate(all="ignore"):
            for epoch in range(n_epochs):
                self._epoch(epoch, X, Y, batch_size, record_grad_norms, eval_data)
                if on_epoch_end is not None:
                    on_epoch_end(epoch, self.history["loss"][-1])
        return list(self.history["loss"])

    def _epoch(self, epoch, X, Y, batch_size, record_grad_norms, eval_data):
        """One pass over a shuffled copy of the data, recorded in ``history``."""
        snapshot = [{"W": p["W"].copy(), "b": p["b"].copy()} for p in self.params]
        order = self.rng.permutation(len(X))
        X, Y = X.take(order, axis=0), Y.take(order, axis=0)  # one shuffled copy per epoch
        logits = np.empty(Y.shape, Y.dtype)
        norm_sums = np.zeros(len(self.params))
        for batch, cache, grads in self._sgd_steps(X, Y, batch_size):
            logits[batch] = cache[-1]["z"]
            if record_grad_norms:
                norm_sums += [np.linalg.norm(grad["dW"]) for grad in grads]
        # The loss of each sample in its step, before that step's update.
        loss = _cross_entropy_from_logits(logits, Y)
        ceiling = DIVERGENCE_FACTOR * np.log(self.layer_sizes[-1])
        params_finite = all(np.isfinite(p["W"]).all() and np.isfinite(p["b"]).all()
                            for p in self.params)
        if not (loss <= ceiling and params_finite):
            self.params = snapshot
            first_loss = _cross_entropy_from_logits(logits[:batch_size], Y[:batch_size])
            # Before any update the learning rate cannot be to blame.
            already = f"had loss {first_loss:.3g}" if np.isfinite(first_loss) else "overflowed"
            advice = None if epoch > 0 or first_loss <= ceiling else (
                f"The first batch already {already} before any update, so a "
                "smaller learning rate will not help: the inputs are too large for the initial "
                f"weights (largest |X| = {np.abs(X).max():.3g}). Scale the features to about "
                "[0, 1] or standardise them.")
            raise TrainingDiverged(epoch, self.lr, loss, self.history["loss"], advice,
                                   params_overflowed=loss <= ceiling)
        self.history["loss"].append(loss)
        if record_grad_norms:
            n_steps = -(-len(X) // batch_size)
            self.history["grad_norms"] = np.vstack([self.history["grad_norms"],
                                                    norm_sums / n_steps])
        if eval_data is not None:
            self.history["train_accuracy"].append(self._accuracy(X, Y.argmax(axis=1)))
            self.history["val_accuracy"].append(self._accuracy(*eval_data))
