r"""The seed article's wrong backpropagation formulas, as code that can be run and measured.

The outline article the book started from writes the backward pass with several
mistakes. Each is an :class:`Erratum` in :data:`ERRATA` (with one common bug that is *not*
in the article, ``no_transpose``, marked ``in_article=False``); applied to a
:class:`~bp.symbolic.SymbolicNetwork` it gives the error terms and gradients the
wrong formula produces, which the book compares with the brute-force gradient:

==================  =========================================================================
``no_weight``       §3.2 step 2: :math:`\delta^{(l)} = \delta^{(l+1)} \odot f'(z^{(l)})`, the
                    :math:`(W^{(l+1)})^\top` is missing (only defined if the sizes allow it)
``no_derivative``   §4.2 read with row vectors, :math:`\delta^{(l)} = (W^{(l+1)})^\top
                    \delta^{(l+1)}`: no :math:`f'`
``column_reading``  §4.2 read with column vectors, :math:`\delta^{(l)} = W^{(l+1)}
                    \delta^{(l+1)}`: no :math:`f'` and no transpose (square weights only)
``no_transpose``    not in the article, the common hand-written bug:
                    :math:`W^{(l+1)}\delta^{(l+1)} \odot f'(z^{(l)})` (square weights only)
``dz_conflation``   §4.2: two "error terms"; the one used, :math:`\Delta z^{(l)} =
                    \delta^{(l+1)} \odot f'(z^{(l)})`, pairs layer :math:`l+1`'s term with
                    layer :math:`l`'s derivative, while its :math:`\delta` recursion has no f'
``no_minus_sign``   §3.2 steps 3-4: :math:`\Delta W = +\alpha\,\delta\,a^\top`, gradient *ascent*
==================  =========================================================================

Every formula starts from the correct :math:`\delta^{(L)}` (the article's first step
is right), so the output layer's gradient is right and the hidden layers' are not;
``no_minus_sign`` has every gradient exactly reversed. :func:`measure_erratum` returns
how far each is from the truth on given numbers (:func:`errata_table`: all of them);
:func:`prove_wrong` returns a point where the symbolic formula provably differs from
brute force.

>>> import bp.symbolic as bps
>>> net = bps.symbolic_network((2, 2, 2), "sigmoid", "mse")
>>> params = [([[0.5, -0.3], [0.8, 0.2]], [0.1, -0.1]), ([[1.0, -1.2], [0.4, 0.7]], [0.0, 0.2])]
>>> m = bps.measure_erratum(net, "no_minus_sign", params, [[1.0, 2.0]], [[0.0, 1.0]])
>>> {l: round(r, 12) for l, r in m.relative_distance.items()}   # reversed: |-g - g| = 2|g|
{1: 2.0, 2: 2.0}
>>> {l: round(c, 12) for l, c in m.cosine.items()}
{1: -1.0, 2: -1.0}
>>> {l: round(q, 12) for l, q in m.norm_ratio.items()}          # the length is right
{1: 1.0, 2: 1.0}
>>> bps.prove_wrong(net, "no_derivative")[1] is not None   # a point where it is wrong
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import sympy as sp

from .._validation import lookup
from .backprop import _times_derivative, target_constraint
from .numeric import GradientFunction
from .proof import prove_different

if TYPE_CHECKING:  # pragma: no cover
    from .network import SymbolicNetwork


def _check_sizes(net: SymbolicNetwork, l: int, ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(f"layer {l}: the formula is not even defined for this network: {what} "
                         f"(n_{l} = {net.sizes[l]}, n_{l + 1} = {net.sizes[l + 1]})")


def _no_weight(net: SymbolicNetwork, deltas, article, l):
    d = deltas[l + 1]
    _check_sizes(net, l, d.shape[0] in (1, net.sizes[l]),
                 f"delta^({l + 1}) has {d.shape[0]} entries, f'(z^({l})) has {net.sizes[l]}")
    g = sp.Matrix([d[0]] * net.sizes[l]) if d.shape[0] == 1 else d
    return _times_derivative(net.activations[l], g, net.z[l]), None


def _no_transpose(net: SymbolicNetwork, deltas, article, l):
    _check_sizes(net, l, net.sizes[l] == net.sizes[l + 1], f"W^({l + 1}) is not square")
    return _times_derivative(net.activations[l], net.W[l + 1] * deltas[l + 1], net.z[l]), None


def _no_derivative(net: SymbolicNetwork, deltas, article, l):
    return net.W[l + 1].T * deltas[l + 1], None


def _column_reading(net: SymbolicNetwork, deltas, article, l):
    _check_sizes(net, l, net.sizes[l] == net.sizes[l + 1], f"W^({l + 1}) is not square")
    return net.W[l + 1] * deltas[l + 1], None


def _dz_conflation(net: SymbolicNetwork, deltas, article, l):
    # article[l+1] is the article's delta of layer l+1 (no f' anywhere below the output)
    dz, _ = _no_weight(net, article, article, l)
    return dz, net.W[l + 1].T * article[l + 1]


@dataclass(frozen=True)
class Erratum:
    r"""One wrong formula of the seed article.

    Attributes
    ----------
    name : str
    section : str
        Where the article has it.
    seed, correct : str
        LaTeX of the wrong formula and of the correct one, in the book's notation.
    explanation : str
        What is wrong, in one or two sentences.
    step : callable or None
        ``step(net, deltas, article, l) -> (error term used for layer l, article's delta)``;
        None for ``no_minus_sign``, whose error terms are right.
    sign : int
        The sign of the update :math:`\Delta W` relative to :math:`-\alpha\,\partial \mathcal{L}/\partial W`.
    in_article : bool
        False for a common bug that the book shows beside the article's formulas.
    """

    name: str
    section: str
    seed: str
    correct: str
    explanation: str
    step: Callable | None
    sign: int = 1
    in_article: bool = True

    @property
    def label(self) -> str:
        """Where the formula comes from, for display."""
        return (f"seed article {self.section}" if self.in_article
                else f"common bug ({self.section})")

    def deltas(self, net: SymbolicNetwork) -> list:
        """The error terms the formula gives, book-indexed (``[L]`` is the true one)."""
        out = [None] * (net.L + 1)
        article = [None] * (net.L + 1)
        out[net.L] = article[net.L] = net.output_delta()
        for l in range(net.L - 1, 0, -1):
            if self.step is None:
                out[l] = net.deltas()[l]
            else:
                out[l], art = self.step(net, out, article, l)
                article[l] = out[l] if art is None else art
        return out

    def gradients(self, net: SymbolicNetwork) -> tuple[list, list]:
        r"""The gradient the formula implies, :math:`-\Delta W/\alpha` (BP3/BP4 with its terms)."""
        d = self.deltas(net)
        dW = [None] + [self.sign * d[l] * net.a[l - 1].T for l in net.layers]
        db = [None] + [self.sign * d[l] for l in net.layers]
        return dW, db

    def update(self, net: SymbolicNetwork,
               lr: sp.Expr = sp.Symbol(r"\alpha", positive=True)) -> list:
        r"""The weight updates :math:`\Delta W^{(l)}` the article prescribes (book-indexed)."""
        dW, _ = self.gradients(net)
        return [None] + [-lr * dW[l] for l in net.layers]


ERRATA: dict[str, Erratum] = {e.name: e for e in [
    Erratum("no_weight", "3.2, step 2",
            r"\delta^{(l)} = \delta^{(l+1)} \odot f'(z^{(l)})",
            r"\delta^{(l)} = (W^{(l+1)})^\top \delta^{(l+1)} \odot f'(z^{(l)})",
            "The error must travel back along the weights that carried the signal forward; "
            "without them the shapes only match by accident.", _no_weight),
    Erratum("no_transpose", "not in the article",
            r"\delta^{(l)} = W^{(l+1)} \delta^{(l+1)} \odot f'(z^{(l)})",
            r"\delta^{(l)} = (W^{(l+1)})^\top \delta^{(l+1)} \odot f'(z^{(l)})",
            "Neuron j of layer l feeds neuron i of layer l+1 through w_ij, so it collects "
            "the column j of W, i.e. the row j of its transpose.", _no_transpose,
            in_article=False),
    Erratum("no_derivative", "4.2 (with row vectors)",
            r"\delta^{(l)} = (W^{(l+1)})^\top \delta^{(l+1)}",
            r"\delta^{(l)} = (W^{(l+1)})^\top \delta^{(l+1)} \odot f'(z^{(l)})",
            "That is the gradient with respect to the activation a^(l), not the pre-activation "
            "z^(l): the chain rule still has to pass through a = f(z).", _no_derivative),
    Erratum("column_reading", "4.2 (with column vectors)",
            r"\delta^{(l)} = W^{(l+1)} \delta^{(l+1)}",
            r"\delta^{(l)} = (W^{(l+1)})^\top \delta^{(l+1)} \odot f'(z^{(l)})",
            "Read with column vectors, the article's product has neither the transpose nor "
            "f': it reads the weights entering layer l+1's neurons instead of those leaving "
            "layer l's, and stops at a instead of z.", _column_reading),
    Erratum("dz_conflation", "4.2",
            r"\Delta z^{(l)} = \delta^{(l+1)} \odot f'(z^{(l)}),\quad "
            r"\delta^{(l)} = (W^{(l+1)})^\top \delta^{(l+1)}",
            r"\delta^{(l)} = \bigl((W^{(l+1)})^\top \delta^{(l+1)}\bigr) \odot f'(z^{(l)})",
            "Two quantities are both called the error term; the two half-steps belong to one "
            "formula, applied in order: first back through W, then through f' of the same "
            "layer.", _dz_conflation),
    Erratum("no_minus_sign", "3.2, steps 3-4",
            r"\Delta W^{(l)} = +\alpha\, \delta^{(l)} (a^{(l-1)})^\top",
            r"\Delta W^{(l)} = -\alpha\, \delta^{(l)} (a^{(l-1)})^\top",
            "The gradient points uphill; adding it increases the loss.", None, sign=-1),
]}


def get_erratum(name: str) -> Erratum:
    """Look up an erratum by name."""
    return lookup(ERRATA, name, "erratum")


def prove_wrong(net: SymbolicNetwork, name: str) -> dict[int, dict | None]:
    """For every layer, a point where the erratum's gradient provably differs from
    brute force (``None`` where it happens to be right, e.g. the output layer).

    Raises ``ValueError`` when the formula is undefined for the network's sizes."""
    (wW, wb), (tW, tb) = get_erratum(name).gradients(net), net.brute_force_gradients()
    subs, _ = target_constraint(net)       # one-hot targets for softmax + cross-entropy
    return {l: prove_different(sp.Matrix(list(wW[l]) + list(wb[l])).subs(subs),
                               sp.Matrix(list(tW[l]) + list(tb[l])).subs(subs))
            for l in net.layers}


@dataclass(frozen=True)
class Measure:
    r"""How wrong an erratum's gradient :math:`g` is against the true :math:`g^*`.

    Attributes
    ----------
    relative_distance : dict[int, float]
        Per layer, over W and b: :math:`\lVert g - g^*\rVert / \lVert g^*\rVert` (the book's
        *relative distance*; not :func:`bp.relative_error`, which divides by
        :math:`\lVert g\rVert + \lVert g^*\rVert`).
    cosine : dict[int, float]
        Per layer, :math:`g\cdot g^* / (\lVert g\rVert\lVert g^*\rVert)`: the direction
        error (1: same direction, -1: reversed).
    norm_ratio : dict[int, float]
        Per layer, :math:`\lVert g\rVert / \lVert g^*\rVert`: the length error.
    """

    name: str
    relative_distance: dict
    cosine: dict
    norm_ratio: dict

    @property
    def max_relative_distance(self) -> float:
        return max(self.relative_distance.values())


def measure_erratum(net: SymbolicNetwork, name: str, params: Any, X: Any, Y: Any) -> Measure:
    """Evaluate erratum ``name`` and the true gradient on ``params`` (a :class:`bp.Network`
    or ``(W, b)`` pairs) and a batch ``X, Y``, averaged over the batch as ``bp`` does."""
    wrong = GradientFunction(net, get_erratum(name).gradients(net), name)(params, X, Y)
    true = net.gradient_function("brute_force")(params, X, Y)
    rel, cos, ratio = {}, {}, {}
    for l in net.layers:
        w = np.concatenate([wrong[0][l].ravel(), wrong[1][l]])
        t = np.concatenate([true[0][l].ravel(), true[1][l]])
        rel[l] = float(np.linalg.norm(w - t) / np.linalg.norm(t))
        cos[l] = float(w @ t / (np.linalg.norm(w) * np.linalg.norm(t)))
        ratio[l] = float(np.linalg.norm(w) / np.linalg.norm(t))
    return Measure(name, rel, cos, ratio)


def errata_table(net: SymbolicNetwork, params: Any, X: Any, Y: Any) -> dict[str, Measure | str]:
    """:func:`measure_erratum` for every erratum; where a formula is undefined for this network
    (its shapes do not match), the reason instead."""
    out: dict[str, Measure | str] = {}
    for name in ERRATA:
        try:
            out[name] = measure_erratum(net, name, params, X, Y)
        except ValueError as err:
            out[name] = str(err)
    return out
