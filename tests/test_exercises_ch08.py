"""Chapter 8's exercise checks: right answers pass, each typical wrong answer gets its own hint.

lion_step, count, orthogonalise, top_eigenvalue and sharpness are the worked solutions the
chapter shows; the other functions here make the typical mistakes."""

import numpy as np
import pytest

from helpers.book.exercises import ch08
from helpers.optim import Adafactor, Lion, newton_schulz


def lion_step(x, g, m, lr, betas):
    beta1, beta2 = betas
    c = beta1 * m + (1 - beta1) * g  # the direction of this step, from the old m
    x_new = x - lr * np.sign(c)  # every coordinate moves by exactly lr
    m_new = beta2 * m + (1 - beta2) * g  # the momentum kept for the next step
    return x_new, m_new


def lion_with(m_first=False, swap=False, beta2_in_c=False, sign=np.sign, way=-1, keep="m_new"):
    """Lion's step with one of the typical slips switched on."""

    def step(x, g, m, lr, betas):
        b1, b2 = betas[::-1] if swap else betas
        m_new = b2 * m + (1 - b2) * g
        b = b2 if beta2_in_c else b1
        c = b * (m_new if m_first else m) + (1 - b) * g
        return x + way * lr * sign(c), {"m_new": m_new, "c": c, "m": m}[keep]

    return step


def lion_in_place(x, g, m, lr, betas):
    c = betas[0] * m + (1 - betas[0]) * g
    x -= lr * np.sign(c)
    m *= betas[1]
    m += (1 - betas[1]) * g
    return x, m


count = 1024 + 4096


def orthogonalise(G):
    U, S, Vt = np.linalg.svd(G, full_matrices=False)
    return U @ Vt


def svd_with(full=False, make=lambda U, S, Vt: U @ Vt):
    def orth(G):
        U, S, Vt = np.linalg.svd(G, full_matrices=full)
        return make(U, S, Vt)

    return orth


def transposed_when_tall(G):
    """Works on Gᵀ if G is tall, as newton_schulz does, but forgets to transpose back."""
    return orthogonalise(G.T if G.shape[0] > G.shape[1] else G)


def newton_schulz_cubic(G, steps=60):
    """The exact U·Vᵀ another way: the cubic Newton–Schulz iteration, run until it converges."""
    X = G / np.linalg.norm(G)
    for _ in range(steps):
        X = 1.5 * X - 0.5 * X @ X.T @ X
    return X


def top_eigenvalue(hvp, dim, steps=1000):
    v = np.random.default_rng(0).standard_normal(dim)
    for _ in range(steps):
        v = v / np.linalg.norm(v)  # a unit vector
        Hv = hvp(v)
        lam = v @ Hv  # vᵀHv: λ once v is an eigenvector
        if np.linalg.norm(Hv - lam * v) <= 1e-8 * lam:  # Hv ≈ λv: it has settled
            break
        v = Hv
    return lam


def power_with(steps=1000, normalise=True, answer="vHv", start=None):
    """Power iteration with one of the typical slips switched on."""

    def top(hvp, dim):
        v = np.random.default_rng(0).standard_normal(dim) if start is None else start(dim)
        for _ in range(steps):
            v = hvp(v / np.linalg.norm(v) if normalise else v)
        u = v / np.linalg.norm(v) if normalise else v
        Hu = hvp(u)
        return {"vHv": u @ Hu, "|Hv|": np.linalg.norm(Hu), "|Hv|^2": Hu @ Hu}[answer]

    return top


def built(pick):
    """H built column by column from dim products, then np.linalg.eigh."""

    def top(hvp, dim):
        H = np.column_stack([hvp(e) for e in np.eye(dim)])
        values, vectors = np.linalg.eigh(H)
        return pick(values, vectors)

    return top


sharpness = 2 / 0.05


@pytest.mark.parametrize(
    "check, answer, expected",
    [
        (ch08.check_lion_step, lion_step, "Correct"),
        (ch08.check_lion_step, lion_in_place, "Correct"),
        (ch08.check_lion_step, lion_with(), "Correct"),
        (ch08.check_lion_step, lion_with(m_first=True), "you updated m first"),
        (ch08.check_lion_step, lion_with(swap=True), "betas are swapped"),
        (ch08.check_lion_step, lion_with(beta2_in_c=True), "you used β₂"),
        (ch08.check_lion_step, lion_with(sign=lambda c: c), "only the sign of c counts"),
        (ch08.check_lion_step, lion_with(way=+1), "goes uphill"),
        (ch08.check_lion_step, lion_with(keep="c"), "m_new is c"),
        (ch08.check_lion_step, lion_with(keep="m"), "the m you were given"),
        (ch08.check_lion_step, lion_with(sign=np.tanh), "x_new is not right"),
        (
            ch08.check_lion_step,
            lambda *a: (lion_step(*a)[0], a[4][1] * a[2] + a[1]),
            "m_new is not",
        ),
        (ch08.check_lion_step, lambda x, g, m, lr, b: None, "returned None"),
        (ch08.check_lion_step, lambda x, g, m, lr, b: x, "Return a pair"),
        (ch08.check_lion_step, lambda x, g, m, lr, b: (x, m, g), "Return a pair"),
        (ch08.check_lion_step, lambda x, g, m, lr, b: (x[0], m), "the shape of x"),
        (ch08.check_lion_step, lambda x, g, m, lr, b: 1 / 0, "ZeroDivisionError"),
        (ch08.check_lion_step, "lion", "Pass your function itself"),
        (ch08.check_adafactor_state, count, "Correct"),
        (ch08.check_adafactor_state, "5120", "Correct"),
        (ch08.check_adafactor_state, 2 * 1024 * 4096, "Adam's m and v"),
        (ch08.check_adafactor_state, 1024 * 4096, "one number per weight"),
        (ch08.check_adafactor_state, 1024 * 4096 + 5120, "no full v beside"),
        (ch08.check_adafactor_state, 1024, "one of the two factors"),
        (ch08.check_adafactor_state, 4096, "one of the two factors"),
        (ch08.check_adafactor_state, 10240, "counts each factor twice"),
        (ch08.check_adafactor_state, 5120.5, "whole number, at least 0"),
        (ch08.check_adafactor_state, -5120, "whole number, at least 0"),
        (ch08.check_adafactor_state, 3, "row_var and col_var"),
        (ch08.check_adafactor_state, None, "single number"),
        (ch08.check_adafactor_state, [1024, 4096], "single number"),
        (ch08.check_orthogonalise, orthogonalise, "Correct"),
        (ch08.check_orthogonalise, newton_schulz_cubic, "Correct"),
        (ch08.check_orthogonalise, svd_with(full=True), "full_matrices=True"),
        (ch08.check_orthogonalise, lambda G: G, "G itself"),
        (ch08.check_orthogonalise, svd_with(make=lambda U, S, Vt: U * S @ Vt), "G itself"),
        (ch08.check_orthogonalise, lambda G: G / np.linalg.norm(G), "they stay unequal"),
        (ch08.check_orthogonalise, lambda G: G / np.linalg.norm(G, 2), "they stay unequal"),
        (ch08.check_orthogonalise, newton_schulz, "Newton–Schulz's approximation"),
        (ch08.check_orthogonalise, svd_with(make=lambda U, S, Vt: Vt @ U), "order is reversed"),
        (ch08.check_orthogonalise, svd_with(make=lambda U, S, Vt: Vt.T @ U.T), "order is reversed"),
        (ch08.check_orthogonalise, svd_with(make=lambda U, S, Vt: U), "one factor of the SVD"),
        (ch08.check_orthogonalise, svd_with(make=lambda U, S, Vt: U * S), "not orthogonal"),
        (ch08.check_orthogonalise, lambda G: np.linalg.qr(G)[0], "not U·Vᵀ, the orthogonal"),
        (ch08.check_orthogonalise, lambda G: orthogonalise(G)[:5], "must have the shape of G"),
        (ch08.check_orthogonalise, transposed_when_tall, "shape of Gᵀ"),
        (ch08.check_orthogonalise, lambda G: None, "returned None"),
        (ch08.check_orthogonalise, np.linalg.svd, "not the pieces of the SVD"),
        (ch08.check_orthogonalise, 1.0, "Pass your function itself"),
        (ch08.check_top_eigenvalue, top_eigenvalue, "Correct"),
        (ch08.check_top_eigenvalue, power_with(), "Correct"),
        (ch08.check_top_eigenvalue, power_with(answer="|Hv|"), "Correct"),
        (ch08.check_top_eigenvalue, built(lambda values, vectors: values[0]), "smallest"),
        (ch08.check_top_eigenvalue, built(lambda values, vectors: vectors[:, -1]), "eigenvector"),
        (ch08.check_top_eigenvalue, built(lambda values, vectors: values), "returned 6 numbers"),
        (ch08.check_top_eigenvalue, built(lambda values, vectors: (values[-1],)), "alone"),
        (ch08.check_top_eigenvalue, power_with(answer="|Hv|^2"), "That is λ²"),
        (ch08.check_top_eigenvalue, power_with(steps=10), "too few steps"),
        (ch08.check_top_eigenvalue, power_with(normalise=False), "Not a finite number"),
        (ch08.check_top_eigenvalue, power_with(steps=20, normalise=False), "Normalise v"),
        (ch08.check_top_eigenvalue, power_with(20, normalise=False, answer="|Hv|"), "Normalise"),
        (ch08.check_top_eigenvalue, power_with(start=lambda d: np.eye(d)[0]), "start vector"),
        (ch08.check_top_eigenvalue, power_with(start=np.zeros), "Not a finite number"),
        (ch08.check_top_eigenvalue, lambda hvp, dim: hvp(np.ones(dim)).mean(), "v ← Hv/‖Hv‖"),
        (ch08.check_top_eigenvalue, lambda hvp, dim: hvp(np.eye(dim)), "hvp takes one vector"),
        (ch08.check_top_eigenvalue, lambda hvp, dim: None, "returned None"),
        (ch08.check_top_eigenvalue, 8.0, "Pass your function itself"),
        (ch08.check_edge_sharpness, sharpness, "Correct"),
        (ch08.check_edge_sharpness, "40", "Correct"),
        (ch08.check_edge_sharpness, 20, "lands on the bottom"),
        (ch08.check_edge_sharpness, 0.1, "upside down"),
        (ch08.check_edge_sharpness, 0.025, "upside down"),
        (ch08.check_edge_sharpness, 0.05, "the learning rate itself"),
        (ch08.check_edge_sharpness, 76, "momentum β = 0.9"),
        (ch08.check_edge_sharpness, -40, "positive"),
        (ch08.check_edge_sharpness, 41, "lr·λ < 2"),
        (ch08.check_edge_sharpness, [40, 40], "single number"),
    ],
)
def test_chapter_8_answers(check, answer, expected):
    feedback = check(answer)
    assert expected in repr(feedback), repr(feedback)
    assert feedback.passed == (expected == "Correct")


def test_the_placeholder_asks_for_an_answer():
    for check in (
        ch08.check_lion_step,
        ch08.check_adafactor_state,
        ch08.check_orthogonalise,
        ch08.check_top_eigenvalue,
        ch08.check_edge_sharpness,
    ):
        assert "Replace the ..." in check(...).message


def test_building_h_from_basis_vectors_passes_with_a_note_on_the_cost():
    """Right is right, but the reader is told that dim products are out of reach for a network;
    power iteration's products are not basis vectors, so it gets no such note."""
    feedback = ch08.check_top_eigenvalue(built(lambda values, vectors: values[-1]))
    assert feedback.passed and "you built H" in feedback.message, feedback
    assert "built" not in ch08.check_top_eigenvalue(top_eigenvalue).message


@pytest.mark.parametrize("rows, cols", [(1024, 4096), (3, 5), (7, 2), (1, 9)])
def test_adafactor_keeps_one_number_per_row_and_per_column(rows, cols):
    """The answer of exercise 2, rows + cols, is what helpers.optim.Adafactor really keeps."""
    opt = Adafactor()
    g = np.random.default_rng(0).standard_normal((rows, cols))
    opt.step(np.ones((rows, cols)), g)
    opt.step(np.ones((rows, cols)), g)
    assert set(opt.state) == {"row_var", "col_var"}
    assert sum(v.size for v in opt.state.values()) == rows + cols
    if (rows, cols) == (ch08.ROWS, ch08.COLS):
        assert ch08.check_adafactor_state(sum(v.size for v in opt.state.values())).passed


def test_each_lion_slip_changes_a_sign_in_the_built_case():
    """The first case alone catches the slips that only flip signs: updating m before c, β₂ in c."""
    x, g, m, lr, betas = ch08._lion_cases()[0]
    right = lion_step(x, g, m, lr, betas)[0]
    for slip in (lion_with(m_first=True), lion_with(beta2_in_c=True), lion_with(swap=True)):
        assert not np.allclose(slip(x, g, m, lr, betas)[0], right)


def test_the_worked_lion_step_is_helpers_optims_lion_over_many_steps():
    rng = np.random.default_rng(1)
    x = y = rng.standard_normal(6)
    m, opt = np.zeros(6), Lion(lr=0.01, betas=(0.9, 0.99))
    for _ in range(50):
        g = rng.standard_normal(6) + y
        x, m = lion_step(x, g, m, 0.01, (0.9, 0.99))
        y = opt.step(y, g)
        np.testing.assert_allclose(x, y, rtol=1e-12)
        np.testing.assert_allclose(m, opt.state["exp_avg"], rtol=1e-12)


def test_newton_schulz_approximates_the_worked_orthogonalisation():
    """What exercise 3's solution computes is what Muon's five steps approach: singular values
    of newton_schulz(G) in [0.68, 1.14], the same singular vectors."""
    G = np.random.default_rng(2).standard_normal((40, 24))
    exact, approx = orthogonalise(G), newton_schulz(G)
    assert np.allclose(np.linalg.svd(exact, compute_uv=False), 1.0)
    s = np.linalg.svd(approx, compute_uv=False)
    assert 0.68 <= s.min() and s.max() <= 1.14
    assert np.linalg.norm(approx - exact) < 0.5 * np.linalg.norm(exact)


def test_the_check_matrices_have_clear_gaps_and_are_positive_semidefinite():
    for H in ch08._psd_matrices():
        values = np.linalg.eigvalsh(H)
        assert np.allclose(H, H.T) and values[0] > -1e-10
        assert values[-2] <= 0.75 * values[-1] + 1e-12
        assert np.argmax(np.diag(H)) != 0 or not np.allclose(H, np.diag(np.diag(H)))


def test_descent_is_stable_below_sharpness_2_over_lr_and_not_above():
    """The answer of exercise 5: on f(x) = λx²/2 a step of lr multiplies x by 1 − lr·λ."""
    lr = ch08.EDGE_LR
    for curvature, shrinks in ((0.99 * sharpness, True), (1.01 * sharpness, False)):
        x = 1.0
        for _ in range(1000):
            x -= lr * curvature * x
        assert (abs(x) < 1.0) == shrinks
    assert ch08.check_edge_sharpness(sharpness).passed
