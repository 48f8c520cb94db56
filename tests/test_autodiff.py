"""helpers.autodiff against torch.autograd (float64) and against central differences."""

import math

import numpy as np
import pytest
import torch

from helpers.autodiff import Value
from helpers.data import line_data
from helpers.gradients import numerical_grad
from helpers.problems import LinearRegression

# Operations that keep every intermediate value in the domain of the next one,
# written once for any type with +, -, *, /, ** and .exp(), .log(), .tanh():
# the same expression is built from Values and from torch tensors.
UNARY = [
    lambda a: -a,
    lambda a: a.tanh(),
    lambda a: a.tanh().exp(),
    lambda a: (a * a + 1).log(),
    lambda a: (a * a + 0.5) ** 1.5,
    lambda a: (a * a + 1) ** -0.5,
    lambda a: a**2,
    lambda a: a**3,
    lambda a: 2.0 / (1 + a * a),  # a number divided by a Value
    lambda a: 3 - a,
    lambda a: 0.5 * a + 1,
]
BINARY = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 0.5),
    lambda a, b: (a * b).tanh(),
    lambda a, b: a * a - b,  # one input used twice in the same operation
]


def random_program(seed: int, inputs: int = 3, ops: int = 12):
    """A random expression as a list of (op index, operand indices); operands are reused."""
    rng = np.random.default_rng(seed)
    program = []
    for k in range(ops):
        pool = inputs + k
        if rng.random() < 0.5:
            program.append(("u", int(rng.integers(len(UNARY))), (int(rng.integers(pool)),)))
        else:
            a, b = rng.integers(pool, size=2)
            program.append(("b", int(rng.integers(len(BINARY))), (int(a), int(b))))
    return program, rng.uniform(-1.5, 1.5, inputs)


def run(program, leaves):
    """Evaluate the program on leaves; the output is the sum of every node (all are used)."""
    nodes = list(leaves)
    for kind, i, args in program:
        op = UNARY[i] if kind == "u" else BINARY[i]
        nodes.append(op(*(nodes[j] for j in args)))
    out = nodes[0]
    for node in nodes[1:]:
        out = out + node
    return out


@pytest.mark.parametrize("seed", range(60))
def test_random_expressions_match_torch_autograd(seed):
    program, x = random_program(seed)
    leaves = [Value(v) for v in x]
    out = run(program, leaves)
    out.backward()
    tleaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in x]
    tout = run(program, tleaves)
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-12, abs=1e-12)
    mine = np.array([v.grad for v in leaves])
    theirs = np.array([t.grad.item() for t in tleaves])
    np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-10 * max(1, abs(theirs).max()))


@pytest.mark.parametrize("seed", range(0, 60, 6))
def test_random_expressions_match_central_differences(seed):
    program, x = random_program(seed)
    leaves = [Value(v) for v in x]
    out = run(program, leaves)
    out.backward()
    numeric = numerical_grad(lambda p: run(program, [Value(v) for v in p]).data, x)
    mine = np.array([v.grad for v in leaves])
    scale = max(1.0, np.abs(numeric).max())
    np.testing.assert_allclose(mine, numeric, rtol=1e-6, atol=1e-6 * scale)


def test_a_value_used_twice_gets_both_contributions():
    x = Value(3.0)
    y = x * x  # dy/dx = 2x, one x from each side
    y.backward()
    assert x.grad == 6.0
    a = x + 1
    z = a * a + a  # dz/dx = 2a + 1 = 9
    z.backward()
    assert x.grad == 9.0 and a.grad == 9.0


def test_division_both_ways_and_by_a_value():
    x, y = Value(3.0), Value(-2.0)
    q = x / y
    q.backward()
    assert (q.data, x.grad, y.grad) == (-1.5, -0.5, -0.75)  # 1/y and -x/y²
    r = 6 / x  # 6·x⁻¹: derivative -6/x²
    r.backward()
    assert r.data == 2.0 and x.grad == pytest.approx(-6 / 9, rel=1e-15)
    with pytest.raises(ZeroDivisionError):
        x / Value(0.0)


@pytest.mark.parametrize("base, k", [(2.0, 3), (2.0, 0.5), (0.7, -2), (-1.5, 3), (-2.0, 2.0),
                                     (3.0, 0), (0.0, 2), (0.0, 1)])  # fmt: skip
def test_powers_match_torch(base, k):
    x = Value(base)
    y = x**k
    y.backward()
    t = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    (t**k).backward()
    assert y.data == pytest.approx((torch.tensor(base, dtype=torch.float64) ** k).item())
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-14, abs=0)


def test_impossible_operations_raise_clear_errors():
    with pytest.raises(ValueError, match="not a real number"):
        Value(-2.0) ** 0.5
    with pytest.raises(ValueError, match="no finite derivative"):
        Value(0.0) ** 0.5
    with pytest.raises(ValueError, match="positive number"):
        Value(0.0).log()
    with pytest.raises(TypeError, match="exponent must be a number"):
        Value(2.0) ** Value(2.0)


def test_plain_numbers_on_either_side():
    x = Value(4.0)
    for expr, value, grad in [
        (lambda: 1 + x, 5.0, 1.0),
        (lambda: x + 1, 5.0, 1.0),
        (lambda: 10 - x, 6.0, -1.0),
        (lambda: x - 10, -6.0, 1.0),
        (lambda: 3 * x, 12.0, 3.0),
        (lambda: x * 3, 12.0, 3.0),
        (lambda: 8 / x, 2.0, -0.5),
        (lambda: x / 8, 0.5, 0.125),
        (lambda: -x, -4.0, -1.0),
        (lambda: sum([x, x, x]), 12.0, 3.0),  # sum starts from the number 0
        (lambda: np.float64(3.0) * x, 12.0, 3.0),  # numpy numbers, as in a loop over data
        (lambda: x * np.float64(3.0) - np.float64(1.0), 11.0, 3.0),
        (lambda: np.float64(8.0) / x, 2.0, -0.5),
    ]:
        out = expr()
        out.backward()
        assert (out.data, x.grad) == (value, grad)


def test_exp_log_tanh_derivatives():
    for fn, dfn in [
        (lambda v: v.exp(), math.exp),
        (lambda v: v.log(), lambda a: 1 / a),
        (lambda v: v.tanh(), lambda a: 1 - math.tanh(a) ** 2),
    ]:
        for a in (0.3, 1.0, 2.5):
            x = Value(a)
            fn(x).backward()
            assert x.grad == pytest.approx(dfn(a), rel=1e-15)


def test_backward_twice_gives_the_same_gradients():
    w = Value(2.0)
    loss = (w * 3 - 1) ** 2
    loss.backward()
    first = w.grad
    loss.backward()
    assert w.grad == first == 2 * (2.0 * 3 - 1) * 3


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = Value(1.0)
    total = 0
    for _ in range(20_000):
        total = total + x
    total.backward()
    assert total.data == 20_000 and x.grad == 20_000


def test_repr_is_readable():
    assert repr(Value(3.0)) == "Value(data=3.0, grad=0.0)"
    x = Value(1 / 3)
    (x * 2).backward()
    assert repr(x) == "Value(data=0.333333, grad=2.0)"
    assert repr(Value(1e300) * 1e10) == "Value(data=inf, grad=0.0)"
    assert (Value(2.0) + 1).op == "+" and (Value(2.0) ** 2).op == "**2"


def regression_loss(w, b, X, y):
    """The mean squared error built one data point at a time (works for Values and tensors)."""
    loss = 0
    for xi, yi in zip(X[:, 0], y, strict=True):
        err = w * float(xi) + b - float(yi)
        loss = loss + err**2
    return loss / len(y)


@pytest.mark.parametrize("w0, b0", [(0.0, 0.0), (1.0, 1.0), (-0.37, 2.9)])
def test_regression_loss_matches_torch_and_the_analytic_gradient(w0, b0):
    X, y = line_data()
    w, b = Value(w0), Value(b0)
    loss = regression_loss(w, b, X, y)
    loss.backward()
    tw, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (w0, b0))
    tloss = regression_loss(tw, tb, X, y)
    tloss.backward()
    problem = LinearRegression(X, y)
    assert loss.data == pytest.approx(tloss.item(), rel=1e-14)
    assert loss.data == pytest.approx(float(problem.loss([w0, b0])), rel=1e-14)
    np.testing.assert_allclose([w.grad, b.grad], [tw.grad.item(), tb.grad.item()], rtol=1e-13)
    np.testing.assert_allclose([w.grad, b.grad], problem.grad([w0, b0]), rtol=1e-13)
    err = w0 * X[:, 0] + b0 - y  # the chapter's formulas, written out independently
    np.testing.assert_allclose(
        [w.grad, b.grad], [2 * np.mean(err * X[:, 0]), 2 * np.mean(err)], rtol=1e-13
    )
