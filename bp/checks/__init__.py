"""Self-checks for the book's exercises.

Each ``check_*`` function runs a reader's implementation against ``bp``'s reference
on several seeded inputs, prints what is right or the first input where it is
wrong (with the expected and the actual value), and returns a
:class:`~bp.checks._core.CheckResult` that is truthy when every case passed.
"""
from ._core import CheckResult, compare

from .backward import check_backward, check_delta_recursion, check_layer_gradients
from .gradcheck import check_centered_difference, check_relative_error

__all__ = ["CheckResult", "compare"]
__all__ += ["check_backward", "check_delta_recursion", "check_layer_gradients"]
__all__ += ["check_centered_difference", "check_relative_error"]
