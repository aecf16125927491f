"""Data sets of the chapter: XOR (section 2) and handwritten digits (section 3).

Both are built in memory or read from scikit-learn's bundled files; nothing
is downloaded.
"""

import math

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from mlp_core.validation import Integer, Real, message, validate


def xor_data():
    """The four XOR points and their labels.

    Returns
    -------
    X : ndarray, shape (4, 2)
        ``[[0, 0], [0, 1], [1, 0], [1, 1]]`` as floats.
    y : ndarray, shape (4,)
        ``[0, 1, 1, 0]``.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    return X, y


def load_digits_scaled():
    """All 1797 8x8 digit images with pixels scaled from 0..16 to [0, 1].

    Returns
    -------
    X : ndarray, shape (1797, 64)
    y : ndarray, shape (1797,)
        Labels 0..9.
    """
    digits = load_digits()
    return digits.data / 16.0, digits.target


#: The split's constraints table. Its seed is scikit-learn's 32-bit ``random_state``.
SPLIT_CONSTRAINTS = {"test_size": Real(0, 1), "seed": Integer(0, 2**32 - 1)}


def _check_feasible_test_size(test_size, y):
    """Refuse a ``test_size`` that leaves a class out of either split."""
    n, n_classes = len(y), len(np.unique(y))
    # scikit-learn's own rounding: the test split holds ceil(test_size * n).
    n_test = math.ceil(test_size * n)
    if not n_classes <= n_test <= n - n_classes:
        low, high = (n_classes - 1) / n, (n - n_classes) / n
        raise ValueError(message(
            "test_size", f"in ({low:.6g}, {high:.6g}], so that both splits of the {n} digits "
            f"hold each of the {n_classes} classes", f"{test_size!r}, which holds out {n_test}"))


def load_digits_split(test_size=0.2, seed=0):
    """Scaled digits with a stratified, seeded train/test split.

    Parameters
    ----------
    test_size : float, default 0.2
        Fraction held out, strictly between 0 and 1 (numpy floats are
        accepted). Both splits must hold at least one sample of each of
        the 10 classes, so with 1797 digits it must lie in
        ``(9/1797, 1787/1797]``, about ``(0.005008, 0.994435]``.
    seed : int, default 0
        Seed of the split, an integer in ``[0, 2**32 - 1]``.

    Returns
    -------
    X_train, X_test : ndarray, shape (n_train, 64), (n_test, 64)
    y_train, y_test : ndarray, shape (n_train,), (n_test,)
    """
    test_size, seed = validate(SPLIT_CONSTRAINTS, test_size=test_size, seed=seed)
    X, y = load_digits_scaled()
    _check_feasible_test_size(test_size, y)
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
