"""Helpers shared by the browser and PDF tests of the built book.

They find the build, list the pages of the table of contents, serve a directory on
127.0.0.1 and start Debian's Chromium under Playwright.

The book tests run only when ``BP_BOOK_TESTS=1``, as ``make test`` and ``make
book-tests`` set it after building the book; then a missing build or browser is a
failure, never a skip. Otherwise (``pytest tests`` on its own) they are skipped, so the
unit tests never wait for, or test, a stale build.
"""
from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
SINGLEHTML = BUILD / "singlehtml"
PDF = BUILD / "pdf" / "book.pdf"
SCREENSHOTS = BUILD / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ENABLED = os.environ.get("BP_BOOK_TESTS") == "1"
#: Marks for a book test module: ``book``, and skipped unless BP_BOOK_TESTS=1.
MARKS = [pytest.mark.book,
         pytest.mark.skipif(not ENABLED, reason="book tests run after the build: "
                            "`make test`, `make book-tests` or BP_BOOK_TESTS=1")]


def require(condition: bool, why: str) -> None:
    """Fail when ``condition`` is false (the book tests never skip once enabled)."""
    if not condition:
        pytest.fail(why)


TOC = Path(os.environ.get("BP_BOOK_TOC", ROOT / "_toc.yml"))   # the toc the build used


def toc_docs(toc_path: Path = TOC) -> list[str]:
    """Every document in ``_toc.yml`` in reading order, the root first."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    docs = [toc["root"]]

    def walk(entries) -> None:
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk(toc.get("parts") or toc.get("chapters"))
    return [d.removesuffix(".md").removesuffix(".ipynb") for d in docs]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


class Server:
    """A static file server on 127.0.0.1 with a free port, stopped by :meth:`close`."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def launch_chromium(playwright):
    require(Path(CHROMIUM).is_file(),
            f"{CHROMIUM} not found (Debian: apt-get install chromium; .ci/run does this)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      headless=True)


def serve_site(directory: Path = HTML):
    """Generator for a module fixture: the built site served on 127.0.0.1, or a failure
    naming the missing build (``yield from serve_site()``)."""
    require((directory / "index.html").is_file(),
            f"{directory} has not been built (run `make book` first)")
    server = Server(directory)
    yield server
    server.close()


def chromium_browser():
    """Generator for a module fixture: Debian's Chromium under Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        chromium.close()
