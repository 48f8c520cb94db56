"""Fixtures for the browser tests: the built site on 127.0.0.1, JupyterLab, and Debian's Chromium.

The site tests read the HTML that `make build-strict` wrote to _build/html, so
they run after it (``make browser``); ``pytest tests`` alone skips this folder.
The Jupyter tests only need the notebooks in book/.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # another build: CHROMIUM=/path
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE}: run `make build-strict` first")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page of the site in the light theme, a desktop window, its script errors in page.errors."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme="light")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def switch_to_dark(page) -> None:
    """The reader's way to the dark theme: the theme's button, which cycles the modes."""
    switch = page.locator(".theme-switch-button:visible").first
    for _ in range(3):
        if page.evaluate("document.documentElement.dataset.theme") == "dark":
            return
        switch.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_jupyter(folder: Path, notebooks: Iterable[Path]) -> Iterator[tuple[str, str]]:
    """JupyterLab on 127.0.0.1 with a token, over copies of ``notebooks`` in ``folder``.

    Yields ``(url, token)``. The same server also serves Notebook 7, so a notebook
    opens at ``{url}/lab/tree/<name>`` and at ``{url}/notebooks/<name>``. Working on
    copies means autosave can never touch book/. Settings and workspaces live in
    ``folder`` too, so no run sees what an earlier one left open.
    """
    root = folder / "notebooks"
    root.mkdir(parents=True)
    for notebook in notebooks:
        shutil.copy(notebook, root / Path(notebook).name)
    settings = folder / "settings" / "@jupyterlab"
    # JupyterLab 4 keeps only the cells near the viewport in the page by default;
    # a reader scrolls, a test would have to guess where. Render every cell.
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        '{"windowingMode": "none"}'
    )
    # No "get notified about Jupyter news?" toast over the screenshots.
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    token, port = secrets.token_hex(16), free_port()
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.user_settings_dir={folder / 'settings'}",
        f"--LabApp.workspaces_dir={folder / 'workspaces'}",
    ]  # fmt: skip
    if os.geteuid() == 0:  # CI machines run as root
        command.append("--allow-root")
    log_path = folder / "jupyterlab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()}")
                    time.sleep(0.5)
            yield url, token
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory):
    """``jupyter_server(notebooks) -> (url, token)``: start a server over copies of them.

    Each call starts its own server in a fresh temporary folder; all of them stop
    when the test module is done, so a module's tests can share one.
    """
    with contextlib.ExitStack() as servers:

        def start(notebooks: Iterable[Path]) -> tuple[str, str]:
            folder = tmp_path_factory.mktemp("jupyter")
            return servers.enter_context(running_jupyter(folder, notebooks))

        yield start
