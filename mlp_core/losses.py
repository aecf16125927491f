"""Cross-entropy losses (book sections 1 and 3): the mean over the batch,
the quantity whose gradient ``backward`` computes."""

__all__ = ["cross_entropy", "cross_entropy_from_logits"]

import numpy as np

from mlp_core import validation as check

#: Floor of a probability before its log: one sample's loss is at most -log(1e-15) ≈ 34.5.
PROBABILITY_FLOOR = 1e-15


def cross_entropy(y_pred, y_true_onehot):
    """Mean cross-entropy ``-mean_i sum_k Y_ik log P_ik`` of probabilities ``y_pred``
    (rows summing to 1) against one-hot rows or labels; clipped at 1e-15, which caps a
    sample's loss at 34.5 (:func:`cross_entropy_from_logits` does not)."""
    P = check.array("y_pred", y_pred, ndim=2)
    P = P.astype(np.promote_types(P.dtype, np.float32))  # float16 would round 1e-15 to 0
    row_sums = P.sum(axis=1)
    if P.min() < 0 or not np.allclose(row_sums, 1, atol=1e-2):  # so no entry is above 1.01
        raise ValueError(check.message(
            "y_pred", "probabilities: entries in [0, 1], rows summing to 1",
            f"entries from {P.min():.3g} to {P.max():.3g}, row sums from {row_sums.min():.6g} "
            f"to {row_sums.max():.6g}", "for logits use cross_entropy_from_logits"))
    Y = check.targets("y_true_onehot", y_true_onehot, *P.shape, P.dtype)
    return float(-np.mean(np.sum(Y * np.log(np.clip(P, PROBABILITY_FLOOR, 1)), axis=1)))


def cross_entropy_from_logits(Z, y_true_onehot):
    """Mean cross-entropy of ``softmax(Z)`` from the logits ``Z``, with log-sum-exp: exact
    even where a probability underflows to 0. ``y_true_onehot`` as in :func:`cross_entropy`."""
    Z = check.array("Z", Z, ndim=2)
    Z = Z.astype(np.promote_types(Z.dtype, np.float32))
    Y = check.targets("y_true_onehot", y_true_onehot, *Z.shape, Z.dtype)
    with np.errstate(over="ignore"):  # logits 1e308 apart: a loss of inf is the honest answer
        return _cross_entropy_from_logits(Z, Y)


def _cross_entropy_from_logits(Z, Y):
    """``-log softmax(z)_k = logsumexp(z) - z_k``, averaged over the rows; trusts its arguments."""
    # Classes as rows: numpy sums a row of ten in a short loop per sample, 3x slower here.
    Z_t = np.ascontiguousarray(Z.T)
    Z_max = Z_t.max(axis=0)
    log_sum_exp = Z_max + np.log(np.exp(Z_t - Z_max).sum(axis=0))
    return float(np.mean(log_sum_exp - np.sum(Y.T * Z_t, axis=0)))
