"""The rules that check a reader's arguments where they enter mlp_core: each
``rule(name, value, ...)`` returns the value converted (an int, a float array...) or
raises ``TypeError`` or ``ValueError`` with the one template of :func:`message`."""

import numbers

import numpy as np

#: Largest network accepted: 50 million parameters, 400 MB in float64.
MAX_PARAMETERS = 50_000_000


def message(name, rule, got, advice=""):
    """The one refusal template: "`name` must be <rule>, got <value>[; advice]"."""
    return f"`{name}` must be {rule}, got {got}" + (f"; {advice}" if advice else "")


def describe(value):
    """A short description of a value received, for :func:`message`."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value).replace("\n", " ")
    if text.startswith("<") and " at 0x" in text:  # an object without a readable repr
        return f"a {type(value).__name__}"
    if len(text) > 80 and isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return text if len(text) <= 80 else text[:77] + "..."


def integer(name, value, low, high=None):
    """An int in ``[low, high]`` (no upper end if ``high`` is None); bools are refused."""
    rule = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
    is_int = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not is_int or value < low or (high is not None and value > high):
        raise (ValueError if is_int else TypeError)(message(name, rule, describe(value)))
    return int(value)


def real(name, value, low=None, high=None, closed=False):
    """A finite float between ``low`` and ``high`` (either may be None, for no bound), ends
    included only if ``closed``."""
    if high is None:
        rule = "a finite number" + ("" if low is None else f" {'>=' if closed else '>'} {low:g}")
    else:
        rule = f"a number in {'[' if closed else '('}{low:g}, {high:g}{']' if closed else ')'}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(message(name, rule, describe(value)))
    number = float(value)  # a longdouble such as 1e400 is finite, its float is not
    outside = ((low is not None and (number < low or (number == low and not closed)))
               or (high is not None and (number > high or (number == high and not closed))))
    if not np.isfinite(number) or outside:
        raise ValueError(message(name, rule, describe(value)))
    return number


def one_of(name, value, options):
    """One of the strings ``options``."""
    if not isinstance(value, str) or value not in options:
        raise (ValueError if isinstance(value, str) else TypeError)(
            message(name, f"one of {list(options)}", describe(value)))
    return str(value)


def instance(name, value, types, rule):
    """``value`` if it is an instance of ``types``; ``rule`` says what is expected."""
    if not isinstance(value, types):
        raise TypeError(message(name, rule, describe(value)))
    return value


def float_dtype(name, value):
    """``numpy.float32`` or ``numpy.float64``, as a dtype; None is refused, not float64."""
    try:
        dtype = np.dtype(value) if value is not None else None
    except TypeError:
        dtype = None
    if dtype not in (np.float32, np.float64):
        raise TypeError(message(name, "numpy.float32 or numpy.float64", describe(value)))
    return dtype


def seed(name, value):
    """A ``np.random.Generator`` as it is, or a new one from a seed ``>= 0`` (None means 0)."""
    if isinstance(value, np.random.Generator):
        return value
    if value is None:
        return np.random.default_rng(0)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        error = ValueError if isinstance(value, numbers.Integral) and value < 0 else TypeError
        raise error(message(name, "a numpy Generator, an integer seed >= 0 or None",
                            describe(value), "create one with np.random.default_rng(seed)"))
    return np.random.default_rng(int(value))


def parameter_count(name, value, layer_sizes):
    """Refuse ``value`` if the network ``layer_sizes`` it gives has over ``MAX_PARAMETERS``."""
    count = sum((n_in + 1) * n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))
    # Allocating far more than memory holds would get the kernel killed, not raise.
    if count > MAX_PARAMETERS:
        raise ValueError(message(name, f"small enough for at most {MAX_PARAMETERS:,} parameters",
                                 f"{describe(value)}, a network of {count:,}"))


def sizes(name, value, min_length=1):
    """A list of at least ``min_length`` positive ints, such as layer widths."""
    rule = (f"a sequence of {f'at least {min_length} ' if min_length else ''}positive integers, "
            "such as [64, 128, 10]")
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    # A set has no order of layers; a string is not a list of widths.
    if not isinstance(value, (list, tuple)):
        raise TypeError(message(name, rule, describe(value)))
    if len(value) < min_length:
        raise ValueError(message(name, rule, describe(value)))
    return [integer(f"{name}[{i}]", size, 1) for i, size in enumerate(value)]


def array(name, value, ndim, columns=None, dtype=None):
    """A non-empty, finite ``ndim``-D float array (of ``dtype``; integers become float64),
    with ``columns`` columns if given."""
    shape = "" if columns is None else f" of shape (n_samples, {columns})"
    rule = f"a non-empty finite {ndim}-D array{shape}"
    try:
        result = np.asarray(value)
    except ValueError:  # ragged nested lists, which numpy refuses in its own words
        raise ValueError(message(name, rule, describe(value))) from None
    if result.dtype.kind not in "biuf":
        raise TypeError(message(name, f"{rule} of real numbers", describe(result)))
    if result.ndim != ndim or result.size == 0 or (columns is not None
                                                    and result.shape[1] != columns):
        advice = ""
        if ndim == 2 and result.ndim == 1:
            advice = (f"reshape one feature per sample with {name}.reshape(-1, 1)" if columns == 1
                      else f"reshape a single sample with {name}.reshape(1, -1)")
        raise ValueError(message(name, rule, describe(result), advice))
    if dtype is None:
        dtype = result.dtype if result.dtype.kind == "f" else np.float64
    with np.errstate(over="ignore"):  # an overflow to inf is refused just below
        result = result.astype(dtype, copy=False)
    if not np.isfinite(result).all():
        n_bad = int(result.size - np.isfinite(result).sum())
        raise ValueError(message(name, rule, f"{n_bad} NaN or inf entries"))
    return result


def targets(name, value, n_rows, n_classes, dtype):
    """Integer labels ``(n_rows,)`` or one-hot rows ``(n_rows, n_classes)``, as one-hot rows."""
    rule = f"{n_rows} integer labels in 0..{n_classes - 1} or {n_rows} one-hot rows of {n_classes}"
    try:
        y = np.asarray(value)
    except ValueError:  # ragged nested lists, which numpy refuses in its own words
        raise ValueError(message(name, rule, describe(value))) from None
    if y.dtype.kind not in "biuf":
        raise TypeError(message(name, rule, describe(y)))
    if y.ndim not in (1, 2) or len(y) != n_rows or (y.ndim == 2 and y.shape[1] != n_classes):
        raise ValueError(message(name, rule, describe(y)))
    if y.ndim == 2:
        if not (((y == 0) | (y == 1)).all() and (y.sum(axis=1) == 1).all()):
            raise ValueError(message(name, rule, "rows that are not one-hot (a single 1, zeros)"))
        return y.astype(dtype, copy=False)
    bad = y[~np.isin(y, np.arange(n_classes))]
    if bad.size:
        raise ValueError(message(name, rule, "labels " + ", ".join(f"{v:g}" for v in bad[:5])))
    # By indexing: np.eye(n_classes) would allocate n_classes squared.
    one_hot = np.zeros((n_rows, n_classes), dtype=dtype)
    one_hot[np.arange(n_rows), y.astype(np.intp)] = 1
    return one_hot
