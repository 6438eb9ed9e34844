"""The PDFs of the book (``make pdf``), English and Chinese: every chapter is in them,
solutions are expanded, and no raw LaTeX is left in their text.

The chapters are those of ``_toc.yml``; their titles are read from the one-page
build the PDF was printed from (``_build/singlehtml``) and looked up in the text of
``_build/pdf/book.pdf`` (extracted with poppler's ``pdftotext``); the same for the
Chinese edition (``_build/singlehtml-zh``, ``_build/pdf/book-zh.pdf``). Run by ``make
test`` after ``make pdf``; skipped unless BP_BOOK_TESTS=1.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from book_site import BUILD, MARKS, PDF, ROOT, SINGLEHTML, require, toc_docs

bs4 = pytest.importorskip("bs4")

pytestmark = MARKS

# A TeX command, or the delimiters MathJax should have consumed.
RAW_LATEX = re.compile(r"\\[A-Za-z]{2,}|\\\(|\\\)|\\\[|\\\]|\$\$")


@dataclass(frozen=True)
class Edition:
    language: str
    pdf: Path
    singlehtml: Path
    title: str
    contents: str


EDITIONS = [Edition("en", PDF, SINGLEHTML, "Backpropagation, derived and run", "Contents"),
            Edition("zh_CN", BUILD / "pdf" / "book-zh.pdf", BUILD / "singlehtml-zh",
                    "误差逆传播：推导与运行", "目录")]


@pytest.fixture(scope="module", params=EDITIONS, ids=["en", "zh"])
def edition(request) -> Edition:
    return request.param


def squash(text: str) -> str:
    """Text without any whitespace (PDF line breaks fall anywhere, CJK has no spaces)."""
    return re.sub(r"\s+", "", text)


CJK_RANGES = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
CJK = re.compile(rf"[{CJK_RANGES}]+")


def title_in_text(title: str, text: str) -> bool:
    """Whether a chapter title is in the PDF text.

    Text extraction puts a run of Chinese characters in a heading wherever its font
    run ended up on the page, so the Latin part of the title is looked up with all
    Chinese removed, and the Chinese part character by character.
    """
    latin = squash(CJK.sub("", title))
    return (latin in squash(CJK.sub("", text))
            and all(ch in text for run in CJK.findall(title) for ch in run))


def pieces_near(start: str, text: str, window: int = 300) -> bool:
    """Whether every piece of ``start`` (its runs of Chinese and of other characters)
    is in ``text`` within ``window`` characters of its longest piece.

    Text extraction may move a Latin word that opens a Chinese paragraph ("NumPy 从右边
    对齐……") to after the paragraph's first line, so the pieces are looked for near
    each other rather than in order; a folded solution has none of them.
    """
    squashed = squash(text)
    pieces = re.findall(rf"{CJK.pattern}|[^\s{CJK_RANGES}]+", squash(start))
    if not pieces:
        return False
    anchor = max(pieces, key=len)
    at = squashed.find(anchor)
    while at >= 0:
        near = squashed[max(0, at - window):at + len(anchor) + window]
        if all(piece in near for piece in pieces):
            return True
        at = squashed.find(anchor, at + 1)
    return False


def skeleton(text: str) -> str:
    """Only letters, digits and backslashes: text extraction from code fonts may drop
    or change punctuation (a minus sign, a quote), never these."""
    return re.sub(r"[^\w\\]+", "", text)


@pytest.fixture(scope="module")
def pdf_text(edition) -> str:
    PDF = edition.pdf
    require(PDF.is_file(), f"{PDF} has not been built (run `make pdf`)")
    require(shutil.which("pdftotext") is not None,
            "pdftotext not found (Debian: apt-get install poppler-utils; .ci/run does this)")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(PDF), "-"],
                         capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture(scope="module")
def book_html(edition):
    index = edition.singlehtml / "index.html"
    require(index.is_file(), f"{index} has not been built (run `make pdf`)")
    return bs4.BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")


def chapter_titles(soup) -> dict[str, str]:
    """Title of every toc document as the one-page build shows it (with its number)."""
    article = soup.select_one("article.bd-article") or soup
    titles = {}
    for i, doc in enumerate(toc_docs()):
        anchor = soup.find(id=f"document-{doc}")
        # singlehtml demotes every chapter's title to <h2> under the root's <h1>
        heading = anchor.find_next(["h1", "h2"]) if anchor else (
            article.find("h1") if i == 0 else None)
        if heading is None:
            continue
        for link in heading.select("a.headerlink"):
            link.decompose()
        titles[doc] = heading.get_text(" ", strip=True)
    return titles


def test_pdf_has_every_chapter_of_the_toc(edition, pdf_text, book_html):
    PDF = edition.pdf
    docs = toc_docs()
    titles = chapter_titles(book_html)
    assert list(titles) == docs, (
        f"the one-page build lacks chapters: {sorted(set(docs) - set(titles))}")
    missing = [t for t in titles.values() if not title_in_text(t, pdf_text)]
    assert not missing, f"chapter titles not found in the PDF: {missing}"
    pages = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True).stdout
    n_pages = int(re.search(r"Pages:\s+(\d+)", pages).group(1)) if pages else len(docs)
    assert n_pages >= len(docs), f"{n_pages} pages for {len(docs)} chapters"


def test_pdf_has_no_raw_latex(pdf_text, book_html):
    """No TeX command or math delimiter outside code (code may show LaTeX source).

    A match is excused only if the word around it occurs in the text of a code block
    or of inline code of the one-page build (compared by :func:`skeleton`).
    """
    code = skeleton(" ".join(el.get_text() for el in book_html.find_all(["pre", "code"])))
    raw = []
    for line in pdf_text.splitlines():
        for match in RAW_LATEX.finditer(line):
            start = line.rfind(" ", 0, match.start()) + 1
            end = line.find(" ", match.end())
            word = line[start:end if end >= 0 else len(line)]
            if skeleton(word) not in code:
                raw.append(line.strip())
                break
    assert not raw, f"raw LaTeX in the PDF text: {raw[:10]}"


def test_pdf_prints_solutions_expanded(pdf_text, book_html):
    """The first sentence of every solution is in the PDF, not folded away."""
    solutions = book_html.select(".solution.dropdown")
    require(bool(solutions), "the book has no solution dropdowns yet")
    text = squash(pdf_text)
    folded, checked = [], 0
    for solution in solutions:
        paragraph = solution.find("p", class_=lambda c: c != "admonition-title")
        if paragraph is None or paragraph.find(class_="math"):
            continue    # typeset math has no stable text to look for
        checked += 1
        start = squash(paragraph.get_text())[:40]
        if start and start not in text and not title_in_text(start, pdf_text) \
                and not pieces_near(start, pdf_text):
            folded.append(paragraph.get_text()[:60])
    assert checked, "no solution without math to look for"
    assert not folded, f"solutions missing from the PDF: {folded}"


def test_pdf_has_the_figures(edition, pdf_text, book_html):
    """Every matplotlib figure of the one-page build is an image in the PDF."""
    PDF = edition.pdf
    figures = book_html.select("img")
    require(bool(figures), "the book has no figures yet")
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    n_images = len([row for row in listing if row.split()[2] == "image"])
    assert n_images >= len(figures), f"{n_images} images in the PDF, {len(figures)} figures"


# ------------------------------------------------------------------ a book, not a printout
def page_texts(PDF: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(PDF), "-"],
                         capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def body_lines(page: str) -> list[str]:
    """A page's text lines without its footer ("12 / 340")."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return [line for line in lines if not re.fullmatch(r"\d+\s*/\s*\d+", line)]


@pytest.fixture(scope="module")
def outline(edition) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every bookmark, in order."""
    PDF = edition.pdf
    pypdf = pytest.importorskip("pypdf")
    require(PDF.is_file(), f"{PDF} has not been built (run `make pdf`)")
    reader = pypdf.PdfReader(str(PDF))
    entries = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                entries.append((depth, item.title,
                                reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return entries


def key(title: str) -> str:
    return re.sub(r"\W+", "", title).lower()


def part_captions(edition) -> list[str]:
    """The parts of ``_toc.yml`` as the edition's printout names them."""
    sys.path.insert(0, str(ROOT / "_ext"))
    import print_pdf

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = [(part["caption"], []) for part in toc["parts"]]
    return [caption for caption, _ in print_pdf.translated_parts(parts, edition.language)]


def test_pdf_outline_has_every_part_and_chapter(edition, outline, book_html):
    parts = part_captions(edition)
    titles = list(chapter_titles(book_html).values())
    depth = {}
    for title in parts + titles:
        depth[title] = next((d for d, mark, _ in outline
                             if key(mark).startswith(key(title))), None)
    missing = [t for t, d in depth.items() if d is None]
    assert not missing, f"no bookmark for: {missing}"
    # parts are one level above their chapters
    assert all(depth[p] < depth[t] for p in parts for t in titles[1:]), depth


def bookmark_page(outline, title: str) -> int | None:
    """The page of the bookmark for ``title`` (Chromium may write a heading's text twice
    into its bookmark, so a bookmark that starts with the title counts)."""
    hits = [page for _, mark, page in outline if key(mark).startswith(key(title))]
    return hits[0] if hits else None


def test_pdf_has_a_cover_and_a_contents_page_with_page_numbers(edition, outline, book_html):
    texts = page_texts(edition.pdf)
    assert squash(edition.title) in squash(" ".join(body_lines(texts[0])))
    assert edition.contents in texts[1]
    listed = {}
    for page in texts[1:4]:
        before = ""                 # a line without a page number: a long title wrapped
        for line in body_lines(page):
            match = re.fullmatch(r"(.+?)\s{2,}(\d+)", line)
            if match:
                listed[key(match.group(1))] = int(match.group(2))
                if before:
                    listed.setdefault(key(before + match.group(1)), int(match.group(2)))
                before = ""
            else:
                before = line
    for title in chapter_titles(book_html).values():
        # (text extraction may move a run of Chinese in a mixed title: compare without it)
        found = key(title) if key(title) in listed else next(
            (k for k in listed if key(CJK.sub("", k)) == key(CJK.sub("", title))), None)
        assert found, f"{title!r} is not on the contents page: {listed}"
        assert listed[found] == bookmark_page(outline, title), (
            f"{title!r} is listed at page {listed[found]} but starts on page "
            f"{bookmark_page(outline, title)}")


def test_pdf_has_no_toggle_bars_and_no_blank_pages(edition):
    PDF = edition.pdf
    texts = page_texts(PDF)
    bars = [i + 1 for i, t in enumerate(texts) if "Show code cell" in t]
    assert not bars, f"'Show code cell source' bars on pages {bars[:10]}"
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    with_images = {int(row.split()[0]) for row in listing if row.split()}
    blank = [i + 1 for i, t in enumerate(texts)
             if len("".join(body_lines(t))) < 20 and (i + 1) not in with_images]
    assert not blank, f"blank pages: {blank}"
    numbered = [i + 1 for i, t in enumerate(texts)
                if not re.search(rf"\b{i + 1}\s*/\s*{len(texts)}\b", t)]
    assert not numbered, f"pages without a page number: {numbered[:10]}"


def test_pdf_never_ends_a_page_with_a_lone_title(edition):
    lonely = []
    for i, text in enumerate(page_texts(edition.pdf)):
        lines = body_lines(text)
        if lines and re.match(r"(Solution to Exercise|Exercise \d|Note$|Learning objectives"
                              r"|解答|练习\s*\d|备注$|学习目标)",
                              lines[-1]):
            lonely.append((i + 1, lines[-1][:60]))
    assert not lonely, f"titles alone at the foot of a page: {lonely}"
