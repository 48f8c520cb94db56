"""The two layers of helpers: the core a learner reads, and the book's machinery apart.

The core (every module of ``helpers`` outside ``helpers/book/``) never imports the
machinery, stays small enough to read in a sitting, and chapters and exercise checks
take formulas from it, never from an explorer module.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "helpers"
CORE = sorted(p for p in HELPERS.glob("*.py"))
MACHINERY = sorted((HELPERS / "book").rglob("*.py"))
CORE_LINES = 1800  # docstrings included
FUNCTION_LINES = 60
DESCEND_LINES = 80


def imported_modules(tree: ast.AST) -> list[str]:
    """Every module an ``import`` or ``from ... import`` names, with the names it takes."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.end_lineno - node.lineno + 1


def test_the_layers_are_the_folders():
    names = {p.stem for p in CORE}
    assert {"problems", "optim", "schedulers", "descent", "theory", "network", "data"} <= names
    assert {"explore_lr", "widgets", "plots", "glue"} <= {p.stem for p in MACHINERY}
    assert not (names - {"__init__"}) & {p.stem for p in MACHINERY}


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_never_imports_the_machinery(path):
    modules = imported_modules(ast.parse(path.read_text()))
    assert [m for m in modules if m.startswith("helpers.book")] == []
    assert "ipywidgets" not in {m.split(".")[0] for m in modules}


def test_the_check_sees_an_import_of_the_machinery():
    tree = ast.parse("from helpers.book.plots import BLUE\nimport helpers.book.widgets\n")
    assert imported_modules(tree) == ["helpers.book.plots.BLUE", "helpers.book.widgets"]


def test_core_is_small():
    lines = sum(len(p.read_text().splitlines()) for p in CORE)
    assert lines <= CORE_LINES, f"the core is {lines} lines"


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_no_core_function_is_long(path):
    long = [(n, k) for n, k in functions(ast.parse(path.read_text())) if k > FUNCTION_LINES]
    assert long == []


def test_descend_is_short():
    tree = ast.parse((HELPERS / "descent.py").read_text())
    assert dict(functions(tree))["descend"] <= DESCEND_LINES


def notebook_imports(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return imported_modules(ast.parse("\n".join(lines)))


NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapters_take_only_explorers_from_explorer_modules(path):
    taken = [m for m in notebook_imports(path) if ".explore_" in m]
    assert [m for m in taken if not m.endswith("_explorer")] == []


@pytest.mark.parametrize(
    "path", sorted((HELPERS / "book" / "exercises").glob("*.py")), ids=lambda p: p.name
)
def test_exercise_checks_import_no_explorer(path):
    modules = imported_modules(ast.parse(path.read_text()))
    assert [m for m in modules if ".explore_" in m or m.startswith("ipywidgets")] == []


def test_the_readme_map_counts_the_lines_of_each_core_module():
    readme = (ROOT / "README.md").read_text()
    table = dict(re.findall(r"^\| `(helpers/[a-z_]+\.py)` \| .* \| (\d+) \|$", readme, re.M))
    assert set(table) == {str(p.relative_to(ROOT)) for p in CORE}
    for path in CORE:
        assert int(table[str(path.relative_to(ROOT))]) == len(path.read_text().splitlines())
    total = re.search(r"^\| \*\*core in all\*\* \| \| \*\*([\d,]+)\*\* \|$", readme, re.M)
    assert int(total[1].replace(",", "")) == sum(int(n) for n in table.values())
