"""The exercises: every worked solution in the book passes its check; wrong answers get hints.

The solutions are read out of the notebooks themselves (the python blocks
inside the worked solutions), so the code a reader sees is the code tested.
"""

import ast
import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest

import helpers.book.exercises
from helpers.book.exercises import Feedback, agrees, ch01, checker, rounded
from helpers.book.markup import SOLUTION

BOOK = Path(__file__).resolve().parent.parent / "book"
CODE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def solutions():
    """(notebook, index, code) for every python block inside a worked solution."""
    found = []
    for path in sorted(BOOK.glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
        blocks = [match[1] for text in texts if (match := SOLUTION.match(text))]
        for i, block in enumerate(blocks):
            for code in CODE.findall(block):
                found.append(pytest.param(path.stem, code, id=f"{path.stem}-solution{i + 1}"))
    return found


def run_solution(code):
    """Execute a solution block; return the value of its last expression."""
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    namespace = {}
    exec(compile(tree, "<solution>", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<solution>", "eval"), namespace)


@pytest.mark.parametrize("chapter, code", solutions())
def test_every_worked_solution_that_calls_a_check_passes_it(chapter, code):
    result = run_solution(code)
    if "check_" in code:
        assert isinstance(result, Feedback) and result.passed, result


def chapter_modules():
    return [m.name for m in pkgutil.iter_modules(helpers.book.exercises.__path__)]


@pytest.mark.parametrize("module", chapter_modules())
def test_every_check_is_used_by_a_worked_solution_in_its_chapter(module):
    mod = importlib.import_module(f"helpers.book.exercises.{module}")
    checks = {n for n, f in inspect.getmembers(mod, callable) if n.startswith("check_")}
    assert checks, f"{module} has no checks"
    number = module[2:]
    notebook = next(BOOK.glob(f"{number}-*.ipynb"))
    text = notebook.read_text()
    for name in checks:
        assert f"{module}.{name}(" in text, f"{name} is not used in {notebook.name}"
    used = [p for p in solutions() if p.values[0] == notebook.stem]
    solved = {name for name in checks for p in used if f"{name}(" in p.values[1]}
    assert solved == checks, f"checks without a worked solution: {checks - solved}"


def test_placeholder_and_crashing_answers_get_a_hint_not_a_traceback():
    assert "Replace the ..." in ch01.check_x3(...).message
    assert not ch01.check_x3("ten")
    assert "should be a single number" in ch01.check_x3("ten").message

    def broken(x, lr):
        raise ZeroDivisionError("oops")

    feedback = ch01.check_step(broken)
    assert not feedback and "ZeroDivisionError: oops" in feedback.message

    @checker
    def always_fails(answer):
        return Feedback(False, "no")

    assert repr(always_fails(1)) == "Not yet. no"
    assert "Correct!" in Feedback(True, "yes")._repr_html_()


def test_an_answer_correct_to_four_significant_digits_agrees():
    want = 0.816887  # ch5's exercise 2 once rejected 0.8169
    assert agrees(0.8169, want) and agrees(0.81689, want) and agrees(want, want)
    assert not agrees(0.8168, want) and not agrees(0.817, want)
    assert agrees(1234.4, 1234.0) and not agrees(1235.0, 1234.0)
    assert agrees(-2.5e-7, -2.50004e-7) and not agrees(2.5e-7, -2.5e-7)
    assert agrees(0.0, 0.0) and not agrees(1e-9, 0.0)
    # three digits is one short: not agreed, but recognised as rounded for the hint
    assert not agrees(0.167, 1 / 6) and rounded(0.167, 1 / 6)
