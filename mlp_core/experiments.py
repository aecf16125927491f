"""The chapter's experiments as one-line calls (sections 2-4).

Each function trains from a fresh generator seeded with ``seed`` (``None``
means seed 0), so a call reproduces a figure of the book, or a setting of
one of its widgets, exactly. Every argument is checked before any data is
loaded or any weight drawn.
"""

import numbers
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mlp_core.data import load_digits_split, xor_data
from mlp_core.network import NeuralNetworkFromScratch, TrainingDiverged
from mlp_core.validation import (
    _describe,
    as_generator,
    check_activation,
    check_callback,
    check_int,
    check_parameter_count,
    check_positive_finite,
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


def _check_hidden(hidden):
    """``hidden`` as a tuple of widths: one int is a single hidden layer."""
    if isinstance(hidden, np.ndarray) and hidden.ndim == 1:
        hidden = hidden.tolist()
    if isinstance(hidden, Sequence) and not isinstance(hidden, (str, bytes)):
        return tuple(check_int(f"hidden[{i}]", width, 1) for i, width in enumerate(hidden))
    if isinstance(hidden, numbers.Integral):
        return (check_int("hidden", hidden, 1),)
    raise TypeError("`hidden` must be a positive int or a sequence of positive ints such as "
                    f"(128, 64), got {_describe(hidden)}")


def _layer_sizes(n_inputs, hidden, n_classes):
    """``[n_inputs, *hidden, n_classes]``, refused if too large, blaming ``hidden``.

    ``hidden`` is a checked width or tuple of widths.
    """
    sizes = [n_inputs, *((hidden,) if isinstance(hidden, int) else hidden), n_classes]
    # The network would refuse too, but its message names `layer_sizes`,
    # which the caller of these functions never wrote.
    check_parameter_count(sizes, "`hidden`", repr(hidden))
    return sizes


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
        Passed to :meth:`NeuralNetworkFromScratch.fit`.

    Returns
    -------
    Run

    Raises
    ------
    TypeError
        If an argument has the wrong type (bools are not integers here).
    ValueError
        If an argument breaks the rule given above.
    """
    hidden = check_int("hidden", hidden, 1)
    lr = check_positive_finite("lr", lr)
    rng = as_generator(seed, "seed")
    n_epochs = check_int("n_epochs", n_epochs, 0)
    on_epoch_end = check_callback("on_epoch_end", on_epoch_end)
    X, y = xor_data()
    network = NeuralNetworkFromScratch(_layer_sizes(2, hidden, 2), lr=lr, rng=rng)
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

    Raises
    ------
    TypeError
        If ``run`` is not a :class:`Run`.
    ValueError
        If its network does not have 2 inputs and 2 outputs.
    """
    if not isinstance(run, Run) or not isinstance(run.network, NeuralNetworkFromScratch):
        raise TypeError(f"`run` must be a Run returned by train_xor, got {_describe(run)}")
    sizes = run.network.layer_sizes
    if (sizes[0], sizes[-1]) != (2, 2):
        raise ValueError("`run` must be an XOR run (a network with 2 inputs and 2 outputs), "
                         f"got a run of a {sizes} network")
    X, y = xor_data()
    return bool(np.array_equal(run.network.predict(X), y))


def train_digits(hidden=(128, 64), lr=0.01, activation="relu", n_epochs=100, seed=0,
                 batch_size=64, on_epoch_end=None):
    """Train ``[64, *hidden, 10]`` on the digits training split.

    Records per-layer gradient norms and train/held-out accuracy per epoch.

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
        it is (and advanced). The split itself is the fixed stratified
        80/20 split of :func:`load_digits_split`.
    batch_size : int, default 64
        Samples per SGD step, ``>= 1``.
    on_epoch_end : callable or None, optional
        Passed to :meth:`NeuralNetworkFromScratch.fit`.

    Returns
    -------
    Run
        ``history`` holds ``'loss'``, ``'grad_norms'``,
        ``'train_accuracy'`` and ``'test_accuracy'``.

    Raises
    ------
    TypeError
        If an argument has the wrong type (bools are not integers here,
        and ``hidden`` may not be None or a string).
    ValueError
        If an argument breaks the rule given above, or ``hidden`` gives a
        network of more than ``MAX_PARAMETERS`` parameters.
    """
    hidden = _check_hidden(hidden)
    lr = check_positive_finite("lr", lr)
    activation = check_activation(activation)
    n_epochs = check_int("n_epochs", n_epochs, 0)
    rng = as_generator(seed, "seed")
    batch_size = check_int("batch_size", batch_size, 1)
    on_epoch_end = check_callback("on_epoch_end", on_epoch_end)
    sizes = _layer_sizes(64, hidden, 10)
    X_train, X_test, y_train, y_test = load_digits_split()
    network = NeuralNetworkFromScratch(sizes, lr=lr, activation=activation, rng=rng)
    return _train(network, X_train, y_train, n_epochs, batch_size, on_epoch_end,
                  record_grad_norms=True, eval_data=(X_test, y_test))
