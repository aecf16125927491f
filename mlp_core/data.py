"""Data sets of the chapter: XOR (section 2) and handwritten digits (section 3).

Both are built in memory or read from scikit-learn's bundled files; nothing
is downloaded.
"""

import numbers

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from mlp_core.validation import check_int


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


def load_digits_split(test_size=0.2, seed=0):
    """Scaled digits with a stratified, seeded train/test split.

    Parameters
    ----------
    test_size : float, default 0.2
        Fraction held out, strictly between 0 and 1.
    seed : int, default 0
        Seed of the split.

    Returns
    -------
    X_train, X_test : ndarray, shape (n_train, 64), (n_test, 64)
    y_train, y_test : ndarray, shape (n_train,), (n_test,)
    """
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"`test_size` must be a number strictly between 0 and 1, got {test_size!r}")
    if not 0 < test_size < 1:
        raise ValueError(f"`test_size` must lie strictly between 0 and 1, got {test_size!r}")
    seed = check_int("seed", seed, 0)
    X, y = load_digits_scaled()
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
