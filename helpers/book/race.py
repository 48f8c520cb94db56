"""The optimizer race of chapter 5: its four surfaces, its five optimizers and their tuned lrs.

Five optimizers race for ``STEPS`` steps from the same start on each of the surfaces
(:func:`make_surfaces`): SGD, heavy-ball momentum, Nesterov, RMSprop and Adam, made by
:func:`make_optimizer` (momentum 0.9; RMSprop's alpha and Adam's beta2 0.999; Adam's beta1
0.9). The chapter tunes the lr of each on each surface; :data:`RACE_LR` stores the result, for the
explorer of the race (``helpers.book.explore_optimizers``) to draw the tuned runs.
"""

from dataclasses import dataclass

import numpy as np

from helpers.data import line_data
from helpers.optim import SGD, Adam, Optimizer, RMSprop
from helpers.problems import Bumpy, LinearRegression, Problem, Rosenbrock, ill_conditioned

STEPS = 200
OPTIMIZERS = ("SGD", "momentum", "Nesterov", "RMSprop", "Adam")


@dataclass(frozen=True)
class Surface:
    """A 2-D problem with the start of the race and the window it is drawn in."""

    problem: Problem
    x0: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]


def make_surfaces() -> dict[str, Surface]:
    """The four surfaces of the race: name -> :class:`Surface`."""
    return {
        "valley": Surface(ill_conditioned(50, angle_deg=30), (-4.0, 3.0), (-5.0, 5.0), (-3.5, 3.5)),
        "Rosenbrock": Surface(Rosenbrock(), (-1.2, 1.0), (-1.6, 1.6), (-0.6, 1.6)),
        "bumpy": Surface(Bumpy(), (4.5, 3.0), (-5.0, 6.0), (-4.5, 4.5)),
        "line fit": Surface(LinearRegression(*line_data()), (0.0, 0.0), (-0.5, 3.0), (-2.0, 2.0)),
    }


SURFACES = tuple(make_surfaces())


def make_optimizer(
    name: str, lr, momentum: float = 0.9, beta1: float = 0.9, beta2: float = 0.999
) -> Optimizer:
    """The optimizer ``name`` of :data:`OPTIMIZERS`.

    SGD uses lr only; momentum and Nesterov use lr and momentum; RMSprop uses
    lr and β₂ as its ``alpha``; Adam uses lr, β₁ and β₂. ``lr`` may be an
    array (one run per entry). ValueError for an unknown name or a bad value
    (Nesterov needs momentum > 0).
    """
    if name == "SGD":
        return SGD(lr=lr)
    if name == "momentum":
        return SGD(lr=lr, momentum=momentum)
    if name == "Nesterov":
        return SGD(lr=lr, momentum=momentum, nesterov=True)
    if name == "RMSprop":
        return RMSprop(lr=lr, alpha=beta2)
    if name == "Adam":
        return Adam(lr=lr, betas=(beta1, beta2))
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")


# The learning rates of the chapter's race, tuned for each surface and optimizer: the best
# lr = 10^(k/4) for k = -16 .. 2 (1e-4 .. 3.16) by the worst loss over the last 10 of STEPS
# steps. Stored as k; tests/test_explore_optimizers.py tunes again and checks them.
LR_EXPONENTS = np.arange(-16, 3)
LR_GRID = 10.0 ** (LR_EXPONENTS / 4)
RACE_K = {
    ("valley", "SGD"): 1,
    ("valley", "momentum"): -3,
    ("valley", "Nesterov"): 0,
    ("valley", "RMSprop"): -3,
    ("valley", "Adam"): 1,
    ("Rosenbrock", "SGD"): -10,
    ("Rosenbrock", "momentum"): -10,
    ("Rosenbrock", "Nesterov"): -12,
    ("Rosenbrock", "RMSprop"): -5,
    ("Rosenbrock", "Adam"): 0,
    ("bumpy", "SGD"): -2,
    ("bumpy", "momentum"): -4,
    ("bumpy", "Nesterov"): -4,
    ("bumpy", "RMSprop"): -4,
    ("bumpy", "Adam"): 1,
    ("line fit", "SGD"): -5,
    ("line fit", "momentum"): -7,
    ("line fit", "Nesterov"): -6,
    ("line fit", "RMSprop"): -4,
    ("line fit", "Adam"): -1,
}
RACE_LR = {key: float(10.0 ** (k / 4)) for key, k in RACE_K.items()}
