"""The chapter's experiments as one-line calls (sections 2-4).

Each function trains from a fresh seeded generator, so a call reproduces a
figure of the book, or a setting of one of its widgets, exactly.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from mlp_core.data import load_digits_split, xor_data
from mlp_core.network import NeuralNetworkFromScratch, TrainingDiverged
from mlp_core.validation import check_int

#: Copies of the four XOR points per epoch, as in the source chapter.
XOR_REPEATS = 100


@dataclass
class Run:
    """Outcome of one training run.

    Attributes
    ----------
    network : NeuralNetworkFromScratch
        The trained network (restored to its last finite state if the run
        diverged).
    history : dict
        ``network.history``: per-epoch ``'loss'`` and optional records.
    diverged : TrainingDiverged or None
        The exception that stopped a diverging run.
    seconds : float
        Wall-clock training time.
    """

    network: NeuralNetworkFromScratch
    history: dict = field(repr=False)
    diverged: TrainingDiverged | None
    seconds: float

    @property
    def losses(self):
        """Per-epoch losses recorded before the run ended."""
        return self.history["loss"]


def _train(network, X, y, n_epochs, batch_size, on_epoch_end=None, **records):
    start = time.perf_counter()
    diverged = None
    try:
        network.fit(X, y, n_epochs=n_epochs, batch_size=batch_size,
                    on_epoch_end=on_epoch_end, **records)
    except TrainingDiverged as error:
        diverged = error
    return Run(network, network.history, diverged, time.perf_counter() - start)


def train_xor(hidden=4, lr=0.5, seed=0, n_epochs=200, on_epoch_end=None):
    """Train ``[2, hidden, 2]`` on XOR as the source chapter does.

    Each epoch sees 100 copies of the four points in batches of 64.

    Parameters
    ----------
    hidden : int, default 4
        Width of the single hidden layer.
    lr : float, default 0.5
    seed : int, default 0
        Seed of the generator that draws the weights and the shuffles.
    n_epochs : int, default 200
    on_epoch_end : callable, optional
        Passed to :meth:`NeuralNetworkFromScratch.fit`.

    Returns
    -------
    Run
    """
    hidden = check_int("hidden", hidden, 1)
    X, y = xor_data()
    network = NeuralNetworkFromScratch([2, hidden, 2], lr=lr, rng=np.random.default_rng(seed))
    return _train(network, np.tile(X, (XOR_REPEATS, 1)), np.tile(y, XOR_REPEATS),
                  n_epochs, 64, on_epoch_end)


def xor_solved(run):
    """Whether a run classifies all four XOR points correctly."""
    X, y = xor_data()
    return bool(np.array_equal(run.network.predict(X), y))


def train_digits(hidden=(128, 64), lr=0.01, activation="relu", n_epochs=100, seed=0,
                 batch_size=64, on_epoch_end=None):
    """Train ``[64, *hidden, 10]`` on the digits training split.

    Records per-layer gradient norms and train/held-out accuracy per epoch.

    Parameters
    ----------
    hidden : sequence of int, default (128, 64)
        Hidden-layer widths (the source chapter's 64-128-64-10 network).
    lr : float, default 0.01
    activation : {'relu', 'sigmoid'}, default 'relu'
    n_epochs : int, default 100
    seed : int, default 0
        Seed of the generator for weights and shuffles. The split itself
        is the fixed stratified 80/20 split of :func:`load_digits_split`.
    batch_size : int, default 64
    on_epoch_end : callable, optional

    Returns
    -------
    Run
        ``history`` holds ``'loss'``, ``'grad_norms'``,
        ``'train_accuracy'`` and ``'test_accuracy'``.
    """
    X_train, X_test, y_train, y_test = load_digits_split()
    network = NeuralNetworkFromScratch([64, *hidden, 10], lr=lr, activation=activation,
                                       rng=np.random.default_rng(seed))
    return _train(network, X_train, y_train, n_epochs, batch_size, on_epoch_end,
                  record_grad_norms=True, eval_data=(X_test, y_test))
