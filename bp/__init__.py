"""bp: backpropagation, derived and run.

A small NumPy library whose backward pass is the four backpropagation equations,
written so that you can read them. See the book for the derivations.

>>> import bp
>>> net = bp.Network([bp.Dense(2, 3, "tanh", rng=0), bp.Dense(3, 1, "sigmoid", rng=1)],
...                  loss="bce")
>>> X, y = bp.xor()
>>> round(net.loss(X, y), 4) > 0
True
"""
from .activations import ACTIVATIONS, Activation, get_activation
from . import curvature
from .experiments import ClaimFailed, Runs, claim_greater, claim_less, repeat
from .reporting import round_down, round_up         # printed bounds, rounded outward
from .datasets import digits, one_hot, spirals, two_moons, xor
from .gradcheck import (GradCheckReport, check_derivative, gradcheck, numerical_gradient,
                        relative_error)
from .gradcheck import derivative_error
from .init import INITIALIZERS
from . import complexstep, gradcheck_modes   # bp.complexstep, bp.gradcheck_modes
from .io import load, save
from .layers import Dense
from .layers import AvgPool2D, Conv2D, Flatten, MaxPool2D
from .losses import LOSSES, Loss, get_loss
from .network import Network
from .optimizers import SGD, Adam, Optimizer
from .adaptive import AdaGrad, AdamW, RMSProp
from .schedules import Cosine, StepDecay, Warmup
from .training import History, TrainingDiverged, fit
from . import tensor                                   # bp.tensor: the Tensor engine
from .tensor import Tensor
from .layers import BatchNorm, Dropout, LayerNorm, Residual
from .clipping import clip_grad_norm      # Part III: sequences
from .layers.attention import SelfAttention
from .layers.recurrent import RNN

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation", "LOSSES", "Loss", "get_loss",
    "INITIALIZERS", "Dense", "Network", "SGD", "Adam", "Optimizer", "fit", "History",
    "TrainingDiverged", "gradcheck", "GradCheckReport", "numerical_gradient", "check_derivative",
    "relative_error", "xor", "two_moons", "spirals", "digits", "one_hot", "save", "load",
    "repeat", "Runs", "claim_greater", "claim_less", "ClaimFailed",
    "AdaGrad", "AdamW", "RMSProp", "Cosine", "StepDecay", "Warmup",
]
__all__ += ["Tensor", "BatchNorm", "LayerNorm", "Dropout", "Residual"]
__all__ += ["derivative_error"]
__all__ += ["round_up", "round_down"]
__all__ += ["RNN", "SelfAttention", "clip_grad_norm"]
__all__ += ["Conv2D", "MaxPool2D", "AvgPool2D", "Flatten"]
