"""mlp_core: the from-scratch multilayer perceptron of "Neural Network Math Review".

Shape convention (used by every function in the package and by the book):
rows are samples.

=============  =========================  ==========================================
symbol         array                      shape
=============  =========================  ==========================================
``X``          inputs                     ``(n_samples, n_features)``
``W_l``        weights of layer ``l``     ``(n_in, n_out)``
``b_l``        biases of layer ``l``      ``(n_out,)``
``Z_l``        pre-activations            ``(n_samples, n_out)``, ``Z = A @ W + b``
``A_l``        activations                ``(n_samples, n_out)``
``Y``          one-hot targets            ``(n_samples, n_classes)``
=============  =========================  ==========================================

Errors
------
Every public function and method validates its arguments once, on entry,
against a constraints table (see :mod:`mlp_core.validation`); the math
behind it trusts what was validated. A plausible mistake raises
``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, outside
the rule), worded "`name` must be <rule>, got <value>", sometimes followed by
advice. An exotic object may get numpy's own error instead. A training run
that blows up raises :class:`TrainingDiverged`, which says what to change;
``train_xor`` and ``train_digits`` return it in ``Run.diverged`` instead.

Modules
-------
activations  ReLU, sigmoid, softmax and their derivatives.
losses       Cross-entropy on probabilities and on logits.
network      ``NeuralNetworkFromScratch``: forward, backward, SGD, fit, predict.
gradcheck    Central-difference gradient check.
autodiff     Scalar reverse-mode automatic differentiation.
validation   Constraints tables, the one validator and its message template.
data         XOR and the scaled digits data set.
plotting     Matplotlib figures used by the book.
widgets      ipywidgets explorers, live and precomputed.

Only ``plotting`` imports matplotlib and only ``widgets`` imports ipywidgets.
"""

from mlp_core.activations import relu, relu_grad, sigmoid, sigmoid_grad, softmax
from mlp_core.data import load_digits_scaled, load_digits_split, xor_data
from mlp_core.gradcheck import gradient_check
from mlp_core.losses import cross_entropy, cross_entropy_from_logits
from mlp_core.network import NeuralNetworkFromScratch, TrainingDiverged

__all__ = [
    "NeuralNetworkFromScratch",
    "TrainingDiverged",
    "cross_entropy",
    "cross_entropy_from_logits",
    "gradient_check",
    "load_digits_scaled",
    "load_digits_split",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "xor_data",
]
