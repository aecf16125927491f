"""The chapter's network: forward pass, backpropagation and SGD (sections 2 and 3)."""

import numpy as np
from threadpoolctl import threadpool_limits

from mlp_core.activations import ACTIVATIONS, NonFiniteLogitsError, softmax
from mlp_core.losses import cross_entropy, mean_cross_entropy_from_logits
from mlp_core.validation import (
    Array,
    Boolean,
    CallableOrNone,
    FloatDtype,
    Integer,
    Optional,
    Options,
    Pair,
    Real,
    Seed,
    Sizes,
    Structure,
    Targets,
    max_rows,
    memory_advice,
    validate,
)


class TrainingDiverged(ArithmeticError):
    """Raised by :meth:`NeuralNetworkFromScratch.fit` when the loss blows up.

    A run diverges when an epoch's logits overflow, its mean loss is NaN or inf, exceeds
    ``DIVERGENCE_FACTOR * log(n_classes)`` (10 times the loss of a network
    that guesses uniformly), or a parameter stops being finite.

    Attributes
    ----------
    epoch : int
        Zero-based epoch in which the run diverged.
    lr : float
        Learning rate of the run.
    loss : float
        The offending epoch's mean loss.
    losses : list of float
        Mean losses of the epochs completed before ``epoch``.
    cause : str
        What went wrong: the loss that crossed the limit, or a parameter
        that stopped being finite.
    advice : str
        What to change. Usually a smaller learning rate; but when the loss
        of the very first batch, taken before any update, is already beyond
        the limit, the learning rate cannot be the cause and the advice is
        to rescale the inputs.
    """

    def __init__(self, epoch, lr, loss, losses, advice=None, params_overflowed=False):
        self.epoch = epoch
        self.lr = lr
        self.loss = loss
        self.losses = list(losses)
        self.advice = advice or f"Try a smaller learning rate such as lr={lr / 10:g}."
        self.cause = (f"a parameter became inf or NaN (the epoch's mean loss was {loss:.3g})"
                      if params_overflowed else f"the mean loss reached {loss:.3g}")
        super().__init__(
            f"training diverged in epoch {epoch}: {self.cause} with "
            f"lr={lr:g}. {self.advice} "
            f"The parameters were restored to their values before epoch {epoch}; "
            f"the {len(self.losses)} losses recorded so far are in `.losses`."
        )


#: A loss above this multiple of log(n_classes) counts as divergence.
DIVERGENCE_FACTOR = 10

#: Variance of the initial weights of a layer with ``n_in`` inputs and ``n_out``
#: outputs: He et al. (2015) for ReLU, Glorot & Bengio (2010) for sigmoid.
INIT_VARIANCES = {
    "he": lambda n_in, n_out: 2 / n_in,
    "glorot": lambda n_in, n_out: 2 / (n_in + n_out),
}

#: The constructor's constraints table.
NETWORK_CONSTRAINTS = {
    "layer_sizes": Sizes(min_length=2, example=[64, 128, 10]),
    "lr": Real(0),
    "rng": Seed(),
    "activation": Options(sorted(ACTIVATIONS)),
    "dtype": FloatDtype(),
    "init": Options(sorted(INIT_VARIANCES)),
}


class NeuralNetworkFromScratch:
    """Fully connected network trained with mini-batch SGD and backpropagation.

    Hidden layers use ReLU (or sigmoid); the output layer is softmax, and the
    loss is the mean cross-entropy. Rows are samples: ``Z = A @ W + b``.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, hidden_1, ..., n_classes]``, at least two entries.
    lr : float, default 0.01
        SGD learning rate, finite and > 0.
    rng : numpy.random.Generator or int or None
        Source of every random draw (initial weights, then one permutation
        per epoch, in the source chapter's order). ``None`` means seed 0.
    activation : {'relu', 'sigmoid'}, default 'relu'
        Hidden-layer non-linearity.
    dtype : {float64, float32}, default float64
        Floating type of parameters and computations.
    init : {'he', 'glorot'}, default 'he'
        Variance of the initial weights, ``INIT_VARIANCES``: He's
        ``2 / n_in`` keeps ReLU activations' variance from layer to layer,
        Glorot's ``2 / (n_in + n_out)`` is the usual choice for sigmoid.

    Attributes
    ----------
    params : list of dict
        ``params[l] = {'W': (n_in, n_out), 'b': (n_out,)}``, initialised as
        ``W ~ N(0, INIT_VARIANCES[init](n_in, n_out))`` and ``b = 0``.
    history : dict
        Per-epoch records of the last :meth:`fit`: ``'loss'``, and when
        requested ``'grad_norms'`` (n_epochs, n_layers), ``'train_accuracy'``
        and ``'val_accuracy'``.

    Notes
    -----
    ``forward(X)`` returns the cache, one dict ``{'z': Z_l, 'a': A_l}`` per
    layer ``l = 1..L``, each ``(n_samples, n_l)``. ``backward(X, cache, Y)``
    returns one dict ``{'dW': (n_{l-1}, n_l), 'db': (n_l,)}`` per layer, the
    batch means of book section 3::

        delta_L     = softmax(Z_L) - Y
        dL/dW_l     = A_{l-1}^T delta_l / n
        dL/db_l     = sum_rows(delta_l) / n
        delta_{l-1} = (delta_l W_l^T) * sigma'(Z_{l-1})

    Book sections 2 (forward pass) and 3 (backpropagation).
    """

    def __init__(self, layer_sizes, lr=0.01, rng=None, activation="relu", dtype=np.float64,
                 init="he"):
        self.layer_sizes, self.lr, self.rng, self.activation, self.dtype, self.init = validate(
            NETWORK_CONSTRAINTS, layer_sizes=layer_sizes, lr=lr, rng=rng,
            activation=activation, dtype=dtype, init=init)
        self._hidden, self._hidden_grad = ACTIVATIONS[self.activation]
        self.params = self._init_params(self.layer_sizes)
        self.history = {}

    def _init_params(self, sizes):
        params = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            variance = INIT_VARIANCES[self.init](n_in, n_out)
            W = self.rng.normal(0, np.sqrt(variance), (n_in, n_out)).astype(self.dtype)
            b = np.zeros(n_out, dtype=self.dtype)
            params.append({"W": W, "b": b})
        return params

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

    # -- the public interface: validates, then runs the math -----------------

    def forward(self, X):
        """:meth:`_forward` on validated ``X``."""
        (X,) = validate(self._constraints(), X=X)
        return self._forward(X)

    def backward(self, X, cache, y_onehot):
        """:meth:`_backward` on validated ``X``, ``cache = forward(X)`` and targets."""
        X, cache, Y = validate(self._constraints(), X=X, cache=cache, y_onehot=y_onehot)
        return self._backward(X, cache, Y)

    def update(self, grads):
        """:meth:`_update` with validated ``grads``, shaped like ``backward``'s."""
        (grads,) = validate(self._constraints(), grads=grads)
        self._update(grads)

    def loss(self, y_pred, y_true_onehot):
        """Mean cross-entropy of probabilities; see :func:`~mlp_core.losses.cross_entropy`."""
        return cross_entropy(y_pred, y_true_onehot)

    def _constraints(self):
        """The constraints table of the arguments of every method but ``__init__``."""
        n_in, n_classes, dtype = self.layer_sizes[0], self.layer_sizes[-1], self.dtype
        rows = max_rows(self.layer_sizes, dtype)
        return {
            # A forward pass takes all rows at once: their activations are capped.
            "X": Array(ndim=2, columns=n_in, dtype=dtype, max_rows=rows),
            "y_onehot": Targets("X", n_classes, dtype),
            "y": Targets("X", n_classes, dtype),
            "cache": Structure(lambda validated: [
                {"z": (len(validated["X"]), n), "a": (len(validated["X"]), n)}
                for n in self.layer_sizes[1:]], "forward(X) on the same X"),
            "grads": Structure(lambda validated: [
                {"dW": (n, m), "db": (m,)}
                for n, m in zip(self.layer_sizes[:-1], self.layer_sizes[1:])], "backward"),
            "n_epochs": Integer(0),
            "batch_size": Integer(1, rows, advice=memory_advice(self.layer_sizes, dtype)),
            "record_grad_norms": Boolean(),
            "eval_data": Optional(Pair(Array(ndim=2, columns=n_in, dtype=dtype),
                                       Targets("eval_data[0]", n_classes, dtype),
                                       "a tuple (X_val, y_val)")),
            "on_epoch_end": CallableOrNone(),
            "blas_threads": Optional(Integer(1)),
        }

    def _fit_constraints(self):
        """``fit``'s table: its ``X`` has no row cap, as it is used in batches."""
        return {**self._constraints(), "X": Array(ndim=2, columns=self.layer_sizes[0],
                                                  dtype=self.dtype)}

    # -- training and prediction ---------------------------------------------

    def fit(
        self,
        X,
        y_onehot,
        n_epochs=200,
        batch_size=64,
        *,
        record_grad_norms=False,
        eval_data=None,
        on_epoch_end=None,
        blas_threads=1,
    ):
        """Train with mini-batch SGD.

        Parameters
        ----------
        X : ndarray, shape (n_samples, n_features)
        y_onehot : ndarray, shape (n_samples, n_classes) or (n_samples,)
            One-hot rows or integer class labels.
        n_epochs : int, default 200
            Passes over the data, ``>= 0``.
        batch_size : int, default 64
            Samples per SGD step, ``>= 1``; the last batch may be smaller.
        record_grad_norms : bool, default False
            Record each layer's ``||dW_l||_F``, averaged over the epoch's
            steps, in ``history['grad_norms']``.
        eval_data : tuple (X_val, y_val), optional
            Validation data. If given, record train and validation accuracy
            after every epoch in ``history['train_accuracy']`` and
            ``history['val_accuracy']``.
        on_epoch_end : callable, optional
            Called as ``on_epoch_end(epoch, loss)`` after every epoch.
        blas_threads : int or None, default 1
            BLAS threads during training; the products here are so small
            that extra threads cost more than they give. ``None`` leaves
            the BLAS as it is.

        Returns
        -------
        losses : list of float
            Mean training cross-entropy of each epoch (sample-weighted over
            its batches, computed from logits).

        Raises
        ------
        TrainingDiverged
            If an epoch's loss is NaN, inf or above ``10 * log(n_classes)``,
            or a parameter stops being finite. The parameters are restored
            to their values before the failing epoch.
        """
        X, Y, n_epochs, batch_size, record_grad_norms, eval_data, on_epoch_end, blas_threads = (
            validate(self._fit_constraints(), X=X, y_onehot=y_onehot, n_epochs=n_epochs,
                     batch_size=batch_size, record_grad_norms=record_grad_norms,
                     eval_data=eval_data, on_epoch_end=on_epoch_end, blas_threads=blas_threads))
        self.history = {"loss": []}
        if record_grad_norms:
            self.history["grad_norms"] = []
        if eval_data is not None:
            self.history["train_accuracy"] = []
            self.history["val_accuracy"] = []

        limits = threadpool_limits(blas_threads, user_api="blas") if blas_threads else None
        try:
            # A diverging run overflows; the check after each epoch reports
            # it as TrainingDiverged, so the warnings on the way say nothing new.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                self._run_epochs(X, Y, n_epochs, batch_size, record_grad_norms, on_epoch_end,
                                 eval_data)
        finally:
            if limits is not None:
                limits.restore_original_limits()
            if record_grad_norms:
                self.history["grad_norms"] = np.array(self.history["grad_norms"]).reshape(
                    -1, len(self.params))
        return list(self.history["loss"])

    def _run_epochs(self, X, Y, n_epochs, batch_size, record_grad_norms, on_epoch_end, evaluation):
        n = len(X)
        losses = self.history["loss"]
        loss_ceiling = DIVERGENCE_FACTOR * np.log(self.layer_sizes[-1])
        if evaluation is not None:
            X_val, y_val = evaluation[0], evaluation[1].argmax(axis=1)
            y_train = Y.argmax(axis=1)
        # Buffers reused by every epoch (fresh arrays this size each epoch
        # cost cache misses): the shuffled data, and each step's logits.
        X_shuffled = np.empty(X.shape, X.dtype)
        # NaN until a step writes them, so that in epoch 0, the only one whose
        # logits _advice_if_not_lr reads, a step that overflowed leaves NaN.
        Y_shuffled, logits = np.empty(Y.shape, Y.dtype), np.full(Y.shape, np.nan, Y.dtype)
        for epoch in range(n_epochs):
            snapshot = [{"W": p["W"].copy(), "b": p["b"].copy()} for p in self.params]
            # One shuffled copy per epoch; slicing it is cheaper than fancy
            # indexing every batch, and visits the same rows.
            order = self.rng.permutation(n)
            np.take(X, order, axis=0, out=X_shuffled)
            np.take(Y, order, axis=0, out=Y_shuffled)
            norm_sums = np.zeros(len(self.params))
            n_steps = 0
            try:
                for batch, cache, grads in self._sgd_steps(X_shuffled, Y_shuffled, batch_size):
                    logits[batch] = cache[-1]["z"]
                    if record_grad_norms:
                        norm_sums += [np.linalg.norm(g["dW"]) for g in grads]
                    n_steps += 1
            except NonFiniteLogitsError:
                # Overflowed logits have no softmax: this epoch diverged.
                epoch_loss = np.inf
            else:
                # The epoch's loss: the mean over its samples of the loss each
                # had in its step (logits taken before that step's update),
                # i.e. the sample-weighted mean of the batch losses. One call
                # per epoch: a call per batch cost ~8% of a step in overheads.
                epoch_loss = mean_cross_entropy_from_logits(logits, Y_shuffled)
            loss_ok, params_ok = epoch_loss <= loss_ceiling, self._params_finite()
            if not (loss_ok and params_ok):
                self.params = snapshot
                raise TrainingDiverged(epoch, self.lr, epoch_loss, losses,
                                       self._advice_if_not_lr(epoch, logits, Y_shuffled,
                                                              batch_size, loss_ceiling, X),
                                       params_overflowed=loss_ok)
            losses.append(epoch_loss)
            if record_grad_norms:
                self.history["grad_norms"].append(norm_sums / n_steps)
            if evaluation is not None:
                self.history["train_accuracy"].append(self._accuracy(X, y_train))
                self.history["val_accuracy"].append(self._accuracy(X_val, y_val))
            if on_epoch_end is not None:
                on_epoch_end(epoch, epoch_loss)

    @staticmethod
    def _advice_if_not_lr(epoch, logits, Y, batch_size, loss_ceiling, X):
        """Advice when the first batch's loss, taken before any update, is already too large."""
        if epoch > 0:
            return None
        first_batch = slice(0, batch_size)
        first_loss = mean_cross_entropy_from_logits(logits[first_batch], Y[first_batch])
        if first_loss <= loss_ceiling:
            return None
        already = (f"had loss {first_loss:.3g}" if np.isfinite(first_loss)
                   else "overflowed")
        return (f"The first batch already {already} before any update, so "
                "a smaller learning rate will not help: the inputs are too large for the "
                f"initial weights (largest |X| = {float(np.abs(X).max()):.3g}). Scale the "
                "features to about [0, 1] or standardise them.")

    def _params_finite(self):
        return all(np.isfinite(p["W"]).all() and np.isfinite(p["b"]).all() for p in self.params)

    def _accuracy(self, X, labels):
        """Accuracy on validated ``X`` against integer ``labels``."""
        # In chunks within the activation-memory cap (one chunk for most data).
        rows = max_rows(self.layer_sizes, self.dtype)
        correct = sum(int((self._forward(X[start:start + rows])[-1]["z"].argmax(axis=1)
                           == labels[start:start + rows]).sum())
                      for start in range(0, len(X), rows))
        return correct / len(X)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes)."""
        return self.forward(X)[-1]["a"]

    def predict(self, X):
        """Predicted class labels, shape (n_samples,)."""
        return np.argmax(self.predict_proba(X), axis=1)

    def score(self, X, y):
        """Accuracy on ``X`` against labels or one-hot rows ``y``."""
        X, Y = validate(self._constraints(), X=X, y=y)
        return self._accuracy(X, Y.argmax(axis=1))
