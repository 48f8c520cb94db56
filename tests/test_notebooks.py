"""House rules every chapter notebook keeps (nbval checks the outputs themselves).

Executed top to bottom from a fresh kernel, no errors or warnings in the
outputs, seeded randomness only, no path hacks, every figure captioned,
named and described, every glued number defined, and the chapter shape:
a recap, then exercises.
"""

import json
import re
from pathlib import Path

import pytest

from helpers.book.markup import GLUE, SOLUTION

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]-*.ipynb"))
# The maths refresher keeps every house rule but the chapter shape (no exercises).
NOTEBOOKS = CHAPTERS + sorted(BOOK.glob("appendix-*.ipynb"))


def cells(path, kind=None):
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if kind is None or c["cell_type"] == kind]


def source(cell) -> str:
    return "".join(cell["source"])


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request):
    return request.param


def test_there_are_chapters_and_a_maths_refresher():
    assert len(CHAPTERS) >= 7, "no chapter notebooks in book/"
    assert BOOK / "appendix-maths.ipynb" in NOTEBOOKS
    assert set(BOOK.glob("*.ipynb")) == set(NOTEBOOKS), "a notebook no house rule checks"


@pytest.fixture(params=CHAPTERS, ids=lambda p: p.stem)
def chapter(request):
    return request.param


def test_executed_in_order_from_a_fresh_kernel(notebook):
    counts = [c.get("execution_count") for c in cells(notebook, "code")]
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}"


def test_no_errors_and_no_warnings_in_outputs(notebook):
    for i, cell in enumerate(cells(notebook, "code")):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"code cell {i} holds an error"
            if out["output_type"] == "stream":
                assert out["name"] != "stderr", f"code cell {i} wrote to stderr: {out['text']}"


def test_randomness_is_seeded_and_imports_need_no_path_hacks(notebook):
    code = "\n".join(source(c) for c in cells(notebook, "code"))
    assert "sys.path" not in code
    legacy = re.findall(r"np\.random\.(?!default_rng)\w+\(", code)
    assert not legacy, f"unseeded or legacy random calls: {legacy}"
    assert code.count("default_rng(") <= 1, "one rng = np.random.default_rng(SEED) per notebook"


def test_first_code_cell_is_hidden_set_up_with_the_book_style(notebook):
    first = cells(notebook, "code")[0]
    assert "remove-cell" in first["metadata"].get("tags", [])
    assert "use_book_style()" in source(first)


def test_every_figure_has_a_caption_a_name_and_alt_text(notebook):
    for i, cell in enumerate(cells(notebook, "code")):
        has_image = any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        if not has_image:
            continue
        meta = cell["metadata"].get("mystnb", {})
        assert meta.get("figure", {}).get("caption"), f"code cell {i}: figure without caption"
        assert meta.get("figure", {}).get("name", "").startswith("fig-"), f"code cell {i}: name"
        assert meta.get("image", {}).get("alt"), f"code cell {i}: figure without alt text"
        assert "plt.show()" in source(cell), f"code cell {i}: end plotting cells with plt.show()"


def test_every_glued_name_in_the_text_is_glued_by_the_code(notebook):
    """Every number span in the prose has a value in the stored outputs (which nbval checks
    are what the code computes), whether the code names it literally or in a loop."""
    text = "\n".join(source(c) for c in cells(notebook, "markdown"))
    used = {match[1] for match in GLUE.finditer(text)}
    glued = {
        output["metadata"]["scrapbook"]["name"]
        for cell in cells(notebook, "code")
        for output in cell.get("outputs", [])
        if "scrapbook" in output.get("metadata", {})
    }
    assert used, "the chapter glues its numbers into the text"
    assert used <= glued, f"glued in the text but never computed: {sorted(used - glued)}"


def test_explorer_cells_are_not_compared_by_nbval(notebook):
    for i, cell in enumerate(cells(notebook, "code")):
        shows_widget = any(
            "application/vnd.jupyter.widget-view+json" in o.get("data", {})
            for o in cell.get("outputs", [])
        )
        if shows_widget:
            assert "nbval-ignore-output" in cell["metadata"].get("tags", []), f"code cell {i}"


def test_chapter_shape_recap_then_exercises(chapter):
    notebook = chapter
    headings = [
        line.strip()
        for c in cells(notebook, "markdown")
        for line in source(c).splitlines()
        if line.startswith("#")
    ]
    assert headings[0].startswith("# "), "a chapter opens with its title"
    assert "## Recap" in headings and "## Exercises" in headings
    assert headings.index("## Recap") < headings.index("## Exercises")
    text = "\n".join(source(c) for c in cells(notebook, "markdown"))
    assert "you will be able to" in text.lower(), "say what the reader will be able to do"
    solutions = [c for c in cells(notebook, "markdown") if SOLUTION.match(source(c))]
    assert 3 <= len(solutions) <= 5, "3 to 5 exercises with solutions"


def test_each_solution_is_a_cell_of_its_own(notebook):
    """So that a teacher can hide the solutions by tagging those cells remove-cell."""
    for i, cell in enumerate(cells(notebook, "markdown")):
        text = source(cell)
        if "<details" in text or "</details>" in text:
            assert SOLUTION.match(text), f"markdown cell {i}: a solution and nothing else"
