"""Loss functions to descend, each with its analytic gradient.

A problem is an object with ``loss(x)`` and ``grad(x)``. Most also know
their smoothness constant ``L`` (the largest curvature: the gradient
changes by at most ``L`` per unit step), their minimiser and their
minimum, so that chapters can compare what they measure with what theory
predicts.

Every problem evaluates many points at once. A problem's parameters have
the shape ``param_shape``: ``()`` for a function of one number such as
x², ``(d,)`` for a function of a vector. Any leading axes are a batch:
``Bowl().loss(np.zeros((5, 2)))`` returns five losses. The descent loop
uses this to run many learning rates in one vectorised call.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from helpers.validate import finite_array, number, positive, positive_number, row_indices


def _quiet(method):
    """``method`` with numpy's overflow warnings off: far out, a loss is simply not finite."""

    @functools.wraps(method)
    def quiet(self, *args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return method(self, *args, **kwargs)

    return quiet


class Problem:
    """Base class: a loss with its gradient.

    Attributes: ``name``, ``param_shape``, ``L`` (smoothness constant or
    ``None``), ``mu`` (strong convexity constant or ``None``),
    ``minimiser`` and ``minimum`` (``None`` where not known).

    At a point so far out that the loss overflows, ``loss`` and ``grad`` return
    inf (or nan where infinities cancel) without printing numpy's warnings: every subclass's
    ``loss`` and ``grad`` are wrapped for that (``__init_subclass__``).
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("loss", "grad"):
            if name in cls.__dict__:
                setattr(cls, name, _quiet(cls.__dict__[name]))

    name = "problem"
    param_shape: tuple[int, ...] = ()
    L: float | None = None
    mu: float | None = None
    minimiser: np.ndarray | float | None = None
    minimum: float | None = None

    def loss(self, x) -> np.ndarray | float:
        raise NotImplementedError

    def grad(self, x) -> np.ndarray:
        raise NotImplementedError

    @property
    def kappa(self) -> float | None:
        """Condition number L / mu (``None`` unless both are known and mu > 0)."""
        if self.L is None or self.mu is None or self.mu <= 0:
            return None
        return self.L / self.mu

    def _point(self, x) -> np.ndarray:
        """Check ``x`` and return it as a float64 array of a valid shape."""
        arr = finite_array("x", x)
        k = len(self.param_shape)
        if arr.shape[arr.ndim - k :] != self.param_shape or arr.ndim < k:
            raise ValueError(
                f"x must have shape {self.param_shape} (or a batch of them, "
                f"(..., {', '.join(map(str, self.param_shape))})) for {self.name}, got {arr.shape}"
            )
        return arr

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Parabola(Problem):
    """f(x) = a·x² + b·x + c for a number x, with a > 0.

    f'(x) = 2a·x + b, so L = mu = 2a; the minimiser is -b / (2a) and the
    minimum c - b² / (4a). ``Parabola()`` is x², ``Parabola(1, 2, 1)`` is
    x² + 2x + 1 = (x + 1)². Chapter 1.
    """

    param_shape = ()

    def __init__(self, a: float = 1.0, b: float = 0.0, c: float = 0.0):
        self.a = positive_number("a", a)
        self.b = number("b", b)
        self.c = number("c", c)
        self.L = self.mu = 2 * self.a
        with np.errstate(over="ignore"):
            self.minimiser = float(np.float64(-self.b) / (2 * self.a)) + 0.0  # + 0.0: no -0.0
            self.minimum = float(self.c - np.float64(self.b) ** 2 / (4 * self.a))
        if not (math.isfinite(self.minimiser) and math.isfinite(self.minimum)):
            raise ValueError(
                f"a, b and c must give a finite minimum; a={a!r}, b={b!r}, c={c!r} overflow"
            )
        self.name = _parabola_name(self.a, self.b, self.c)

    def loss(self, x):
        x = self._point(x)
        return (self.a * x + self.b) * x + self.c

    def grad(self, x):
        x = self._point(x)
        return 2 * self.a * x + self.b

    def __repr__(self) -> str:
        return f"Parabola(a={self.a:g}, b={self.b:g}, c={self.c:g})"


def _parabola_name(a: float, b: float, c: float) -> str:
    terms = [("x²" if a == 1 else f"{a:g}x²")]
    if b:
        terms.append(f"{'+' if b > 0 else '-'} {abs(b):g}x")
    if c:
        terms.append(f"{'+' if c > 0 else '-'} {abs(c):g}")
    return "f(x) = " + " ".join(terms)


class Quadratic(Problem):
    """f(x) = ½ (x − x*)ᵀ H (x − x*) + f* for a symmetric matrix H.

    grad f(x) = H (x − x*). The curvatures are the eigenvalues of H:
    L is the largest and mu the smallest, kappa = L / mu. Gradient descent
    with step lr multiplies the error along each eigenvector by (1 − lr·λ),
    which is why it is stable exactly when 0 < lr < 2/L. If H has a
    negative eigenvalue x* is a saddle, not a minimiser. Chapters 3 and 5.
    """

    def __init__(self, hessian, minimiser=None, minimum: float = 0.0, name: str | None = None):
        H = finite_array("hessian", hessian)
        if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
            raise ValueError(f"hessian must be a square matrix, got shape {H.shape}")
        if not np.allclose(H, H.T, rtol=0, atol=1e-12 * max(1.0, np.abs(H).max())):
            raise ValueError("hessian must be symmetric")
        d = H.shape[0]
        centre = np.zeros(d) if minimiser is None else finite_array("minimiser", minimiser)
        if centre.shape != (d,):
            raise ValueError(f"minimiser must have shape ({d},), got {centre.shape}")
        self.H = H
        self.centre = centre
        self.param_shape = (d,)
        eig = np.linalg.eigvalsh(H)
        self.eigenvalues = eig
        self.L = float(np.abs(eig).max())
        self.mu = float(eig.min())
        convex = self.mu > 0
        self.minimiser = centre if convex else None
        self.minimum = float(minimum) if convex else None
        self.offset = float(minimum)
        self.name = name or f"quadratic, d={d}"

    def loss(self, x):
        e = self._point(x) - self.centre
        return 0.5 * np.einsum("...i,ij,...j->...", e, self.H, e) + self.offset

    def grad(self, x):
        e = self._point(x) - self.centre
        return e @ self.H  # H is symmetric, so e @ H is H e for every row

    def __repr__(self) -> str:
        return f"Quadratic({self.name}, L={self.L:g}, mu={self.mu:g})"


def bowl() -> Quadratic:
    """The bowl f(x, y) = x² + 2y²: H = diag(2, 4), L = 4, mu = 2. Chapter 3."""
    return Quadratic(np.diag([2.0, 4.0]), name="f(x, y) = x² + 2y²")


def saddle() -> Quadratic:
    """The saddle f(x, y) = x² − y²: the gradient vanishes at 0, a saddle point. Chapter 3."""
    return Quadratic(np.diag([2.0, -2.0]), name="f(x, y) = x² − y²")


def ill_conditioned(kappa: float, L: float = 1.0, angle_deg: float = 0.0) -> Quadratic:
    """A 2-D quadratic bowl with curvatures L and L/kappa, its axes turned by ``angle_deg``.

    kappa = 1 is a round bowl; kappa = 100 is a long narrow valley in which
    plain gradient descent zig-zags. Chapters 3 and 5.
    """
    kappa = positive("kappa", kappa)
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1, got {kappa!r}")
    L = positive("L", L)
    t = np.deg2rad(float(finite_array("angle_deg", angle_deg)))
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    H = R @ np.diag([L / kappa, L]) @ R.T
    H = 0.5 * (H + H.T)
    return Quadratic(H, name=f"quadratic with kappa={kappa:g}")


class Rosenbrock(Problem):
    """f(x, y) = (a − x)² + b·(y − x²)², a curved valley with its minimum 0 at (a, a²).

    grad = (−2(a − x) − 4b·x(y − x²), 2b(y − x²)). Not convex: no global L.
    Chapter 5.
    """

    param_shape = (2,)
    mu = None

    def __init__(self, a: float = 1.0, b: float = 100.0):
        self.a = number("a", a)
        self.b = positive_number("b", b)
        if not abs(self.a) < 1e150:  # the minimiser is (a, a²)
            raise ValueError(f"a must be a number of size below 1e150, got {a!r}")
        self.minimiser = np.array([self.a, self.a**2])
        self.minimum = 0.0
        self.name = "Rosenbrock"

    def loss(self, x):
        x = self._point(x)
        u, v = x[..., 0], x[..., 1]
        return (self.a - u) ** 2 + self.b * (v - u**2) ** 2

    def grad(self, x):
        x = self._point(x)
        u, v = x[..., 0], x[..., 1]
        r = v - u**2
        return np.stack([-2 * (self.a - u) - 4 * self.b * u * r, 2 * self.b * r], axis=-1)

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a:g}, b={self.b:g})"


class Bumpy(Problem):
    """f(w, b) = sin(w)·cos(b) + w²/8 + b²/8: a bowl with bumps and several local minima.

    grad = (cos(w)cos(b) + w/4, −sin(w)sin(b) + b/4). The Hessian of the
    sine part has eigenvalues −sin(w ∓ b), at most 1 in size, so
    L = 1 + 1/4. The minima are found once, by Newton's method, when the
    problem is made: ``local_minima`` (sorted by loss), ``minimiser`` and
    ``minimum`` (the lowest). Chapters 3, 5 and 6.
    """

    param_shape = (2,)
    L = 1.25
    mu = None

    def __init__(self):
        self.name = "f(w, b) = sin(w)cos(b) + w²/8 + b²/8"
        self.local_minima = self._find_minima()
        self.minimiser = self.local_minima[0]
        self.minimum = float(self.loss(self.minimiser))

    def loss(self, x):
        x = self._point(x)
        w, b = x[..., 0], x[..., 1]
        return np.sin(w) * np.cos(b) + (w**2 + b**2) / 8

    def grad(self, x):
        x = self._point(x)
        w, b = x[..., 0], x[..., 1]
        return np.stack([np.cos(w) * np.cos(b) + w / 4, -np.sin(w) * np.sin(b) + b / 4], axis=-1)

    def hessian(self, x) -> np.ndarray:
        """The 2×2 matrix of second derivatives at each point of ``x``."""
        x = self._point(x)
        w, b = x[..., 0], x[..., 1]
        d = -np.sin(w) * np.cos(b) + 0.25
        off = -np.cos(w) * np.sin(b)
        return np.stack([np.stack([d, off], -1), np.stack([off, d], -1)], -2)

    def _find_minima(self) -> np.ndarray:
        # Newton's method from a grid of starts, all at once; keep the
        # points where the Hessian is positive definite, without repeats.
        g = np.linspace(-6, 6, 13)
        x = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
        for _ in range(50):
            step = np.linalg.solve(self.hessian(x), self.grad(x)[..., None])[..., 0]
            x = np.clip(x - np.clip(step, -1, 1), -8, 8)
        ok = (np.linalg.norm(self.grad(x), axis=-1) < 1e-12) & (
            np.linalg.eigvalsh(self.hessian(x)).min(axis=-1) > 0
        )
        _, first = np.unique(np.round(x[ok], 6), axis=0, return_index=True)
        found = x[ok][first]
        return found[np.argsort(self.loss(found))]

    def __repr__(self) -> str:
        return "Bumpy()"


class LinearRegression(Problem):
    """Least squares: fit ŷ = X·w + b to data by the mean squared error.

    The parameters are x = (w₁, …, w_d, b). With the residuals
    r = X·w + b − y over n rows,

        loss = (1/n) Σ rᵢ²,   ∂loss/∂w = (2/n) Xᵀ r,   ∂loss/∂b = (2/n) Σ rᵢ.

    Pass ``rows`` (an array of row indices) to ``loss`` or ``grad`` to use
    a mini-batch instead of every row. L is the largest eigenvalue of
    (2/n) AᵀA with A = [X, 1]; the minimiser is the least-squares solution.
    Chapters 2, 3 and 4.
    """

    def __init__(self, X, y, fit_intercept: bool = True):
        X = finite_array("X", X)
        y = finite_array("y", y)
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a 2-D array of shape (n, d), got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
        self.X, self.y = X, y
        self.fit_intercept = bool(fit_intercept)
        self.n, self.d = X.shape
        self.param_shape = (self.d + self.fit_intercept,)
        A = np.hstack([X, np.ones((self.n, 1))]) if fit_intercept else X
        self._A = A
        eig = np.linalg.eigvalsh(2 * A.T @ A / self.n)
        self.L, self.mu = float(eig.max()), float(eig.min())
        self.minimiser = np.linalg.lstsq(A, y, rcond=None)[0]
        self.minimum = float(self.loss(self.minimiser))
        self.name = f"linear regression, n={self.n}, d={self.d}"

    def _rows(self, rows):
        if rows is None:
            return self._A, self.y
        idx = row_indices(rows, self.n)
        return self._A[idx], self.y[idx]

    def residuals(self, x, rows=None) -> np.ndarray:
        """r = X·w + b − y for each row (and each point of a batch)."""
        A, y = self._rows(rows)
        return self._point(x) @ A.T - y

    def loss(self, x, rows=None):
        r = self.residuals(x, rows)
        return np.mean(r * r, axis=-1)

    def grad(self, x, rows=None):
        A, _ = self._rows(rows)
        r = self.residuals(x, rows)
        return (2 / len(A)) * (r @ A)

    def __repr__(self) -> str:
        return f"LinearRegression(n={self.n}, d={self.d}, fit_intercept={self.fit_intercept})"
