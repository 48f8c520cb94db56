"""One notebook, read well in Jupyter and on the website.

The chapters are written in markup that Jupyter renders as it is (JupyterLab,
Notebook 7, Binder, VS Code, GitHub): plain Markdown with a few HTML elements.
The website build turns each element into the MyST it stands for, in
``to_myst``, before MyST-NB parses the notebook (``book/_ext/gdbook.py``):

=========================================================  ============================
In the notebook (what Jupyter shows)                       On the website (MyST)
=========================================================  ============================
``<span data-glue="line_L">4</span>``                      ``{glue:text}`line_L```
``<span data-ref="fig-zigzag">Fig. 3.4</span>``            ``{numref}`fig-zigzag```
``<span data-cite="cauchy1847">[Cauchy, 1847]</span>``     ``{cite}`cauchy1847```
``<details class="solution">`` ... ``</details>``          a ``Solution`` dropdown
``> **Important.** ...``                                   an ``{important}`` box
``> **Going deeper.** ...``                                a "Going deeper" box (optional part)
``[the Hessian](appendix-maths.ipynb#The-Hessian)``        ``...ipynb#the-hessian``
=========================================================  ============================

A link to a section of another notebook names the section by the id JupyterLab
gives its heading (the heading's text, spaces made hyphens); the website names
it by MyST's slug of the same heading (lower case, punctuation dropped).

The text inside a span is what the website shows there, and ``fill`` writes it:
a number from the glue output the code stored (which nbval checks), a figure's
number from the order of the chapter's named figures, a citation from
``references.bib``. ``make execute`` calls ``fill`` after running the notebooks,
and a test fails if any span's text is not what ``fill`` would write. ``fill``
also folds in Jupyter what the website hides: a cell tagged ``remove-cell`` or
``hide-input`` gets ``jupyter.source_hidden`` (and ``remove-cell`` also
``outputs_hidden``).

Run ``python -m helpers.book.markup book/*.ipynb`` to fill notebooks by hand.
"""

from __future__ import annotations

import json
import re
import sys
from ast import literal_eval
from pathlib import Path

GLUE = re.compile(r'<span data-glue="([\w.-]+)">(.*?)</span>')
REF = re.compile(r'<span data-ref="([\w.-]+)">(.*?)</span>')
CITE = re.compile(r'<span data-cite="([\w.,-]+)">(.*?)</span>')
SOLUTION = re.compile(
    r'\A<details class="solution">\n<summary>Solution</summary>\n\n(.*)\n\n</details>\Z', re.S
)
IMPORTANT = re.compile(r"^> \*\*Important\.\*\* (.*?)(?=\n(?!> )|\Z)", re.S | re.M)
DEEPER = re.compile(r"^> \*\*Going deeper\.\*\* (.*?)(?=\n(?!> )|\Z)", re.S | re.M)
SECTION_LINK = re.compile(r"\]\(([\w.-]+\.ipynb)#([^)\s]+)\)")
HIDDEN_TAGS = {"remove-cell", "hide-input", "remove-input"}
BIB = Path(__file__).resolve().parents[2] / "book" / "references.bib"


def to_myst(markdown: str) -> str:
    """The MyST the website builds from a markdown cell written for Jupyter."""
    text = GLUE.sub(r"{glue:text}`\1`", markdown)
    text = REF.sub(r"{numref}`\1`", text)
    text = CITE.sub(r"{cite}`\1`", text)
    text = SECTION_LINK.sub(lambda m: f"]({m[1]}#{heading_slug(m[2])})", text)
    solution = SOLUTION.match(text)
    if solution:
        text = ":::{admonition} Solution\n:class: dropdown\n" + solution[1] + "\n:::"

    def box(opening: str):
        def replace(match: re.Match) -> str:
            return opening + re.sub(r"^> ?", "", match[1], flags=re.M) + "\n:::"

        return replace

    text = IMPORTANT.sub(box(":::{important}\n"), text)
    return DEEPER.sub(box(":::{admonition} Going deeper\n:class: tip\n"), text)


def jupyter_heading_id(heading: str) -> str:
    """The id JupyterLab gives a heading: ``Variance,-covariance-and-the-trace``."""
    return heading.strip().replace(" ", "-")


def heading_slug(jupyter_id: str) -> str:
    """MyST's anchor for the same heading: ``variance-covariance-and-the-trace``."""
    return re.sub(r"[^\w-]", "", jupyter_id.lower())


def notebook_to_myst(source: str) -> str:
    """A notebook's JSON text with every markdown cell passed through ``to_myst``."""
    nb = json.loads(source)
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = to_myst("".join(cell["source"]))
    return json.dumps(nb, indent=1, ensure_ascii=False)


def glued_values(nb: dict) -> dict[str, str]:
    """Each glued name and the text the website shows for it (as MyST-NB's glue:text does)."""
    values = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                plain = output["data"][record["mime_prefix"] + "text/plain"]
                plain = "".join(plain) if isinstance(plain, list) else plain
                try:
                    values[record["name"]] = str(literal_eval(plain))
                except (SyntaxError, ValueError):
                    values[record["name"]] = plain
    return values


def figure_numbers(nb: dict, chapter: int | str) -> dict[str, str]:
    """``{"fig-zigzag": "Fig. 3.4", ...}``: the named figures of a chapter, in order."""
    names = [
        cell["metadata"]["mystnb"]["figure"]["name"]
        for cell in nb["cells"]
        if cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
    ]
    return {name: f"Fig. {chapter}.{i}" for i, name in enumerate(names, start=1)}


def citations(bib: Path = BIB) -> dict[str, str]:
    """``{"kingma2015": "[Kingma and Ba, 2015]", ...}``, as the website's author-year style."""
    text = bib.read_text()
    found = {}
    for key, body in re.findall(r"@\w+\{([\w-]+),(.*?)\n\}", text, re.S):
        fields = dict(re.findall(r"(\w+)\s*=\s*\{((?:[^{}]|\{[^{}]*\})*)\}", body))
        authors = [a.split(",")[0].strip() for a in fields["author"].split(" and ")]
        authors = [re.sub(r"[{}]", "", a) for a in authors]
        names = {1: authors[0], 2: " and ".join(authors)}.get(len(authors), authors[0] + " et al.")
        found[key] = f"[{names}, {fields['year']}]"
    return found


def fill(nb: dict, chapter: int | str, bib: Path = BIB) -> dict:
    """The notebook with every span's text written, and hidden cells folded."""
    values, figures, cited = glued_values(nb), figure_numbers(nb, chapter), citations(bib)
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            text = GLUE.sub(lambda m: _span("glue", m[1], values), text)
            text = REF.sub(lambda m: _span("ref", m[1], figures), text)
            text = CITE.sub(lambda m: _span("cite", m[1], cited), text)
            cell["source"] = text.splitlines(keepends=True)
        elif cell["cell_type"] == "code":
            tags = set(cell["metadata"].get("tags", []))
            jupyter = {}
            if tags & HIDDEN_TAGS:
                jupyter["source_hidden"] = True
            if "remove-cell" in tags and cell.get("outputs"):
                jupyter["outputs_hidden"] = True
            if jupyter:
                cell["metadata"]["jupyter"] = jupyter
            else:
                cell["metadata"].pop("jupyter", None)
    return nb


def _span(kind: str, name: str, texts: dict[str, str]) -> str:
    if name not in texts:
        raise ValueError(f"data-{kind}={name!r} has nothing to show: no such glue, figure or key")
    return f'<span data-{kind}="{name}">{texts[name]}</span>'


def chapter_number(path: Path) -> int | str:
    """3 for ``book/03-learning-rate.ipynb``; "A" for an appendix (``appendix-maths.ipynb``)."""
    name = Path(path).name
    if name.startswith("appendix-"):
        return "A"
    if not name[:2].isdigit():
        raise ValueError(f"path={str(path)!r}: a chapter is named NN-*.ipynb or appendix-*.ipynb")
    return int(name[:2])


def fill_file(path: Path) -> bool:
    """Fill one notebook file in place; True if it changed."""
    path = Path(path)
    before = path.read_text()
    nb = fill(json.loads(before), chapter_number(path))
    after = json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"  # as nbformat
    if after != before:
        path.write_text(after)
    return after != before


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(("filled " if fill_file(Path(name)) else "unchanged ") + name)
