"""The chapter's experiments as one-line calls (sections 2-4): each trains from a generator
seeded with ``seed`` (None means 0), so a call reproduces a figure or an explorer's run."""

__all__ = ["Run", "train_xor", "xor_solved", "train_digits", "success_interval"]

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from mlp_core import validation as check
from mlp_core.data import load_digits_split, xor_data
from mlp_core.network import NeuralNetworkFromScratch, TrainingDiverged


@dataclass
class Run:
    """One training run: the trained ``network`` (as before the epoch that diverged, if
    one did), its ``history`` and the ``TrainingDiverged`` that stopped it, or None."""

    network: NeuralNetworkFromScratch
    history: dict = field(repr=False)
    diverged: TrainingDiverged | None

    @property
    def losses(self):
        """Per-epoch losses recorded before the run ended."""
        return self.history["loss"]


def _train(network, X, y, n_epochs, batch_size, on_epoch_end, **records):
    try:
        network.fit(X, y, n_epochs=n_epochs, batch_size=batch_size, on_epoch_end=on_epoch_end,
                    **records)
    except TrainingDiverged as error:
        return Run(network, network.history, error)
    return Run(network, network.history, None)


def train_xor(hidden=4, lr=0.5, seed=0, n_epochs=200, on_epoch_end=None):
    """Train ``[2, hidden, 2]`` on XOR (each epoch 100 copies of
    the four points, in batches of 64) and return a :class:`Run`. ``seed`` is an int >= 0,
    None (0) or a Generator (used as it is); ``on_epoch_end`` goes to ``fit``."""
    # `hidden` and `seed` are checked here, where the caller wrote them: the network
    # would blame `layer_sizes` and `rng`. It checks `lr`, and fit the rest.
    hidden = check.integer("hidden", hidden, 1)
    check.parameter_count("hidden", hidden, [2, hidden, 2])
    network = NeuralNetworkFromScratch([2, hidden, 2], lr=lr, rng=check.seed("seed", seed))
    X, y = xor_data()
    return _train(network, np.tile(X, (100, 1)), np.tile(y, 100), n_epochs, 64, on_epoch_end)


def xor_solved(run):
    """Whether the network of ``run`` (from :func:`train_xor`) classifies all four XOR points."""
    sizes = run.network.layer_sizes if isinstance(run, Run) else None
    if sizes is None or (sizes[0], sizes[-1]) != (2, 2):
        raise TypeError(check.message("run", "a Run of an XOR network (2 inputs, 2 outputs), as "
                                             "train_xor returns", check.describe(run)))
    X, y = xor_data()
    return bool(np.array_equal(run.network.predict(X), y))


def train_digits(hidden=(128, 64), lr=0.01, activation="relu", n_epochs=100, seed=0,
                 batch_size=64, on_epoch_end=None):
    """Train ``[64, *hidden, 10]`` on the 1077 training digits of
    :func:`~mlp_core.data.load_digits_split`, recording per-layer gradient norms and train and
    validation accuracy per epoch, and return a :class:`Run`. ``hidden`` is one int, a sequence
    of widths (by default the chapter's 64-128-64-10 network) or ``()`` (softmax regression);
    ``seed`` as in :func:`train_xor`."""
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        hidden = [hidden]
    hidden = check.sizes("hidden", hidden, min_length=0)  # as in train_xor
    check.parameter_count("hidden", hidden, [64, *hidden, 10])
    network = NeuralNetworkFromScratch([64, *hidden, 10], lr=lr, activation=activation,
                                       rng=check.seed("seed", seed))
    X_train, X_val, _, y_train, y_val, _ = load_digits_split()
    return _train(network, X_train, y_train, n_epochs, batch_size, on_epoch_end,
                  record_grad_norms=True, eval_data=(X_val, y_val))


def success_interval(successes, trials, confidence=0.95):
    """Wilson score interval ``(low, high)`` for a success rate of ``successes`` in ``trials``.

    With ``p = successes / trials``, ``n = trials`` and ``z`` the normal quantile of
    ``(1 + confidence) / 2`` it is ``(p + z²/2n ± z sqrt(p(1 - p)/n + z²/4n²)) / (1 + z²/n)``
    (Wilson, 1927). Unlike ``p ± z sqrt(p(1 - p)/n)`` it stays inside [0, 1] and does
    not shrink to a point at 0 or n successes: 12 of 20 gives (0.387, 0.781).
    """
    trials = check.integer("trials", trials, 1)
    successes = check.integer("successes", successes, 0, trials)
    confidence = check.real("confidence", confidence, 0, 1)
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p, n = successes / trials, float(trials)  # n * n of a float overflows to inf, not an error
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half_width = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n * n)) / (1 + z**2 / n)
    # At 0 (n) successes the lower (upper) end is exactly 0 (1); the
    # formula gets there only up to rounding, which could leave [0, 1].
    low = 0.0 if successes == 0 else centre - half_width
    high = 1.0 if successes == trials else centre + half_width
    return low, high
