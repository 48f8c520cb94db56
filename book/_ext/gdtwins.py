"""Dark mode for the website: every figure and every explorer frame has a dark twin.

The notebooks store the light figures (nbval checks them, Jupyter shows them).
When the HTML build starts, ``start_dark_run`` runs every chapter once more in
the background, with ``GDBOOK_THEME=dark`` in the kernel's environment, into
``_build/dark/``: the same drawing code, in the dark style of
``helpers/book/plots.py``. When the build has written the pages, ``add_twins``
pairs each light output with its dark twin, cell by cell and output by output,
and puts the twin beside it on the page:

* a figure ``<img>`` gets a second ``<img class="gd-dark">`` (lazy, so a reader
  in the light theme never downloads it) and ``static/gdbook-twins.css`` shows
  the one that matches the theme;
* a static explorer's frames leave the page for files in ``_frames/`` (named by
  their content, so a frame two explorers share is stored once), light and dark.
  The page keeps the first frame as an ``<img>`` (it shows without JavaScript)
  and a small list of frame files, alt texts and messages; the player loads the
  frames of the reader's theme on the first touch of a slider. A first visit
  transfers the first frame and the light frames of the print strip
  (``static/gdbook-print.js``, three or four) instead of all of them.

The single-page build that ``make pdf`` prints is left as it is: paper is light,
and its explorers keep their frames inline for the print strips.

The dark run takes about as long as running the notebooks (``make bench``);
it is skipped when ``_build/dark/`` already holds a run of the same notebooks
with the same ``helpers`` (the key is a hash of both).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from helpers.book.widgets import _PLAYER_JS

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2  # notebooks run two at a time: the build machines have two cores
IMAGE = re.compile(
    r'<img (?P<attrs>[^>]*?)src="(?P<dir>[^"]*_images/)(?P<hash>[0-9a-f]{64})\.png"'
    r"(?P<rest>[^>]*)>"
)
EXPLORER = re.compile(
    r'<div class="gd-static-explorer">(?P<body>.*?)<script type="application/json">'
    r"(?P<frames>.*?)</script>(?P<note>.*?)</div><script>(?P<player>.*?)</script>",
    re.S,
)
TWINNED = 'class="gd-light'  # what a page that add_twins has done contains
FIRST_FRAME = re.compile(r'<img src="data:image/webp;base64,(?P<image>[^"]*)" (?P<rest>[^>]*)>')

# The player of helpers/book/widgets.py, for frames stored as files: it shows a frame
# by setting the src of both images (the hidden one is lazy, so only the shown one
# loads), and loads all frames of the reader's theme on the first touch of a slider.
TWIN_PLAYER_JS = """
(function () {
  var box = document.currentScript.previousElementSibling;
  var frames = JSON.parse(box.querySelector("script[type='application/json']").textContent);
  var light = box.querySelector("img.gd-light"), dark = box.querySelector("img.gd-dark");
  var note = box.querySelector(".gd-static-message");
  var inputs = box.querySelectorAll("input[type=range]");
  var loaded = false;
  // Both images follow the sliders; lazy, the hidden one is not fetched. (Only with
  // scripts: without them the light first frame must show at once.)
  light.loading = "lazy";
  function show() {
    var index = 0;
    inputs.forEach(function (input) {
      var labels = JSON.parse(input.dataset.labels);
      input.nextElementSibling.textContent = labels[input.value];
      input.setAttribute("aria-valuetext", labels[input.value]);
      index = index * labels.length + Number(input.value);
    });
    light.src = frames[index].src;
    dark.src = frames[index].dark;
    light.alt = dark.alt = frames[index].alt;
    note.textContent = frames[index].message;
  }
  function preload() {
    if (loaded) return;
    loaded = true;
    var key = document.documentElement.dataset.theme === "dark" ? "dark" : "src";
    frames.forEach(function (frame) { new Image().src = frame[key]; });
  }
  inputs.forEach(function (input) {
    input.addEventListener("input", show);
    input.addEventListener("pointerdown", preload);
    input.addEventListener("focus", preload);
  });
  box.querySelector(".gd-static-controls").hidden = false;
  show();
})();
"""


def _key(notebooks: list[Path]) -> str:
    """A hash of the notebooks and of helpers: the dark run is redone when either changes."""
    digest = hashlib.sha256()
    for path in [*notebooks, *sorted((ROOT / "helpers").rglob("*"))]:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def start_dark_run(app) -> None:
    """Start running the chapters in the dark style, in the background, for add_twins."""
    app.gd_dark_run = None
    if app.builder.name != "html":
        return
    notebooks = sorted(
        Path(app.srcdir, doc + ".ipynb")
        for doc in app.project.docnames
        if Path(app.srcdir, doc + ".ipynb").exists()
    )
    out = Path(app.outdir).parent / "dark"
    key = _key(notebooks)
    if (out / "key").exists() and (out / "key").read_text() == key:
        app.gd_dark_run = (out, notebooks, [])
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / "key").unlink(missing_ok=True)
    env = {**os.environ, "GDBOOK_THEME": "dark"}
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--output-dir",
        str(out),
        "--ExecutePreprocessor.timeout=300",
        "--ExecutePreprocessor.store_widget_state=False",
        "--log-level=ERROR",
    ]
    runs = [
        subprocess.Popen(
            [*command, *map(str, notebooks[i::WORKERS])],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(WORKERS)
    ]
    app.gd_dark_run = (out, notebooks, runs)


def _finish_dark_run(app) -> tuple[Path, list[Path]]:
    out, notebooks, runs = app.gd_dark_run
    failed = []
    for run in runs:
        log, _ = run.communicate()
        if run.returncode != 0:
            failed.append(log)
    if failed:
        raise RuntimeError("running the chapters in the dark style failed:\n" + "\n".join(failed))
    if runs:
        (out / "key").write_text(_key(notebooks))
    return out, notebooks


def _twin_outputs(light: Path, dark: Path):
    """(light output, dark output) pairs of two runs of one notebook, cell by cell."""
    light_cells = json.loads(light.read_text(encoding="utf-8"))["cells"]
    dark_cells = json.loads(dark.read_text(encoding="utf-8"))["cells"]
    if len(light_cells) != len(dark_cells):
        raise ValueError(f"{dark} has {len(dark_cells)} cells, {light} has {len(light_cells)}")
    for number, (one, two) in enumerate(zip(light_cells, dark_cells, strict=True)):
        # Displayed outputs only: printed lines may arrive in another number of chunks.
        ours = [o for o in one.get("outputs", []) if "data" in o]
        theirs = [o for o in two.get("outputs", []) if "data" in o]
        kinds = [sorted(o.get("data", {})) for o in ours]
        if kinds != [sorted(o.get("data", {})) for o in theirs]:
            raise ValueError(f"cell {number} of {light.name}: the dark run's outputs differ")
        yield from zip(ours, theirs, strict=True)


def _text(output: dict, mime: str) -> str:
    value = output.get("data", {}).get(mime, "")
    return "".join(value) if isinstance(value, list) else value


def _frames(html: str) -> list[list[dict]]:
    return [json.loads(m["frames"]) for m in EXPLORER.finditer(html)]


def _save_frame(folder: Path, image: str) -> str:
    """Write a base64 WebP frame into ``folder`` once, named by its content; its file name."""
    data = base64.b64decode(image)
    name = hashlib.sha256(data).hexdigest()[:24] + ".webp"
    if not (folder / name).exists():
        (folder / name).write_bytes(data)
    return name


def _dark_class(attrs: str, theme: str) -> str:
    # pydata-sphinx-theme puts a white card behind every image in dark mode, except
    # behind those of class dark-light ("works on both"): the dark twin is one of them.
    classes = f"gd-{theme}" + (" dark-light" if theme == "dark" else "")
    if 'class="' in attrs:
        return attrs.replace('class="', f'class="{classes} ', 1)
    return f'class="{classes}" {attrs}'


def _twin_page(html: str, prefix: str, figures: dict, explorers: list, frames_dir: Path) -> str:
    def figure(match: re.Match) -> str:
        dark = figures.get(match["hash"])
        if dark is None:
            return match[0]
        src, attrs = f'src="{match["dir"]}{match["hash"]}.png"', match["attrs"]
        twin = f'src="{match["dir"]}{match["hash"]}.dark.png"'
        return (
            f"<img {_dark_class(attrs, 'light')}{src}{match['rest']}>"
            f'<img {_dark_class(attrs, "dark")}loading="lazy" {twin}{match["rest"]}>'
        )

    found = list(EXPLORER.finditer(html))
    if len(found) != len(explorers):
        raise ValueError(f"{len(found)} explorers on the page, {len(explorers)} in the notebooks")
    pieces, end = [], 0
    for match, (light, dark) in zip(found, explorers, strict=True):
        if json.loads(match["frames"]) != light or match["player"] != _PLAYER_JS:
            raise ValueError("an explorer on the page is not the one in its notebook")
        if len(dark) != len(light):
            raise ValueError("an explorer's dark run has another number of frames")
        frames = [
            {
                "src": prefix + "_frames/" + _save_frame(frames_dir, one["image"]),
                "dark": prefix + "_frames/" + _save_frame(frames_dir, two["image"]),
                "alt": one["alt"],
                "message": one["message"],
            }
            for one, two in zip(light, dark, strict=True)
        ]
        first = FIRST_FRAME.search(match["body"])
        index = [one["image"] for one in light].index(first["image"])  # the sliders' start
        images = (
            f'<img class="gd-light" src="{frames[index]["src"]}" {first["rest"]}>'
            f'<img class="gd-dark dark-light" loading="lazy" src="{frames[index]["dark"]}" '
            f"{first['rest']}>"
        )
        body = match["body"][: first.start()] + images + match["body"][first.end() :]
        pieces += [
            html[end : match.start()],
            '<div class="gd-static-explorer">',
            body,
            '<script type="application/json">',
            json.dumps(frames),
            "</script>",
            match["note"],
            "</div><script>",
            TWIN_PLAYER_JS,
            "</script>",
        ]
        end = match.end()
    return IMAGE.sub(figure, "".join(pieces) + html[end:])


def add_twins(app, exception) -> None:
    """Put the dark twin beside every figure and explorer frame of the built pages."""
    if exception is not None or getattr(app, "gd_dark_run", None) is None:
        return
    dark_dir, notebooks = _finish_dark_run(app)
    out = Path(app.outdir)
    frames_dir = out / "_frames"
    frames_dir.mkdir(exist_ok=True)
    for notebook in notebooks:
        docname = notebook.relative_to(app.srcdir).with_suffix("").as_posix()
        page = out / (docname + ".html")
        figures, explorers = {}, []
        for light, dark in _twin_outputs(notebook, dark_dir / notebook.name):
            if "image/png" in light.get("data", {}):  # MyST-NB names it by its hash
                digest = hashlib.sha256(base64.b64decode(_text(light, "image/png"))).hexdigest()
                if (out / "_images" / f"{digest}.png").exists():
                    figures[digest] = True
                    twin = out / "_images" / f"{digest}.dark.png"
                    twin.write_bytes(base64.b64decode(_text(dark, "image/png")))
            html = _text(light, "text/html")
            if 'class="gd-static-explorer"' in html:
                explorers += list(
                    zip(_frames(html), _frames(_text(dark, "text/html")), strict=True)
                )
        prefix = "../" * docname.count("/")
        text = page.read_text(encoding="utf-8")
        if TWINNED in text:  # an earlier build's page: Sphinx wrote only what changed
            continue
        page.write_text(_twin_page(text, prefix, figures, explorers, frames_dir), encoding="utf-8")
