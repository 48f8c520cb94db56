"""Softmax regression and a network with one hidden layer, in numpy, on ONE flat parameter
vector ``x`` (``unpack(x)`` names its pieces) that optimizers and ``descend`` train. Chapter 7."""

import math

import numpy as np

from helpers.problems import Problem
from helpers.validate import finite_array, integer, one_of, row_indices


def softmax(logits) -> np.ndarray:
    """exp(zⱼ)/Σ exp(z) on the last axis, as exp(s − log Σ exp(s)), s = z − max(z). Chapter 7."""
    z = np.asarray(logits, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))


def cross_entropy(logits, y) -> float:
    """The mean over rows of m + log Σⱼ exp(Zᵢⱼ − m) − Zᵢ,yᵢ, m = maxⱼ Zᵢⱼ. Chapter 7."""
    z, y = np.asarray(logits, dtype=np.float64), np.asarray(y)
    if z.ndim != 2 or y.shape != (len(z),):
        raise ValueError(f"logits must be (n, k) with one label per row, got {z.shape}, {y.shape}")
    m = z.max(axis=1)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(y)), y]))


def one_hot(y, n_classes: int) -> np.ndarray:
    """The n × k matrix with a 1 in column yᵢ of row i and 0 elsewhere."""
    return (np.asarray(y)[:, None] == np.arange(n_classes)).astype(np.float64)


class Classifier(Problem):
    """Data, loss and predictions; a subclass gives ``_layout``, ``_logits(p, X)`` and ``grad``."""

    def __init__(self, X, y, n_classes: int | None = None):
        X, y = finite_array("X", X), np.asarray(y)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a 2-D array of shape (n, d), got shape {X.shape}")
        if y.shape != (X.shape[0],) or y.dtype.kind not in "iu":
            raise ValueError(f"y must be {X.shape[0]} whole-number labels, one per row of X")
        k = int(y.max()) + 1 if n_classes is None else integer("n_classes", n_classes, 2)
        if y.min() < 0 or y.max() >= k or k < 2:
            raise ValueError(f"labels must be in 0..{k - 1} with at least 2 classes")
        self.X, self.y, self.n_classes = X, y.astype(np.int64), k
        self.n, self.d = X.shape
        self.shapes = self._layout()
        self.size = sum(math.prod(shape) for shape in self.shapes.values())
        self.param_shape = (self.size,)

    def _point(self, x) -> np.ndarray:
        x = finite_array("x", x)
        if x.shape != (self.size,):
            raise ValueError(
                f"x must be one flat parameter vector of shape ({self.size},), got shape "
                f"{x.shape}: a network evaluates one point at a time, not a batch of runs"
            )
        return x

    def unpack(self, x) -> dict[str, np.ndarray]:
        """The named weight matrices of ``x``: views, so that writing them writes x."""
        x, parts = self._point(x), {}
        start = 0  # where the next matrix begins in x
        for name, shape in self.shapes.items():
            parts[name] = x[start : start + math.prod(shape)].reshape(shape)
            start += math.prod(shape)
        return parts

    def pack(self, **parts) -> np.ndarray:
        """The flat vector made of named weight matrices: the inverse of ``unpack``."""
        if set(parts) != set(self.shapes):
            raise ValueError(f"pack needs exactly {list(self.shapes)}, got {list(parts)}")
        for name, shape in self.shapes.items():
            if np.shape(parts[name]) != shape:
                raise ValueError(f"{name} must have shape {shape}, got {np.shape(parts[name])}")
        return np.concatenate([finite_array(name, parts[name]).ravel() for name in self.shapes])

    def _rows(self, rows):
        rows = slice(None) if rows is None else row_indices(rows, self.n)
        return self.X[rows], self.y[rows]

    def logits(self, x, X) -> np.ndarray:
        """The scores Z (m × k) the model with parameters ``x`` gives the rows of ``X``."""
        X = finite_array("X", X)
        if X.ndim != 2 or X.shape[1] != self.d:
            raise ValueError(f"X must have shape (m, {self.d}), got {X.shape}")
        return self._logits(self.unpack(x), X)

    def loss(self, x, rows=None) -> float:
        X, y = self._rows(rows)
        return cross_entropy(self._logits(self.unpack(x), X), y)

    def predict_proba(self, x, X) -> np.ndarray:
        return softmax(self.logits(x, X))

    def predict(self, x, X) -> np.ndarray:
        return np.argmax(self.logits(x, X), axis=-1)

    def accuracy(self, x, X, y) -> float:
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"y must have one label per row of X, got shape {y.shape}")
        return float(np.mean(self.predict(x, X) == y))


class SoftmaxRegression(Classifier):
    """Z = X·W + b, W (d × k), b (k,): with G = ∂loss/∂Z, ∂W = XᵀG, ∂b = Σᵢ Gᵢ. Chapter 7."""

    name = "softmax regression"

    def _layout(self):
        return {"W": (self.d, self.n_classes), "b": (self.n_classes,)}

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """W ~ N(0, 1/d) (variance one over the fan-in), b = 0, drawn from ``rng``."""
        W = rng.standard_normal((self.d, self.n_classes)) / math.sqrt(self.d)
        return self.pack(W=W, b=np.zeros(self.n_classes))

    def _logits(self, p, X):
        return X @ p["W"] + p["b"]

    def grad(self, x, rows=None) -> np.ndarray:
        X, y = self._rows(rows)
        G = softmax(self._logits(self.unpack(x), X))  # P, then P − Y, then G = ∂loss/∂Z:
        G[np.arange(len(y)), y] -= 1.0
        G /= len(y)
        return np.concatenate([(X.T @ G).ravel(), G.sum(axis=0)])

    def __repr__(self) -> str:
        d, k, size = self.d, self.n_classes, self.size
        return f"SoftmaxRegression(n={self.n}, d={d}, classes={k}, size={size})"


class MLP(Classifier):
    """Z₁ = X·W₁ + b₁, H = act(Z₁) (ReLU or tanh), Z₂ = H·W₂ + b₂. Backpropagation from
    G₂ = ∂loss/∂Z₂: ∂W₂ = HᵀG₂, ∂b₂ = Σᵢ G₂, ∂H = G₂W₂ᵀ, G₁ = ∂H ⊙ act′(Z₁), ∂W₁ = XᵀG₁,
    ∂b₁ = Σᵢ G₁, with act′(z) = [z > 0] (0 at 0, as in torch) or 1 − tanh²(z). Chapter 7."""

    name = "network with one hidden layer"

    def __init__(self, X, y, hidden=32, activation="relu", n_classes: int | None = None):
        self.hidden = integer("hidden", hidden, 1)
        self.activation = one_of("activation", activation, ("relu", "tanh"))
        super().__init__(X, y, n_classes)

    def _layout(self):
        d, h, k = self.d, self.hidden, self.n_classes
        return {"W1": (d, h), "b1": (h,), "W2": (h, k), "b2": (k,)}

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """W₁ ~ N(0, g/d) with g = 2 for ReLU (He) or 1 for tanh, W₂ ~ N(0, 1/h), biases 0."""
        gain = 2.0 if self.activation == "relu" else 1.0
        W1 = rng.standard_normal((self.d, self.hidden)) * math.sqrt(gain / self.d)
        W2 = rng.standard_normal((self.hidden, self.n_classes)) / math.sqrt(self.hidden)
        return self.pack(W1=W1, b1=np.zeros(self.hidden), W2=W2, b2=np.zeros(self.n_classes))

    def _act(self, Z1: np.ndarray) -> np.ndarray:
        return np.maximum(Z1, 0.0) if self.activation == "relu" else np.tanh(Z1)

    def _logits(self, p, X):
        return self._act(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]

    def grad(self, x, rows=None) -> np.ndarray:
        p = self.unpack(x)
        X, y = self._rows(rows)
        Z1 = X @ p["W1"] + p["b1"]  # forward, keeping what the backward pass needs
        H = self._act(Z1)
        G2 = softmax(H @ p["W2"] + p["b2"])  # backward, from the logits down to W₁
        G2[np.arange(len(y)), y] -= 1.0
        G2 /= len(y)
        GH = G2 @ p["W2"].T
        G1 = GH * (Z1 > 0) if self.activation == "relu" else GH * (1.0 - H * H)
        return np.concatenate([(X.T @ G1).ravel(), G1.sum(0), (H.T @ G2).ravel(), G2.sum(0)])

    def __repr__(self) -> str:
        n, d, h, k, act = self.n, self.d, self.hidden, self.n_classes, self.activation
        return f"MLP(n={n}, d={d}, hidden={h}, activation={act!r}, classes={k}, size={self.size})"
