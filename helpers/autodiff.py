"""Reverse-mode automatic differentiation on numbers that remember how they were made. Chapter 2."""

import math


def _lift(x) -> "Value":
    return x if isinstance(x, Value) else Value(x)  # a number as a constant Value


class Value:
    """A number that keeps the operation ``op`` that made it and its ``_inputs``, pairs (input,
    ∂self/∂input): for c = a·b, ∂c/∂a = b and ∂c/∂b = a. ``backward()`` applies the chain rule,
    input.grad += (∂output/∂input)·output.grad, from the output back to every input."""

    def __init__(self, data: float, _inputs: tuple = (), op: str = ""):
        self.data, self.grad = float(data), 0.0  # grad: ∂output/∂self, set by output.backward()
        self.op, self._inputs = op, _inputs  # how it was made: "+", "*", ... ("" for an input)

    def __repr__(self) -> str:
        data, grad = float(f"{self.data:.6g}"), float(f"{self.grad:.6g}")  # 6 significant digits
        return f"Value(data={data!r}, grad={grad!r})"

    def __add__(self, other):
        other = _lift(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)), "+")

    def __mul__(self, other):
        other = _lift(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)), "*")

    def __truediv__(self, other):
        other = _lift(other)
        q = self.data / other.data  # ZeroDivisionError for a zero denominator, as for floats
        return Value(q, ((self, 1 / other.data), (other, -q / other.data)), "/")

    def __pow__(self, k: float):
        if isinstance(k, Value):
            raise TypeError("Value ** Value is not supported: the exponent must be a number")
        if self.data < 0 and not float(k).is_integer():
            raise ValueError(f"a negative number to the power {k:g} is not a real number")
        if self.data == 0 and k < 1 and k != 0:
            raise ValueError(f"0 ** {k:g} has no finite derivative")
        local = k * self.data ** (k - 1) if k != 0 else 0.0
        return Value(self.data**k, ((self, local),), f"**{k:g}")

    def __neg__(self):
        return Value(-self.data, ((self, -1.0),), "neg")

    def exp(self):
        e = math.exp(self.data)
        return Value(e, ((self, e),), "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log needs a positive number, got {self.data:g}")
        return Value(math.log(self.data), ((self, 1 / self.data),), "log")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, ((self, 1 - t * t),), "tanh")

    def __sub__(self, other):
        return self + (-_lift(other))

    def __rsub__(self, other):
        return _lift(other) - self

    def __rtruediv__(self, other):
        return _lift(other) / self

    __radd__, __rmul__ = __add__, __mul__  # a + b = b + a and a·b = b·a

    def backward(self) -> None:
        """Set v.grad = ∂self/∂v for every value v that self was computed from. The gradients
        are reset first: calling backward() twice gives the same numbers, not twice as much."""
        order = self._topological_order()  # each value after its inputs
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):  # from the output back to the inputs
            for inp, local in v._inputs:
                inp.grad += local * v.grad  # chain rule; += sums over uses

    def _topological_order(self) -> list["Value"]:
        order, seen, stack = [], set(), [(self, False)]  # depth first, on a stack: no recursion
        while stack:
            v, inputs_done = stack.pop()
            if inputs_done:  # every input of v is in the order already
                order.append(v)
            elif id(v) not in seen:  # the first visit: v comes back (True) after its inputs
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((inp, False) for inp, _ in v._inputs if id(inp) not in seen)
        return order
