"""Self-checks for the book's exercises.

Each ``check_*`` function runs a reader's implementation against ``bp``'s reference
on several seeded, named cases, prints one line when every case agrees, or the first
failing case: which output part differs (backward passes from the output layer
down), how many entries and by how much, the probable cause (a known slip such as a
missing transpose, a dropped f', the sum for the mean, the diagonal of a Jacobian),
the expected signature, the inputs, the reader's own failing line, and how to rerun
it. It returns a :class:`~bp.checks._result.CheckResult` that is truthy when every
case passed and carries the failing case (``inputs``, ``expected``, ``actual``).

A function that changes one of its array arguments in place fails, naming the
argument, even when its values are right. ``check.signature`` (and
:func:`signatures`) states the function each check expects; an ``activation``
argument is always both the activation's name and callable
(:class:`~bp.checks._args.ActivationArg`).
"""
from ._core import CheckResult, compare
from ._signatures import SIGNATURES, signatures
from .forward_backward import (check_backward_2layer, check_forward_pass,
                               check_gradient_descent, check_sgd_step)
from .backward import check_backward, check_delta_recursion, check_layer_gradients
from .gradcheck import check_centered_difference, check_relative_error
from .activations import (check_activation, check_derivative, check_sigmoid_derivative,
                          check_softmax_jacobian, check_stable_sigmoid)
from .losses import check_logsumexp, check_loss, check_loss_gradient, check_output_delta
from .optimizers import check_adam_step, check_momentum_step, check_nesterov_step
from .initialization import (check_he_limit, check_he_std, check_xavier_limit,
                             check_xavier_std)
from .neurons import check_dense_forward, check_network_forward
from .autodiff import check_reverse_sweep, check_topological_order
from .parallel import check_data_parallel, check_weight_decay_step
from .training import check_training_iteration
from .layers import check_unbroadcast
from .normalization import check_batchnorm_backward
from .recurrent import check_bptt
from .attention import check_attention_backward
from .convolution import check_conv2d_backward

__all__ = ["CheckResult", "compare", "SIGNATURES", "signatures"]
__all__ += ["check_forward_pass", "check_backward_2layer", "check_sgd_step",
            "check_gradient_descent"]
__all__ += ["check_loss", "check_loss_gradient", "check_output_delta", "check_logsumexp"]
__all__ += ["check_backward", "check_delta_recursion", "check_layer_gradients"]
__all__ += ["check_centered_difference", "check_relative_error"]
__all__ += ["check_activation", "check_derivative", "check_sigmoid_derivative",
            "check_softmax_jacobian", "check_stable_sigmoid"]
__all__ += ["check_momentum_step", "check_nesterov_step", "check_adam_step"]
__all__ += ["check_xavier_std", "check_xavier_limit", "check_he_std", "check_he_limit"]
__all__ += ["check_dense_forward", "check_network_forward"]
__all__ += ["check_reverse_sweep", "check_topological_order"]
__all__ += ["check_data_parallel", "check_weight_decay_step"]
__all__ += ["check_training_iteration"]
__all__ += ["check_unbroadcast"]
__all__ += ["check_batchnorm_backward"]
__all__ += ["check_bptt"]
__all__ += ["check_attention_backward"]
__all__ += ["check_conv2d_backward"]
