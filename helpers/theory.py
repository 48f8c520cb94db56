"""Closed forms chapters 3 to 5 set their runs against, measurements to compare, chapter 8's."""

import numpy as np

from helpers.validate import finite_array, integer, positive


def gd_rate(lr, L, mu):
    """max(|1 − lr·mu|, |1 − lr·L|): the contraction per step of gradient descent; below 1
    when lr < 2/L, lowest, (κ − 1)/(κ + 1), at lr = 2/(mu + L). Chapter 3."""
    return np.maximum(np.abs(1 - lr * mu), np.abs(1 - lr * L))


def heavy_ball(L, mu) -> tuple[float, float, float]:
    """The best (lr, momentum) of the heavy ball and its rate: 4/(√L + √mu)², rate², and
    rate = (√κ − 1)/(√κ + 1). Chapter 5."""
    s = np.sqrt(L / mu)
    return 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, ((s - 1) / (s + 1)) ** 2, (s - 1) / (s + 1)


def contraction(distances, last: int = 10) -> float:
    """Measured, not predicted: the geometric mean of a run's last ``last`` ratios d_{k+1}/d_k of
    distances to the minimiser (where d_k > 0 and both are finite; NaN if none). Chapter 3."""
    d = np.asarray(distances, dtype=float)
    if d.ndim != 1:
        raise ValueError(f"distances must be a 1-D array, got shape {d.shape}")
    ok = np.isfinite(d[:-1]) & np.isfinite(d[1:]) & (d[:-1] > 0)  # the steps that can be measured
    tail = (d[1:][ok] / d[:-1][ok])[-last:]
    return float(np.prod(tail) ** (1 / tail.size)) if tail.size else float("nan")


def predicted_noise(grads, batch_size):
    """σ_B = √(tr Σ / B · (n − B)/(n − 1)), tr Σ = mean ‖gᵢ − ḡ‖²: the RMS distance of the mean
    of B distinct rows of ``grads`` (n, p) from the mean of all. Chapter 4."""
    G, B = finite_array("grads", grads), np.asarray(batch_size)
    if G.ndim != 2 or len(G) < 2:
        raise ValueError(f"grads must be an array (n, p) with n >= 2, got shape {G.shape}")
    n = len(G)
    if B.dtype.kind not in "iu" or np.any(B < 1) or np.any(B > n):
        raise ValueError(f"batch_size must be whole numbers in [1, {n}], got {batch_size!r}")
    spread = np.sqrt(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)) / B * (n - B) / (n - 1))
    return float(spread) if spread.ndim == 0 else spread


def measured_noise(grads, batch_sizes, rng: np.random.Generator, batches: int = 1000):
    """Measured, not predicted: σ_B over ``batches`` random batches of each size B, batch b the
    first B rows of random order b (the same orders for every B). Chapter 4."""
    G, batches = finite_array("grads", grads), integer("batches", batches, 1)
    n, sizes = len(G), [integer("batch_size", B, 1) for B in np.atleast_1d(batch_sizes).tolist()]
    if max(sizes) > n:
        raise ValueError(f"batch sizes must be at most n = {n}, got {max(sizes)}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {rng!r}")
    orders = rng.permuted(np.tile(np.arange(n), (batches, 1)), axis=1)
    per_chunk = max(1, 2_000_000 // G.size)  # random orders per chunk: a few MB of rows each
    chunks = np.array_split(orders, int(np.ceil(batches / per_chunk)))
    total, spread = G.sum(axis=0), []
    for B in sizes:  # the sum of the first B rows; for large B, the total minus the rest
        sums = [G[c[:, :B]].sum(1) if B <= n // 2 else total - G[c[:, B:]].sum(1) for c in chunks]
        spread.append(np.sqrt(sum(np.sum((s / B - total / n) ** 2) for s in sums) / batches))
    return np.array(spread)


def noise_floor(problem, lr, batch_size):
    """The mean excess loss f − f* at which SGD with constant ``lr`` and B-row batches settles.

    With fresh batches, P = E[e eᵀ] for the error e = x − x* settles where P = E[(I − lr·H_B) P
    (I − lr·H_B)] + lr²·E[ḡ_B ḡ_Bᵀ], with H_B and ḡ_B the batch's means of 2·aᵢaᵢᵀ and of gᵢ at
    x*. The floor is ½·tr(H P) ≈ lr·tr Σ*/(4B); inf where P has no solution. Chapter 4."""
    B, lr = integer("batch_size", batch_size, 1), np.asarray(positive("lr", lr))
    A, G = problem.A, problem.per_example_grads(problem.minimiser)  # the rows aᵢ, the gᵢ at x*
    n, p = A.shape
    if B > n:
        raise ValueError(f"batch_size must be in [1, {n}], got {B}")
    scale = (n - B) / (n - 1) / B  # the variance of a mean of B distinct rows, per row variance
    noise = scale * (G.T @ G) / n  # E[ḡ_B ḡ_Bᵀ]: the gᵢ average 0 at x*
    hessians = 2 * A[:, :, None] * A[:, None, :]
    H = hessians.mean(axis=0)
    D = hessians - H  # E[D_B P D_B], as a matrix acting on P flattened row by row:
    curvature_noise = scale * np.einsum("nik,njl->ijkl", D, D).reshape(p * p, p * p) / n

    def floor(r):
        M = np.eye(p) - r * H
        T = np.kron(M, M) + r * r * curvature_noise
        if np.max(np.abs(np.linalg.eigvals(T))) >= 1:
            return np.inf
        P = np.linalg.solve(np.eye(p * p) - T, r * r * noise.ravel()).reshape(p, p)
        return 0.5 * np.sum(H * P)

    floors = np.array([floor(r) for r in lr.ravel()]).reshape(lr.shape)
    return float(floors) if floors.ndim == 0 else floors


def sharpness(hvp, dim, iters=1000, seed=0, tol=1e-6) -> float:
    """λ_max of a symmetric H given by hvp(v) = H·v; for a network at x, by differences to 1e-10:
    hvp = lambda v: (net.grad(x + 1e-5 * v) − net.grad(x − 1e-5 * v)) / 2e-5 for ‖v‖ = 1. Power
    iteration v ← Hv/‖Hv‖ stops at ‖Hv − λv‖ ≤ tol·|λ|, λ = vᵀHv, then within ‖Hv − λv‖²/gap of
    the eigenvalue of largest size. If that is negative or does not settle (λ_min ≈ −λ_max), a run
    on H + ρI, ρ = ‖Hv‖, finds λ_max + ρ; NaN if neither settles. Chapter 8."""
    if not callable(hvp):
        raise ValueError(f"hvp must be a function v ↦ H·v, got {hvp!r}")
    dim, iters, tol = integer("dim", dim, 1), integer("iters", iters, 1), positive("tol", tol)
    rng = np.random.default_rng(integer("seed", seed))

    def power(shift):  # on H + shift·I: (its largest |λ| − shift, or NaN, and ‖Hv + shift·v‖)
        v = rng.standard_normal(dim)
        for _ in range(iters):
            v = v / np.linalg.norm(v)
            w = finite_array("hvp(v)", hvp(v)) + shift * v
            if np.linalg.norm(w - (v @ w) * v) <= tol * abs(v @ w):
                return v @ w - shift, np.linalg.norm(w)
            v = w
        return np.nan, np.linalg.norm(w)

    lam, rho = power(0.0)
    return float(lam if lam > 0 else power(rho)[0])


def filter_normalised_direction(x, shapes, rng: np.random.Generator) -> np.ndarray:
    """A random direction d to plot f(x + αd) along (Li et al. 2018): d ~ N(0, I), then dⱼ ←
    dⱼ·‖xⱼ‖/‖dⱼ‖ for each filter j: a column of a matrix of ``shapes`` (``net.shapes``, x's layout;
    X·W: the weights into one unit). As in the paper, a bias (1-D) gets 0. Chapter 8."""
    x, layout = finite_array("x", x), list(shapes.values()) if isinstance(shapes, dict) else [()]
    if x.shape != (sum(np.prod(s, dtype=int) for s in layout),):
        raise ValueError(f"shapes must be the layout of x, name → shape, got {shapes!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {rng!r}")
    d, start = rng.standard_normal(x.size), 0
    for shape in layout:
        piece, filters = (a[start : start + np.prod(shape)].reshape(shape) for a in (d, x))
        piece *= np.linalg.norm(filters, axis=0) / np.linalg.norm(piece, axis=0) * (piece.ndim > 1)
        start += np.prod(shape)
    return d
