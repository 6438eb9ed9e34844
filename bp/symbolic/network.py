r"""A fully connected network written out symbolically, one example at a time.

:class:`SymbolicNetwork` holds, for layer sizes :math:`n_0, n_1, \dots, n_L`,

* weights ``W[l]``, a ``sympy.Matrix`` of shape :math:`(n_l, n_{l-1})` (as ``bp``'s
  ``Dense.W``) whose entry :math:`(j, k)` is the symbol :math:`w^{(l)}_{jk}`: the
  weight from neuron :math:`k` of layer :math:`l-1` into neuron :math:`j` of layer :math:`l`;
* biases ``b[l]``, a column of symbols :math:`b^{(l)}_j`;
* the input column ``x`` (:math:`x_k`) and the target column ``y`` (:math:`y_i`);
* the forward expressions :math:`z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}`,
  :math:`a^{(l)} = f_l(z^{(l)})`, :math:`a^{(0)} = x`, and the loss of the example
  reduced as ``bp`` reduces it (a batch's loss is the mean of its examples' losses).

**Indices are the book's.** Every per-layer list is indexed by the layer number
:math:`l = 1..L`: ``W[l]`` is :math:`W^{(l)}`, the same array as
``bp_net.layers[l-1].W``; ``a[0]`` is the input ``x``; ``W[0]``, ``b[0]``, ``z[0]``
are ``None``. Symbol indices :math:`j, k` count from 1, as in the text.

The gradients come two ways: :meth:`SymbolicNetwork.brute_force_gradients`
differentiates the whole loss with ``sympy.diff``; :meth:`backprop_gradients`
runs the recursion (see :mod:`bp.symbolic.backprop`); :meth:`prove` shows they agree.
"""
from __future__ import annotations

from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Sequence

import sympy as sp

from .._validation import check_positive_int
from . import activations as acts
from .losses import FUSED, get_loss

if TYPE_CHECKING:  # pragma: no cover
    from ..network import Network
    from .backprop import BackpropProof
    from .notation import BookNotation
    from .numeric import GradientFunction


def _index(j: int, k: int | None = None) -> str:
    if k is None:
        return str(j)
    return f"{j}{k}" if j < 10 and k < 10 else f"{j},{k}"


def weight_symbol(l: int, j: int, k: int) -> sp.Symbol:
    r"""The symbol :math:`w^{(l)}_{jk}` (``j``, ``k`` from 1)."""
    return sp.Symbol(f"w^{{({l})}}_{{{_index(j, k)}}}", real=True)


def bias_symbol(l: int, j: int) -> sp.Symbol:
    r"""The symbol :math:`b^{(l)}_j` (``j`` from 1)."""
    return sp.Symbol(f"b^{{({l})}}_{{{j}}}", real=True)


class SymbolicNetwork:
    """A dense network as SymPy expressions, for one example (a column vector).

    Parameters
    ----------
    sizes : sequence of int
        :math:`n_0, n_1, \\dots, n_L` (input size first); at least two entries.
    activations : str or sequence of str
        One name from :data:`bp.symbolic.NAMES` per layer, or one name for every layer.
    loss : str
        A name from :data:`bp.symbolic.LOSSES`; losses on logits need an ``identity``
        output layer, as in :class:`bp.Network`.

    Examples
    --------
    >>> net = SymbolicNetwork([2, 2, 1], "sigmoid", loss="mse")
    >>> net.W[2]
    Matrix([[w^{(2)}_{11}, w^{(2)}_{12}]])
    >>> net.z[1][0]
    b^{(1)}_{1} + w^{(1)}_{11}*x_1 + w^{(1)}_{12}*x_2
    """

    def __init__(self, sizes: Sequence[int], activations: str | Sequence[str] = "sigmoid",
                 loss: str = "mse") -> None:
        sizes = [check_positive_int(n, "layer size") for n in sizes]
        if len(sizes) < 2:
            raise ValueError(f"sizes needs the input size and at least one layer, got {sizes}")
        L = len(sizes) - 1
        names = [activations] * L if isinstance(activations, str) else list(activations)
        if len(names) != L:
            raise ValueError(f"{L} layers need {L} activations, got {len(names)}: {names}")
        for i, name in enumerate(names, start=1):
            if name not in acts.NAMES:
                raise ValueError(f"layer {i}: unknown activation {name!r}; "
                                 f"known: {', '.join(sorted(acts.NAMES))}")
        self.loss_fn = get_loss(loss)
        if self.loss_fn.on_logits and names[-1] != "identity":
            raise ValueError(f"loss {loss!r} takes logits, so the output layer's activation "
                             f"must be 'identity', got {names[-1]!r}")
        self.sizes: tuple[int, ...] = tuple(sizes)
        self.L = L
        self.activations: tuple[str | None, ...] = (None, *names)
        self.x = sp.Matrix([sp.Symbol(f"x_{k}", real=True) for k in range(1, sizes[0] + 1)])
        self.y = sp.Matrix([sp.Symbol(f"y_{i}", real=True) for i in range(1, sizes[-1] + 1)])
        self.W: list[sp.Matrix | None] = [None]
        self.b: list[sp.Matrix | None] = [None]
        for l in self.layers:
            self.W.append(sp.Matrix(sizes[l], sizes[l - 1],
                                    lambda j, k, l=l: weight_symbol(l, j + 1, k + 1)))
            self.b.append(sp.Matrix([bias_symbol(l, j) for j in range(1, sizes[l] + 1)]))
        self.z: list[sp.Matrix | None] = [None]
        self.a: list[sp.Matrix] = [self.x]
        for l in self.layers:
            self.z.append(self.W[l] * self.a[l - 1] + self.b[l])
            self.a.append(acts.apply(self.activations[l], self.z[l]))
        self.loss = self.loss_fn(self.a[L], self.y)

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> range:
        """The layer numbers ``1..L``."""
        return range(1, self.L + 1)

    @property
    def fused(self) -> str | None:
        """The fused loss (as ``bp``) when output activation and loss fuse, else None."""
        return FUSED.get((self.activations[-1], self.loss_fn.name))

    @cached_property
    def parameters(self) -> list[sp.Symbol]:
        """Every weight and bias symbol, in ``bp`` order (W row-major then b, layer by layer)."""
        out: list[sp.Symbol] = []
        for l in self.layers:
            out += list(self.W[l]) + list(self.b[l])
        return out

    @property
    def n_params(self) -> int:
        return len(self.parameters)

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.sizes))
        return (f"SymbolicNetwork({sizes}, activations={list(self.activations[1:])}, "
                f"loss={self.loss_fn.name!r})")

    # ------------------------------------------------------------------ gradients
    def brute_force_gradients(self) -> tuple[list, list]:
        r"""``(dW, db)``: :math:`\partial \mathcal{L}/\partial W^{(l)}`, :math:`\partial \mathcal{L}/\partial b^{(l)}`
        by ``sympy.diff`` of the whole loss expression (book-indexed lists, cached)."""
        return self._brute

    @cached_property
    def _brute(self):
        dW, db = [None], [None]
        for l in self.layers:
            dW.append(self.W[l].applyfunc(lambda w: sp.diff(self.loss, w)))
            db.append(self.b[l].applyfunc(lambda c: sp.diff(self.loss, c)))
        return dW, db

    def brute_force_deltas(self) -> list:
        r"""Every :math:`\delta^{(l)} = \partial \mathcal{L}/\partial z^{(l)}` by ``sympy.diff`` (cached).

        The loss is rewritten as a function of fresh symbols :math:`z^{(l)}_j` (the
        layers above are run forward from them), differentiated, and the forward
        expression of :math:`z^{(l)}` substituted back. Book-indexed; ``[0]`` is None.
        """
        return self._brute_deltas

    @cached_property
    def _brute_deltas(self):
        out: list = [None]
        for l in self.layers:
            zeta = sp.Matrix([sp.Symbol(f"z^{{({l})}}_{{{j}}}", real=True)
                              for j in range(1, self.sizes[l] + 1)])
            a = acts.apply(self.activations[l], zeta)
            for m in range(l + 1, self.L + 1):
                a = acts.apply(self.activations[m], self.W[m] * a + self.b[m])
            loss = self.loss_fn(a, self.y)
            grad = sp.Matrix([sp.diff(loss, s) for s in zeta])
            out.append(grad.xreplace(dict(zip(zeta, self.z[l]))))
        return out

    @cached_property
    def notation(self) -> BookNotation:
        """The :class:`~bp.symbolic.notation.BookNotation` view (symbols a, z, delta; cached)."""
        from .notation import BookNotation
        return BookNotation(self)

    def output_delta(self) -> sp.Matrix:
        r"""BP1, :math:`\delta^{(L)} = \partial \mathcal{L}/\partial z^{(L)}` in textbook form."""
        from .backprop import output_delta
        return output_delta(self)

    def deltas(self) -> list:
        r"""Every :math:`\delta^{(l)}` by the backprop recursion (book-indexed, cached)."""
        return self._backprop[0]

    def backprop_gradients(self) -> tuple[list, list]:
        r"""``(dW, db)`` by the recursion (BP3, BP4): :math:`\delta^{(l)} (a^{(l-1)})^\top`
        and :math:`\delta^{(l)}` (book-indexed lists, cached)."""
        return self._backprop[1]

    @cached_property
    def _backprop(self):
        from .backprop import backprop
        return backprop(self)

    def prove(self) -> BackpropProof:
        """Prove brute-force and backprop gradients identical, entry by entry.

        Returns a :class:`~bp.symbolic.backprop.BackpropProof` (truthy when proved)."""
        from .backprop import prove_backprop
        return prove_backprop(self)

    def gradient_function(self, kind: str = "backprop") -> GradientFunction:
        """The gradients lambdified to NumPy (cached); see :mod:`bp.symbolic.numeric`."""
        from .numeric import lambdify_gradients
        return lambdify_gradients(self, kind)

    def evaluate(self, expr: Any, params: Any, x: Any = None, y: Any = None) -> Any:
        """``expr`` at numbers; see :func:`bp.symbolic.numeric.evaluate`."""
        from .numeric import evaluate
        return evaluate(self, expr, params, x, y)

    @classmethod
    def from_bp(cls, net: Network) -> SymbolicNetwork:
        """The symbolic twin of a :class:`bp.Network` (same sizes, activations, loss)."""
        return symbolic_network([net.n_in] + [l.n_out for l in net.layers],
                                [l.activation.name for l in net.layers], net.loss_fn.name)


@lru_cache(maxsize=64)
def _cached(sizes: tuple, activations: tuple, loss: str) -> SymbolicNetwork:
    return SymbolicNetwork(sizes, activations, loss)


def symbolic_network(sizes: Sequence[int], activations: str | Sequence[str] = "sigmoid",
                     loss: str = "mse") -> SymbolicNetwork:
    """Like :class:`SymbolicNetwork`, but cached: the same architecture gives the same object,
    so derivations and lambdified functions are computed once per session."""
    L = len(sizes) - 1
    names = (activations,) * L if isinstance(activations, str) else tuple(activations)
    return _cached(tuple(sizes), names, loss)
