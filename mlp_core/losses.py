"""Cross-entropy losses (book sections 2 and 3).

Both return the *mean* loss over the batch, the quantity whose gradient
``backward`` computes.
"""

import numpy as np

from mlp_core.validation import Array, Targets, message, validate

#: Floor used by the source chapter before taking the log of a probability.
PROBABILITY_FLOOR = 1e-15
#: How far a row of probabilities may sum from 1 (float32 softmax rows
#: sum to 1 within about 1e-7; float16 ones within about 1e-3).
ROW_SUM_TOLERANCE = 1e-2


def cross_entropy(y_pred, y_true_onehot):
    """Mean cross-entropy of predicted probabilities, as in the source chapter.

    Parameters
    ----------
    y_pred : ndarray, shape (n_samples, n_classes)
        Predicted probabilities (softmax outputs), in [0, 1].
    y_true_onehot : ndarray, shape (n_samples, n_classes) or (n_samples,)
        One-hot targets, or integer class labels.

    Returns
    -------
    float
        ``-mean_i sum_k Y_ik log P_ik``.

    Notes
    -----
    Probabilities are clipped at ``1e-15`` so that ``log 0`` cannot occur,
    which caps one sample's loss at ``-log(1e-15) ~ 34.5``. For the true
    value on extreme logits use :func:`cross_entropy_from_logits`.
    """
    P, Y = validate(PROBABILITY_CONSTRAINTS, y_pred=y_pred, y_true_onehot=y_true_onehot)
    row_sums = P.sum(axis=1)
    if not np.allclose(row_sums, 1, rtol=0, atol=ROW_SUM_TOLERANCE):
        worst = row_sums[np.argmax(np.abs(row_sums - 1))]
        raise ValueError(message("y_pred", f"rows summing to 1 (within {ROW_SUM_TOLERANCE:g})",
                                 f"a row summing to {worst:.6g}"))
    clipped = np.clip(P, PROBABILITY_FLOOR, 1)
    return float(-np.mean(np.sum(Y * np.log(clipped), axis=1)))


def cross_entropy_from_logits(Z, y_true_onehot):
    """Mean cross-entropy computed from logits with log-sum-exp.

    Parameters
    ----------
    Z : ndarray, shape (n_samples, n_classes)
        Logits (output-layer pre-activations), finite.
    y_true_onehot : ndarray, shape (n_samples, n_classes) or (n_samples,)
        One-hot targets, or integer class labels.

    Returns
    -------
    float

    Notes
    -----
    ``-log softmax(z)_k = logsumexp(z) - z_k``, and
    ``logsumexp(z) = max(z) + log sum exp(z - max(z))`` never overflows, so
    the loss is exact even where a probability underflows to zero.
    """
    Z, Y = validate(LOGIT_CONSTRAINTS, Z=Z, y_true_onehot=y_true_onehot)
    return mean_cross_entropy_from_logits(Z, Y)


def mean_cross_entropy_from_logits(Z, Y):
    """:func:`cross_entropy_from_logits` without argument checks, for checked data.

    ``fit`` and ``gradient_check`` call it many times on arrays they have
    already validated; ``Y`` must be one-hot rows shaped like ``Z``.
    """
    # Class-major copy: numpy reduces a row of a few classes in one short
    # loop per sample, which made this 3x slower on fit's epoch of logits.
    Z_t = np.ascontiguousarray(Z.T)
    Z_max = Z_t.max(axis=0)
    # Differences beyond the float range (logits near +-1e308) become inf:
    # exp(-inf) = 0 is exact, and a loss of inf is the honest answer.
    with np.errstate(over="ignore"):
        log_sum_exp = Z_max + np.log(np.exp(Z_t - Z_max).sum(axis=0))
        true_logit = np.sum(Y.T * Z_t, axis=0)
        return float(np.mean(log_sum_exp - true_logit))


class Scores(Array):
    """A non-empty finite 2-D array (probabilities or logits), computed in at least float32.

    Float16's range would turn the probability floor into 0 and moderate
    logit differences into inf.
    """

    def convert(self, name, value, validated=None):
        array = super().convert(name, value, validated)
        return array.astype(np.promote_types(array.dtype, np.float32), copy=False)


#: The constraints tables of the two losses.
PROBABILITY_CONSTRAINTS = {
    "y_pred": Scores(ndim=2, bounds=(0, 1),
                     bounds_advice="for logits use cross_entropy_from_logits"),
    "y_true_onehot": Targets("y_pred"),
}
LOGIT_CONSTRAINTS = {"Z": Scores(ndim=2), "y_true_onehot": Targets("Z")}
