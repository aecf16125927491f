"""The benchmark's contestants do the same work as mlp_core's fit.

A ratio is only worth printing if both sides train the same network on the
same data for the same number of steps. These tests hold the references of
``benchmarks/bench_training.py`` to that, and the edits of ``bench_rebuild.py`` to
the files they edit.
"""

import sys

import numpy as np
import pytest

import mlp_core
from book_paths import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_rebuild  # noqa: E402
import bench_training  # noqa: E402
from fused_ceiling import fused_sgd  # noqa: E402


def trained_pair(layer_sizes, X, Y, n_epochs, batch_size, lr, ceiling_epochs=None):
    """Parameters and losses of ``fit`` and of ``fused_sgd`` from the same seed."""
    by_fit, by_ceiling = (mlp_core.NeuralNetworkFromScratch(layer_sizes, lr=lr, rng=3)
                          for _ in range(2))
    fit_losses = by_fit.fit(X, Y, n_epochs=n_epochs, batch_size=batch_size)
    ceiling_losses = fused_sgd(by_ceiling, X, Y,
                               n_epochs if ceiling_epochs is None else ceiling_epochs,
                               batch_size)
    gap = max(np.abs(p[key] - q[key]).max()
              for p, q in zip(by_fit.params, by_ceiling.params) for key in ("W", "b"))
    return gap, fit_losses, ceiling_losses


@pytest.mark.parametrize("layer_sizes, batch_size, lr", [
    ([64, 128, 64, 10], 64, 0.01),   # the benchmarked network
    ([64, 32, 10], 50, 0.1),         # one hidden layer, a ragged last batch
    ([64, 16, 16, 16, 10], 7, 0.05),
])
def test_fused_ceiling_reaches_fits_parameters_and_losses(layer_sizes, batch_size, lr):
    X, y = mlp_core.load_digits_scaled()
    X, Y = X[:300], np.eye(10)[y[:300]]
    gap, fit_losses, ceiling_losses = trained_pair(layer_sizes, X, Y, 3, batch_size, lr)
    assert gap < 1e-12
    np.testing.assert_allclose(ceiling_losses, fit_losses, rtol=1e-12)


def test_parameter_comparison_detects_one_missing_epoch():
    # Negative control: the comparison above is sensitive enough to fail.
    X, y = mlp_core.load_digits_scaled()
    X, Y = X[:300], np.eye(10)[y[:300]]
    gap, _, _ = trained_pair([64, 32, 10], X, Y, 3, 50, 0.1, ceiling_epochs=2)
    assert gap > 1e-4


def test_benchmark_checks_its_ceiling_before_timing(monkeypatch):
    assert bench_training.ceiling_matches_fit(n_epochs=1) < 1e-12
    # A ceiling that drifted from fit must stop the script before anything is timed.
    timed = []
    monkeypatch.setattr(bench_training, "ceiling_matches_fit", lambda: 1.0)
    monkeypatch.setattr(bench_training, "interleaved_times", lambda runs: timed.append(runs))
    with pytest.raises(SystemExit, match="fused_sgd drifted from fit"):
        bench_training.main()
    assert timed == []


def test_fused_ceiling_refuses_sigmoid_networks():
    network = mlp_core.NeuralNetworkFromScratch([2, 4, 2], activation="sigmoid")
    with pytest.raises(ValueError, match="ReLU networks only.*'sigmoid'"):
        fused_sgd(network, np.zeros((4, 2)), np.eye(2)[[0, 1, 1, 0]], 1, 2)


def test_sklearn_reference_runs_the_same_plain_sgd():
    model = bench_training.sklearn_model(n_epochs=2)
    assert model.get_params() | {
        "solver": "sgd", "momentum": 0, "nesterovs_momentum": False, "alpha": 0,
        "learning_rate": "constant", "learning_rate_init": bench_training.LR,
        "batch_size": bench_training.BATCH_SIZE, "early_stopping": False,
        "hidden_layer_sizes": tuple(bench_training.LAYERS[1:-1]), "activation": "relu",
    } == model.get_params()
    bench_training.sklearn_train(model, bench_training.X, bench_training.y)
    # Every epoch ran (no early stop) and visited every sample once.
    assert model.n_iter_ == 2
    assert model.t_ == 2 * len(bench_training.X)
    assert [W.shape for W in model.coefs_] == [
        (i, o) for i, o in zip(bench_training.LAYERS[:-1], bench_training.LAYERS[1:])]


@pytest.mark.parametrize("edit", bench_rebuild.EDITS, ids=lambda edit: edit[0])
def test_each_rebuild_edit_still_applies(edit):
    """bench_rebuild.py edits a text that must still be in the file it edits."""
    _, path, old, _, _ = edit
    assert old in (ROOT / path).read_text(), f"{path} no longer contains {old!r}"
