"""Data sets of the chapter: XOR (section 2) and handwritten digits (section 3).

Both are built in memory or read from scikit-learn's bundled files; nothing
is downloaded.
"""

__all__ = ["xor_data", "load_digits_scaled", "load_digits_split"]

import math

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from mlp_core import validation as check


def xor_data():
    """The four XOR points ``X`` (4, 2) as floats and their labels ``y`` = [0, 1, 1, 0]."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    return X, y


def load_digits_scaled():
    """All 1797 8x8 digit images ``X`` (1797, 64), pixels scaled from 0..16 to [0, 1],
    and their labels ``y`` (1797,) in 0..9."""
    digits = load_digits()
    return digits.data / 16.0, digits.target


def load_digits_split(validation_size=0.2, test_size=0.2, seed=0):
    """``X_train, X_val, X_test, y_train, y_val, y_test``: the scaled digits split into
    stratified train, validation and test sets (1077, 360 and 360 images by default).

    ``validation_size`` and ``test_size`` are fractions in (0, 1), rounded up to whole
    images; each split must keep at least 10 images, one per class. ``seed`` (0 to
    2**32 - 1) seeds the split. Choose settings on the validation split and look at
    the test split once, for the final model.
    """
    validation_size = check.real("validation_size", validation_size, 0, 1)
    test_size = check.real("test_size", test_size, 0, 1)
    seed = check.integer("seed", seed, 0, 2**32 - 1)
    X, y = load_digits_scaled()
    n_validation, n_test = math.ceil(validation_size * len(y)), math.ceil(test_size * len(y))
    if len(y) - n_validation - n_test < 10 or min(n_validation, n_test) < 10:
        raise ValueError(check.message(
            "validation_size and test_size", "such that each split keeps at least 10 of the "
            "1797 images, one per class", f"{validation_size!r} and {test_size!r}, which leave "
            f"{len(y) - n_validation - n_test} for training, {n_validation} for validation and "
            f"{n_test} for testing"))
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=n_test, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=n_validation, stratify=y_rest, random_state=seed)
    return X_train, X_val, X_test, y_train, y_val, y_test
