"""Checks for the end-of-chapter exercises: a clear pass, or a hint, never a traceback.

Each chapter has a module here (``from helpers.book.exercises import ch01``) with
one ``check_...`` function per exercise. A check takes the reader's answer
(a number, an array or a function) and returns :class:`Feedback`. Answers
that are not even the right kind of thing (``...`` left in place, a
string, a function that raises) get a hint too.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``passed`` and a message that says why."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return ("Correct! " if self.passed else "Not yet. ") + self.message

    def _repr_html_(self) -> str:
        colour, title = ("#009E73", "Correct!") if self.passed else ("#D55E00", "Not yet.")
        return (
            f'<div style="border-left: 4px solid {colour}; padding: 0.3em 0.8em;">'
            f"<b>{title}</b> {html.escape(self.message)}</div>"
        )


def correct(message: str) -> Feedback:
    return Feedback(True, message)


def hint(message: str) -> Feedback:
    return Feedback(False, message)


def checker(func: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Wrap a check so that an unfinished or broken answer becomes a hint.

    ``...`` (the placeholder in the exercise cell) asks for an answer; any
    exception raised while checking (for example by the reader's function)
    is reported in one sentence instead of a traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Feedback:
        if any(a is Ellipsis for a in (*args, *kwargs.values())):
            return hint("Replace the ... with your answer, then run the cell again.")
        try:
            return func(*args, **kwargs)
        except Exception as err:  # the reader's code may raise anything: report, don't crash
            return hint(f"Checking your answer raised {type(err).__name__}: {err}")

    return wrapper


def as_number(answer: Any) -> float | None:
    """The answer as a float, or None if it is not a single finite number."""
    try:
        value = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return None
    if value.size != 1 or not np.isfinite(value).all():
        return None
    return float(value.reshape(()))


def close(a: float, b: float, rel: float = 1e-6, abs_: float = 1e-12) -> bool:
    return abs(a - b) <= max(rel * abs(b), abs_)


SIGNIFICANT_DIGITS = 4


def agrees(value: float, want: float, digits: int = SIGNIFICANT_DIGITS) -> bool:
    """True if ``value`` is ``want`` correct to ``digits`` significant digits.

    This is the tolerance for any number a reader may work out with pencil and
    paper: 0.8169 passes for 0.816887. The diagnostic hints for specific wrong
    answers use the same tolerance, so a rounded wrong answer is still recognised.
    """
    if want == 0:
        return abs(value) <= 1e-12
    unit = 10.0 ** (np.floor(np.log10(abs(want))) - (digits - 1))
    return abs(value - want) <= 0.5 * unit * (1 + 1e-9)


def rounded(value: float, want: float) -> bool:
    """True if ``value`` is within 0.5 % of ``want``: most likely the answer, rounded.

    0.5 % covers an answer rounded to three significant figures (0.167 for 1/6),
    one digit short of what :func:`agrees` accepts. Test the answer with
    :func:`agrees` first, then the specific wrong answers, then this, and answer
    with ``hint(ROUNDED)``.
    """
    return close(value, want, rel=5e-3)


ROUNDED = "Close, but rounded too far: give at least four significant digits."
