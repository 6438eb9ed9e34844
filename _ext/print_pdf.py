"""Print the one-page HTML book to PDF with headless Chromium (no LaTeX needed).

Usage: python _ext/print_pdf.py _build/singlehtml _build/pdf/book.pdf

The one-page build is served on 127.0.0.1 (mermaid is an ES module, which browsers
do not load from file://) and opened in Debian's headless Chromium, driven by
Playwright. Once MathJax has typeset every formula and mermaid has drawn every
diagram, Chromium's print-to-PDF (the DevTools ``Page.printToPDF`` call behind
``chromium --print-to-pdf``) writes the file. ``chromium --print-to-pdf`` alone cannot
wait for that: it printed raw ``\\(...\\)`` here. Every solution is printed expanded
by the print stylesheet of the one-page build (``_ext/static/bp-print.css``).
"""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import sys
import threading
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HEADLESS_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 120_000


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        pass


def serve(directory: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def book_page(index: Path) -> str:
    """The one page holding the whole book (Jupyter Book writes the root document under
    its own name and makes ``index.html`` a redirect to it)."""
    match = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"',
                      index.read_text(encoding="utf-8"), flags=re.IGNORECASE)
    return match.group(1) if match else "index.html"


def print_page(url: str, pdf: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=HEADLESS_FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        page.wait_for_function(
            "() => !document.querySelector('.math') || "
            "(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)",
            timeout=TIMEOUT_MS)
        page.evaluate("async () => { if (window.MathJax && window.MathJax.startup) "
                      "await window.MathJax.startup.promise; }")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.mermaid')]"
            ".every(m => m.querySelector('svg'))", timeout=TIMEOUT_MS)
        page.evaluate("document.fonts.ready")
        page.emulate_media(media="print")
        page.pdf(path=str(pdf), format="A4", print_background=True, outline=True,
                 margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
                 display_header_footer=True, header_template="<span></span>",
                 footer_template='<div style="font-size:8px;width:100%;text-align:center;">'
                                 '<span class="pageNumber"></span></div>')
        browser.close()
    if errors:
        sys.exit("print_pdf: JavaScript errors on the page:\n" + "\n".join(errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the singlehtml build directory")
    parser.add_argument("pdf", type=Path, help="the PDF to write")
    args = parser.parse_args()

    index = args.site / "index.html"
    if not index.is_file():
        sys.exit(f"print_pdf: {index} not found; build it with `make singlehtml`")
    if not Path(CHROMIUM).is_file():
        sys.exit(f"print_pdf: {CHROMIUM} not found (Debian: apt-get install chromium)")
    args.pdf.parent.mkdir(parents=True, exist_ok=True)
    args.pdf.unlink(missing_ok=True)

    server = serve(args.site)
    try:
        print_page(f"http://127.0.0.1:{server.server_address[1]}/{book_page(index)}",
                   args.pdf.resolve())
    finally:
        server.shutdown()
    print(f"PDF written to {args.pdf} ({args.pdf.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
