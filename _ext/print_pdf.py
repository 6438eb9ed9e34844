"""Print the one-page HTML book to PDF with headless Chromium (no LaTeX needed).

Usage: python _ext/print_pdf.py _build/singlehtml _build/pdf/book.pdf

The one-page build is served on 127.0.0.1 (mermaid is an ES module, which browsers
do not load from file://) and printed with ``chromium --print-to-pdf``. Chromium is
given a virtual-time budget so MathJax and mermaid finish before it prints; every
solution is already expanded by the print stylesheet of the one-page build.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
HEADLESS_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def find_chromium() -> str:
    for path in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if path and Path(path).is_file():
            return path
    sys.exit("print_pdf: no chromium found (Debian: apt-get install chromium; or set CHROMIUM)")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        pass


def serve(directory: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the singlehtml build directory")
    parser.add_argument("pdf", type=Path, help="the PDF to write")
    parser.add_argument("--budget-ms", type=int, default=120_000,
                        help="virtual time Chromium lets the page run before printing")
    args = parser.parse_args()

    index = args.site / "index.html"
    if not index.is_file():
        sys.exit(f"print_pdf: {index} not found; build it with `make singlehtml`")
    args.pdf.parent.mkdir(parents=True, exist_ok=True)
    args.pdf.unlink(missing_ok=True)

    server = serve(args.site)
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    cmd = [find_chromium(), *HEADLESS_FLAGS, "--hide-scrollbars",
           "--no-pdf-header-footer", "--generate-pdf-document-outline",
           f"--virtual-time-budget={args.budget_ms}",
           f"--print-to-pdf={args.pdf.resolve()}", url]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    finally:
        server.shutdown()
    if proc.returncode != 0 or not args.pdf.is_file() or args.pdf.stat().st_size == 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        sys.exit(f"print_pdf: chromium failed (exit code {proc.returncode})")
    print(f"PDF written to {args.pdf} ({args.pdf.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
