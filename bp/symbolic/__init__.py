r"""bp.symbolic: SymPy derivations that prove what :mod:`bp` computes.

``import bp`` does not import this package (SymPy is slow to load); use
``import bp.symbolic as bps``. Every per-layer list is indexed by the book's layer
number :math:`l = 1..L` (entry 0 is ``None``, or the input for activations), so
``net.W[l]`` is :math:`W^{(l)}`, the symbolic twin of ``bp_net.layers[l-1].W``.

Demo: the error term :math:`\delta^{(1)} = \partial \mathcal{L}/\partial z^{(1)}` of a 2-2-1
sigmoid network with MSE, derived both ways and proved identical.

>>> import bp.symbolic as bps
>>> net = bps.SymbolicNetwork([2, 2, 1], "sigmoid", loss="mse")
>>> net.W[2]                                  # shape (n_2, n_1), as bp's Dense.W
Matrix([[w^{(2)}_{11}, w^{(2)}_{12}]])

Backprop: :math:`\delta^{(2)} = 2(a^{(2)} - y)\,\sigma'(z^{(2)})` (BP1, the MSE of one
output), then :math:`\delta^{(1)} = (W^{(2)})^\top \delta^{(2)} \odot \sigma'(z^{(1)})` (BP2):

>>> recursion = net.deltas()[1]
>>> recursion.shape
(2, 1)

Brute force: write the loss as a function of :math:`z^{(1)}` and let ``sympy.diff``
do all the work:

>>> brute = net.brute_force_deltas()[1]
>>> bool(bps.prove_equal(brute, recursion))
True

The same for every weight and bias, and numerically against ``bp`` itself:

>>> bool(net.prove())
True
>>> import numpy as np, bp
>>> bp_net = bp.Network([bp.Dense(2, 2, "sigmoid", rng=0), bp.Dense(2, 1, "sigmoid", rng=1)])
>>> X, Y = np.array([[0.5, -1.0], [2.0, 0.3]]), np.array([[1.0], [0.0]])
>>> bps.compare_with_bp(bp_net, X, Y) < 1e-12
True

Public names
------------
* Activations and losses (:mod:`~bp.symbolic.activations`, :mod:`~bp.symbolic.losses`):
  ``ACTIVATIONS``, ``NAMES``, ``SymActivation``, ``sigmoid``, ``softmax``,
  ``softmax_jacobian``, ``softmax_jacobian_textbook``, ``prove_softmax_jacobian``,
  ``LOSSES``, ``SymLoss``, ``FUSED``, ``prove_fused``.
* Proofs (:mod:`~bp.symbolic.proof`): ``Proof``, ``prove_equal``, ``prove_different``,
  ``witness``, ``is_zero``.
* Networks (:mod:`~bp.symbolic.network`, :mod:`~bp.symbolic.backprop`):
  ``SymbolicNetwork``, ``symbolic_network`` (cached), ``weight_symbol``,
  ``bias_symbol``, ``BackpropProof``, ``prove_backprop``.
* NumPy (:mod:`~bp.symbolic.numeric`): ``GradientFunction``, ``lambdify_gradients``,
  ``compare_with_bp``, ``max_relative_error``, ``evaluate``, ``substitutions``.
* The seed article's wrong formulas (:mod:`~bp.symbolic.errata`): ``ERRATA``,
  ``Erratum``, ``get_erratum``, ``measure_erratum``, ``Measure``, ``errata_table``,
  ``prove_wrong``.
* Book notation and display (:mod:`~bp.symbolic.notation`, :mod:`~bp.symbolic.display`):
  ``BookNotation``, ``a_symbol``, ``z_symbol``, ``delta_symbol``, ``Derivation``,
  ``latex``, ``show``, ``derive_output_delta``, ``derive_delta``,
  ``derive_weight_gradient``, ``bp2_matrix_form``, ``forward_equations``,
  ``compare_erratum``, ``FUNCTION_LATEX``.
"""
from .activations import (ACTIVATIONS, NAMES, SymActivation, prove_softmax_jacobian, sigmoid,
                          softmax, softmax_jacobian, softmax_jacobian_textbook)
from .backprop import BackpropProof, prove_backprop
from .display import (FUNCTION_LATEX, Derivation, bp2_matrix_form, compare_erratum,
                      derive_delta, derive_output_delta, derive_weight_gradient,
                      forward_equations, latex, show)
from .errata import (ERRATA, Erratum, Measure, errata_table, get_erratum, measure_erratum,
                     prove_wrong)
from .losses import FUSED, LOSSES, SymLoss, prove_fused
from .notation import BookNotation, a_symbol, delta_symbol, z_symbol
from .network import SymbolicNetwork, bias_symbol, symbolic_network, weight_symbol
from .numeric import (GradientFunction, compare_with_bp, evaluate, lambdify_gradients,
                      max_relative_error, substitutions)
from .proof import Proof, is_zero, prove_different, prove_equal, witness

__all__ = [
    # activations and losses
    "ACTIVATIONS", "NAMES", "SymActivation", "sigmoid", "softmax", "softmax_jacobian",
    "softmax_jacobian_textbook", "prove_softmax_jacobian", "LOSSES", "SymLoss", "FUSED",
    "prove_fused",
    # proofs
    "Proof", "prove_equal", "prove_different", "witness", "is_zero",
    # networks
    "SymbolicNetwork", "symbolic_network", "weight_symbol", "bias_symbol", "BackpropProof",
    "prove_backprop",
    # numpy
    "GradientFunction", "lambdify_gradients", "compare_with_bp", "max_relative_error",
    "evaluate", "substitutions",
    # errata
    "ERRATA", "Erratum", "Measure", "get_erratum", "measure_erratum", "errata_table",
    "prove_wrong",
    # notation and display
    "BookNotation", "a_symbol", "z_symbol", "delta_symbol", "Derivation", "latex", "show",
    "derive_output_delta", "derive_delta", "derive_weight_gradient", "bp2_matrix_form",
    "forward_equations", "compare_erratum", "FUNCTION_LATEX",
]
