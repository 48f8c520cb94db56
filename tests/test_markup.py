"""The chapters' Jupyter-native markup, and the MyST the website builds from it.

Each chapter is one notebook: Jupyter renders its markup as it is, the website
build turns it into MyST (helpers/book/markup.py). These tests check the turn,
that every chapter's spans show what the website shows, and that Binder installs
what a reader needs and nothing to build the site.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from helpers.book.markup import (
    SECTION_LINK,
    chapter_number,
    citations,
    fill,
    glued_values,
    heading_slug,
    jupyter_heading_id,
    notebook_to_myst,
    to_myst,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("[0-9][0-9]-*.ipynb")) + sorted(
    (ROOT / "book").glob("appendix-*.ipynb")
)
RAW_MYST = re.compile(r"\{[a-z:-]+\}`|^:::|^:class:|^```\{", re.M)


def test_numbers_references_and_citations_become_roles():
    text = (
        'Here $L =$ <span data-glue="line_L">23.66</span> '
        '(<span data-ref="fig-zigzag">Fig. 3.4</span>), as '
        '<span data-cite="cauchy1847">[Cauchy, 1847]</span> found.'
    )
    assert to_myst(text) == (
        "Here $L =$ {glue:text}`line_L` ({numref}`fig-zigzag`), as {cite}`cauchy1847` found."
    )


def test_a_solution_becomes_a_dropdown_and_nothing_else_does():
    cell = '<details class="solution">\n<summary>Solution</summary>\n\nTake $2/L$.\n\n</details>'
    assert to_myst(cell) == ":::{admonition} Solution\n:class: dropdown\nTake $2/L$.\n:::"
    inline = 'See <details class="solution">\n<summary>Solution</summary>\n\nx\n\n</details>'
    assert to_myst(inline) == inline  # only a cell that is a solution, whole


def test_an_important_blockquote_becomes_an_important_box():
    text = "Before.\n\n> **Important.** The best momentum\n> is the square.\n\nAfter."
    assert to_myst(text) == (
        "Before.\n\n:::{important}\nThe best momentum\nis the square.\n:::\n\nAfter."
    )


def test_a_going_deeper_blockquote_becomes_a_going_deeper_box():
    text = "Before.\n\n> **Going deeper.** Skip this\n> on a first read.\n\nAfter."
    assert to_myst(text) == (
        "Before.\n\n:::{admonition} Going deeper\n:class: tip\nSkip this\non a first read.\n:::"
        "\n\nAfter."
    )


def test_a_link_to_a_section_uses_jupyters_id_and_the_websites_slug():
    assert jupyter_heading_id("Variance, covariance and the trace") == (
        "Variance,-covariance-and-the-trace"
    )
    text = "[the trace](appendix-maths.ipynb#Variance,-covariance-and-the-trace)"
    assert to_myst(text) == "[the trace](appendix-maths.ipynb#variance-covariance-and-the-trace)"
    assert to_myst("[chapter 3](03-learning-rate.ipynb)") == "[chapter 3](03-learning-rate.ipynb)"


def test_every_link_to_a_section_finds_its_heading():
    """JupyterLab scrolls to a heading whose id is the fragment; MyST needs the slug to match."""
    links = 0
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            for target, fragment in SECTION_LINK.findall("".join(cell["source"])):
                links += 1
                headings = [
                    line.lstrip("#").strip()
                    for c in json.loads((path.parent / target).read_text())["cells"]
                    if c["cell_type"] == "markdown"
                    for line in "".join(c["source"]).splitlines()
                    if line.startswith("#")
                ]
                ids = [jupyter_heading_id(h) for h in headings]
                where = f"{path.name}: {target}#{fragment}"
                assert fragment in ids, f"{where}: no heading with that id in Jupyter"
                assert [heading_slug(i) for i in ids].count(heading_slug(fragment)) == 1, where
    assert links >= 10, "the chapters link the maths refresher where each idea is first used"


def test_the_glued_text_is_what_myst_nb_shows():
    from myst_nb.core.variables import format_plain_text

    outputs = [("'141'", "141"), ("0.0845", "0.0845"), ("4.2e-13", "4.2e-13"), ("3", "3")]
    for plain, shown in outputs:
        prefix = "application/papermill.record/"
        record = {"scrapbook": {"name": "x", "mime_prefix": prefix}}
        output = {"data": {prefix + "text/plain": plain}, "metadata": record}
        nb = {"cells": [{"cell_type": "code", "outputs": [output]}]}
        assert glued_values(nb) == {"x": shown} == {"x": format_plain_text(plain, "")}


def test_citations_follow_the_websites_author_year_style():
    cited = citations()
    assert cited["cauchy1847"] == "[Cauchy, 1847]"
    assert cited["kingma2015"] == "[Kingma and Ba, 2015]"
    assert cited["goyal2017"] == "[Goyal et al., 2017]"


def test_an_unknown_name_is_refused():
    cell = {"cell_type": "markdown", "metadata": {}, "source": ['<span data-glue="nope"></span>']}
    nb = {"cells": [cell]}
    with pytest.raises(ValueError, match="data-glue='nope'"):
        fill(nb, 1)


def test_chapters_are_numbered_and_the_appendix_is_lettered():
    assert chapter_number(Path("book/03-learning-rate.ipynb")) == 3
    assert chapter_number(Path("book/appendix-maths.ipynb")) == "A"
    with pytest.raises(ValueError, match="path="):
        chapter_number(Path("book/intro.ipynb"))


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request):
    return request.param


def test_every_span_shows_what_the_website_shows(notebook):
    """make execute fills the spans; a stale number, figure or citation fails here."""
    nb = json.loads(notebook.read_text())
    assert fill(copy.deepcopy(nb), chapter_number(notebook)) == nb


def test_no_raw_myst_is_left_for_jupyter(notebook):
    for i, cell in enumerate(json.loads(notebook.read_text())["cells"]):
        if cell["cell_type"] == "markdown":
            raw = RAW_MYST.findall("".join(cell["source"]))
            assert raw == [], f"cell {i} shows raw MyST in Jupyter: {raw}"


def test_the_website_gets_myst_for_every_span_and_solution(notebook):
    nb = json.loads(notebook_to_myst(notebook.read_text()))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "<span data-" not in text and "<details" not in text
    solutions = text.count(":::{admonition} Solution\n:class: dropdown\n")
    assert solutions >= 3 or notebook.name.startswith("appendix-"), "3 to 5 folded solutions"


def test_hidden_cells_are_folded_in_jupyter(notebook):
    hidden = {"remove-cell", "hide-input", "remove-input"}
    for i, cell in enumerate(json.loads(notebook.read_text())["cells"]):
        if cell["cell_type"] == "code":
            tags = set(cell["metadata"].get("tags", []))
            folded = cell["metadata"].get("jupyter", {})
            assert folded.get("source_hidden", False) == bool(tags & hidden), f"cell {i}"


def requirements(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return dict(line.split("==") for line in lines if "==" in line)


def test_binder_installs_what_readers_need_at_the_books_versions():
    binder, book = (
        requirements(ROOT / "binder/requirements.txt"),
        requirements(ROOT / "requirements.txt"),
    )
    assert "jupyter-book" not in binder  # a build tool: readers never run it
    assert {"numpy", "matplotlib", "ipywidgets", "ipykernel", "jupyterlab", "notebook"} <= set(
        binder
    )
    assert {name: book[name] for name in binder} == binder
    assert "-e ." in (ROOT / "binder/requirements.txt").read_text().splitlines()
    assert (ROOT / "binder/runtime.txt").read_text().strip() == "python-3.11"
