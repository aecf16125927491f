"""Argument checks shared by the public entry points.

Every check raises ``TypeError`` or ``ValueError`` with a message of the
form "`name` must be <rule>, got <value>".
"""

import numbers

import numpy as np

#: Largest network accepted: 50 million parameters, 400 MB in float64.
MAX_PARAMETERS = 50_000_000

#: Largest array of one layer's activations for one batch: 1 GiB. The
#: forward pass keeps two per layer, so wide layers times many rows could
#: otherwise exhaust memory and get the kernel killed.
MAX_ACTIVATION_BYTES = 2**30


def max_rows(layer_sizes, dtype):
    """Most rows one forward pass may take without exceeding ``MAX_ACTIVATION_BYTES``."""
    return max(1, MAX_ACTIVATION_BYTES // (max(layer_sizes) * np.dtype(dtype).itemsize))


def check_rows(name, n_rows, layer_sizes, dtype):
    """Refuse a batch whose activations would exceed ``MAX_ACTIVATION_BYTES`` per layer."""
    limit = max_rows(layer_sizes, dtype)
    if n_rows > limit:
        raise ValueError(
            f"`{name}` must have at most {limit:,} rows at once for a network of width "
            f"{max(layer_sizes):,} (activations of at most {MAX_ACTIVATION_BYTES / 2**30:g} GiB "
            f"per layer), got {n_rows:,}; pass the data in smaller batches"
        )


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return repr(value)


def check_layer_sizes(layer_sizes):
    """Return ``layer_sizes`` as a list of positive ints, or raise."""
    # Sets and dicts have a length but no defined order of layers.
    if (isinstance(layer_sizes, (str, bytes, set, frozenset, dict))
            or not hasattr(layer_sizes, "__len__") or np.ndim(layer_sizes) != 1):
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
    check_parameter_count(sizes, "`layer_sizes`")
    return sizes


def check_parameter_count(sizes, subject, given=None):
    """Refuse a network of more than ``MAX_PARAMETERS``, blaming what the caller wrote.

    ``subject`` names the argument(s) in backticks; ``given`` shows their
    value(s) when they are not ``sizes`` itself (e.g. hidden widths).
    """
    n_params = n_parameters(sizes)
    # Allocating far more than memory holds would get the kernel killed
    # instead of raising; refuse before drawing any weights.
    if n_params > MAX_PARAMETERS:
        shown = f"{sizes}" if given is None else f"{given}, which gives {sizes}"
        raise ValueError(f"{subject} must keep the network within {MAX_PARAMETERS:,} "
                         f"parameters, got {shown} with {n_params:,}")


def n_parameters(layer_sizes):
    """Weights and biases of a fully connected network with these layer sizes."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))


def check_activation(activation, name="activation"):
    """Return ``activation`` if it names a hidden activation ('relu' or 'sigmoid'), or raise."""
    from mlp_core.activations import ACTIVATIONS  # activations import this module

    names = sorted(ACTIVATIONS)
    # A type check first: an unhashable value would fail the dict lookup itself.
    if not isinstance(activation, str):
        raise TypeError(f"`{name}` must be one of {names}, got {activation!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"`{name}` must be one of {names}, got {activation!r}")
    return activation


def check_callback(name, callback):
    """Return ``callback`` if it is callable or None, or raise."""
    if callback is not None and not callable(callback):
        raise TypeError(f"`{name}` must be callable or None, got {callback!r}")
    return callback


def check_positive_finite(name, value):
    """Return ``value`` as a float that is finite and > 0, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a positive finite number, got {value!r}")
    # float() first: a longdouble such as 1e400 is finite but becomes inf.
    if not np.isfinite(float(value)) or value <= 0:
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
    if X.dtype.kind not in "biuf":
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
    try:
        y = np.asarray(y)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"`{name}` must be integer labels or one-hot rows of equal length, "
                         f"got {y!r}: {error}") from None
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"`{name}` must be integer labels or one-hot rows of real numbers, got {_describe(y)}"
        )
    if y.ndim == 0 or len(y) != n_samples:
        raise ValueError(
            f"`{name}` must have one entry per sample ({n_samples}), got {_describe(y)}"
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


def _check_real_finite(name, array, advice):
    """Raise unless ``array`` holds finite real floats; ``advice`` ends the NaN/inf message."""
    if array.dtype.kind != "f":
        raise TypeError(f"`{name}` must be an array of real floats, got {_describe(array)}")
    if not np.isfinite(array).all():
        raise ValueError(f"`{name}` must be finite, got NaN or inf entries; {advice}")


def _list_summary(value):
    """``list of length 3``, for a message about a list of per-layer dicts."""
    return f"{type(value).__name__} of length {len(value) if hasattr(value, '__len__') else '?'}"


def check_params(params, layer_sizes, dtype):
    """Check that ``params`` still has the shapes, dtype and finite values of the network's.

    ``params`` is public and mutable; a layer replaced by hand would
    otherwise surface as a shape error deep inside a matrix product.
    """
    if not isinstance(params, list) or len(params) != len(layer_sizes) - 1:
        raise TypeError(
            f"`params` must be a list of {len(layer_sizes) - 1} dicts {{'W', 'b'}} for "
            f"layer_sizes={layer_sizes}, got {_list_summary(params)}"
        )
    for l, (layer, n_in, n_out) in enumerate(zip(params, layer_sizes[:-1], layer_sizes[1:])):
        for key, shape in (("W", (n_in, n_out)), ("b", (n_out,))):
            array = layer.get(key) if isinstance(layer, dict) else None
            # Exactly ndarray: np.matrix multiplies differently.
            if (type(array) is not np.ndarray or array.shape != shape
                    or array.dtype != dtype):
                raise ValueError(
                    f"`params[{l}]['{key}']` must be an array of shape {shape} and dtype "
                    f"{np.dtype(dtype).name} for layer_sizes={layer_sizes}, got {_describe(array)}"
                )
            if not array.flags.writeable:
                raise ValueError(
                    f"`params[{l}]['{key}']` must be writeable, as SGD updates it in place, "
                    f"got a read-only {_describe(array)}; assign a copy"
                )
            _check_real_finite(f"params[{l}]['{key}']", array,
                               "re-create the network or restore its parameters")


def check_cache(cache, n_samples, layer_sizes):
    """Check that ``cache`` is what ``forward`` returns for ``n_samples`` rows."""
    if not isinstance(cache, (list, tuple)) or len(cache) != len(layer_sizes) - 1:
        raise TypeError(
            f"`cache` must be the list of {len(layer_sizes) - 1} dicts that forward(X) returns, "
            f"got {_list_summary(cache)}"
        )
    for l, (entry, width) in enumerate(zip(cache, layer_sizes[1:])):
        for key in ("z", "a"):
            array = entry.get(key) if isinstance(entry, dict) else None
            if not isinstance(array, np.ndarray) or array.shape != (n_samples, width):
                raise ValueError(
                    f"`cache[{l}]['{key}']` must be an array of shape ({n_samples}, {width}) from "
                    f"forward(X) on the same X, got {_describe(array)}"
                )
            _check_real_finite(f"cache[{l}]['{key}']", array,
                               "pass the cache that forward(X) returned")


def check_grads(grads, params):
    """Check that ``grads`` matches ``params`` in structure and shapes, and is finite."""
    if not isinstance(grads, (list, tuple)) or len(grads) != len(params):
        raise TypeError(
            f"`grads` must be the list of {len(params)} dicts that backward returns, "
            f"got {_list_summary(grads)}"
        )
    for l, (grad, layer) in enumerate(zip(grads, params)):
        for key, name in (("dW", "W"), ("db", "b")):
            array = grad.get(key) if isinstance(grad, dict) else None
            if not isinstance(array, np.ndarray) or array.shape != layer[name].shape:
                raise ValueError(
                    f"`grads[{l}]['{key}']` must be an array of shape {layer[name].shape}, "
                    f"got {_describe(array)}"
                )
            _check_real_finite(f"grads[{l}]['{key}']", array,
                               "a step with it would destroy the parameters")


def check_step(grads, params, lr):
    """Check that the SGD step ``W - lr * dW`` stays finite in the parameters' dtype."""
    for l, (grad, layer) in enumerate(zip(grads, params)):
        for key, name in (("dW", "W"), ("db", "b")):
            with np.errstate(over="ignore", invalid="ignore"):
                stepped = (layer[name] - lr * grad[key]).astype(layer[name].dtype)
            if not np.isfinite(stepped).all():
                raise ValueError(
                    f"`grads[{l}]['{key}']` times lr={lr:g} must leave `{name}` finite in "
                    f"{layer[name].dtype.name}, got a step of magnitude "
                    f"{lr * float(np.abs(grad[key]).max()):.3g}; use a smaller lr or "
                    "smaller gradients"
                )


def as_generator(rng, name="rng"):
    """Return a ``np.random.Generator`` from a Generator, an int seed >= 0 or None (seed 0).

    ``name`` is the argument's name in the caller, for the error message.
    """
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"`{name}` must be an integer seed >= 0, got {rng!r}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"`{name}` must be a numpy Generator, an integer seed >= 0 or None, got {rng!r}; "
        "create one with np.random.default_rng(seed)"
    )


def check_fraction(name, value):
    """Return ``value`` as a float strictly between 0 and 1, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number strictly between 0 and 1, got {value!r}")
    if not 0 < value < 1:
        raise ValueError(f"`{name}` must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def as_float_array(name, value):
    """Return ``value`` as a real floating array (ints and bools become float64), or raise.

    Float16, float32 and float64 keep their dtype. Complex, object and string
    data raise ``TypeError``.
    """
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"`{name}` must be a rectangular array of numbers, got {value!r}: "
                         f"{error}") from None
    if array.dtype.kind in "biu":
        array = array.astype(np.float64)
    elif array.dtype.kind != "f":
        raise TypeError(f"`{name}` must hold real numbers, got {_describe(array)}")
    return array
