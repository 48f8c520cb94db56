"""Classifiers in plain numpy: softmax regression and a network with one hidden layer.

Both are :class:`helpers.problems.Problem` subclasses whose parameters are ONE
flat float64 vector ``x``, so every optimizer of :mod:`helpers.optim` and
:func:`helpers.descent.descend` (with ``batch_size`` mini-batches) train them
unchanged. ``unpack(x)`` names the pieces: views into ``x``, without copies.

For n rows X (n × d) with labels y in 0..k−1 the model gives k scores per row,
the *logits* Z, and the loss is the mean cross-entropy

    loss = (1/n) Σᵢ [ log Σⱼ exp(Zᵢⱼ) − Zᵢ,yᵢ ],

computed stably (log-sum-exp with the row maximum taken out). Its gradient with
respect to the logits is (softmax(Z) − onehot(y)) / n; backpropagation carries
it through the layers (see ``MLP.grad``). ``loss(x, rows)`` and ``grad(x, rows)``
use only the given rows, the mini-batch.

Unlike the problems of :mod:`helpers.problems`, these evaluate one parameter
vector at a time: a leading batch axis on ``x`` (many runs in one call) is
rejected with a ValueError. Chapter 7.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.problems import Problem
from helpers.validate import finite_array, integer, one_of, row_indices


def log_softmax(logits) -> np.ndarray:
    """log softmax along the last axis: z − max(z) − log Σ exp(z − max(z)), never overflowing."""
    z = np.asarray(logits, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits) -> np.ndarray:
    """exp(zⱼ) / Σ exp(z), along the last axis; the row maximum is taken out first. Chapter 7."""
    return np.exp(log_softmax(logits))


def cross_entropy(logits, y) -> float:
    """Mean over rows of −log softmax(Z)ᵢ,yᵢ = log Σⱼ exp(Zᵢⱼ) − Zᵢ,yᵢ, for logits Z (n × k).

    The log-sum-exp takes the row maximum m out first: m + log Σⱼ exp(Zᵢⱼ − m).
    Chapter 7.
    """
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y)
    if z.ndim != 2 or y.shape != (len(z),):
        raise ValueError(
            f"logits must be (n, k) with one label per row, got {z.shape} and {y.shape}"
        )
    m = z.max(axis=1)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(y)), y]))


def one_hot(y, n_classes: int) -> np.ndarray:
    """The n × k matrix with a 1 in column yᵢ of row i and 0 elsewhere."""
    y = np.asarray(y)
    return (y[:, None] == np.arange(n_classes)).astype(np.float64)


class Classifier(Problem):
    """Base class: the data, the layout of the flat parameter vector, loss, prediction.

    A subclass lists its weight matrices in ``_layout`` and computes the
    logits from the unpacked weights in ``_logits(p, X)`` and the gradient in ``grad``.
    """

    def __init__(self, X, y, n_classes: int | None = None):
        X = finite_array("X", X)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a 2-D array of shape (n, d), got shape {X.shape}")
        y_arr = np.asarray(y)
        if y_arr.shape != (X.shape[0],) or y_arr.dtype.kind not in "iu":
            raise ValueError(f"y must be {X.shape[0]} whole-number labels, one per row of X")
        k = int(y_arr.max()) + 1 if n_classes is None else integer("n_classes", n_classes, 2)
        if y_arr.min() < 0 or y_arr.max() >= k or k < 2:
            raise ValueError(f"labels must be in 0..{k - 1} with at least 2 classes")
        self.X, self.y = X, y_arr.astype(np.int64)
        self.n, self.d = X.shape
        self.n_classes = k
        self.shapes = dict(self._layout())
        self.size = sum(math.prod(s) for s in self.shapes.values())
        self.param_shape = (self.size,)

    def _layout(self) -> list[tuple[str, tuple[int, ...]]]:
        raise NotImplementedError

    def unpack(self, x) -> dict[str, np.ndarray]:
        """The named weight matrices of the flat vector ``x``: views, so writing them writes x."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.size,):
            raise self._shape_error(x.shape)
        parts, start = {}, 0
        for name, shape in self.shapes.items():
            stop = start + math.prod(shape)
            parts[name] = x[start:stop].reshape(shape)
            start = stop
        return parts

    def pack(self, **parts) -> np.ndarray:
        """The flat vector made from named weight matrices (the inverse of ``unpack``)."""
        if set(parts) != set(self.shapes):
            raise ValueError(f"pack needs exactly {list(self.shapes)}, got {list(parts)}")
        pieces = []
        for name, shape in self.shapes.items():
            part = finite_array(name, parts[name])
            if part.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {part.shape}")
            pieces.append(part.reshape(-1))
        return np.concatenate(pieces)

    def _shape_error(self, shape) -> ValueError:
        return ValueError(
            f"x must be one flat parameter vector of shape ({self.size},) for {self.name}, "
            f"got shape {shape}; unlike the problems of helpers.problems, a network "
            "evaluates one point at a time (no leading batch axis, no array of learning rates)"
        )

    def _point(self, x) -> np.ndarray:
        arr = finite_array("x", x)
        if arr.shape != (self.size,):
            raise self._shape_error(arr.shape)
        return arr

    def _rows(self, rows):
        if rows is None:
            return self.X, self.y
        idx = row_indices(rows, self.n)
        return self.X[idx], self.y[idx]

    def _data(self, X) -> np.ndarray:
        X = finite_array("X", X)
        if X.ndim != 2 or X.shape[1] != self.d:
            raise ValueError(f"X must have shape (m, {self.d}), got {X.shape}")
        return X

    def logits(self, x, X) -> np.ndarray:
        """The scores Z (m × k) the model with parameters ``x`` gives the rows of ``X``."""
        return self._logits(self.unpack(self._point(x)), self._data(X))

    def _logits(self, p: dict, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def loss(self, x, rows=None) -> float:
        """Mean cross-entropy over all rows, or over ``rows`` (a mini-batch)."""
        X, y = self._rows(rows)
        return cross_entropy(self._logits(self.unpack(self._point(x)), X), y)

    def predict_proba(self, x, X) -> np.ndarray:
        """softmax of the logits: each row is the model's probability for each class."""
        return softmax(self.logits(x, X))

    def predict(self, x, X) -> np.ndarray:
        """The class with the largest score for each row of ``X``."""
        return np.argmax(self.logits(x, X), axis=-1)

    def accuracy(self, x, X, y) -> float:
        """The fraction of rows of ``X`` whose predicted class is the label ``y``."""
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"y must have one label per row of X, got shape {y.shape}")
        return float(np.mean(self.predict(x, X) == y))


class SoftmaxRegression(Classifier):
    """A linear classifier: logits Z = X·W + b, W of shape (d, k), b of shape (k,).

    With G = (softmax(Z) − onehot(y)) / n, the gradient is ∂loss/∂W = XᵀG and
    ∂loss/∂b = Σᵢ Gᵢ. The loss is convex in x = (W, b). Chapter 7.
    """

    def __init__(self, X, y, n_classes: int | None = None):
        super().__init__(X, y, n_classes)
        self.name = f"softmax regression, n={self.n}, d={self.d}, k={self.n_classes}"

    def _layout(self):
        return [("W", (self.d, self.n_classes)), ("b", (self.n_classes,))]

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """W ~ N(0, 1/d) (variance one over fan-in), b = 0, drawn from ``rng``."""
        W = rng.standard_normal((self.d, self.n_classes)) / math.sqrt(self.d)
        return self.pack(W=W, b=np.zeros(self.n_classes))

    def _logits(self, p, X):
        return X @ p["W"] + p["b"]

    def grad(self, x, rows=None) -> np.ndarray:
        p = self.unpack(self._point(x))
        X, y = self._rows(rows)
        G = softmax(X @ p["W"] + p["b"])  # probabilities P, (n, k)
        G[np.arange(len(y)), y] -= 1.0  # P − Y
        G /= len(y)  # ∂loss/∂Z = (P − Y)/n
        g = np.empty(self.size)
        out = self.unpack(g)
        out["W"][...] = X.T @ G
        out["b"][...] = G.sum(axis=0)
        return g

    def __repr__(self) -> str:
        return (
            f"SoftmaxRegression(n={self.n}, d={self.d}, classes={self.n_classes}, size={self.size})"
        )


class MLP(Classifier):
    """A network with one hidden layer of ``hidden`` units:

        Z₁ = X·W₁ + b₁,   H = act(Z₁),   Z₂ = H·W₂ + b₂ (the logits),

    act = ReLU (max(0, z)) or tanh. Backpropagation, with G₂ = (softmax(Z₂) − onehot(y))/n:

        ∂W₂ = HᵀG₂,  ∂b₂ = Σᵢ G₂,  ∂H = G₂W₂ᵀ,  G₁ = ∂H ⊙ act′(Z₁),  ∂W₁ = XᵀG₁,  ∂b₁ = Σᵢ G₁,

    with act′(z) = [z > 0] for ReLU (0 at z = 0, as in torch) and 1 − tanh²(z).
    Chapter 7.
    """

    def __init__(
        self, X, y, hidden: int = 32, activation: str = "relu", n_classes: int | None = None
    ):
        self.hidden = integer("hidden", hidden, 1)
        self.activation = one_of("activation", activation, ("relu", "tanh"))
        super().__init__(X, y, n_classes)
        self.name = f"network {self.d}-{self.hidden}-{self.n_classes} ({self.activation})"

    def _layout(self):
        d, h, k = self.d, self.hidden, self.n_classes
        return [("W1", (d, h)), ("b1", (h,)), ("W2", (h, k)), ("b2", (k,))]

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """W₁ ~ N(0, g/d) with g = 2 for ReLU (He) or 1 for tanh, W₂ ~ N(0, 1/h), biases 0."""
        gain = 2.0 if self.activation == "relu" else 1.0
        W1 = rng.standard_normal((self.d, self.hidden)) * math.sqrt(gain / self.d)
        W2 = rng.standard_normal((self.hidden, self.n_classes)) / math.sqrt(self.hidden)
        return self.pack(W1=W1, b1=np.zeros(self.hidden), W2=W2, b2=np.zeros(self.n_classes))

    def _act(self, Z1: np.ndarray) -> np.ndarray:
        return np.maximum(Z1, 0.0) if self.activation == "relu" else np.tanh(Z1)

    def hidden_units(self, x, X) -> np.ndarray:
        """H = act(X·W₁ + b₁), the hidden layer's output for the rows of ``X``."""
        p = self.unpack(self._point(x))
        return self._act(self._data(X) @ p["W1"] + p["b1"])

    def _logits(self, p, X):
        return self._act(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]

    def grad(self, x, rows=None) -> np.ndarray:
        p = self.unpack(self._point(x))
        X, y = self._rows(rows)
        # Forward, keeping what the backward pass needs.
        Z1 = X @ p["W1"] + p["b1"]
        H = self._act(Z1)
        Z2 = H @ p["W2"] + p["b2"]
        # Backward: from the loss to the logits, then layer by layer down to W₁.
        G2 = softmax(Z2)
        G2[np.arange(len(y)), y] -= 1.0
        G2 /= len(y)  # ∂loss/∂Z₂ = (P − Y)/n
        g = np.empty(self.size)
        out = self.unpack(g)
        out["W2"][...] = H.T @ G2
        out["b2"][...] = G2.sum(axis=0)
        GH = G2 @ p["W2"].T  # ∂loss/∂H
        G1 = GH * (Z1 > 0) if self.activation == "relu" else GH * (1.0 - H * H)  # ∂loss/∂Z₁
        out["W1"][...] = X.T @ G1
        out["b1"][...] = G1.sum(axis=0)
        return g

    def __repr__(self) -> str:
        return (
            f"MLP(n={self.n}, d={self.d}, hidden={self.hidden}, activation={self.activation!r}, "
            f"classes={self.n_classes}, size={self.size})"
        )
