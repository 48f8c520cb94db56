"""A tiny reverse-mode automatic differentiation: numbers that remember how they were made.

Every arithmetic operation on a :class:`Value` returns a new ``Value``
that keeps its inputs and the local derivative of the output with
respect to each input (for c = a·b: ∂c/∂a = b, ∂c/∂b = a). Calling
``backward()`` on the final result visits the recorded operations from
the output back to the inputs, in reverse topological order, and applies
the chain rule at each one:

    input.grad += (∂output/∂input) · output.grad

A value used twice receives a contribution from each use, which is why
the gradients are added. One backward pass gives the derivative of the
output with respect to every input, at a cost of a small multiple of
computing the output itself. Chapter 2.
"""

from __future__ import annotations

import math


def _fmt(v: float) -> str:
    text = f"{v:.6g}"
    return text if any(c in text for c in ".einfa") else text + ".0"


class Value:
    """A scalar that records the operations applied to it, for ``backward()``.

    ``data`` is the number, ``grad`` the derivative of the last output
    ``backward()`` was called on with respect to this value. Mix freely with
    plain numbers: ``2 * Value(3.0) + 1`` is a ``Value``.
    """

    __slots__ = ("data", "grad", "op", "_inputs")

    def __init__(self, data: float, _inputs: tuple = (), op: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.op = op  # the operation that made this value ("" for an input)
        self._inputs = _inputs  # pairs (input Value, local derivative ∂self/∂input)

    def __repr__(self) -> str:
        return f"Value(data={_fmt(self.data)}, grad={_fmt(self.grad)})"

    # -- the operations: each returns its result and its local derivatives --------------
    def __add__(self, other) -> Value:
        other = _lift(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)), "+")

    def __mul__(self, other) -> Value:
        other = _lift(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)), "*")

    def __truediv__(self, other) -> Value:
        other = _lift(other)
        q = self.data / other.data  # ZeroDivisionError for a zero denominator, as for floats
        return Value(q, ((self, 1 / other.data), (other, -q / other.data)), "/")

    def __pow__(self, k: float) -> Value:
        if isinstance(k, Value):
            raise TypeError("Value ** Value is not supported: the exponent must be a number")
        k = float(k)
        if self.data < 0 and not k.is_integer():
            raise ValueError(f"a negative number to the power {k:g} is not a real number")
        if self.data == 0 and k < 1 and k != 0:
            raise ValueError(f"0 ** {k:g} has no finite derivative")
        local = k * self.data ** (k - 1) if k != 0 else 0.0
        return Value(self.data**k, ((self, local),), f"**{k:g}")

    def __neg__(self) -> Value:
        return Value(-self.data, ((self, -1.0),), "neg")

    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, ((self, e),), "exp")

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log needs a positive number, got {self.data:g}")
        return Value(math.log(self.data), ((self, 1 / self.data),), "log")

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, ((self, 1 - t * t),), "tanh")

    # -- the same with a plain number on the left, or built from the ones above ----------
    def __sub__(self, other) -> Value:
        return self + (-_lift(other))

    def __radd__(self, other) -> Value:
        return _lift(other) + self

    def __rsub__(self, other) -> Value:
        return _lift(other) - self

    def __rmul__(self, other) -> Value:
        return _lift(other) * self

    def __rtruediv__(self, other) -> Value:
        return _lift(other) / self

    # -- the backward pass ---------------------------------------------------------------
    def backward(self) -> None:
        """Set v.grad = ∂self/∂v for every value v that self was computed from.

        The gradients are reset first: calling backward() twice gives the
        same numbers, not twice as much.
        """
        order = self._topological_order()  # each value after its inputs
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):  # from the output back to the inputs
            for inp, local in v._inputs:
                inp.grad += local * v.grad  # chain rule; += sums over uses

    def _topological_order(self) -> list[Value]:
        """The values of the graph, each after all of its inputs (iterative depth-first search)."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            v, inputs_done = stack.pop()
            if inputs_done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((inp, False) for inp, _ in v._inputs if id(inp) not in seen)
        return order


def _lift(x) -> Value:
    """A plain number as a Value (a constant: its gradient is computed but not used)."""
    return x if isinstance(x, Value) else Value(x)
