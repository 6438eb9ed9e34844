r"""LaTeX for chapters: derivations step by step, in the book's notation, checked.

A :class:`Derivation` is a list of steps ``(label, latex)``; in a notebook it
displays as one aligned block of equations (Markdown with ``$$``, which MathJax 3
renders), each line with its label on the right. The ``derive_*`` functions build the
derivations of backpropagation for a :class:`~bp.symbolic.SymbolicNetwork` in the
symbols :math:`a^{(l)}_j, z^{(l)}_j, \delta^{(l)}_j, w^{(l)}_{jk}` (see
:mod:`bp.symbolic.notation`), and :meth:`Derivation.verify` proves the final line
equal to ``sympy.diff`` of the whole loss, so a displayed derivation cannot be wrong.

>>> import bp.symbolic as bps
>>> net = bps.symbolic_network((2, 2, 1), "sigmoid", "mse")
>>> d = bps.derive_weight_gradient(net, 1, 1, 2)
>>> [label for label, _ in d.steps]
['chain rule', 'BP3', 'BP2', 'BP1']
>>> bool(d.verify())
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from .backprop import target_constraint
from .proof import Proof, prove_equal

if TYPE_CHECKING:  # pragma: no cover
    from .network import SymbolicNetwork

#: How the book writes each activation function.
FUNCTION_LATEX = {
    "identity": r"\operatorname{id}", "sigmoid": r"\sigma", "tanh": r"\tanh",
    "relu": r"\operatorname{ReLU}", "leaky_relu": r"\operatorname{LeakyReLU}",
    "softplus": r"\operatorname{softplus}", "gelu_tanh": r"\operatorname{GELU}",
    "softmax": r"\operatorname{softmax}",
}


def latex(obj: Any, factor: bool = True, **kwargs: Any) -> str:
    r"""``sympy.latex`` in the book's style.

    Matrices are ``bmatrix``; with ``factor`` common factors are pulled out of sums
    (``2 a - 2 y`` shows as :math:`2 (a - y)`), which changes the display only.
    """
    kwargs.setdefault("mat_str", "bmatrix")
    kwargs.setdefault("mat_delim", "")
    if factor and isinstance(obj, sp.MatrixBase):
        obj = obj.applyfunc(sp.factor_terms)
    elif factor and isinstance(obj, sp.Basic):
        obj = sp.factor_terms(obj)
    return sp.latex(obj, **kwargs)


#: About how many printed characters of a right-hand side fit the text column beside
#: its left-hand side; longer sums are broken into rows.
WIDTH = 40


def _printed_width(tex: str) -> int:
    """A rough count of the characters MathJax draws for ``tex``: commands, braces
    and ``\\left``/``\\right`` are not drawn; a subscript or superscript counts half."""
    tex = re.sub(r"\\(left|right|big|Big|bigl|bigr|Bigl|Bigr)\b", "", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "x", tex)
    scripts = len(re.findall(r"[_^]\{[^{}]*\}", tex))
    return len(re.sub(r"[{}_^\s]", "", tex)) - scripts


def broken(expr: Any, width: int | None = None) -> list[str]:
    r"""``latex(expr)`` as one or more rows, each at most about ``width`` characters.

    A sum is broken between its terms; a product with a long sum as a factor keeps the
    other factors (and a rational coefficient) in front of :math:`\Bigl( \dots
    \Bigr)` and breaks the sum inside. Later rows start with their ``+`` or ``-``.
    Anything else stays on one row.
    """
    width = WIDTH if width is None else width
    whole = latex(expr)
    if not isinstance(expr, sp.Basic) or _printed_width(whole) <= width:
        return [whole]
    expr = sp.factor_terms(expr)
    front, total = "", expr
    if isinstance(expr, sp.Mul):
        sums = [f for f in expr.args if isinstance(f, sp.Add)]
        if not sums:
            return [whole]
        total = max(sums, key=lambda f: len(f.args))
        others = [f for f in expr.args if f is not total]
        coeff = sp.Mul(*[f for f in others if f.is_Number])
        rest = [f for f in others if not f.is_Number]    # kept apart: 2/3 (1 - a) stays
        front = ("" if coeff == 1 else latex(coeff) + " ")
        front += (latex(sp.Mul(*rest, evaluate=False)) + " " if rest else "") + r"\Bigl("
    if not isinstance(total, sp.Add):
        return [whole]
    rows, row = [], front
    for i, term in enumerate(total.as_ordered_terms()):
        tex = latex(term, factor=False)
        piece = tex if i == 0 else (f"- {tex[1:]}" if tex.startswith("-") else f"+ {tex}")
        if i and _printed_width(row + piece) > width:
            rows.append(row)
            row = ""
        row = f"{row} {piece}".strip()
    rows.append(row + (r" \Bigr)" if front else ""))
    return rows


def text(label: str) -> str:
    r"""``label`` as ``\text{...}`` that MathJax 3 renders: underscores become spaces,
    TeX's special characters are dropped."""
    clean = "".join(" " if c == "_" else c for c in label if c not in "\\{}$&%#^~")
    return r"\text{" + clean + "}"


@dataclass
class Derivation:
    """Equations shown one per line, ``lhs = rhs`` with a label, and what they must equal.

    Attributes
    ----------
    rows : list of (label, lhs, rhs)
        LaTeX strings; an empty ``lhs`` continues the previous line (``= rhs``).
    result : sympy expression or None
        The last line's right-hand side, in book notation.
    target : sympy expression or None
        What ``result`` must equal once the book symbols are replaced by their
        forward expressions (the brute-force derivative).
    """

    rows: list = field(default_factory=list)
    result: Any = None
    target: Any = None
    notation: Any = None
    _lines: list = field(default_factory=list, repr=False)

    def add(self, label: str, lhs: str | None, rhs: Any) -> "Derivation":
        """Append a line (``rhs`` may be a SymPy object or a LaTeX string); returns self.

        ``lhs=""`` continues the previous line with ``= rhs``; ``lhs=None`` shows
        ``rhs`` alone. A SymPy ``rhs`` too wide for the text column (about
        :data:`WIDTH` characters as printed) is broken after a ``+``, so the aligned
        block shows it on several rows (:func:`broken`)."""
        if isinstance(rhs, str):
            self.rows.append((label, lhs, rhs))
            self._lines.append([rhs])
        else:
            self.rows.append((label, lhs, latex(rhs)))
            self._lines.append(broken(rhs))
        return self

    @property
    def steps(self) -> list[tuple[str, str]]:
        """``[(label, "lhs = rhs"), ...]``, each a complete LaTeX equation."""
        out, last = [], ""
        for label, lhs, rhs in self.rows:
            last = lhs or last
            out.append((label, rhs if lhs is None else f"{last} = {rhs}"))
        return out

    def to_latex(self) -> str:
        r"""One ``aligned`` environment (no ``$$``). Each label follows the end of its
        own equation (``\qquad (label)``) instead of sitting in a column of its own, and
        long right-hand sides are broken into rows, so the block stays narrower than
        the text column."""
        lines = []
        for (label, lhs, _), parts in zip(self.rows, self._lines):
            rows = [rf"& {parts[0]}" if lhs is None else rf"{lhs} &= {parts[0]}"]
            rows += [rf"&\qquad {part}" for part in parts[1:]]
            if label:
                rows[-1] += rf" \qquad {text('(' + label + ')')}"
            lines += rows
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _repr_markdown_(self) -> str:
        return f"$$\n{self.to_latex()}\n$$"

    def _repr_latex_(self) -> str:
        return f"$$\n{self.to_latex()}\n$$"

    def __str__(self) -> str:
        return "\n".join(f"{tex}    ({label})" for label, tex in self.steps)

    def verify(self) -> Proof:
        """Prove :attr:`result` equal to :attr:`target` (book symbols made concrete)."""
        if self.result is None or self.target is None:
            raise ValueError("this derivation has no result/target to verify")
        subs, _ = target_constraint(self.notation.net)
        return prove_equal(self.notation.concrete(self.result).subs(subs),
                           sp.sympify(self.target).subs(subs))


_sym = latex


def _prime(net: SymbolicNetwork, l: int) -> str:
    f = FUNCTION_LATEX[net.activations[l]]
    return "f'" if net.activations[l] == "identity" else f + "'"


def _dL(of) -> str:
    return rf"\frac{{\partial \mathcal{{L}}}}{{\partial {_sym(of)}}}"


def derive_output_delta(net: SymbolicNetwork, j: int = 1) -> Derivation:
    r"""BP1 for output neuron ``j``: :math:`\delta^{(L)}_j` from the loss and :math:`f_L'`."""
    bn, L = net.notation, net.L
    d = Derivation(notation=bn, result=bn.deltas[L][j - 1],
                   target=net.brute_force_deltas()[L][j - 1])
    lhs = _sym(bn.delta[L][j - 1])
    aj, zj = bn.a[L][j - 1], bn.z[L][j - 1]
    if net.activations[L] == "softmax":
        d.add("chain rule", lhs, rf"\sum_i \frac{{\partial \mathcal{{L}}}}"
                                 rf"{{\partial a^{{({L})}}_i}}"
              rf"\frac{{\partial a^{{({L})}}_i}}{{\partial {_sym(zj)}}}")
    else:
        f = _prime(net, L)
        d.add("chain rule", lhs, rf"{_dL(aj)}\, {f}({_sym(zj)})")
        d.add(f"loss {net.loss_fn.name}", _dL(aj), bn.loss_gradient()[j - 1])
        d.add(f"activation {net.activations[L]}", rf"{f}({_sym(zj)})", bn.derivative(L)[j - 1])
    if net.fused:
        d.add(f"fused {net.activations[L]} and {net.loss_fn.name}", lhs, d.result)
    else:
        d.add("BP1", lhs, d.result)
    return d


def derive_delta(net: SymbolicNetwork, l: int, j: int = 1) -> Derivation:
    r"""BP2 for neuron ``j`` of hidden layer ``l``, down to the output layer."""
    if not 1 <= l < net.L:
        raise ValueError(f"derive_delta needs a hidden layer 1..{net.L - 1}, got {l}; "
                         f"use derive_output_delta for layer {net.L}")
    bn = net.notation
    d = Derivation(notation=bn, result=bn.deltas[l][j - 1],
                   target=net.brute_force_deltas()[l][j - 1])
    lhs = _sym(bn.delta[l][j - 1])
    zj = _sym(bn.z[l][j - 1])
    if net.activations[l] == "softmax":          # every a_k depends on z_j
        chain = (rf"\sum_k \sum_i \frac{{\partial \mathcal{{L}}}}{{\partial z^{{({l + 1})}}_i}}"
                 rf"\frac{{\partial z^{{({l + 1})}}_i}}{{\partial a^{{({l})}}_k}}"
                 rf"\frac{{\partial a^{{({l})}}_k}}{{\partial {zj}}}")
    else:
        chain = (rf"\sum_i \frac{{\partial \mathcal{{L}}}}{{\partial z^{{({l + 1})}}_i}}"
                 rf"\frac{{\partial z^{{({l + 1})}}_i}}{{\partial a^{{({l})}}_{{{j}}}}}"
                 rf"\frac{{\partial a^{{({l})}}_{{{j}}}}}{{\partial {zj}}}")
    d.add("chain rule", lhs, chain)
    d.add("BP2", "", bn.delta_step(l)[j - 1])
    d.add("BP1" if l + 1 == net.L else "BP2 and BP1 above", "", d.result)
    return d


def derive_weight_gradient(net: SymbolicNetwork, l: int, j: int, k: int) -> Derivation:
    r""":math:`\partial \mathcal{L}/\partial w^{(l)}_{jk}` by BP3, then BP2/BP1 down to the
    loss."""
    bn = net.notation
    w = net.W[l][j - 1, k - 1]
    dW, _ = bn.gradients()
    d = Derivation(notation=bn, result=dW[l][j - 1, k - 1],
                   target=net.brute_force_gradients()[0][l][j - 1, k - 1])
    delta, a_prev = bn.delta[l][j - 1], bn.a[l - 1][k - 1]
    d.add("chain rule", _dL(w), rf"{_dL(bn.z[l][j - 1])}\,\frac{{\partial "
          rf"{_sym(bn.z[l][j - 1])}}}{{\partial {_sym(w)}}}")
    d.add("BP3", "", delta * a_prev)
    if l < net.L:
        d.add("BP2", "", bn.delta_step(l)[j - 1] * a_prev)
    d.add("BP1" if l >= net.L - 1 else "BP2 and BP1 above", "", d.result)
    return d


def bp2_matrix_form(net: SymbolicNetwork, l: int) -> Derivation:
    r"""BP2 for hidden layer ``l`` written with the actual matrices.

    .. math:: \delta^{(l)} = (W^{(l+1)})^\top \delta^{(l+1)} \odot f'(z^{(l)})
    """
    if not 1 <= l < net.L:
        raise ValueError(f"bp2_matrix_form needs a hidden layer 1..{net.L - 1}, got {l}")
    bn = net.notation
    d = Derivation(notation=bn, result=bn.delta_step(l))
    lhs = rf"\delta^{{({l})}}"
    d.add("BP2", lhs, rf"(W^{{({l + 1})}})^\top \delta^{{({l + 1})}} \odot "
                      rf"{_prime(net, l)}(z^{{({l})}})")
    if net.activations[l] == "softmax":
        d.add("softmax", "", rf"J^\top (W^{{({l + 1})}})^\top \delta^{{({l + 1})}}")
    else:
        d.add("matrices", "", rf"{latex(net.W[l + 1].T)} {latex(bn.delta[l + 1])} \odot "
                              rf"{latex(bn.derivative(l))}")
    d.add("result", "", d.result)
    return d


def forward_equations(net: SymbolicNetwork) -> Derivation:
    r"""The forward pass :math:`z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}`, with matrices."""
    bn = net.notation
    d = Derivation(notation=bn)
    for l in net.layers:
        d.add(f"layer {l}", latex(bn.z[l]), rf"{latex(net.W[l])} {latex(bn.a[l - 1])} + "
                                            rf"{latex(net.b[l])}")
        f = FUNCTION_LATEX[net.activations[l]]
        d.add(f"activation {net.activations[l]}", latex(bn.a[l]),
              latex(bn.z[l]) if net.activations[l] == "identity" else
              rf"{f}\left({latex(bn.z[l])}\right)")
    return d


def compare_erratum(name: str) -> Derivation:
    """The seed article's formula next to the correct one (see :mod:`bp.symbolic.errata`)."""
    from .errata import get_erratum
    e = get_erratum(name)
    return (Derivation().add(f"{e.label} (wrong)", None, e.seed)
            .add("correct", None, e.correct))


def show(expr: Any, lhs: str | None = None, label: str = "") -> Derivation:
    """A one-line :class:`Derivation` that displays any SymPy object (``lhs = expr``)."""
    return Derivation().add(label, lhs, expr)
