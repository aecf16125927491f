"""Argument validation, from constraints kept as data.

Each public entry point keeps one table ``{argument: constraint}`` and calls
:func:`validate` once; the math behind it trusts what comes out. Every
refusal uses one template, "`name` must be <rule>, got <value>", and every
constraint lists values it refuses, from which the tests are generated.
"""

import numbers
from collections.abc import Sequence

import numpy as np

#: Largest network accepted: 50 million parameters, 400 MB in float64.
MAX_PARAMETERS = 50_000_000

#: Largest array of one layer's activations for one batch: 1 GiB. The
#: forward pass keeps two per layer, so wide layers times many rows could
#: otherwise exhaust memory and get the kernel killed.
MAX_ACTIVATION_BYTES = 2**30


def message(name, rule, got, advice=""):
    """The one refusal template."""
    return f"`{name}` must be {rule}, got {got}" + (f"; {advice}" if advice else "")


def describe(value):
    """A short description of a value received, for :func:`message`."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) <= 80 and "\n" not in text:
        return text
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return text.replace("\n", " ")[:77] + "..."


def validate(table, **arguments):
    """The ``arguments`` converted by their constraints in ``table``, as a tuple in order.

    Each constraint sees the arguments validated before it, so targets can
    be checked against the rows of the inputs given before them.
    """
    validated = {}
    for name, value in arguments.items():
        validated[name] = table[name].convert(name, value, validated)
    return tuple(validated.values())


def resolve(setting, validated):
    """A constraint's ``setting``, or ``setting(validated)`` if it depends on earlier arguments."""
    return setting(validated) if callable(setting) else setting


class Constraint:
    """One argument's rule: ``convert`` returns the validated value or raises."""

    rule = "valid"
    advice = ""

    def convert(self, name, value, validated):
        raise NotImplementedError

    def invalid_examples(self, valid):
        """``(value, error type)`` pairs that this constraint refuses, near ``valid``."""
        return []

    def refuse(self, error, name, value, rule=None):
        got = value if isinstance(value, Got) else describe(value)
        raise error(message(name, rule or self.rule, got, self.advice))


class Got(str):
    """A description of the value received that :meth:`Constraint.refuse` shows as it is."""


class Integer(Constraint):
    """An integer in ``[low, high]`` (``high=None``: no upper end); bools are refused."""

    def __init__(self, low, high=None, advice=""):
        self.low, self.high, self.advice = low, high, advice
        self.rule = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"

    def convert(self, name, value, validated=None):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            self.refuse(TypeError, name, value)
        if value < self.low or (self.high is not None and value > self.high):
            self.refuse(ValueError, name, value)
        return int(value)

    def invalid_examples(self, valid):
        bad = [(True, TypeError), (2.5, TypeError), ("3", TypeError), (self.low - 1, ValueError)]
        return bad + ([] if self.high is None else [(self.high + 1, ValueError)])


class Real(Constraint):
    """A finite real number in an interval whose ends are open or closed, as in scikit-learn."""

    def __init__(self, low=None, high=None, closed="neither", advice=""):
        self.low, self.high, self.advice = low, high, advice
        self.low_closed, self.high_closed = closed in ("left", "both"), closed in ("right", "both")
        if high is None:
            self.rule = "a finite number" + (
                "" if low is None else f" {'>=' if self.low_closed else '>'} {low:g}")
        else:
            self.rule = (f"a number in {'[' if self.low_closed else '('}{low:g}, "
                         f"{high:g}{']' if self.high_closed else ')'}")

    def convert(self, name, value, validated=None):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            self.refuse(TypeError, name, value)
        # float() first: a longdouble such as 1e400 is finite but becomes inf.
        number = float(value)
        above_low = (self.low is None or number > self.low
                     or (self.low_closed and number == self.low))
        below_high = (self.high is None or number < self.high
                      or (self.high_closed and number == self.high))
        if not (np.isfinite(number) and above_low and below_high):
            self.refuse(ValueError, name, value)
        return number

    def invalid_examples(self, valid):
        bad = [(True, TypeError), ("0.1", TypeError), (None, TypeError),
               (float("nan"), ValueError), (float("inf"), ValueError)]
        # Each end itself if it is open, else a point just beyond it.
        for end, closed, outward in ((self.low, self.low_closed, -1),
                                     (self.high, self.high_closed, 1)):
            if end is not None:
                bad.append((end + outward * (abs(end) / 2 or 1) if closed else end, ValueError))
        return bad


class Options(Constraint):
    """One of a few values, such as the names of the activations."""

    def __init__(self, values):
        self.values = list(values)
        self.rule = f"one of {self.values}"

    def convert(self, name, value, validated=None):
        for option in self.values:
            if isinstance(value, type(option)) and value == option:
                return option
        right_type = any(isinstance(value, type(option)) for option in self.values)
        self.refuse(ValueError if right_type else TypeError, name, value)

    def invalid_examples(self, valid):
        return [(f"not {valid}", ValueError), (3, TypeError), (None, TypeError)]


class Boolean(Constraint):
    rule = "True or False"

    def convert(self, name, value, validated=None):
        if not isinstance(value, (bool, np.bool_)):
            self.refuse(TypeError, name, value)
        return bool(value)

    def invalid_examples(self, valid):
        return [(1, TypeError), ("yes", TypeError), (None, TypeError)]


class CallableOrNone(Constraint):
    rule = "callable or None"

    def convert(self, name, value, validated=None):
        if value is not None and not callable(value):
            self.refuse(TypeError, name, value)
        return value

    def invalid_examples(self, valid):
        return [(3, TypeError), ("print", TypeError)]


class InstanceOf(Constraint):
    """An instance of ``kind``, described in the message by ``rule``."""

    def __init__(self, kind, rule):
        self.kind, self.rule = kind, rule

    def convert(self, name, value, validated=None):
        if not isinstance(value, self.kind):
            self.refuse(TypeError, name, value)
        return value

    def invalid_examples(self, valid):
        return [(None, TypeError), (3, TypeError)]


class FloatDtype(Constraint):
    rule = "numpy.float32 or numpy.float64"

    def convert(self, name, value, validated=None):
        try:
            # np.dtype(None) would mean float64; refuse it as a missing value.
            dtype = None if value is None else np.dtype(value)
        except TypeError:
            dtype = None
        if dtype not in (np.float32, np.float64):
            self.refuse(TypeError, name, value)
        return dtype

    def invalid_examples(self, valid):
        return [(np.float16, TypeError), (int, TypeError), (None, TypeError),
                ("nonsense", TypeError)]


class Seed(Constraint):
    """A ``np.random.Generator``, kept as it is, or a seed ``>= 0`` or None (seed 0)."""

    rule = "a numpy Generator, an integer seed >= 0 or None"
    advice = "create one with np.random.default_rng(seed)"

    def convert(self, name, value, validated=None):
        if isinstance(value, np.random.Generator):
            return value
        if value is None:
            return np.random.default_rng(0)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            self.refuse(TypeError, name, value)
        if value < 0:
            self.refuse(ValueError, name, value)
        return np.random.default_rng(int(value))

    def invalid_examples(self, valid):
        return [(-1, ValueError), (1.5, TypeError), ("0", TypeError), (True, TypeError),
                ([0], TypeError)]


def n_parameters(layer_sizes):
    """Weights and biases of a fully connected network with these layer sizes."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))


def max_rows(layer_sizes, dtype):
    """Most rows one forward pass may take without exceeding ``MAX_ACTIVATION_BYTES``."""
    return max(1, MAX_ACTIVATION_BYTES // (max(layer_sizes) * np.dtype(dtype).itemsize))


def memory_advice(layer_sizes, dtype):
    """Why a batch may have at most ``max_rows`` rows, for a message."""
    return (f"activations of at most {max_rows(layer_sizes, dtype):,} rows fit in "
            f"{MAX_ACTIVATION_BYTES / 2**30:g} GiB per layer of width {max(layer_sizes):,}")


def check_parameter_count(name, value, layer_sizes):
    """Refuse ``value`` (argument ``name``) if its network has more than ``MAX_PARAMETERS``."""
    count = n_parameters(layer_sizes)
    # Allocating far more than memory holds would get the kernel killed
    # instead of raising; refuse before drawing any weights.
    if count > MAX_PARAMETERS:
        got = f"{value}" if value == layer_sizes else f"{value}, which gives {layer_sizes}"
        raise ValueError(message(name, f"small enough for at most {MAX_PARAMETERS:,} parameters",
                                 f"{got} with {count:,}"))


class Sizes(Constraint):
    """Layer widths as a list of positive ints, within ``MAX_PARAMETERS``.

    ``network(sizes)`` gives the whole network's layer sizes for the cap
    (``None``: no cap); with ``scalar`` one int means a list of one. With
    ``low=0`` the list holds counts instead, which may be 0.
    """

    def __init__(self, min_length, example, network=list, scalar=False, low=1):
        self.min_length, self.network, self.scalar, self.low = min_length, network, scalar, low
        sequence = {0: "a sequence of", 1: "a non-empty sequence of"}.get(
            min_length, f"a sequence of at least {min_length}")
        kind = "positive integers" if low == 1 else f"integers >= {low}"
        self.rule = (("a positive integer or " if scalar else "")
                     + f"{sequence} {kind} such as {example}")

    def convert(self, name, value, validated=None):
        if self.scalar and isinstance(value, numbers.Integral) and not isinstance(value, bool):
            sizes = [Integer(self.low).convert(name, value)]
        else:
            if isinstance(value, np.ndarray) and value.ndim == 1:
                value = value.tolist()
            # Sets and dicts have no order of layers; a string is not a list of widths.
            if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
                self.refuse(TypeError, name, value)
            if len(value) < self.min_length:
                self.refuse(ValueError, name, value)
            sizes = [Integer(self.low).convert(f"{name}[{i}]", size)
                     for i, size in enumerate(value)]
        if self.network is not None:
            check_parameter_count(name, sizes, self.network(sizes))
        return sizes

    def invalid_examples(self, valid):
        bad = [("64", TypeError), ({3, 5}, TypeError), (None, TypeError),
               ([2, self.low - 1] + [2] * self.min_length, ValueError),
               ([2, 2.5] + [2] * self.min_length, TypeError)]
        if self.network is not None:
            bad.append(([10**8] * max(self.min_length, 1), ValueError))
        if self.min_length > 0:
            bad.append(([2] * (self.min_length - 1), ValueError))
        return bad + ([(0, ValueError), (True, TypeError)] if self.scalar else [])


def as_array(name, value, ndim=None, dtype=None):
    """``value`` as an array of real floats (of ``dtype``; ints and bools become float64).

    The one array converter of the package: lists are accepted, complex,
    object and string data are refused, and so is any other ``ndim``.
    """
    try:
        array = np.asarray(value)
    except ValueError:  # ragged nested lists
        raise ValueError(message(name, "a rectangular array of numbers",
                                 describe(value))) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(message(name, "an array of real numbers", describe(array)))
    if ndim is not None and array.ndim != ndim:
        single_sample = ndim == 2 and array.ndim == 1
        advice = "reshape a single sample with X.reshape(1, -1)" if single_sample else ""
        raise ValueError(message(name, f"{ndim}-D", describe(array), advice))
    if dtype is None:
        dtype = array.dtype if array.dtype.kind == "f" else np.float64
    # An overflow to inf in a narrower dtype is reported by the finiteness checks.
    with np.errstate(over="ignore"):
        return array.astype(dtype, copy=False)


class Array(Constraint):
    """A non-empty, finite array of real floats, converted by :func:`as_array`.

    Optionally with ``columns`` columns, values within ``bounds`` (with
    ``bounds_advice`` for values outside) and at most ``max_rows`` rows (the
    activation-memory cap of a forward pass).
    ``columns`` may depend on earlier arguments (see :func:`resolve`).
    """

    def __init__(self, ndim, columns=None, dtype=None, bounds=None, max_rows=None,
                 bounds_advice=""):
        self.ndim, self.columns, self.dtype = ndim, columns, dtype
        self.bounds, self.max_rows, self.bounds_advice = bounds, max_rows, bounds_advice
        shape = "(n_samples, n_features)" if callable(columns) else f"(n_samples, {columns})"
        self.rule = (f"a non-empty {ndim}-D array"
                     + ("" if columns is None else f" of shape {shape}"))

    def convert(self, name, value, validated=None):
        array = as_array(name, value, self.ndim, self.dtype)
        if array.size == 0:
            self.refuse(ValueError, name, array)
        columns = resolve(self.columns, validated)
        if columns is not None and array.shape[1] != columns:
            self.refuse(ValueError, name, array, f"a 2-D array of shape (n_samples, {columns})")
        if not np.isfinite(array).all():
            n_bad = int(array.size - np.isfinite(array).sum())
            entries = "entry" if n_bad == 1 else "entries"
            self.refuse(ValueError, name, Got(f"{n_bad} NaN or inf {entries}"),
                        f"finite in {array.dtype.name}")
        low, high = self.bounds or (None, None)
        if self.bounds is not None and not ((array >= low) & (array <= high)).all():
            raise ValueError(message(name, f"within [{low:g}, {high:g}]",
                                     f"values from {array.min():.3g} to {array.max():.3g}",
                                     self.bounds_advice))
        if self.max_rows is not None and len(array) > self.max_rows:
            raise ValueError(message(
                name, f"at most {self.max_rows:,} rows at once (activations of at most "
                f"{MAX_ACTIVATION_BYTES / 2**30:g} GiB per layer)", f"{len(array):,}",
                "pass the data in smaller batches"))
        return array

    def invalid_examples(self, valid):
        valid = np.asarray(valid, dtype=float)
        nan = valid.copy()
        nan.flat[0] = np.nan
        bad = [(valid.astype(str), TypeError), (valid.astype(complex), TypeError),
               (valid[..., None], ValueError), (valid[:0], ValueError), (nan, ValueError)]
        if self.columns is not None:
            bad.append((valid[:, :-1], ValueError))
        if self.bounds is not None:
            high = self.bounds[1]
            bad.append((np.full_like(valid, high + max(abs(high), 1)), ValueError))
        return bad


class Targets(Constraint):
    """Class labels ``(n,)`` or one-hot rows ``(n, n_classes)``, returned as one-hot rows.

    ``n`` is the number of rows of the validated argument ``rows_of``;
    ``n_classes`` (which may depend on earlier arguments, see :func:`resolve`)
    and ``dtype`` default to its columns and dtype.
    """

    def __init__(self, rows_of, n_classes=None, dtype=None):
        self.rows_of, self.n_classes, self.dtype = rows_of, n_classes, dtype
        self.rule = f"integer labels or one-hot rows, one per row of `{rows_of}`"

    def convert(self, name, value, validated):
        reference = validated[self.rows_of]
        n_rows = len(reference)
        n_classes = resolve(self.n_classes, validated) or reference.shape[1]
        dtype = self.dtype or reference.dtype
        y = as_array(name, value)
        if y.ndim not in (1, 2) or len(y) != n_rows:
            self.refuse(ValueError, name, y,
                        f"{n_rows} labels or one-hot rows, one per row of `{self.rows_of}`")
        if y.ndim == 1:
            outside = ~np.isin(y, np.arange(n_classes))
            if outside.any():
                self.refuse(ValueError, name, Got(", ".join(f"{v:g}" for v in y[outside][:5])),
                            f"labels in 0..{n_classes - 1} (for {n_classes} classes)")
            return np.eye(n_classes, dtype=dtype)[y.astype(np.intp)]
        if y.shape[1] != n_classes:
            self.refuse(ValueError, name, y, f"one-hot rows of {n_classes} columns")
        bad_rows = np.flatnonzero(((y != 0) & (y != 1)).any(axis=1) | ((y == 1).sum(axis=1) != 1))
        if bad_rows.size:
            row = ", ".join(f"{v:g}" for v in y[bad_rows[0]])
            self.refuse(ValueError, name, Got(f"row {bad_rows[0]} = [{row}]"),
                        "one-hot: each row a single 1 and zeros elsewhere")
        return y.astype(dtype, copy=False)

    def invalid_examples(self, valid):
        labels = np.asarray(valid)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        n_classes = (labels.max() + 1 if self.n_classes is None or callable(self.n_classes)
                     else self.n_classes)
        one_hot = np.eye(n_classes)[labels]
        not_one_hot = one_hot.copy()
        not_one_hot[0] = 0.5
        return [(labels[:-1], ValueError), (np.full_like(labels, n_classes), ValueError),
                (labels + 0.5, ValueError), (labels.astype(str), TypeError),
                (not_one_hot, ValueError), (one_hot[:, :-1], ValueError),
                (one_hot[..., None], ValueError)]


class Optional(Constraint):
    """None, or a value that ``inner`` accepts."""

    def __init__(self, inner):
        self.inner = inner
        self.rule = f"None or {inner.rule}"

    def convert(self, name, value, validated):
        return None if value is None else self.inner.convert(name, value, validated)

    def invalid_examples(self, valid):
        if valid is None:
            return []
        return [(bad, error) for bad, error in self.inner.invalid_examples(valid)
                if bad is not None]


class Pair(Constraint):
    """A tuple ``(first, second)`` such as ``eval_data=(X_val, y_val)``.

    Its items are named ``name[0]`` and ``name[1]``; ``second`` sees ``name[0]``.
    """

    def __init__(self, first, second, rule):
        self.first, self.second, self.rule = first, second, rule

    def convert(self, name, value, validated):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            self.refuse(TypeError, name, value)
        items = {f"{name}[0]": self.first.convert(f"{name}[0]", value[0], validated)}
        items[f"{name}[1]"] = self.second.convert(f"{name}[1]", value[1], {**validated, **items})
        return tuple(items.values())

    def invalid_examples(self, valid):
        first, second = valid
        return ([(first, TypeError), ((first,), TypeError)]
                + [((bad, second), error) for bad, error in self.first.invalid_examples(first)]
                + [((first, bad), error) for bad, error in self.second.invalid_examples(second)])


class Structure(Constraint):
    """A list of per-layer dicts of finite float arrays with the shapes of ``template``.

    ``template(validated)`` gives one ``{key: shape}`` per layer; ``origin``
    names where a valid value comes from, such as "forward(X)".
    """

    def __init__(self, template, origin):
        self.template, self.origin = template, origin
        self.rule = f"the list of per-layer dicts that {origin} returns"

    def convert(self, name, value, validated):
        template = self.template(validated)
        if not isinstance(value, (list, tuple)) or len(value) != len(template):
            self.refuse(TypeError, name, value, f"the list of {len(template)} dicts that "
                        f"{self.origin} returns")
        for l, (entry, shapes) in enumerate(zip(value, template)):
            for key, shape in shapes.items():
                array = entry.get(key) if isinstance(entry, dict) else None
                # Exactly ndarray: np.matrix multiplies differently.
                if (type(array) is not np.ndarray or array.shape != shape
                        or array.dtype.kind != "f"):
                    self.refuse(ValueError, f"{name}[{l}]['{key}']", array,
                                f"a float array of shape {shape}, as {self.origin} returns")
                if not np.isfinite(array).all():
                    self.refuse(ValueError, f"{name}[{l}]['{key}']", Got("NaN or inf entries"),
                                "finite")
        return value

    def invalid_examples(self, valid):
        def changed(key_change):
            copy = [dict(entry) for entry in valid]
            key = next(iter(copy[0]))
            copy[0][key] = key_change(copy[0][key])
            return copy

        return [(None, TypeError), (valid[:-1], TypeError),
                (changed(lambda a: a[..., None]), ValueError),
                (changed(lambda a: a.astype(int)), ValueError),
                (changed(lambda a: np.full_like(a, np.nan)), ValueError)]
