"""mlp_core: the from-scratch multilayer perceptron of "Neural Network Math Review".

Shape convention of every function in the package and of the book: rows are samples.

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
Arguments are checked once, where a reader's data enters (the network's constructor and public
methods, the losses, ``gradient_check``, ``scalar_gradients``, the data loaders, experiments and
explorers); behind them the math trusts them. A plausible mistake raises ``TypeError`` (wrong
kind of value) or ``ValueError`` (outside the rule), worded "`name` must be <rule>, got <value>",
sometimes with advice. A run that blows up raises :class:`TrainingDiverged`, which says what to
change (``train_xor`` and ``train_digits`` return it in ``Run.diverged``).

Modules: ``activations``, ``losses``, ``network`` (``NeuralNetworkFromScratch``),
``gradcheck``, ``autodiff`` (scalar reverse mode), ``data``, ``experiments`` (the
chapter's runs), ``validation`` (the rules), ``plotting`` (the only one to import
matplotlib) and ``widgets`` (the explorers, the only one to import ipywidgets).
"""

from mlp_core.activations import relu, relu_grad, sigmoid, sigmoid_grad, softmax
from mlp_core.data import load_digits_scaled, load_digits_split, xor_data
from mlp_core.gradcheck import gradient_check
from mlp_core.losses import cross_entropy, cross_entropy_from_logits
from mlp_core.network import NeuralNetworkFromScratch, TrainingDiverged

__all__ = ["NeuralNetworkFromScratch", "TrainingDiverged", "cross_entropy",
           "cross_entropy_from_logits", "gradient_check", "load_digits_scaled",
           "load_digits_split", "relu", "relu_grad", "sigmoid", "sigmoid_grad", "softmax",
           "xor_data"]
