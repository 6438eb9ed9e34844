"""Arguments a check hands to a reader's function, in the one form every check uses.

An activation is passed as an :class:`ActivationArg`: the activation's *name* (a
``str``, so ``bp.get_activation(activation)``, ``bp.Dense(..., activation)`` and
``activation == "relu"`` work) that can also be *called* (``activation(Z)`` is
:math:`f(Z)`) and carries the derivative (``activation.df(Z)`` is :math:`f'(Z)`). A
reader may therefore treat ``activation`` as a function or as a name, in every check.

>>> from bp.checks._args import ActivationArg
>>> import numpy as np
>>> act = ActivationArg("relu")
>>> act(np.array([-1.0, 2.0])), act.df(np.array([-1.0, 2.0])), act == "relu"
(array([0., 2.]), array([0., 1.]), True)
"""
from __future__ import annotations

import numpy as np

from ..activations import get_activation


class ActivationArg(str):
    """An activation's name that is also the callable activation (see module docstring)."""

    def __new__(cls, name: str) -> "ActivationArg":
        get_activation(str(name))              # an unknown name fails here, clearly
        return super().__new__(cls, name)

    @property
    def f(self):
        """The activation :math:`f` itself (``bp.get_activation(name).f``)."""
        return get_activation(str(self)).f

    @property
    def df(self):
        """Its derivative :math:`f'` element by element (``bp.get_activation(name).df``)."""
        return get_activation(str(self)).df

    @property
    def __name__(self) -> str:                 # what a plain function would report
        return str(self)

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.f(Z)

    def __repr__(self) -> str:
        return f"activation {str(self)!r} (callable; a str)"

    def __deepcopy__(self, memo) -> "ActivationArg":
        return self


def activation_name(activation) -> str:
    """The registry name of an activation given as a name, an ActivationArg or a function."""
    if isinstance(activation, str):
        return str(activation)
    return getattr(activation, "__name__", "identity")
