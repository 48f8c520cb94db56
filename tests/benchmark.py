"""The book's benchmark (`make bench`): what a reader waits for, measured in one run.

Not a test, and not timed in CI: run it on a quiet machine and copy the
table into the README with the date. It measures

1. each notebook executed from a fresh kernel, and the whole book;
2. the book build, clean and again with nothing changed;
3. every explorer's answer to a slider move (update + redraw to an image),
   median and 95th percentile over 30 random moves;
4. one Adam step on the chapter 7 network (2,410 parameters), helpers against
   torch.optim side by side, as a ratio: shown, not a target (helpers is written to
   be read, not to be fast on sizes the book never uses);
5. a sweep of 100 learning rates in one broadcast call against a loop of 100 runs;
6. what a reader's browser transfers for each page of the built site, gzip-compressed
   as a web server would send it: on a first visit (everything the page loads,
   scrolled to the end) and on a repeat visit (the page and its own images; the
   theme, fonts and MathJax it shares with every page are in the cache by then).

``python tests/benchmark.py explorers sweep`` runs only the parts named.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

import helpers.book
from helpers.book.widgets import Explorer, control_values
from helpers.data import load_digits, train_test_split
from helpers.descent import descend
from helpers.network import MLP
from helpers.optim import SGD, Adam
from helpers.problems import bowl

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "book": 60.0,  # seconds to execute every notebook
    "first_visit": 1.2e6,  # bytes, gzip-compressed, every page
    "explorer": 100.0,  # ms, median per slider move
    "sweep": 10.0,  # loop / broadcast
}
rows: list[tuple[str, str, str]] = []


def row(what: str, value: str, verdict: str = "") -> None:
    rows.append((what, value, verdict))
    print(f"{what:<55} {value:>22} {verdict}", flush=True)


def check(ok: bool) -> str:
    return "meets target" if ok else "MISSES TARGET"


def notebooks() -> None:
    total = 0.0
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            nb,
            kernel_name="python3",
            timeout=600,
            resources={"metadata": {"path": str(path.parent)}},
            # The kernel's one start-up warning (plain TCP on localhost) said once per notebook.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        ).execute()
        seconds = time.perf_counter() - start
        total += seconds
        row(f"notebook {path.name} (fresh kernel)", f"{seconds:.1f} s")
    row("whole book, executed", f"{total:.1f} s", check(total < TARGETS["book"]))


def build() -> None:
    jb = [str(Path(sys.executable).parent / "jupyter-book"), "build", ".", "--quiet"]
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    for label in ("book build, clean", "book build, nothing changed"):
        start = time.perf_counter()
        subprocess.run(jb, cwd=ROOT, check=True, capture_output=True)
        row(label, f"{time.perf_counter() - start:.1f} s")


def explorer_functions():
    names = ["widgets"] + [m.name for m in pkgutil.iter_modules(helpers.book.__path__)
                           if m.name.startswith("explore_")]  # fmt: skip
    for name in names:
        module = importlib.import_module(f"helpers.book.{name}")
        for fname, func in inspect.getmembers(module, inspect.isfunction):
            if "explorer" in fname and func.__module__ == module.__name__:
                yield f"{name}.{fname}", func


def explorers(moves: int = 30) -> None:
    rng = np.random.default_rng(0)
    for name, make in explorer_functions():
        required = [p for p in inspect.signature(make).parameters.values()
                    if p.default is inspect.Parameter.empty]  # fmt: skip
        if required:
            row(f"explorer {name}", "needs arguments", "NOT MEASURED")
            continue
        explorer = make()
        if not isinstance(explorer, Explorer):
            row(f"explorer {name}", "not an Explorer", "MISSES TARGET")
            continue
        choices = {n: control_values(c, 25) for n, c in explorer.controls.items()}
        explorer.render(**explorer.values)  # warm up fonts and caches
        times = []
        for _ in range(moves):
            values = dict(explorer.values)
            moved = rng.choice(list(choices))
            values[moved] = choices[moved][rng.integers(len(choices[moved]))]
            start = time.perf_counter()
            explorer.render(**values)
            times.append(1000 * (time.perf_counter() - start))
        median, p95 = np.median(times), np.percentile(times, 95)
        row(f"explorer {name}: one slider move", f"{median:.0f} ms (p95 {p95:.0f} ms)",
            check(median < TARGETS["explorer"]))  # fmt: skip


def side_by_side(ours, theirs, rounds: int = 6, batch: int = 10) -> tuple[float, float]:
    """Median seconds per call of two step functions, measured taking turns.

    The two take turns in batches of steps, so that a slow patch of the machine hits
    both. Batches, not single steps: torch's OpenMP threads keep spinning for a while
    after its step and would slow a step that ran right after it. The first step of
    each batch is not counted.
    """
    mine, ref = [], []
    for _ in range(rounds):
        for step, times in ((ours, mine), (theirs, ref)):
            for k in range(batch + 1):
                start = time.perf_counter()
                step()
                if k:
                    times.append(time.perf_counter() - start)
    return float(np.median(mine)), float(np.median(ref))


def optimizers() -> None:
    """One Adam step on the chapter 7 network's 2,410 parameters: helpers against torch.

    Both take the same gradient, of the whole training set at the network's starting
    point; torch updates its parameter in place, helpers returns a new array.
    """
    import torch

    X, y = load_digits()
    X_train, _, y_train, _ = train_test_split(X, y, seed=0)
    net = MLP(X_train, y_train, hidden=32)
    x0 = net.init_params(np.random.default_rng(0))
    grad = net.grad(x0)
    opt, state = Adam(lr=1e-3), {"x": x0.copy()}
    p = torch.tensor(x0.copy(), dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor(grad)
    torch_opt = torch.optim.Adam([p], lr=1e-3)

    def ours():
        state["x"] = opt.step(state["x"], grad)

    mine, ref = side_by_side(ours, torch_opt.step)
    assert opt.t == torch_opt.state[p]["step"].item()  # both took the same number of steps
    assert np.abs(state["x"] - p.detach().numpy()).max() < 1e-12  # and computed the same
    row(f"Adam step on the chapter 7 network ({x0.size:,} params): helpers / torch",
        f"{1e6 * mine:.0f} / {1e6 * ref:.0f} µs = {mine / ref:.2f}x")  # fmt: skip


def sweep(count: int = 100, steps: int = 200) -> None:
    problem, lrs = bowl(), np.geomspace(1e-3, 0.49, count)
    start = time.perf_counter()
    descend(problem, SGD(lr=lrs[:, None]), [3.0, 4.0], steps=steps)
    broadcast = time.perf_counter() - start
    start = time.perf_counter()
    for lr in lrs:
        descend(problem, SGD(lr=lr), [3.0, 4.0], steps=steps)
    loop = time.perf_counter() - start
    row(f"{count} learning rates x {steps} steps: loop / one broadcast call",
        f"{loop:.2f} / {broadcast:.3f} s = {loop / broadcast:.0f}x",
        check(loop / broadcast >= TARGETS["sweep"]))  # fmt: skip


def pages() -> None:
    import functools
    import gzip
    import http.server
    import threading
    from urllib.parse import unquote, urlparse

    import yaml
    from browser.conftest import CHROMIUM, CHROMIUM_ARGS, QuietHandler  # tests/browser
    from playwright.sync_api import sync_playwright

    site = ROOT / "_build" / "html"
    if not (site / "index.html").exists():
        build()
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    @functools.cache
    def gzipped(path: str) -> int:
        return len(gzip.compress((site / path).read_bytes(), compresslevel=6))

    shared = ("_static/", "offline/")  # the same files on every page: cached after the first
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for doc in docs:
            context = chromium.new_context()  # an empty cache
            page = context.new_page()
            loaded: set[str] = set()
            page.on("requestfinished", lambda r, into=loaded: into.add(r.url))
            page.goto(f"{url}/{doc}.html", wait_until="networkidle")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_load_state("networkidle")
            context.close()
            paths = {unquote(urlparse(u).path).lstrip("/") for u in loaded if u.startswith(url)}
            first = sum(gzipped(p) for p in paths if (site / p).is_file())
            repeat = sum(gzipped(p) for p in paths if (site / p).is_file()
                         and not p.startswith(shared))  # fmt: skip
            row(f"page {doc}: first visit / repeat visit, gzip",
                f"{first / 1e6:.2f} / {repeat / 1e6:.2f} MB",
                check(first < TARGETS["first_visit"]))  # fmt: skip
        chromium.close()
    server.shutdown()


def main() -> None:
    parts = sys.argv[1:] or ["notebooks", "build", "explorers", "optimizers", "sweep", "pages"]
    print(f"{'what':<55} {'measured':>22}")
    for part in parts:
        globals()[part]()
    print("\nMarkdown for the README:\n")
    print("| What | Measured | Target |\n|---|---|---|")
    for what, value, verdict in rows:
        print(f"| {what} | {value} | {verdict} |")


if __name__ == "__main__":
    main()
