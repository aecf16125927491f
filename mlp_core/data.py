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
SPLIT_CONSTRAINTS = {"validation_size": Real(0, 1), "test_size": Real(0, 1),
                     "seed": Integer(0, 2**32 - 1)}


def _split_counts(validation_size, test_size, y):
    """Sizes of the three splits; each must hold every class at least once."""
    n, n_classes = len(y), len(np.unique(y))
    n_validation, n_test = math.ceil(validation_size * n), math.ceil(test_size * n)
    n_train = n - n_validation - n_test
    if min(n_train, n_validation, n_test) < n_classes:
        raise ValueError(message(
            "validation_size and test_size",
            f"such that each of the three splits of the {n} digits holds at least "
            f"{n_classes} images, one per class",
            f"{validation_size!r} and {test_size!r}, which leave {n_train} for training, "
            f"{n_validation} for validation and {n_test} for testing"))
    return n_validation, n_test


def load_digits_split(validation_size=0.2, test_size=0.2, seed=0):
    """Scaled digits split into stratified, seeded train, validation and test sets.

    Choose settings on the validation split and look at the test split once,
    for the final model. The defaults give 1077, 360 and 360 images.

    Parameters
    ----------
    validation_size, test_size : float, default 0.2
        Fractions of the 1797 images in the validation and the test split,
        each strictly between 0 and 1 (numpy floats are accepted) and each
        rounded up to whole images. Every split, training included, must
        hold at least 10 images so that it can hold each class.
    seed : int, default 0
        Seed of the split, an integer in ``[0, 2**32 - 1]``.

    Returns
    -------
    X_train, X_val, X_test : ndarray, shape (n_train, 64), (n_val, 64), (n_test, 64)
    y_train, y_val, y_test : ndarray, shape (n_train,), (n_val,), (n_test,)
    """
    validation_size, test_size, seed = validate(
        SPLIT_CONSTRAINTS, validation_size=validation_size, test_size=test_size, seed=seed)
    X, y = load_digits_scaled()
    n_validation, n_test = _split_counts(validation_size, test_size, y)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=n_test, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=n_validation, stratify=y_rest, random_state=seed)
    return X_train, X_val, X_test, y_train, y_val, y_test
