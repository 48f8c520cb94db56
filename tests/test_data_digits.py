"""The shipped digits file, its loader and the seeded train/test split."""

import csv
import gzip
import hashlib
import tomllib
from pathlib import Path

import numpy as np
import pytest

from helpers.data import DATA_FILE, load_digits, train_test_split

ROOT = Path(__file__).resolve().parent.parent
# sha256 of sklearn/datasets/data/digits.csv.gz in the scikit-learn 1.9.1 wheel.
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


def raw_rows():
    with gzip.open(DATA_FILE, "rt", newline="") as f:
        return [row for row in csv.reader(f)]


def test_the_file_is_the_one_recorded():
    assert DATA_FILE == ROOT / "helpers" / "datasets" / "digits.csv.gz"
    assert hashlib.sha256(DATA_FILE.read_bytes()).hexdigest() == SHA256


def test_the_file_holds_1797_images_of_64_pixels_0_to_16_and_a_label_0_to_9():
    rows = raw_rows()
    assert len(rows) == 1797
    assert {len(r) for r in rows} == {65}
    values = np.array([[float(v) for v in r] for r in rows])
    assert np.array_equal(values, np.round(values))  # whole numbers only
    pixels, labels = values[:, :64], values[:, 64]
    assert pixels.min() == 0 and pixels.max() == 16
    assert set(labels) == set(range(10))
    assert np.bincount(labels.astype(int)).min() >= 170  # about 180 images of each digit


def test_the_readme_names_source_licence_and_how_the_file_was_obtained():
    text = (DATA_FILE.parent / "README.md").read_text()
    for words in ("CC BY 4.0", "Alpaydin", "Kaynak", "UCI", "scikit-learn", SHA256, "pip download"):
        assert words in text


def test_the_data_file_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["helpers"]
    assert any(Path("datasets/digits.csv.gz").match(p) for p in patterns)


def test_load_digits_scales_the_pixels_by_16_and_keeps_the_labels():
    X, y = load_digits()
    raw = np.array([[int(v) for v in r] for r in raw_rows()])
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype.kind == "i"
    np.testing.assert_array_equal(X * 16, raw[:, :64])
    np.testing.assert_array_equal(y, raw[:, 64])
    assert X.min() == 0.0 and X.max() == 1.0


def test_the_split_is_a_seeded_partition_of_the_rows():
    rows = np.arange(100.0)[:, None]
    labels = np.arange(100) % 4
    X_train, X_test, y_train, y_test = train_test_split(rows, labels, test_fraction=0.2, seed=3)
    assert len(X_test) == 20 and len(X_train) == 80
    used = np.concatenate([X_train[:, 0], X_test[:, 0]])
    np.testing.assert_array_equal(np.sort(used), np.arange(100.0))  # every row once
    np.testing.assert_array_equal(y_train, X_train[:, 0].astype(int) % 4)  # rows keep their labels
    np.testing.assert_array_equal(y_test, X_test[:, 0].astype(int) % 4)
    order = np.random.default_rng(3).permutation(100)
    np.testing.assert_array_equal(X_test[:, 0], order[:20])  # default_rng(seed), documented
    again = train_test_split(rows, labels, test_fraction=0.2, seed=3)
    np.testing.assert_array_equal(again[1], X_test)
    other = train_test_split(rows, labels, test_fraction=0.2, seed=4)
    assert not np.array_equal(other[1], X_test)


def test_a_stratified_split_keeps_the_label_proportions():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=0, stratify=True)
    counts = np.bincount(y)
    np.testing.assert_array_equal(np.bincount(y_test), np.round(0.2 * counts))
    np.testing.assert_array_equal(np.bincount(y_train) + np.bincount(y_test), counts)
    assert len(np.unique(np.vstack([X_train, X_test]), axis=0)) == len(np.unique(X, axis=0))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"test_fraction": 0.0}, "test_fraction"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"test_fraction": 0.001}, "empty"),
        ({"seed": -1}, "seed"),
    ],
)
def test_impossible_splits_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_test_split(np.zeros((10, 2)), np.zeros(10, dtype=int), **kwargs)


def test_x_and_y_must_have_the_same_rows():
    with pytest.raises(ValueError, match="same number of rows"):
        train_test_split(np.zeros((10, 2)), np.zeros(9, dtype=int))
