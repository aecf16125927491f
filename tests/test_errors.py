"""Errors beyond one argument's rule, and inputs that must keep working.

Divergence and its advice, the parameter cap, targets, the digits split, losses
on non-probabilities, the Scalar's domain. pytest runs with warnings as errors,
so a RuntimeWarning on the way fails.
"""

import re

import numpy as np
import pytest

from mlp_core import (
    NeuralNetworkFromScratch,
    TrainingDiverged,
    cross_entropy,
    cross_entropy_from_logits,
    load_digits_scaled,
    load_digits_split,
    softmax,
)
from mlp_core.autodiff import Scalar
from mlp_core.experiments import success_interval, train_digits, train_xor, xor_solved

X = np.random.default_rng(0).random((6, 3))
y = np.array([0, 1, 0, 1, 1, 0])


def network(**options):
    return NeuralNetworkFromScratch([3, 5, 2], rng=0, **options)


def param_copy(net):
    return [{key: array.copy() for key, array in layer.items()} for layer in net.params]


def params_equal(a, b):
    return all(np.array_equal(p[key], q[key]) for p, q in zip(a, b) for key in ("W", "b"))


# -- divergence ------------------------------------------------------------------------

def suggested_rates(error):
    """The learning rates the advice of ``error`` suggests."""
    return [float(rate) for rate in re.findall(r"lr=([0-9.e+-]+) to ([0-9.e+-]+)", error.advice)[0]]


@pytest.mark.parametrize("lr, dtype, reason", [
    (1e300, np.float64, "the mean loss reached"),            # loss explodes in epoch 1
    (1e100, np.float32, "a parameter became inf or NaN"),    # W overflows float32 at once
])
def test_extreme_learning_rates_diverge_cleanly(lr, dtype, reason):
    net = network(lr=lr, dtype=dtype)
    before = param_copy(net)
    with pytest.raises(TrainingDiverged, match=reason) as caught:
        net.fit(X, y, n_epochs=20)
    assert len(caught.value.losses) == caught.value.epoch <= 1
    if caught.value.epoch == 0:
        assert str(caught.value).endswith("before epoch 0; no epoch had finished.")
        assert params_equal(net.params, before)
    assert suggested_rates(caught.value) == pytest.approx([lr / 10, lr / 100], rel=1e-5)
    assert caught.value.advice.endswith("and smaller again while it still diverges.")


def test_digits_divergence_at_lr_50_suggests_a_range_reaching_a_rate_that_trains():
    # lr 5 alone, the advice of a factor 10, also diverges here (seeds 0-2).
    error = train_digits(lr=50.0, n_epochs=3).diverged
    low = min(suggested_rates(error))
    assert low == 0.5
    for seed in range(3):
        assert train_digits(lr=5.0, n_epochs=3, seed=seed).diverged is not None
        assert train_digits(lr=low, n_epochs=3, seed=seed).diverged is None


def test_a_divergence_after_some_epochs_keeps_their_losses():
    net = NeuralNetworkFromScratch([3, 5, 2], lr=8.0, rng=0)
    with pytest.raises(TrainingDiverged) as caught:
        net.fit(X, y, n_epochs=200, batch_size=2)
    error = caught.value
    assert error.epoch > 0 and len(error.losses) == error.epoch == len(net.history["loss"])
    assert f"the losses of the {error.epoch} epochs before are in `.losses`" in str(error)


def test_inputs_too_large_for_the_initial_weights_get_input_advice():
    with pytest.raises(TrainingDiverged) as caught:
        network(lr=1e-12).fit(X * 1e6, y, n_epochs=3)
    error = caught.value
    assert re.fullmatch(r"The first batch already had loss \S+ before any update, so a smaller "
                        r"learning rate will not help: the inputs are too large for the initial "
                        + re.escape(f"weights (largest |X| = {np.abs(X).max() * 1e6:.3g}). Scale "
                                    "the features to about [0, 1] or standardise them."),
                        error.advice), error.advice


def test_first_batch_overflow_is_blamed_on_the_inputs():
    with pytest.raises(TrainingDiverged) as caught:
        # Two wide layers: the second sums 50 activations of about 1e308.
        NeuralNetworkFromScratch([3, 50, 50, 2], rng=0).fit(np.full((6, 3), 1e308), y, n_epochs=1)
    assert "first batch already overflowed before any update" in caught.value.advice


def test_huge_rate_with_eval_data_raises_training_diverged_and_restores():
    # Found by hypothesis: float32 parameters stay finite while the validation
    # logits overflow; the next epoch's loss must report it, not softmax.
    X_one = [[0.0013597475403099618, 0.0012247210785859325]]
    net = NeuralNetworkFromScratch([2, 5, 4, 2], lr=1e20, rng=11, dtype=np.float32)
    with pytest.raises(TrainingDiverged) as caught:
        net.fit(X_one, [1], n_epochs=3, batch_size=1, eval_data=(X_one, [1]))
    assert all(np.isfinite(layer[key]).all() for layer in net.params for key in ("W", "b"))
    assert len(net.history["val_accuracy"]) == caught.value.epoch


def test_a_diverged_digits_run_is_reported_not_raised():
    run = train_digits(lr=10.0, n_epochs=5)
    assert isinstance(run.diverged, TrainingDiverged)
    assert len(run.losses) == run.diverged.epoch


# -- size -------------------------------------------------------------------------------

def test_a_network_beyond_the_parameter_cap_is_refused_before_any_weight_is_drawn():
    # (10000 + 1) * 10000 + (10000 + 1) * 10 = 100,110,010 parameters, twice the cap.
    with pytest.raises(ValueError, match=r"`layer_sizes` must be small enough for at most "
                       r"50,000,000 parameters, got \[10000, 10000, 10\], a network of 100,110,010"):
        NeuralNetworkFromScratch([10_000, 10_000, 10])


@pytest.mark.parametrize("train, hidden", [(train_xor, 10**8), (train_digits, (10**5, 10**5))])
def test_the_parameter_cap_blames_hidden_which_the_caller_wrote(train, hidden):
    with pytest.raises(ValueError, match=r"^`hidden` must be small enough"):
        train(hidden=hidden)


def test_many_classes_are_encoded_without_an_identity_matrix():
    # np.eye(200000) would need 298 GiB.
    assert NeuralNetworkFromScratch([1, 200_000]).score(np.zeros((1, 1)), [0]) in (0.0, 1.0)


# -- shapes and targets -------------------------------------------------------------------

@pytest.mark.parametrize("n_features, advice", [(1, "X.reshape(-1, 1)"), (3, "X.reshape(1, -1)")])
def test_one_dimensional_X_gets_the_reshape_that_fits_the_network(n_features, advice):
    with pytest.raises(ValueError, match=re.escape(advice)):
        NeuralNetworkFromScratch([n_features, 2]).predict(np.zeros(3))


def test_a_one_dimensional_y_pred_is_not_told_to_reshape_X():
    with pytest.raises(ValueError, match=r"^`y_pred` must be a non-empty finite 2-D array") as caught:
        cross_entropy([0.5, 0.5], [0])
    assert "X." not in str(caught.value) and "y_pred.reshape(1, -1)" in str(caught.value)


@pytest.mark.parametrize("targets, message", [
    (np.array([0, 1, 2, 1, 1, 0]), r"got labels 2$"),
    (np.array([0, 1, -1, 1, 1, 0]), r"got labels -1$"),
    (np.array([0, 1, 0.5, 1, 1, 0]), r"got labels 0\.5$"),
    (np.array([[1, 0], [0, 1], [1, 1], [0, 1], [0, 1], [1, 0]]), r"got rows that are not one-hot"),
])
def test_targets_out_of_range_or_not_one_hot_are_refused(targets, message):
    with pytest.raises(ValueError, match=r"^`y_onehot` must be 6 integer labels in 0\.\.1 or 6 "
                                         r"one-hot rows of 2, " + message):
        network().fit(X, targets, n_epochs=1)


def test_integer_labels_and_one_hot_rows_train_identically():
    labels, one_hot = network(lr=0.5), network(lr=0.5)
    assert labels.fit(X, y, n_epochs=3) == one_hot.fit(X, np.eye(2)[y], n_epochs=3)
    assert params_equal(labels.params, one_hot.params)


# -- the digits split ----------------------------------------------------------------------

@pytest.mark.parametrize("validation_size, test_size, counts", [
    (1e-6, 0.2, "1436 for training, 1 for validation and 360 for testing"),
    (0.5, 0.497, "4 for training, 899 for validation and 894 for testing"),
])
def test_split_sizes_that_leave_a_split_too_small_give_every_count(validation_size, test_size,
                                                                    counts):
    with pytest.raises(ValueError, match=r"^`validation_size and test_size` must be such that "
                                         r"each split keeps at least 10 .*" + re.escape(counts)):
        load_digits_split(validation_size, test_size)


@pytest.mark.parametrize("validation_size, test_size", [(10 / 1797, 10 / 1797),
                                                         (1777 / 1797, 10 / 1797)])
def test_extreme_feasible_sizes_keep_every_class_in_every_split(validation_size, test_size):
    *_, y_train, y_val, y_test = load_digits_split(validation_size, test_size)
    assert set(y_train) == set(y_val) == set(y_test) == set(range(10))


# -- losses, activations, Scalar -------------------------------------------------------------

@pytest.mark.parametrize("y_pred, shown", [([[0.0, 0.0]], "row sums from 0"),
                                           ([[2.0, -1.0]], "entries from -1 to 2")])
def test_cross_entropy_refuses_non_probabilities_and_points_to_logits(y_pred, shown):
    with pytest.raises(ValueError, match=rf"^`y_pred` must be probabilities.*{shown}.*"
                                         r"for logits use cross_entropy_from_logits"):
        cross_entropy(y_pred, [0])


def test_losses_compute_float16_in_float32():
    assert cross_entropy(np.array([[0.0, 1.0]], np.float16), [1]) == 0.0
    assert cross_entropy_from_logits(np.array([[6e4, -6e4]], np.float16), [1]) == pytest.approx(
        1.2e5, rel=1e-3)


def test_softmax_of_rows_without_a_probability_vector_is_nan_without_warning():
    P = softmax(np.array([[1.0, np.nan], [1.0, np.inf], [0.0, -np.inf]]))
    assert np.isnan(P[:2]).all()
    np.testing.assert_array_equal(P[2], [1.0, 0.0])  # -inf beside a finite logit: probability 0


@pytest.mark.parametrize("operation, value, rule", [
    ("log", -1.0, "> 0 for log"), ("log", 0.0, "> 0 for log"),
    ("exp", 1000.0, "at most 709.78 for exp, whose result would exceed the largest float")])
def test_scalar_operations_outside_their_domain_say_so(operation, value, rule):
    with pytest.raises(ValueError, match=f"^{re.escape(f'`value` must be {rule}, got {value}')}$"):
        getattr(Scalar(value), operation)()


def test_success_interval_of_a_huge_number_of_trials():
    low, high = success_interval(1, 10**300)
    assert low == 0.0 or 0 < low < 1e-299
    assert 0 < high < 1e-298


# -- values that must keep working -----------------------------------------------------------

def test_numpy_scalars_and_arrays_are_accepted_where_python_ones_are():
    net = NeuralNetworkFromScratch(np.array([3, 5, 2]), lr=np.float32(0.1), rng=np.int64(0),
                                   activation=np.str_("relu"))
    assert net.layer_sizes == [3, 5, 2] and net.lr == pytest.approx(0.1)
    assert params_equal(net.params, network().params)
    net.fit(X, y, n_epochs=np.int64(1), batch_size=np.int32(2))
    _, _, X_test, _, _, _ = load_digits_split(validation_size=np.float64(0.1),
                                              test_size=np.float32(0.3), seed=np.int64(2**32 - 1))
    assert X_test.shape == (540, 64)


@pytest.mark.parametrize("train", [train_xor, train_digits])
def test_seed_none_is_seed_zero_and_numpy_ints_are_seeds(train):
    zero = train(seed=0, n_epochs=2).network.params
    assert params_equal(train(seed=None, n_epochs=2).network.params, zero)
    assert params_equal(train(seed=np.int64(0), n_epochs=2).network.params, zero)
    assert not params_equal(train(seed=np.int64(1), n_epochs=2).network.params, zero)


def test_an_int_hidden_is_one_hidden_layer():
    run = train_digits(hidden=64, n_epochs=1)
    assert run.network.layer_sizes == [64, 64, 10]
    assert params_equal(run.network.params, train_digits(hidden=(64,), n_epochs=1).network.params)
    assert train_digits(hidden=np.array([16, 8]), n_epochs=1).network.layer_sizes == [64, 16, 8, 10]
    assert train_digits(hidden=(), n_epochs=1).network.layer_sizes == [64, 10]


def test_xor_solved_needs_an_xor_run():
    with pytest.raises(TypeError, match=r"`run` must be a Run of an XOR network"):
        xor_solved(train_digits(hidden=4, n_epochs=0))
    assert xor_solved(train_xor(hidden=16)) is True
    assert xor_solved(train_xor(hidden=16, n_epochs=0)) is False


def test_fit_runs_the_math_without_the_public_wrappers(monkeypatch):
    # fit checks its data once; its steps call _forward/_backward/_update directly.
    net = network()

    def refuse(*args):
        raise AssertionError("fit called a checking wrapper")

    for name in ("forward", "backward", "update"):
        monkeypatch.setattr(net, name, refuse)
    net.fit(X, y, n_epochs=2, batch_size=2, eval_data=(X, y))
    with pytest.raises(AssertionError):  # negative control: the patch is in effect
        net.forward(X)
