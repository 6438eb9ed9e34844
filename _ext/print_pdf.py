"""Print the one-page HTML book to PDF with headless Chromium (no LaTeX needed).

Usage: python _ext/print_pdf.py _build/singlehtml _build/pdf/book.pdf

The one-page build is served on 127.0.0.1 (mermaid is an ES module, which browsers
do not load from file://) and opened in Debian's headless Chromium, driven by
Playwright. Once MathJax has typeset every formula and mermaid has drawn every
diagram, Chromium's print-to-PDF (the DevTools ``Page.printToPDF`` call behind
``chromium --print-to-pdf``) writes the file. ``chromium --print-to-pdf`` alone cannot
wait for that: it printed raw ``\\(...\\)`` here. Every solution is printed expanded
by the print stylesheet of the one-page build (``_ext/static/bp-print.css``).

To make the printout a book, the page gets, before printing, a cover, a contents page
and a heading for every part of ``_toc.yml``; Chromium writes the bookmarks (the PDF's
outline) from the headings of a *tagged* PDF. The page numbers on the contents page
come from a first printing: its outline says on which page each chapter starts, the
numbers are written in, and the book is printed again (the contents page keeps its
length, so no page moves; this is checked).
"""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

import yaml

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HEADLESS_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 120_000
ROOT = Path(__file__).resolve().parents[1]
#: The words the printout adds, per edition (``--language``).
STRINGS = {
    "en": {"subtitle": "Every formula derived with SymPy, computed by the NumPy library bp, "
                       "and checked while the book is built",
           "contents": "Contents", "title": None, "author": None},
    "zh_CN": {"subtitle": "每个公式都由 SymPy 推导、由 NumPy 库 bp 计算，并在构建本书时检验",
              "contents": "目录", "title": "误差逆传播：推导与运行", "author": "bp 作者们"},
}
FOOTER = ('<div style="font-size:10px;width:100%;text-align:center;color:#444;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


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


def toc_parts(toc_file: Path = ROOT / "_toc.yml") -> tuple[str, list[tuple[str, list[str]]]]:
    """The root document and ``[(part caption, [documents])]`` of the table of contents."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    parts = [(part["caption"], [c["file"].removesuffix(".md") for c in part["chapters"]])
             for part in toc.get("parts", [])]
    return toc["root"].removesuffix(".md"), parts


#: Adds the cover, the contents (with placeholder page numbers) and the part headings;
#: returns the chapters in order as {doc, title, part}.
PREPARE = r"""([title, subtitle, byline, root, parts, contentsTitle]) => {
    const heading = (doc) => {
        const span = doc === root ? null : document.getElementById('document-' + doc);
        const section = span ? span.nextElementSibling
                             : document.querySelector('main section');
        // (the one-page build writes the root's title as <h1>, every chapter's as <h2>)
        return section ? section.querySelector('h1, h2') : null;
    };
    const text = (h) => h.textContent.replace(/[#\u00b6]/g, '').replace(/\s+/g, ' ').trim();
    const chapters = [];
    const add = (doc, part) => {
        const h = heading(doc);
        if (!h) throw new Error('no heading for ' + doc);
        if (!h.id) h.id = 'bp-chapter-' + chapters.length;
        chapters.push({doc, part, title: text(h), id: h.id});
    };
    add(root, '');
    for (const [caption, docs] of parts) docs.forEach(d => add(d, caption));
    for (const [caption, docs] of parts) {       // after every heading was found
        const part = document.createElement('section');
        part.className = 'bp-part';
        part.innerHTML = '<h1 class="bp-part-title"></h1>';
        part.firstChild.textContent = caption;
        document.getElementById('document-' + docs[0]).after(part);
    }
    const main = document.querySelector('article.bd-article') || document.querySelector('main');
    const cover = document.createElement('section');
    cover.className = 'bp-cover';
    cover.innerHTML = '<p class="bp-cover-title"></p><p class="bp-cover-subtitle"></p>' +
                      '<p class="bp-cover-byline"></p>';
    cover.children[0].textContent = title;
    cover.children[1].textContent = subtitle;
    cover.children[2].textContent = byline;
    const contents = document.createElement('nav');
    contents.className = 'bp-contents';
    contents.innerHTML = '<p class="bp-contents-title"></p>';
    contents.firstChild.textContent = contentsTitle;
    let last = null;
    for (const ch of chapters) {
        if (ch.part !== last && ch.part) {
            const p = document.createElement('p');
            p.className = 'bp-contents-part';
            p.textContent = ch.part;
            contents.appendChild(p);
        }
        last = ch.part;
        const a = document.createElement('a');
        a.className = 'bp-contents-entry';
        a.href = '#' + ch.id;
        a.innerHTML = '<span class="bp-contents-name"></span>' +
                      '<span class="bp-contents-page">000</span>';
        a.firstChild.textContent = ch.title;
        contents.appendChild(a);
    }
    main.prepend(cover, contents);
    document.querySelectorAll('details.below-input, details.hide.below-input')
        .forEach(d => d.open = true);
    return chapters;
}"""


def _key(title: str) -> str:
    return re.sub(r"\W+", "", title).lower()


def chapter_pages(pdf: Path, chapters: list[dict]) -> list[int]:
    """The 1-based page on which each chapter starts, from the PDF's outline."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    found: dict[str, int] = {}

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.setdefault(_key(item.title), reader.get_destination_page_number(item) + 1)

    walk(reader.outline)

    def page(title: str) -> int | None:
        # (Chromium may write a heading's text twice into its bookmark: match a prefix)
        hits = [p for k, p in found.items() if k.startswith(_key(title))]
        return hits[0] if hits else None

    pages = [page(c["title"]) for c in chapters]
    missing = [c["title"] for c, p in zip(chapters, pages) if p is None]
    if missing:
        sys.exit(f"print_pdf: chapters missing from the PDF's outline: {missing} "
                 f"(its entries: {list(found)[:50]})")
    return pages


def translated_parts(parts: list[tuple[str, list[str]]], language: str):
    """The part captions in ``language``, from the root chapter's catalog (where Sphinx
    finds them too); an untranslated caption stays English."""
    if language == "en":
        return parts
    from babel.messages.pofile import read_po

    po = ROOT / "locales" / language / "LC_MESSAGES" / "chapters" / "preface.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    def tr(caption: str) -> str:
        message = catalog.get(caption)
        return message.string if message is not None and message.string else caption
    return [(tr(caption), docs) for caption, docs in parts]


def print_page(url: str, pdf: Path, language: str = "en") -> None:
    from playwright.sync_api import sync_playwright

    words = STRINGS[language]
    root, parts = toc_parts()
    parts = translated_parts(parts, language)
    meta = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    title = words["title"] or meta.get("title", "")
    when = f"{date.today():%B %Y}" if language == "en" else f"{date.today():%Y 年 %-m 月}"
    byline = f"{words['author'] or meta.get('author', '')} · {when}"
    options = dict(format="A4", print_background=True, outline=True, tagged=True,
                   margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
                   display_header_footer=True, header_template="<span></span>",
                   footer_template=FOOTER)
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
        chapters = page.evaluate(PREPARE, [title, words["subtitle"], byline,
                                           root, parts, words["contents"]])
        page.evaluate("document.fonts.ready")
        page.emulate_media(media="print")
        fill = """(numbers) => document.querySelectorAll('.bp-contents-page')
            .forEach((span, i) => { span.textContent = String(numbers[i]); })"""
        with tempfile.TemporaryDirectory() as tmp:
            first = Path(tmp) / "first.pdf"
            page.pdf(path=str(first), **options)
            numbers = chapter_pages(first, chapters)
        # Writing the numbers in can move a chapter by a page (a line of the layout
        # reflows): print again until the contents page agrees with the outline.
        for _ in range(4):
            page.evaluate(fill, numbers)
            page.pdf(path=str(pdf), **options)
            again = chapter_pages(pdf, chapters)
            if again == numbers:
                break
            numbers = again
        browser.close()
    if errors:
        sys.exit("print_pdf: JavaScript errors on the page:\n" + "\n".join(errors))
    if again != numbers:
        sys.exit(f"print_pdf: the contents page's numbers do not settle: {numbers}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the singlehtml build directory")
    parser.add_argument("pdf", type=Path, help="the PDF to write")
    parser.add_argument("--language", default="en", choices=sorted(STRINGS),
                        help="the edition: its cover, contents title and part captions")
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
                   args.pdf.resolve(), args.language)
    finally:
        server.shutdown()
    print(f"PDF written to {args.pdf} ({args.pdf.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
