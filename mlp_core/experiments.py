"""The chapter's experiments as one-line calls (sections 2-4).

Each function trains from a fresh generator seeded with ``seed`` (``None``
means seed 0), so a call reproduces a figure of the book, or a setting of
one of its widgets, exactly. Every argument is checked before any data is
loaded or any weight drawn.
"""

import math
import time
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from mlp_core.activations import ACTIVATIONS
from mlp_core.data import load_digits_split, xor_data
from mlp_core.network import NeuralNetworkFromScratch, TrainingDiverged
from mlp_core.validation import (
    CallableOrNone,
    Got,
    InstanceOf,
    Integer,
    Options,
    Real,
    Seed,
    Sizes,
    check_parameter_count,
    message,
    validate,
)

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


class XorRun(InstanceOf):
    """A :class:`Run` of a network with 2 inputs and 2 outputs."""

    def convert(self, name, value, validated=None):
        run = super().convert(name, value)
        sizes = run.network.layer_sizes
        if (sizes[0], sizes[-1]) != (2, 2):
            self.refuse(ValueError, name, Got(f"a run of a {sizes} network"))
        return run


#: The constraints tables of the experiments.
XOR_CONSTRAINTS = {
    "hidden": Integer(1),
    "lr": Real(0),
    "seed": Seed(),
    "n_epochs": Integer(0),
    "on_epoch_end": CallableOrNone(),
    "run": XorRun(Run, "a Run of an XOR network (2 inputs, 2 outputs), as train_xor returns"),
}
DIGITS_CONSTRAINTS = {
    "hidden": Sizes(min_length=0, example=(128, 64), scalar=True,
                    network=lambda hidden: [64, *hidden, 10]),
    "lr": Real(0),
    "activation": Options(sorted(ACTIVATIONS)),
    "n_epochs": Integer(0),
    "seed": Seed(),
    "batch_size": Integer(1),
    "on_epoch_end": CallableOrNone(),
}


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
        Width of the single hidden layer, ``>= 1``.
    lr : float, default 0.5
        Learning rate, finite and ``> 0``.
    seed : int or None or numpy.random.Generator, default 0
        Seed ``>= 0`` of the generator that draws the weights and the
        shuffles. ``None`` means seed 0, so every call is reproducible; a
        Generator is used as it is (and advanced).
    n_epochs : int, default 200
        Epochs, ``>= 0``; 0 returns the untrained network.
    on_epoch_end : callable or None, optional
        Passed to :meth:`~mlp_core.network.NeuralNetworkFromScratch.fit`.

    Returns
    -------
    Run
    """
    hidden, lr, rng, n_epochs, on_epoch_end = validate(
        XOR_CONSTRAINTS, hidden=hidden, lr=lr, seed=seed, n_epochs=n_epochs,
        on_epoch_end=on_epoch_end)
    # The network would refuse too, but blame `layer_sizes`, which the caller never wrote.
    check_parameter_count("hidden", hidden, [2, hidden, 2])
    X, y = xor_data()
    network = NeuralNetworkFromScratch([2, hidden, 2], lr=lr, rng=rng)
    return _train(network, np.tile(X, (XOR_REPEATS, 1)), np.tile(y, XOR_REPEATS),
                  n_epochs, 64, on_epoch_end)


def xor_solved(run):
    """Whether a run classifies all four XOR points correctly.

    Parameters
    ----------
    run : Run
        A run of a network with 2 inputs and 2 outputs, as
        :func:`train_xor` returns.

    Returns
    -------
    bool
    """
    (run,) = validate(XOR_CONSTRAINTS, run=run)
    X, y = xor_data()
    return bool(np.array_equal(run.network.predict(X), y))


def train_digits(hidden=(128, 64), lr=0.01, activation="relu", n_epochs=100, seed=0,
                 batch_size=64, on_epoch_end=None):
    """Train ``[64, *hidden, 10]`` on the digits training split.

    Records per-layer gradient norms and train/validation accuracy per epoch;
    the test split is left for the reader to score once, at the end.

    Parameters
    ----------
    hidden : int or sequence of int, default (128, 64)
        Hidden-layer widths, each ``>= 1`` (the default is the source
        chapter's 64-128-64-10 network). One int is a single hidden layer:
        ``hidden=64`` means ``(64,)``; an empty sequence leaves none
        (softmax regression).
    lr : float, default 0.01
        Learning rate, finite and ``> 0``.
    activation : {'relu', 'sigmoid'}, default 'relu'
    n_epochs : int, default 100
        Epochs, ``>= 0``.
    seed : int or None or numpy.random.Generator, default 0
        Seed ``>= 0`` of the generator for weights and shuffles. ``None``
        means seed 0, so every call is reproducible; a Generator is used as
        it is (and advanced). The data are the fixed stratified split of
        :func:`~mlp_core.data.load_digits_split`: 1077 training and 360 validation images.
    batch_size : int, default 64
        Samples per SGD step, ``>= 1``.
    on_epoch_end : callable or None, optional
        Passed to :meth:`~mlp_core.network.NeuralNetworkFromScratch.fit`.

    Returns
    -------
    Run
        ``history`` holds ``'loss'``, ``'grad_norms'``,
        ``'train_accuracy'`` and ``'val_accuracy'``.
    """
    hidden, lr, activation, n_epochs, rng, batch_size, on_epoch_end = validate(
        DIGITS_CONSTRAINTS, hidden=hidden, lr=lr, activation=activation, n_epochs=n_epochs,
        seed=seed, batch_size=batch_size, on_epoch_end=on_epoch_end)
    X_train, X_val, _, y_train, y_val, _ = load_digits_split()
    network = NeuralNetworkFromScratch([64, *hidden, 10], lr=lr, activation=activation, rng=rng)
    return _train(network, X_train, y_train, n_epochs, batch_size, on_epoch_end,
                  record_grad_norms=True, eval_data=(X_val, y_val))


#: The constraints table of :func:`success_interval`.
INTERVAL_CONSTRAINTS = {
    "successes": Integer(0),
    "trials": Integer(1),
    "confidence": Real(0, 1),
}


def success_interval(successes, trials, confidence=0.95):
    """Wilson score interval for a success rate measured as ``successes`` of ``trials`` runs.

    Parameters
    ----------
    successes : int
        Runs that succeeded, ``0 <= successes <= trials``.
    trials : int
        Runs in all (seeds tried), ``>= 1``.
    confidence : float, default 0.95
        Coverage of the interval, strictly between 0 and 1.

    Returns
    -------
    (low, high) : tuple of float
        Ends of the interval, within ``[0, 1]``.

    Notes
    -----
    With ``p = successes / trials``, ``n = trials`` and ``z`` the normal
    quantile of ``(1 + confidence) / 2``, the interval is

    ``(p + z²/2n ± z sqrt(p(1 - p)/n + z²/4n²)) / (1 + z²/n)``.

    Unlike ``p ± z sqrt(p(1 - p)/n)`` it stays inside ``[0, 1]`` and does not
    shrink to a point at 0 or n successes, which matters for a handful of
    seeds (section 2). 12 of 20 gives (0.387, 0.781).
    """
    successes, trials, confidence = validate(
        INTERVAL_CONSTRAINTS, successes=successes, trials=trials, confidence=confidence)
    if successes > trials:
        raise ValueError(message("successes", f"at most trials ({trials})", successes))
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p, n = successes / trials, trials
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half_width = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # At 0 (n) successes the lower (upper) end is exactly 0 (1); the
    # formula gets there only up to rounding, which could leave [0, 1].
    low = 0.0 if successes == 0 else centre - half_width
    high = 1.0 if successes == trials else centre + half_width
    return low, high
