"""NeuralNetworkFromScratch: the chapter's results, determinism, divergence, features."""

import functools

import numpy as np
import pytest

from mlp_core import (
    NeuralNetworkFromScratch,
    TrainingDiverged,
    load_digits_scaled,
    load_digits_split,
    softmax,
    xor_data,
)
from mlp_core.activations import relu, sigmoid
from mlp_core.experiments import train_digits, train_xor, xor_solved


@functools.lru_cache(maxsize=None)
def _digits():
    return load_digits_scaled()


@functools.lru_cache(maxsize=None)
def _split():
    return load_digits_split()


def digits():
    X, y = _digits()
    return X.copy(), y.copy()


def split():
    return tuple(a.copy() for a in _split())


def xor_tiled():
    X, y = xor_data()
    return np.tile(X, (100, 1)), np.tile(y, 100)


def snapshot(net):
    return [{"W": p["W"].copy(), "b": p["b"].copy()} for p in net.params]


def params_equal(a, b):
    return len(a) == len(b) and all(
        np.array_equal(p["W"], q["W"]) and np.array_equal(p["b"], q["b"]) for p, q in zip(a, b))


# -- 3. the source chapter's printed results ------------------------------------

def test_reproduces_the_source_chapter_xor_then_digits_with_one_shared_rng():
    rng = np.random.default_rng(42)
    X_xor, y_xor = xor_data()
    xor_net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=rng)
    xor_net.fit(np.tile(X_xor, (100, 1)), np.tile(np.eye(2)[y_xor], (100, 1)),
                n_epochs=200, batch_size=64)
    np.testing.assert_array_equal(xor_net.predict(X_xor), [0, 1, 1, 0])
    assert xor_net.score(X_xor, y_xor) == 1.0

    X, y = digits()
    net = NeuralNetworkFromScratch([64, 128, 64, 10], lr=0.01, rng=rng)  # same rng
    net.fit(X, np.eye(10)[y], n_epochs=100, batch_size=64)
    acc = np.mean(net.predict(X) == y)
    assert f"{acc:.4f}" == "0.9800"
    assert net.score(X, y) == acc


# -- 8. validation accuracy with the chapter's configuration -----------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_validation_digits_accuracy(seed):
    X_train, X_val, _, y_train, y_val, _ = split()
    net = NeuralNetworkFromScratch([64, 128, 64, 10], lr=0.01, rng=np.random.default_rng(seed))
    net.fit(X_train, y_train, n_epochs=100, batch_size=64)
    assert net.score(X_val, y_val) >= 0.95


# -- 4. determinism ---------------------------------------------------------------

def _fit_xor(rng, n_epochs=20, **kwargs):
    X, y = xor_tiled()
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=rng, **kwargs)
    losses = net.fit(X, y, n_epochs=n_epochs, batch_size=64)
    return net, losses


def test_same_seed_gives_identical_weights_and_losses():
    a, la = _fit_xor(np.random.default_rng(5))
    b, lb = _fit_xor(np.random.default_rng(5))
    assert params_equal(a.params, b.params)
    assert la == lb
    assert len(la) == 20


def test_different_seed_gives_different_weights():
    a, la = _fit_xor(np.random.default_rng(5))
    b, lb = _fit_xor(np.random.default_rng(6))
    assert not np.array_equal(a.params[0]["W"], b.params[0]["W"])
    assert la != lb


def test_rng_none_means_seed_zero_and_int_seed_is_accepted():
    none_net, none_losses = _fit_xor(None)
    zero_net, zero_losses = _fit_xor(0)
    gen_net, gen_losses = _fit_xor(np.random.default_rng(0))
    assert params_equal(none_net.params, zero_net.params)
    assert params_equal(zero_net.params, gen_net.params)
    assert none_losses == zero_losses == gen_losses
    seven, _ = _fit_xor(7)
    seven_gen, _ = _fit_xor(np.random.default_rng(7))
    assert params_equal(seven.params, seven_gen.params)
    assert not params_equal(seven.params, zero_net.params)


def test_generator_is_shared_not_copied():
    rng = np.random.default_rng(3)
    NeuralNetworkFromScratch([2, 4, 2], rng=rng)
    # drawing the initial weights advanced the caller's generator
    assert rng.random() != np.random.default_rng(3).random()


# -- 7. divergence ------------------------------------------------------------------

def test_divergence_raises_restores_parameters_and_explains():
    X, y = digits()
    net = NeuralNetworkFromScratch([64, 128, 64, 10], lr=50, rng=np.random.default_rng(0))
    before = snapshot(net)
    with pytest.raises(TrainingDiverged) as info:
        net.fit(X, y, n_epochs=5, batch_size=64)
    error = info.value
    assert isinstance(error, ArithmeticError)
    assert error.epoch == 0
    assert f"epoch {error.epoch}" in str(error)
    assert "times smaller" in str(error)
    assert "lr=50" in str(error)
    assert isinstance(error.losses, list) and error.losses == []
    assert error.lr == 50
    assert not np.isfinite(error.loss) or error.loss > 10 * np.log(10)
    assert all(np.isfinite(p["W"]).all() and np.isfinite(p["b"]).all() for p in net.params)
    # restored to the values before the failing epoch (epoch 0: the initial ones)
    assert params_equal(net.params, before)


def test_divergence_restores_the_trained_parameters():
    X, y = xor_tiled()
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=np.random.default_rng(1))
    net.fit(X, y, n_epochs=3)
    trained = snapshot(net)
    good_losses = list(net.history["loss"])

    # Make the next epoch blow up; the restored parameters must be `trained`.
    net.lr = 1e6
    with pytest.raises(TrainingDiverged, match="times smaller") as info:
        net.fit(X, y, n_epochs=3)
    assert info.value.epoch == 0
    assert params_equal(net.params, trained)
    assert good_losses and net.history["loss"] == []


def test_callback_sees_epochs_before_divergence():
    # A divergence after k good epochs carries their k losses.
    X, y = digits()
    seen = []

    def blow_up_after_two(epoch, loss):
        seen.append(loss)
        if epoch == 1:
            net.lr = 1e4

    net = NeuralNetworkFromScratch([64, 32, 10], lr=0.01, rng=np.random.default_rng(0))
    with pytest.raises(TrainingDiverged) as info:
        net.fit(X, y, n_epochs=10, on_epoch_end=blow_up_after_two)
    assert info.value.epoch == 2
    assert "epoch 2" in str(info.value)
    assert info.value.losses == seen and len(seen) == 2
    assert all(np.isfinite(p["W"]).all() for p in net.params)


def test_tiny_learning_rate_does_not_raise():
    X, y = digits()
    net = NeuralNetworkFromScratch([64, 128, 64, 10], lr=1e-6, rng=np.random.default_rng(0))
    losses = net.fit(X, y, n_epochs=3)
    assert len(losses) == 3 and all(np.isfinite(losses))


# -- 9. features ----------------------------------------------------------------------

def test_integer_labels_and_one_hot_train_identically():
    X, y = xor_tiled()
    a = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=np.random.default_rng(9))
    b = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=np.random.default_rng(9))
    la = a.fit(X, y, n_epochs=15)
    lb = b.fit(X, np.eye(2)[y], n_epochs=15)
    assert la == lb
    assert params_equal(a.params, b.params)


def test_predict_proba_predict_and_score_are_consistent():
    X, y = digits()
    net = NeuralNetworkFromScratch([64, 16, 10], lr=0.01, rng=np.random.default_rng(0))
    net.fit(X[:300], y[:300], n_epochs=2)
    P = net.predict_proba(X)
    assert P.shape == (len(X), 10)
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    pred = net.predict(X)
    np.testing.assert_array_equal(pred, P.argmax(axis=1))
    acc = net.score(X, y)
    assert 0 < acc < 1  # partially trained: the comparison is not trivially all-or-nothing
    assert acc == np.mean(pred == y)
    assert net.score(X, np.eye(10)[y]) == acc


def test_forward_computes_the_documented_layers():
    rng = np.random.default_rng(4)
    for activation, sigma in (("relu", relu), ("sigmoid", sigmoid)):
        net = NeuralNetworkFromScratch([3, 5, 4, 2], rng=rng, activation=activation)
        for p in net.params:
            p["b"][:] = rng.normal(size=p["b"].shape)
        X = rng.normal(size=(6, 3))
        cache = net.forward(X)
        A = X
        for layer, step in zip(net.params[:-1], cache[:-1]):
            Z = A @ layer["W"] + layer["b"]
            np.testing.assert_allclose(step["z"], Z, rtol=1e-14)
            A = sigma(Z)
            np.testing.assert_allclose(step["a"], A, rtol=1e-14)
        Z = A @ net.params[-1]["W"] + net.params[-1]["b"]
        np.testing.assert_allclose(cache[-1]["z"], Z, rtol=1e-13)
        np.testing.assert_allclose(cache[-1]["a"], softmax(Z), rtol=1e-13)


def test_update_is_one_sgd_step():
    net = NeuralNetworkFromScratch([3, 4, 2], lr=0.25, rng=0)
    before = snapshot(net)
    rng = np.random.default_rng(8)
    grads = [{"dW": rng.normal(size=p["W"].shape), "db": rng.normal(size=p["b"].shape)}
             for p in net.params]
    net.update(grads)
    for p, q, g in zip(net.params, before, grads):
        np.testing.assert_array_equal(p["W"], q["W"] - 0.25 * g["dW"])
        np.testing.assert_array_equal(p["b"], q["b"] - 0.25 * g["db"])


def test_he_initialisation():
    net = NeuralNetworkFromScratch([400, 500, 3], rng=np.random.default_rng(0))
    W = net.params[0]["W"]
    assert W.shape == (400, 500) and net.params[1]["W"].shape == (500, 3)
    assert abs(W.std() / np.sqrt(2 / 400) - 1) < 0.01
    assert abs(W.mean()) < 0.002
    assert all(np.array_equal(p["b"], np.zeros_like(p["b"])) for p in net.params)


def test_record_grad_norms():
    X, y = xor_tiled()
    net = NeuralNetworkFromScratch([2, 4, 3, 2], lr=0.5, rng=np.random.default_rng(2))
    net.fit(X, y, n_epochs=7, record_grad_norms=True)
    norms = net.history["grad_norms"]
    assert isinstance(norms, np.ndarray)
    assert norms.shape == (7, 3)
    assert np.all(norms > 0) and np.all(np.isfinite(norms))


def test_grad_norms_are_the_norms_of_the_backward_gradients():
    # With one full batch per epoch, epoch 0's norms are those of the
    # gradient at the initial parameters (rows are only permuted).
    X, y = xor_tiled()
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=np.random.default_rng(2))
    Y = np.eye(2)[y]
    expected = [np.linalg.norm(g["dW"]) for g in net.backward(X, net.forward(X), Y)]
    net.fit(X, y, n_epochs=1, batch_size=len(X), record_grad_norms=True)
    np.testing.assert_allclose(net.history["grad_norms"][0], expected, rtol=1e-10)


def test_eval_data_records_accuracies():
    X_train, X_val, _, y_train, y_val, _ = split()
    net = NeuralNetworkFromScratch([64, 32, 10], lr=0.05, rng=np.random.default_rng(0))
    losses = net.fit(X_train, y_train, n_epochs=4, eval_data=(X_val, y_val))
    train_acc, val_acc = net.history["train_accuracy"], net.history["val_accuracy"]
    assert len(train_acc) == len(val_acc) == len(losses) == 4
    assert all(0 <= a <= 1 for a in train_acc + val_acc)
    assert train_acc[-1] == net.score(X_train, y_train)
    assert val_acc[-1] == net.score(X_val, y_val)
    assert train_acc[-1] > train_acc[0] or train_acc[0] > 0.9
    assert "grad_norms" not in net.history


def test_history_loss_is_returned_as_a_copy():
    X, y = xor_tiled()
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=0)
    losses = net.fit(X, y, n_epochs=30)
    assert losses == net.history["loss"]
    assert losses is not net.history["loss"]
    assert losses[-1] < losses[0]


def test_float32_keeps_parameters_float32_and_solves_xor():
    X, y = xor_tiled()
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=np.random.default_rng(42),
                                   dtype=np.float32)
    assert all(p["W"].dtype == np.float32 and p["b"].dtype == np.float32 for p in net.params)
    net.fit(X, y, n_epochs=200, batch_size=64)
    assert all(p["W"].dtype == np.float32 and p["b"].dtype == np.float32 for p in net.params)
    assert net.predict_proba(X).dtype == np.float32
    np.testing.assert_array_equal(net.predict(xor_data()[0]), [0, 1, 1, 0])


def test_float32_digits_accuracy():
    X_train, X_val, _, y_train, y_val, _ = split()
    net = NeuralNetworkFromScratch([64, 128, 64, 10], lr=0.01, rng=np.random.default_rng(0),
                                   dtype=np.float32)
    net.fit(X_train, y_train, n_epochs=100, batch_size=64)
    assert all(p["W"].dtype == np.float32 for p in net.params)
    assert net.score(X_val, y_val) >= 0.9


def test_on_epoch_end_is_called_once_per_epoch():
    X, y = xor_tiled()
    calls = []
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=0)
    losses = net.fit(X, y, n_epochs=6, on_epoch_end=lambda epoch, loss: calls.append((epoch, loss)))
    assert [c[0] for c in calls] == list(range(6))
    assert [c[1] for c in calls] == losses


def test_zero_epochs_returns_empty_and_changes_nothing():
    X, y = xor_tiled()
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=0)
    before = snapshot(net)
    assert net.fit(X, y, n_epochs=0) == []
    assert params_equal(net.params, before)


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_does_not_modify_callers_arrays(one_hot, dtype):
    X, y = xor_tiled()
    X = X.astype(np.float64)
    target = np.eye(2)[y] if one_hot else y
    X_copy, target_copy = X.copy(), target.copy()
    X_test, y_test = X[:8].copy(), y[:8].copy()
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=0, dtype=dtype)
    net.fit(X, target, n_epochs=3, eval_data=(X_test, y_test))
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(target, target_copy)
    np.testing.assert_array_equal(X_test, X[:8])
    np.testing.assert_array_equal(y_test, y[:8])
    assert X.dtype == np.float64 and target.dtype == target_copy.dtype


def test_fit_loss_is_the_mean_training_cross_entropy():
    # batch_size = n: one step per epoch, so epoch 0's loss is the loss at the
    # initial parameters.
    X, y = xor_tiled()
    net = NeuralNetworkFromScratch([2, 4, 2], lr=0.5, rng=np.random.default_rng(3))
    initial = net.loss(net.forward(X)[-1]["a"], np.eye(2)[y])
    losses = net.fit(X, y, n_epochs=2, batch_size=len(X))
    assert losses[0] == pytest.approx(initial, rel=1e-12)


# -- experiments helpers --------------------------------------------------------------------

def test_train_xor_matches_a_direct_run_and_solves_xor():
    run = train_xor(seed=0)
    assert run.diverged is None and len(run.losses) == 200
    assert xor_solved(run)
    direct, losses = _fit_xor(np.random.default_rng(0), n_epochs=200)
    assert params_equal(run.network.params, direct.params)
    assert run.losses == losses


def test_train_digits_records_everything_and_catches_divergence():
    run = train_digits(hidden=(16,), n_epochs=2)
    assert set(run.history) == {"loss", "grad_norms", "train_accuracy", "val_accuracy"}
    assert run.history["grad_norms"].shape == (2, 2)
    bad = train_digits(hidden=(16,), lr=1e4, n_epochs=2)
    assert isinstance(bad.diverged, TrainingDiverged)
    assert all(np.isfinite(p["W"]).all() for p in bad.network.params)


@pytest.mark.parametrize("init, variance", [("he", lambda n_in, n_out: 2 / n_in),
                                            ("glorot", lambda n_in, n_out: 2 / (n_in + n_out))])
def test_initial_weight_variance(init, variance):
    net = NeuralNetworkFromScratch([400, 100, 3], rng=0, init=init)
    assert abs(net.params[0]["W"].std() / np.sqrt(variance(400, 100)) - 1) < 0.01
    assert net.history == {}
    defaults = NeuralNetworkFromScratch([3, 2])
    assert (defaults.lr, defaults.activation, defaults.dtype, defaults.init) == (
        0.01, "relu", np.float64, "he")


def test_fit_records_what_its_steps_compute():
    # A float32 network and a ragged last batch: epoch 0 replayed step by step
    # from a copy of the network and its generator.
    import copy

    from mlp_core.losses import _cross_entropy_from_logits

    X, y = np.random.default_rng(5).random((6, 3)), np.array([0, 1, 1, 0, 1, 0])
    net = NeuralNetworkFromScratch([3, 5, 2], lr=0.3, rng=1, dtype=np.float32)
    twin = copy.deepcopy(net)
    net.fit(X, y, n_epochs=1, batch_size=4, record_grad_norms=True)
    order = twin.rng.permutation(6)
    Xs, Ys = X[order].astype(np.float32), np.eye(2, dtype=np.float32)[y[order]]
    logits, norms = [], []
    for batch, cache, grads in twin._sgd_steps(Xs, Ys, 4):
        logits.append(cache[-1]["z"])
        norms.append([np.linalg.norm(g["dW"]) for g in grads])
    assert net.history["loss"] == [_cross_entropy_from_logits(np.vstack(logits), Ys)]
    np.testing.assert_array_equal(net.history["grad_norms"][0],
                                  np.sum(np.array(norms, dtype=np.float64), axis=0) / 2)
    assert all(p["W"].dtype == np.float32 for p in net.params)
    grads = net.backward(X, net.forward(X), y)
    assert all(g[key].dtype == np.float32 for g in grads for key in ("dW", "db"))


def test_fit_defaults_are_200_epochs_of_batches_of_64(monkeypatch):
    net = NeuralNetworkFromScratch([3, 2], rng=0)
    steps = []
    update = net._update
    monkeypatch.setattr(net, "_update", lambda grads: (steps.append(1), update(grads)))
    X = np.random.default_rng(0).random((65, 3))
    assert len(net.fit(X, np.zeros(65, dtype=int))) == 200
    assert len(steps) == 200 * 2  # 64 rows, then 1


def test_fit_holds_the_blas_to_one_thread():
    from threadpoolctl import threadpool_info

    seen = []
    net = NeuralNetworkFromScratch([3, 2], rng=0)
    net.fit(np.ones((4, 3)), [0, 1, 0, 1], n_epochs=1, on_epoch_end=lambda epoch, loss: seen.extend(
        pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"))
    assert seen and set(seen) == {1}


def test_a_bias_that_stops_being_finite_is_divergence(monkeypatch):
    net = NeuralNetworkFromScratch([3, 2], rng=0)
    before = [{key: p[key].copy() for key in p} for p in net.params]
    update = net._update

    def update_then_break_a_bias(grads):
        update(grads)
        net.params[0]["b"][0] = np.inf

    monkeypatch.setattr(net, "_update", update_then_break_a_bias)
    with pytest.raises(TrainingDiverged, match="a parameter became inf or NaN"):
        net.fit(np.ones((4, 3)), [0, 1, 0, 1], n_epochs=1)
    assert all(np.array_equal(p[key], q[key]) for p, q in zip(net.params, before) for key in p)
