"""Loss functions to descend, each with its analytic gradient; leading axes of x are a batch of
points (``bowl().loss(np.zeros((5, 2)))`` is five losses), one per run of ``descend``."""

import numpy as np

from helpers.validate import finite_array, number, positive, positive_number, row_indices


class Problem:
    """A loss with its gradient: a subclass defines ``loss(x)`` and ``grad(x)``, which return
    inf or nan far out without numpy's overflow warnings. ``L`` (smoothness, the largest
    curvature), ``mu`` (strong convexity), ``minimiser`` and ``minimum`` are None if unknown."""

    name, param_shape = "problem", ()
    L = mu = minimiser = minimum = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        quiet = np.errstate(over="ignore", invalid="ignore")  # np.errstate is a decorator too:
        for name in ("loss", "grad"):  # each subclass's loss and grad run inside it
            if name in cls.__dict__:
                setattr(cls, name, quiet(cls.__dict__[name]))

    @property
    def kappa(self) -> float | None:
        """The condition number L / mu (None unless mu is known and > 0)."""
        return None if self.mu is None or self.mu <= 0 else self.L / self.mu

    def _point(self, x) -> np.ndarray:
        x = finite_array("x", x)
        k = len(self.param_shape)
        if x.ndim < k or x.shape[x.ndim - k :] != self.param_shape:
            raise ValueError(f"x must have shape {self.param_shape} (or a batch), got {x.shape}")
        return x

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Parabola(Problem):
    """f(x) = a·x² + b·x + c, a > 0: f'(x) = 2a·x + b, L = mu = 2a, the minimiser −b/(2a) and
    the minimum c − b²/(4a). ``Parabola()`` is x², ``Parabola(1, 2, 1)`` (x + 1)². Chapter 1."""

    def __init__(self, a: float = 1.0, b: float = 0.0, c: float = 0.0):
        self.a, self.b, self.c = positive_number("a", a), number("b", b), number("c", c)
        self.L = self.mu = 2 * self.a
        self.minimiser = -self.b / (2 * self.a) + 0.0  # + 0.0: no -0.0
        self.minimum = self.c - self.b * self.b / (4 * self.a)
        if not np.isfinite([self.minimiser, self.minimum]).all():
            raise ValueError(f"a, b and c must give a finite minimum; a={a!r}, b={b!r}, c={c!r}")
        terms = ["x²" if self.a == 1 else f"{self.a:g}x²"]
        for coefficient, power in ((self.b, "x"), (self.c, "")):  # "+ 2x", "- 1"; no "+ 0"
            if coefficient != 0:
                terms.append(f"{'-' if coefficient < 0 else '+'} {abs(coefficient):g}{power}")
        self.name = "f(x) = " + " ".join(terms)

    def loss(self, x):
        x = self._point(x)
        return (self.a * x + self.b) * x + self.c

    def grad(self, x):
        return 2 * self.a * self._point(x) + self.b

    def __repr__(self) -> str:
        return f"Parabola(a={self.a:g}, b={self.b:g}, c={self.c:g})"


class Quadratic(Problem):
    """f(x) = ½ (x − x*)ᵀ H (x − x*) + f*, H symmetric: grad = H (x − x*), L = max |λ(H)|,
    mu = min λ(H) (if mu ≤ 0, x* is no minimiser). Chapters 3 and 5."""

    def __init__(self, hessian, minimiser=None, minimum: float = 0.0, name: str | None = None):
        H = finite_array("hessian", hessian)
        if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
            raise ValueError(f"hessian must be a square matrix, got shape {H.shape}")
        if not np.allclose(H, H.T, rtol=0, atol=1e-12 * max(1.0, np.abs(H).max())):
            raise ValueError("hessian must be symmetric")
        d = len(H)
        centre = np.zeros(d) if minimiser is None else finite_array("minimiser", minimiser)
        if centre.shape != (d,):
            raise ValueError(f"minimiser must have shape ({d},), got {centre.shape}")
        self.H, self.centre, self.offset, self.param_shape = H, centre, float(minimum), (d,)
        self.eigenvalues = np.linalg.eigvalsh(H)
        self.L, self.mu = float(np.abs(self.eigenvalues).max()), float(self.eigenvalues.min())
        if self.mu > 0:
            self.minimiser, self.minimum = centre, self.offset
        self.name = name or f"quadratic, d={d}"

    def loss(self, x):
        e = self._point(x) - self.centre
        return 0.5 * np.einsum("...i,ij,...j->...", e, self.H, e) + self.offset

    def grad(self, x):
        return (self._point(x) - self.centre) @ self.H  # H is symmetric: e @ H is H e

    def __repr__(self) -> str:
        return f"Quadratic({self.name}, L={self.L:g}, mu={self.mu:g})"


def bowl() -> Quadratic:
    """The bowl f(x, y) = x² + 2y²: H = diag(2, 4), L = 4, mu = 2. Chapter 3."""
    return Quadratic(np.diag([2.0, 4.0]), name="f(x, y) = x² + 2y²")


def saddle() -> Quadratic:
    """The saddle f(x, y) = x² − y²: the gradient vanishes at 0, a saddle point. Chapter 3."""
    return Quadratic(np.diag([2.0, -2.0]), name="f(x, y) = x² − y²")


def ill_conditioned(kappa: float, L: float = 1.0, angle_deg: float = 0.0) -> Quadratic:
    """A 2-D bowl with curvatures L/kappa and L, its axes turned by ``angle_deg``: round for
    kappa = 1, a long narrow valley where descent zig-zags for kappa = 100. Chapters 3 and 5."""
    kappa = positive("kappa", kappa)
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1, got {kappa!r}")
    L = positive("L", L)
    t = np.deg2rad(float(finite_array("angle_deg", angle_deg)))
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    H = R @ np.diag([L / kappa, L]) @ R.T
    return Quadratic(0.5 * (H + H.T), name=f"quadratic with kappa={kappa:g}")


class Rosenbrock(Problem):
    """f(x, y) = (a − x)² + b·(y − x²)², a curved valley with its minimum 0 at (a, a²):
    grad = (−2(a − x) − 4b·x(y − x²), 2b(y − x²)). Not convex: no global L. Chapter 5."""

    name, param_shape, minimum = "Rosenbrock", (2,), 0.0

    def __init__(self, a: float = 1.0, b: float = 100.0):
        self.a, self.b = number("a", a), positive_number("b", b)
        if abs(self.a) >= 1e150:  # the minimiser (a, a²) would overflow
            raise ValueError(f"a must be a number of size below 1e150, got {a!r}")
        self.minimiser = np.array([self.a, self.a**2])

    def loss(self, x):
        u, v = np.moveaxis(self._point(x), -1, 0)
        return (self.a - u) ** 2 + self.b * (v - u**2) ** 2

    def grad(self, x):
        u, v = np.moveaxis(self._point(x), -1, 0)
        r = v - u**2
        return np.stack([-2 * (self.a - u) - 4 * self.b * u * r, 2 * self.b * r], axis=-1)

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a:g}, b={self.b:g})"


class Bumpy(Problem):
    """f(w, b) = sin(w)·cos(b) + w²/8 + b²/8, a bumpy bowl: grad = (cos(w)cos(b) + w/4,
    −sin(w)sin(b) + b/4), L = 1 + 1/4 (the sine part's curvatures are −sin(w ∓ b)); its
    ``local_minima``, sorted by loss, found by Newton's method. Chapters 3, 5 and 6."""

    name, param_shape, L = "f(w, b) = sin(w)cos(b) + w²/8 + b²/8", (2,), 1.25

    def __init__(self):
        self.local_minima = self._find_minima()
        self.minimiser = self.local_minima[0]
        self.minimum = float(self.loss(self.minimiser))

    def loss(self, x):
        w, b = np.moveaxis(self._point(x), -1, 0)
        return np.sin(w) * np.cos(b) + (w**2 + b**2) / 8

    def grad(self, x):
        w, b = np.moveaxis(self._point(x), -1, 0)
        return np.stack([np.cos(w) * np.cos(b) + w / 4, -np.sin(w) * np.sin(b) + b / 4], axis=-1)

    def hessian(self, x) -> np.ndarray:
        """The 2×2 matrix of second derivatives at each point of ``x``."""
        w, b = np.moveaxis(self._point(x), -1, 0)
        d = -np.sin(w) * np.cos(b) + 0.25
        off = -np.cos(w) * np.sin(b)
        return np.stack([np.stack([d, off], -1), np.stack([off, d], -1)], -2)

    def _find_minima(self) -> np.ndarray:
        grid = np.linspace(-6, 6, 13)  # Newton's method from each of 13 × 13 starts
        x = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
        for _ in range(50):  # x ← x − H⁻¹g, each step cut to at most 1 per coordinate
            step = np.linalg.solve(self.hessian(x), self.grad(x)[..., None])[..., 0]
            x = np.clip(x - np.clip(step, -1, 1), -8, 8)
        definite = np.linalg.eigvalsh(self.hessian(x)).min(axis=-1) > 0  # a minimum, no saddle
        minima = x[definite & (np.linalg.norm(self.grad(x), axis=-1) < 1e-12)]
        _, first = np.unique(np.round(minima, 6), axis=0, return_index=True)  # each one once
        found = minima[first]
        return found[np.argsort(self.loss(found))]


class LinearRegression(Problem):
    """Least squares for ŷ = X·w + b: with A = [X, 1], r = A·x − y over n rows (or ``rows``),
    loss = (1/n) Σ rᵢ², grad = (2/n) Aᵀr; L, mu: extreme eigenvalues of (2/n) AᵀA. Chapters 2–4."""

    def __init__(self, X, y, fit_intercept: bool = True):
        X, y = finite_array("X", X), finite_array("y", y)
        X = X[:, None] if X.ndim == 1 else X
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a 2-D array of shape (n, d), got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
        self.X, self.y, self.fit_intercept = X, y, bool(fit_intercept)
        self.n, self.d = X.shape
        self.A = np.hstack([X, np.ones((self.n, 1))]) if fit_intercept else X
        self.param_shape = (self.A.shape[1],)
        eig = np.linalg.eigvalsh(2 * self.A.T @ self.A / self.n)
        self.L, self.mu = float(eig.max()), float(eig.min())
        self.minimiser = np.linalg.lstsq(self.A, y, rcond=None)[0]
        self.minimum = float(self.loss(self.minimiser))
        self.name = f"linear regression, n={self.n}, d={self.d}"

    def residuals(self, x, rows=None) -> np.ndarray:
        """r = A·x − y for every row, or for ``rows`` only (and for each point of a batch)."""
        rows = slice(None) if rows is None else row_indices(rows, self.n)
        return self._point(x) @ self.A[rows].T - self.y[rows]

    def loss(self, x, rows=None):
        return np.mean(self.residuals(x, rows) ** 2, axis=-1)

    def grad(self, x, rows=None):
        A = self.A if rows is None else self.A[row_indices(rows, self.n)]
        return (2 / len(A)) * (self.residuals(x, rows) @ A)

    def per_example_grads(self, x) -> np.ndarray:
        """gᵢ = 2·rᵢ·aᵢ, the gradient of row i alone, for every row; they average to grad(x)."""
        return 2 * self.residuals(x)[..., None] * self.A

    def __repr__(self) -> str:
        return f"LinearRegression(n={self.n}, d={self.d}, fit_intercept={self.fit_intercept})"
