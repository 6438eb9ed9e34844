r"""The activation functions of :mod:`bp.activations` as SymPy expressions.

Every element-wise activation is a :class:`SymActivation` in the registry
:data:`ACTIVATIONS`, under the same name as in :data:`bp.activations.ACTIVATIONS`.
It carries

* ``f(z)``: the function, as an expression in any argument;
* ``derivative(z)``: :math:`f'(z)` computed by ``sympy.diff``;
* ``textbook(z)``: the derivative as textbooks write it (for instance
  :math:`\sigma(1-\sigma)`), which :meth:`SymActivation.prove` shows equal to the
  ``diff`` result.

ReLU, leaky ReLU and ELU are ``Piecewise``. The value of a derivative at the kink
:math:`z = 0` is a *convention*, not a result: it is whichever branch the condition
``z > 0`` leaves 0 to, and the conditions are written so that it matches ``bp`` (and
PyTorch): 0 for ReLU, 0.01 for leaky ReLU (ELU, :math:`z` for :math:`z > 0` and
:math:`e^z - 1` for :math:`z \le 0`, with its left piece unscaled as in PyTorch's default
``alpha=1.0``, has derivative 1 from both sides). ``sympy.diff(sympy.Max(0, z))`` would
give ``Heaviside(z)``, which is 1/2 at 0. Softmax maps a whole vector, so it lives in
:data:`SOFTMAX` with its Jacobian :math:`\operatorname{diag}(s) - s s^\top`.

>>> import sympy as sp
>>> from bp.symbolic import ACTIVATIONS
>>> z = sp.Symbol("z")
>>> bool(ACTIVATIONS["sigmoid"].prove())
True
>>> ACTIVATIONS["tanh"].derivative(z)
1 - tanh(z)**2
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .._validation import lookup
from .proof import Proof, prove_equal

#: The default argument of an activation, :math:`z`.
z = sp.Symbol("z", real=True)

_GELU_C = sp.sqrt(2 / sp.pi)
_GELU_K = sp.Rational(44715, 10 ** 6)
LEAKY_SLOPE = sp.Rational(1, 100)


def sigmoid(z: sp.Expr) -> sp.Expr:
    r""":math:`\sigma(z) = 1/(1 + e^{-z})`."""
    return 1 / (1 + sp.exp(-z))


def _relu(z):
    return sp.Piecewise((z, z > 0), (0, True))


def _relu_textbook(z):
    return sp.Piecewise((1, z > 0), (0, True))


def _leaky(z):
    return sp.Piecewise((z, z > 0), (LEAKY_SLOPE * z, True))


def _leaky_textbook(z):
    return sp.Piecewise((1, z > 0), (LEAKY_SLOPE, True))


def _silu(z):
    return z * sigmoid(z)


def _silu_textbook(z):
    return sigmoid(z) * (1 + z * (1 - sigmoid(z)))


def _elu(z):
    """ELU with its left piece unscaled: z for z > 0, exp(z) - 1 for z <= 0."""
    return sp.Piecewise((z, z > 0), (sp.exp(z) - 1, True))


def _elu_textbook(z):
    return sp.Piecewise((1, z > 0), (sp.exp(z), True))


def _gelu(z):
    return z / 2 * (1 + sp.tanh(_GELU_C * (z + _GELU_K * z ** 3)))


def _gelu_textbook(z):
    t = sp.tanh(_GELU_C * (z + _GELU_K * z ** 3))
    return (1 + t) / 2 + z / 2 * (1 - t ** 2) * _GELU_C * (1 + 3 * _GELU_K * z ** 2)


@dataclass(frozen=True)
class SymActivation:
    r"""An element-wise activation as SymPy expressions.

    Attributes
    ----------
    name : str
        The name in :data:`bp.activations.ACTIVATIONS`.
    f : callable
        ``f(expr) -> expr``, the activation applied to any SymPy expression.
    textbook : callable
        ``textbook(expr) -> expr``, the derivative in its textbook form.
    latex : str
        How the book writes :math:`f'` of this activation.
    """

    name: str
    f: Callable[[sp.Expr], sp.Expr]
    textbook: Callable[[sp.Expr], sp.Expr]
    latex: str

    def __call__(self, arg: sp.Expr) -> sp.Expr:
        return self.f(arg)

    def derivative(self, arg: sp.Expr = z) -> sp.Expr:
        r""":math:`f'(\text{arg})` by ``sympy.diff`` (the argument may be any expression)."""
        return sp.diff(self.f(z), z).subs(z, arg)

    def prove(self) -> Proof:
        """Prove that ``sympy.diff`` of ``f`` equals the textbook derivative."""
        return prove_equal(self.derivative(z), self.textbook(z))


ACTIVATIONS: dict[str, SymActivation] = {
    "identity": SymActivation("identity", lambda u: u, lambda u: sp.Integer(1), "f'(z) = 1"),
    "sigmoid": SymActivation("sigmoid", sigmoid,
                             lambda u: sigmoid(u) * (1 - sigmoid(u)),
                             r"\sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr)"),
    "tanh": SymActivation("tanh", sp.tanh, lambda u: 1 - sp.tanh(u) ** 2,
                          r"\tanh'(z) = 1 - \tanh^2 z"),
    "relu": SymActivation("relu", _relu, _relu_textbook,
                          r"\operatorname{ReLU}'(z) = [z > 0]"),
    "leaky_relu": SymActivation("leaky_relu", _leaky, _leaky_textbook,
                                r"f'(z) = 1 \text{ if } z > 0 \text{ else } 0.01"),
    "softplus": SymActivation("softplus", lambda u: sp.log(1 + sp.exp(u)), sigmoid,
                              r"\operatorname{softplus}'(z) = \sigma(z)"),
    "gelu_tanh": SymActivation("gelu_tanh", _gelu, _gelu_textbook,
                               r"f'(z) = \tfrac12(1+t) + \tfrac12 z (1-t^2)\,c\,(1 + 3kz^2)"),
    "silu": SymActivation("silu", _silu, _silu_textbook,
                          r"f'(z) = \sigma(z)\,\bigl(1 + z\,(1 - \sigma(z))\bigr)"),
    "elu": SymActivation("elu", _elu, _elu_textbook,
                         r"f'(z) = 1 \text{ if } z > 0 \text{ else } e^{z}"),
}


# ------------------------------------------------------------------- softmax
def softmax(v) -> sp.Matrix:
    r"""Softmax of a column vector, :math:`s_i = e^{v_i} / \sum_j e^{v_j}`."""
    v = sp.Matrix(v)
    e = v.applyfunc(sp.exp)
    return e / sum(e)


def softmax_jacobian(v) -> sp.Matrix:
    r"""The Jacobian :math:`\partial s_i / \partial v_j` by ``sympy`` differentiation."""
    v = sp.Matrix(v)
    return softmax(v).jacobian(v)


def softmax_jacobian_textbook(v) -> sp.Matrix:
    r"""The textbook Jacobian :math:`\operatorname{diag}(s) - s s^\top`."""
    s = softmax(v)
    return sp.diag(*s) - s * s.T


def prove_softmax_jacobian(n: int = 3) -> Proof:
    """Prove ``softmax_jacobian == diag(s) - s s^T`` for ``n`` symbolic inputs."""
    v = sp.Matrix(sp.symbols(f"z_1:{n + 1}", real=True))
    return prove_equal(softmax_jacobian(v), softmax_jacobian_textbook(v))


#: The names of every activation, element-wise ones and ``"softmax"``.
NAMES = tuple(ACTIVATIONS) + ("softmax",)


def get_activation(name: str) -> SymActivation:
    """Look up an element-wise activation (``softmax`` is handled by vector code)."""
    return lookup(ACTIVATIONS, name, "symbolic activation")


def apply(name: str, v: sp.Matrix) -> sp.Matrix:
    """Apply activation ``name`` to the column vector ``v`` (softmax included)."""
    if name == "softmax":
        return softmax(v)
    act = get_activation(name)
    return sp.Matrix(v).applyfunc(act.f)


def jacobian(name: str, v: sp.Matrix) -> sp.Matrix:
    r"""The Jacobian :math:`\partial a/\partial z` at ``v``: diagonal unless softmax."""
    if name == "softmax":
        return softmax_jacobian(v)
    act = get_activation(name)
    return sp.diag(*[act.derivative(vi) for vi in v])
