"""Argument checks shared by the public entry points.

Every check raises ``TypeError`` or ``ValueError`` with a message of the
form "`name` must be <rule>, got <value>".
"""

import numbers

import numpy as np

#: Largest network accepted: 50 million parameters, 400 MB in float64.
MAX_PARAMETERS = 50_000_000


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return repr(value)


def check_layer_sizes(layer_sizes):
    """Return ``layer_sizes`` as a list of positive ints, or raise."""
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise TypeError(
            "`layer_sizes` must be a list of positive integers such as [64, 128, 10], "
            f"got {layer_sizes!r}"
        )
    if len(layer_sizes) < 2:
        raise ValueError(
            "`layer_sizes` must have at least 2 entries (input and output sizes), "
            f"got {list(layer_sizes)!r}"
        )
    sizes = []
    for i, size in enumerate(layer_sizes):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(
                f"`layer_sizes[{i}]` must be a positive integer, got {size!r} "
                f"in {list(layer_sizes)!r}"
            )
        if size < 1:
            raise ValueError(
                f"`layer_sizes[{i}]` must be a positive integer, got {size!r} "
                f"in {list(layer_sizes)!r}"
            )
        sizes.append(int(size))
    n_params = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if n_params > MAX_PARAMETERS:
        # Allocating far more than memory holds would get the kernel killed
        # instead of raising; refuse before drawing any weights.
        raise ValueError(
            f"`layer_sizes` must give at most {MAX_PARAMETERS:,} parameters for this "
            f"teaching network, got {n_params:,} from {sizes!r}"
        )
    return sizes


def check_positive_finite(name, value):
    """Return ``value`` as a float that is finite and > 0, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a positive finite number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` must be a positive finite number, got {value!r}")
    return float(value)


def check_int(name, value, minimum):
    """Return ``value`` as an int that is ``>= minimum``, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_inputs(X, n_features, dtype, name="X"):
    """Return ``X`` as a finite 2-D array of ``dtype`` with ``n_features`` columns."""
    try:
        X = np.asarray(X)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`{name}` must be a 2-D numeric array, got {X!r}") from error
    if X.dtype == object or not (
        np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.bool_)
    ) or np.iscomplexobj(X):
        raise TypeError(f"`{name}` must be a 2-D array of real numbers, got {_describe(X)}")
    if X.ndim != 2:
        raise ValueError(
            f"`{name}` must be 2-D with shape (n_samples, n_features), got {_describe(X)}; "
            "reshape a single sample with X.reshape(1, -1)"
        )
    if X.shape[0] == 0:
        raise ValueError(f"`{name}` must contain at least one sample, got {_describe(X)}")
    if X.shape[1] != n_features:
        raise ValueError(
            f"`{name}` must have {n_features} columns to match layer_sizes[0], "
            f"got {_describe(X)}"
        )
    if not np.isfinite(X).all():
        n_bad = int(np.size(X) - np.isfinite(X).sum())
        raise ValueError(f"`{name}` must contain only finite values, got {n_bad} NaN or inf entries")
    with np.errstate(over="ignore"):
        converted = X.astype(dtype, copy=False)
    if not np.isfinite(converted).all():
        largest = float(np.abs(X).max())
        raise ValueError(
            f"`{name}` must fit in the network's dtype {np.dtype(dtype).name} "
            f"(|x| <= {np.finfo(dtype).max:.3g}), got a value of magnitude {largest:.3g}"
        )
    return converted


def check_targets(y, n_samples, n_classes, dtype, name="y"):
    """Return targets as a one-hot ``(n_samples, n_classes)`` array of ``dtype``.

    Accepts integer class labels of shape ``(n_samples,)`` or one-hot rows
    of shape ``(n_samples, n_classes)``.
    """
    y = np.asarray(y)
    if y.dtype == object or not (
        np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.bool_)
    ):
        raise TypeError(
            f"`{name}` must be integer labels or one-hot rows, got {_describe(y)}"
        )
    if y.ndim == 0 or len(y) != n_samples:
        raise ValueError(
            f"`{name}` must have one entry per row of X ({n_samples}), got {_describe(y)}"
        )
    if y.ndim == 1:
        if not np.isfinite(y).all() or not np.all(np.mod(y, 1) == 0):
            raise ValueError(f"`{name}` labels must be whole numbers, got {y[:10]!r}...")
        bad = (y < 0) | (y >= n_classes)
        if bad.any():
            raise ValueError(
                f"`{name}` labels must lie in 0..{n_classes - 1} (the network has "
                f"{n_classes} outputs), got {y[bad][:5].tolist()}"
            )
        return np.eye(n_classes, dtype=dtype)[y.astype(np.intp)]
    if y.ndim == 2:
        if y.shape[1] != n_classes:
            raise ValueError(
                f"`{name}` one-hot rows must have {n_classes} columns (the network's "
                f"outputs), got {_describe(y)}"
            )
        is_binary = (y == 0) | (y == 1)
        row_ones = (y == 1).sum(axis=1)
        bad_rows = np.flatnonzero(~is_binary.all(axis=1) | (row_ones != 1))
        if bad_rows.size:
            row = bad_rows[0]
            raise ValueError(
                f"`{name}` must be one-hot: each row a single 1 and zeros elsewhere, "
                f"got row {row} = {y[row].tolist()}"
            )
        return y.astype(dtype, copy=False)
    raise ValueError(
        f"`{name}` must be 1-D labels or 2-D one-hot rows, got {_describe(y)}"
    )


def check_cache(cache, n_samples, layer_sizes):
    """Check that ``cache`` is what ``forward`` returns for ``n_samples`` rows."""
    if not isinstance(cache, (list, tuple)) or len(cache) != len(layer_sizes) - 1:
        raise TypeError(
            f"`cache` must be the list of {len(layer_sizes) - 1} dicts that forward(X) returns, "
            f"got {type(cache).__name__} of length {len(cache) if hasattr(cache, '__len__') else '?'}"
        )
    for l, (entry, width) in enumerate(zip(cache, layer_sizes[1:])):
        for key in ("z", "a"):
            array = entry.get(key) if isinstance(entry, dict) else None
            if not isinstance(array, np.ndarray) or array.shape != (n_samples, width):
                raise ValueError(
                    f"`cache[{l}]['{key}']` must be an array of shape ({n_samples}, {width}) from "
                    f"forward(X) on the same X, got {_describe(array)}"
                )


def check_grads(grads, params):
    """Check that ``grads`` matches ``params`` in structure and shapes, and is finite."""
    if not isinstance(grads, (list, tuple)) or len(grads) != len(params):
        raise TypeError(
            f"`grads` must be the list of {len(params)} dicts that backward returns, "
            f"got {type(grads).__name__} of length {len(grads) if hasattr(grads, '__len__') else '?'}"
        )
    for l, (grad, layer) in enumerate(zip(grads, params)):
        for key, name in (("dW", "W"), ("db", "b")):
            array = grad.get(key) if isinstance(grad, dict) else None
            if not isinstance(array, np.ndarray) or array.shape != layer[name].shape:
                raise ValueError(
                    f"`grads[{l}]['{key}']` must be an array of shape {layer[name].shape}, "
                    f"got {_describe(array)}"
                )
            if not np.isfinite(array).all():
                raise ValueError(
                    f"`grads[{l}]['{key}']` must be finite, got NaN or inf entries; "
                    "a step with it would destroy the parameters"
                )


def as_generator(rng):
    """Return a ``np.random.Generator`` from a Generator, an int seed or None (seed 0)."""
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"`rng` must be a numpy Generator, an integer seed or None, got {rng!r}; "
        "create one with np.random.default_rng(seed)"
    )
