r"""Proving that two SymPy expressions are the same function, cheaply and soundly.

``sympy.simplify`` on a large expression can take minutes. The expressions this
package compares (a derivative by ``sympy.diff`` against a textbook form, a
brute-force gradient against the backprop recursion) differ only by algebra, so
:func:`prove_equal` tries, in order, from cheapest to most expensive:

1. ``structural``: the two expression trees are identical;
2. ``rational``: every non-polynomial piece (``exp(...)``, ``tanh(...)``, ``log(...)``)
   is replaced by a fresh symbol (:math:`e^{-u}` by the reciprocal of the symbol for
   :math:`e^{u}`) and the rational function ``a - b`` cancels to 0. This is sound: an
   identity in *independent* symbols stays true whatever the symbols stand for;
3. ``expand``: ``expand(a - b)`` is the integer 0 (it also expands inside functions);
4. ``simplify``: ``simplify(a - b) == 0`` (only for small expressions).

Every step either proves the identity or says nothing; no step is a numerical test.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sympy as sp

#: Expressions with more operations than this are not handed to ``simplify``.
SIMPLIFY_MAX_OPS = 400


@dataclass(frozen=True)
class Proof:
    """The outcome of :func:`prove_equal`; truthy when the identity is proved.

    Attributes
    ----------
    lhs, rhs : sympy.Basic or sympy.Matrix
        The two sides.
    proved : bool
    method : str
        The first method that proved it (``"structural"``, ``"expand"``,
        ``"rational"``, ``"simplify"``), or ``"unproved"``.
    """

    lhs: Any
    rhs: Any
    proved: bool
    method: str

    def __bool__(self) -> bool:
        return self.proved

    def __repr__(self) -> str:
        return f"Proof(proved={self.proved}, method={self.method!r})"


def _atoms_to_symbols(expr: sp.Expr) -> sp.Expr:
    r"""Replace every function application (exp, log, tanh, ...) by fresh symbols.

    An exponential is first split over its sum, :math:`e^{\sum_i c_i m_i} = \prod_i
    E_{m_i}^{c_i}` for integer coefficients :math:`c_i`, so that :math:`e^{-u}`,
    :math:`e^{2u}` and :math:`e^{u}` (SymPy writes all three) stay related.
    """
    funcs = sorted(expr.atoms(sp.Function), key=sp.default_sort_key)
    # Replace the outermost applications first, so nested ones disappear with them.
    funcs.sort(key=lambda f: -sp.count_ops(f))
    names: dict = {}

    def symbol(key):
        if key not in names:
            names[key] = sp.Symbol(f"_atom{len(names)}")
        return names[key]

    def exp_product(arg):
        out = sp.Integer(1)
        for term in sp.Add.make_args(arg):
            c, m = term.as_coeff_Mul()
            if c.is_Integer:
                out *= symbol(sp.exp(m, evaluate=False)) ** c
            else:
                out *= symbol(sp.exp(term, evaluate=False))
        return out

    out = expr
    for f in funcs:
        if isinstance(f, sp.Piecewise):
            continue
        out = out.xreplace({f: exp_product(f.args[0]) if isinstance(f, sp.exp) else symbol(f)})
    return out


def _split_piecewise(expr: sp.Expr) -> sp.Expr:
    r"""Write ``Piecewise((e1, c1), (e2, c2), ...)`` as :math:`e_1 I_1 + (1 - I_1)(\dots)`,
    with a symbol :math:`I` per condition, so ``x * Piecewise((1, c), (0, True))`` and
    ``Piecewise((x, c), (0, True))`` (SymPy's ``diff`` gives either) become equal."""
    def indicator(cond):
        return sp.Symbol(f"_if[{sp.srepr(cond)}]")

    def rewrite(*pairs):
        (e, c), rest = pairs[0], pairs[1:]
        if c == sp.true or not rest:
            return e
        return e * indicator(c) + (1 - indicator(c)) * rewrite(*rest)

    return expr.replace(sp.Piecewise, rewrite) if expr.has(sp.Piecewise) else expr


def _zero(d: sp.Expr) -> str | None:
    """Return the name of the method that proves ``d == 0``, or None."""
    d = sp.sympify(d)
    if d == 0:
        return "structural"
    if sp.cancel(sp.together(_atoms_to_symbols(_split_piecewise(d)))) == 0:
        return "rational"
    if witness(d, confirm=False) is not None:     # nonzero somewhere: stop trying
        return None
    if sp.expand(d) == 0:
        return "expand"
    if sp.count_ops(d) <= SIMPLIFY_MAX_OPS and sp.simplify(d) == 0:
        return "simplify"
    return None


def witness(expr: Any, seed: int = 0, digits: int = 30, confirm: bool = True) -> dict | None:
    r"""A point where ``expr`` is provably nonzero, or None if none was found.

    Every free symbol gets a pseudo-random rational in :math:`[-1, 1]` (deterministic
    for a given ``seed``). The entries (every entry of a matrix) are screened in
    ``digits``-digit floating point; with ``confirm`` the first nonzero one is then
    re-evaluated from the *exact* rational point by SymPy's ``evalf``, which controls
    its own error, and the point is returned only if that value is real and clearly
    nonzero (:math:`> 10^{-15}`): a proof that ``expr`` is not identically 0.
    """
    entries = list(expr) if isinstance(expr, sp.MatrixBase) else [sp.sympify(expr)]
    rng = random.Random(seed)
    symbols = sorted(set().union(*(e.free_symbols for e in entries)), key=sp.default_sort_key)
    point = {s: sp.Rational(rng.randint(-1000, 1000), 1000) for s in symbols}
    floats = {s: sp.Float(v, digits) for s, v in point.items()}   # 10x faster than exact
    for e in entries:
        value = sp.N(e.xreplace(floats), digits)
        if not (value.is_number and value.is_finite is not False and abs(value) > 1e-15):
            continue
        if not confirm:
            return point
        exact = sp.N(e.xreplace(point), digits)
        if exact.is_extended_real and abs(exact) > 1e-15:
            return point
    return None


def prove_different(a: Any, b: Any, seed: int = 0) -> dict | None:
    """A point (symbol -> rational) where ``a`` and ``b`` differ, or None.

    A returned point *proves* that the two are different functions.
    """
    A = sp.Matrix(a) if isinstance(a, (list, tuple, sp.MatrixBase)) else sp.Matrix([[a]])
    B = sp.Matrix(b) if isinstance(b, (list, tuple, sp.MatrixBase)) else sp.Matrix([[b]])
    if A.shape != B.shape:
        raise ValueError(f"cannot compare shapes {A.shape} and {B.shape}")
    return witness(A - B, seed)


_ORDER = ("structural", "rational", "expand", "simplify")


def prove_equal(a: Any, b: Any) -> Proof:
    r"""Prove symbolically that ``a`` and ``b`` are equal (scalars or matrices).

    Parameters
    ----------
    a, b : sympy expression, sympy.Matrix, or nested list of expressions
        Matrices must have the same shape.

    Returns
    -------
    Proof
        Truthy when :math:`a - b` reduces to 0; ``method`` is the most expensive
        method any entry needed.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    A = sp.Matrix(a) if isinstance(a, (list, tuple, sp.MatrixBase)) else sp.Matrix([[a]])
    B = sp.Matrix(b) if isinstance(b, (list, tuple, sp.MatrixBase)) else sp.Matrix([[b]])
    if A.shape != B.shape:
        raise ValueError(f"cannot compare shapes {A.shape} and {B.shape}")
    worst = 0
    for x, y in zip(A, B):
        if x == y:
            continue
        method = _zero(x - y)
        if method is None:
            return Proof(a, b, False, "unproved")
        worst = max(worst, _ORDER.index(method))
    return Proof(a, b, True, _ORDER[worst])


def is_zero(expr: Any) -> bool:
    """True when every entry of ``expr`` is provably 0 (see :func:`prove_equal`)."""
    zero = sp.zeros(*sp.Matrix(expr).shape) if isinstance(expr, (list, sp.MatrixBase)) else 0
    return prove_equal(expr, zero).proved
