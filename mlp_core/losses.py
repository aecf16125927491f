"""Cross-entropy losses (book sections 2 and 3).

Both return the *mean* loss over the batch, the quantity whose gradient
``backward`` computes.
"""

import numpy as np

#: Floor used by the source chapter before taking the log of a probability.
PROBABILITY_FLOOR = 1e-15


def cross_entropy(y_pred, y_true_onehot):
    """Mean cross-entropy of predicted probabilities, as in the source chapter.

    Parameters
    ----------
    y_pred : ndarray, shape (n_samples, n_classes)
        Predicted probabilities (softmax outputs).
    y_true_onehot : ndarray, shape (n_samples, n_classes)
        One-hot targets.

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
    clipped = np.clip(y_pred, PROBABILITY_FLOOR, 1)
    return float(-np.mean(np.sum(y_true_onehot * np.log(clipped), axis=1)))


def cross_entropy_from_logits(Z, y_true_onehot):
    """Mean cross-entropy computed from logits with log-sum-exp.

    Parameters
    ----------
    Z : ndarray, shape (n_samples, n_classes)
        Logits (output-layer pre-activations).
    y_true_onehot : ndarray, shape (n_samples, n_classes)
        One-hot targets.

    Returns
    -------
    float

    Notes
    -----
    ``-log softmax(z)_k = logsumexp(z) - z_k``, and
    ``logsumexp(z) = max(z) + log sum exp(z - max(z))`` never overflows, so
    the loss is exact even where a probability underflows to zero.
    """
    # Class-major copy: numpy reduces a row of a few classes in one short
    # loop per sample, which made this 3x slower on fit's epoch of logits.
    Z_t = np.ascontiguousarray(Z.T)
    Z_max = Z_t.max(axis=0)
    # Differences beyond the float range (logits near +-1e308) become inf:
    # exp(-inf) = 0 is exact, and a loss of inf is the honest answer.
    with np.errstate(over="ignore"):
        log_sum_exp = Z_max + np.log(np.exp(Z_t - Z_max).sum(axis=0))
        true_logit = np.sum(y_true_onehot.T * Z_t, axis=0)
        return float(np.mean(log_sum_exp - true_logit))
