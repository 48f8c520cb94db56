"""Checks for the exercises of chapter 8, after Adam: one Lion step, Adafactor's memory, the
orthogonalisation Muon approximates, the sharpness by power iteration, the edge of stability."""

from __future__ import annotations

import numpy as np

from helpers.book.exercises import Feedback, agrees, as_number, checker, close, correct, hint
from helpers.optim import Lion, newton_schulz

# Exercise 2: the weight matrix; exercise 5: the learning rate.
ROWS, COLS = 1024, 4096
EDGE_LR = 0.05


def _lion_cases() -> list[tuple]:
    """(x, g, m, lr, betas): one built so that each slip flips a sign, m = 0, random ones."""
    rng = np.random.default_rng(8)
    # sign(c) is +, −, −, +; m updated first flips entries 0 and 1, β₂ in c flips entry 2
    g, m = np.array([-8.5, 8.5, -50.0, 2.0]), np.array([1.0, -1.0, 1.0, 0.5])
    cases = [(rng.standard_normal(4), g, m, 0.1, (0.9, 0.99))]
    cases.append((rng.standard_normal(3), rng.standard_normal(3), np.zeros(3), 0.01, (0.9, 0.99)))
    for lr, betas in ((0.003, (0.95, 0.98)), (0.3, (0.8, 0.999))):
        cases.append((*rng.standard_normal((3, 5)), lr, betas))
    return cases


def _lion_slips(x, g, m, lr, betas) -> tuple[dict, dict]:
    """The right x_new and m_new (from helpers.optim.Lion) and those of the typical slips."""
    (b1, b2), opt = betas, Lion(lr=lr, betas=betas)
    opt.state["exp_avg"] = m.copy()
    x_new = opt.step(x, g)
    c, m_new = b1 * m + (1 - b1) * g, opt.state["exp_avg"]
    xs = {
        "right": x_new,
        "m first": x - lr * np.sign(b1 * m_new + (1 - b1) * g),
        "beta2": x - lr * np.sign(b2 * m + (1 - b2) * g),
        "no sign": x - lr * c,
        "uphill": x + lr * np.sign(c),
    }
    return xs, {"right": m_new, "c": c, "unchanged": m}


_LION_HINTS = {
    "m first": "c must mix g with the old momentum m: you updated m first, and used the new one.",
    "beta2": "c mixes m and g with β₁ = betas[0]; you used β₂.",
    "no sign": "Each coordinate of a Lion step moves by exactly lr: only the sign of c counts.",
    "uphill": "Your step goes uphill: x moves along c instead of against it.",
}


@checker
def check_lion_step(lion_step) -> Feedback:
    """Exercise 1: lion_step(x, g, m, lr, betas) -> (x_new, m_new), one Lion step, no decay."""
    if not callable(lion_step):
        return hint("Pass your function itself: check_lion_step(lion_step), without calling it.")
    x_slips, m_slips = {"right", *_LION_HINTS}, {"right", "c", "unchanged"}  # not yet ruled out
    for x, g, m, lr, betas in _lion_cases():
        out = lion_step(x.copy(), g.copy(), m.copy(), lr, betas)  # copies: in place is fine
        if out is None:
            return hint("Your function returned None: end it with return x_new, m_new.")
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return hint("Return a pair: return x_new, m_new.")
        x_new, m_new = (np.asarray(a, dtype=float) for a in out)
        if x_new.shape != x.shape or m_new.shape != x.shape:
            got = f"got {x_new.shape} and {m_new.shape}"
            return hint(f"x_new and m_new must have the shape of x, {x.shape}; {got}.")
        xs, ms = _lion_slips(x, g, m, lr, betas)
        x_slips = {k for k in x_slips if np.allclose(x_new, xs[k], rtol=1e-6, atol=1e-12)}
        m_slips = {k for k in m_slips if np.allclose(m_new, ms[k], rtol=1e-6, atol=1e-12)}
    if x_slips == m_slips == {"right"}:
        return correct("x − lr·sign(β₁m + (1 − β₁)g), then m ← β₂m + (1 − β₂)g: as Lion.")
    if x_slips == {"beta2"} and m_slips == {"c"}:
        return hint("The betas are swapped: β₁ = betas[0] makes c, β₂ = betas[1] the momentum.")
    for slip, message in _LION_HINTS.items():
        if slip in x_slips:
            return hint(message)
    if not x_slips:
        return hint("x_new is not right: first c = β₁m + (1 − β₁)g, then x − lr·sign(c).")
    if "c" in m_slips:
        return hint("x_new is right, but m_new is c: the momentum kept for later mixes with β₂.")
    if "unchanged" in m_slips:
        return hint("x_new is right, but m_new is the m you were given: it must take in g.")
    return hint("x_new is right, but m_new is not: it mixes the old m and g with β₂.")


@checker
def check_adafactor_state(count) -> Feedback:
    """Exercise 2: how many numbers Adafactor keeps as its second moment for a 1024 × 4096 W."""
    value = as_number(count)
    if value is None:
        return hint("count should be a single number.")
    rows, cols, weights = ROWS, COLS, ROWS * COLS
    if value == rows + cols:  # tests/test_exercises_ch08.py steps helpers.optim.Adafactor to see
        return correct(
            f"{rows} + {cols} = {rows + cols}: a mean of g² for each row (row_var) and each "
            f"column (col_var), {weights // (rows + cols)} times fewer than Adam's v."
        )
    slips = {
        2 * weights: "That is Adam's m and v, two numbers per weight; Adafactor keeps neither.",
        weights: "That is a full v, one number per weight, as in Adam; Adafactor factors it.",
        weights
        + rows
        + cols: "Adafactor keeps no full v beside its factors: it rebuilds v each step.",
        rows: "That is one of the two factors: there is one for the rows, one for the columns.",
        cols: "That is one of the two factors: there is one for the rows, one for the columns.",
        2 * (rows + cols): "That counts each factor twice; Adafactor keeps no first moment.",
    }
    if value in slips:
        return hint(slips[value])
    if not value.is_integer() or value < 0:
        return hint("count should be a whole number, at least 0.")
    return hint("For a matrix Adafactor stores row_var and col_var in its state: count them.")


@checker
def check_orthogonalise(orthogonalise) -> Feedback:
    """Exercise 3: orthogonalise(G) = U·Vᵀ from the thin SVD G = U·S·Vᵀ."""
    if not callable(orthogonalise):
        return hint("Pass your function itself: check_orthogonalise(orthogonalise).")
    rng = np.random.default_rng(5)
    for rows, cols in ((10, 10), (64, 32), (32, 64)):  # square first: see the ValueError
        G = rng.standard_normal((rows, cols))
        U, _, Vt = np.linalg.svd(G, full_matrices=False)
        try:
            got = orthogonalise(G.copy())
        except ValueError as err:
            if rows == cols:
                raise
            return hint(
                f"Right for a square G, but for a {rows}×{cols} one your function raised "
                f"ValueError: {err}. With full_matrices=True, U and Vᵀ are square and no "
                "longer fit together."
            )
        if got is None:
            return hint("Your function returned None: end it with return and the matrix.")
        if isinstance(got, tuple):
            return hint("Return one matrix, not the pieces of the SVD.")
        problem = _orthogonal_problem(np.asarray(got, dtype=float), G, U, Vt)
        if problem:
            return hint(problem)
    return correct("U·Vᵀ: G's directions, every singular value set to 1, as Muon wants them.")


def _orthogonal_problem(got, G, U, Vt) -> str | None:
    """What is wrong with ``got`` as U·Vᵀ, or None if nothing."""
    if got.shape != G.shape:
        if got.shape == G.T.shape:
            return f"Your result has the shape of Gᵀ, {got.shape}: it is transposed."
        return f"The result must have the shape of G, {G.shape}; got {got.shape}."

    def same(a) -> bool:
        return a.shape == got.shape and np.allclose(got, a, rtol=0, atol=1e-10)

    if same(U @ Vt):
        return None
    if same(G):
        return "That is G itself, U·S·Vᵀ: orthogonalising replaces each singular value by 1."
    if same(np.vdot(got, G) / np.vdot(G, G) * G):
        return "That is G rescaled: its singular values change by one factor; they stay unequal."
    if same(newton_schulz(G)):
        return "That is Newton–Schulz's approximation (singular values 0.68 to 1.14), not U·Vᵀ."
    if same(Vt @ U) or same((U @ Vt).T):
        return "The order is reversed: your result is Vᵀ·U or (U·Vᵀ)ᵀ."
    if same(U) or same(Vt):
        return "That is one factor of the SVD alone: U·Vᵀ uses both."
    W = got if G.shape[0] >= G.shape[1] else got.T  # orthonormal columns are wanted
    if not np.allclose(W.T @ W, np.eye(W.shape[1]), atol=1e-8):
        return "Your result is not orthogonal: not all of its singular values are 1."
    return "Your result is orthogonal, but not U·Vᵀ, the orthogonal matrix nearest G."


def _psd_matrices() -> list[np.ndarray]:
    """Symmetric positive semidefinite H: a diagonal one, random ones of 5, 20 and 50 dimensions."""
    rng = np.random.default_rng(11)
    found = [np.diag([2.0, 0.5, 8.0, 5.0, 1.0, 3.0])]  # the largest is not first: e₁ finds 2
    for dim in (5, 20, 50):
        Q = np.linalg.qr(rng.standard_normal((dim, dim)))[0]
        top = rng.uniform(1.0, 100.0)  # the others at most 75 % of it: a clear gap; one is 0
        H = (Q * np.r_[top, top * rng.uniform(0.0, 0.75, dim - 2), 0.0]) @ Q.T
        found.append((H + H.T) / 2)
    return found


@checker
def check_top_eigenvalue(top_eigenvalue) -> Feedback:
    """Exercise 4: top_eigenvalue(hvp, dim), the largest eigenvalue of H ⪰ 0, by power iteration."""
    if not callable(top_eigenvalue):
        return hint("Pass your function itself: check_top_eigenvalue(top_eigenvalue).")
    calls, basis_only = 0, True  # basis_only: every v was some eᵢ, so H was built column by column
    for H in _psd_matrices():

        def hvp(v, H=H):
            nonlocal calls, basis_only
            v = np.asarray(v, dtype=float)
            if v.shape != (len(H),):
                raise ValueError(f"hvp takes one vector of {len(H)} numbers, got shape {v.shape}")
            calls, basis_only = calls + 1, basis_only and np.count_nonzero(v) == 1 == v.sum()
            return H @ v

        with np.errstate(all="ignore"):  # an overflowing v gets its hint, not a warning
            got = top_eigenvalue(hvp, len(H))
        problem = _eigenvalue_problem(got, *np.linalg.eigh(H))
        if problem:
            return hint(problem)
    if basis_only:
        return correct(
            f"Right, but you built H from hvp(e₁), …, hvp(eₙ), {calls} products: for a network "
            "that is one gradient per weight. Power iteration needs tens."
        )
    return correct("Power iteration: the unit v it settles on has Hv = λ_max·v, so vᵀHv = λ_max.")


def _eigenvalue_problem(got, eigenvalues, vectors) -> str | None:
    """What is wrong with ``got`` as the largest of ``eigenvalues``, or None if nothing."""
    if got is None:
        return "Your function returned None: end it with return and the eigenvalue."
    if isinstance(got, tuple):
        return "Return the eigenvalue alone, a single number."
    got, want, top = np.asarray(got, dtype=float), eigenvalues[-1], vectors[:, -1]
    if got.size != 1:
        if got.shape == top.shape and abs(got @ top) > (1 - 1e-6) * np.linalg.norm(got):
            return "That is the top eigenvector; return its eigenvalue, a number."
        return f"Your function returned {got.size} numbers; return one, the eigenvalue."
    value = float(got.reshape(()))
    if not np.isfinite(value):
        return "Not a finite number: unnormalised, v overflows (or underflows); v = 0 gives 0/0."
    if close(value, want):
        return None
    if close(value, want**2, rel=1e-4):
        return "That is λ², not λ: ‖Hv‖² or vᵀH(Hv) squares it."
    if close(value, eigenvalues[0]):
        return "That is the smallest eigenvalue (np.linalg.eigvalsh lists them in ascending order)."
    if any(close(value, lam) for lam in eigenvalues):
        return "Another eigenvalue: your start vector has no part along the top eigenvector."
    if abs(value - want) < 0.05 * want:
        err = abs(value - want) / want
        return f"Within {err:.1e} of λ_max, not yet 1e-6: too few steps. Iterate until Hv ≈ λv."
    if value > want:
        return (
            f"Your value is {value / want:.3g} times λ_max: ‖Hv‖ and vᵀHv are λ only for a unit "
            "vector v. Normalise v each step."
        )
    return "Power iteration: v ← Hv/‖Hv‖ until it settles; then λ = vᵀHv (with ‖v‖ = 1)."


@checker
def check_edge_sharpness(value) -> Feedback:
    """Exercise 5: the sharpness full-batch descent with lr = 0.05 hovers at (edge of stability)."""
    number = as_number(value)
    if number is None:
        return hint("The sharpness should be a single number.")
    if agrees(number, 2 / EDGE_LR):
        return correct(
            f"2/lr = {2 / EDGE_LR:g}: sharper than that, descent overshoots the valley, "
            "which pushes the sharpness back down."
        )
    for slip, message in (
        (1 / EDGE_LR, "At 1/lr a step lands on the bottom; descent is stable up to twice that."),
        (2 * EDGE_LR, "That is upside down: the larger the lr, the flatter descent must be."),
        (EDGE_LR / 2, "That is upside down: the larger the lr, the flatter descent must be."),
        (EDGE_LR, "That is the learning rate itself; the sharpness is a curvature, λ_max."),
        (3.8 / EDGE_LR, "(2 + 2β)/lr is the limit with momentum β = 0.9; this descent has none."),
    ):
        if agrees(number, slip):
            return hint(message)
    if number <= 0:
        return hint("The sharpness, the largest curvature, is positive where descent hovers.")
    return hint("Descent on a parabola of curvature λ is stable while lr·λ < 2: solve for λ.")
