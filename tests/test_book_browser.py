"""The built website, read in a real browser (Debian's Chromium driven by Playwright).

Every page of ``_build/html`` (every document of ``_toc.yml`` plus every other page
Sphinx wrote, so chapters added later are covered without touching this file), and the
same page of the Chinese edition in ``_build/html/zh/``, is opened from a server on 127.0.0.1, and the test asserts that

* no request leaves 127.0.0.1 (MathJax, mermaid and the search index are served by
  the site itself) and nothing fails to load;
* the browser console shows no error;
* every formula is typeset by MathJax and no raw ``\\(``, ``\\[`` or ``$$`` is left;
* every mermaid diagram is an SVG, every image has loaded;
* solution dropdowns open on click;
* each chapter page links its executed notebook, and that file is a valid notebook.

The search page must find "backpropagation". A full-page screenshot of every page is
written to ``_build/screenshots/`` for a person to look at. Run by ``make test`` after
the build (``make book-tests``); skipped unless BP_BOOK_TESTS=1.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urljoin, urlparse

import nbformat
import pytest
from book_site import (HTML, MARKS, SCREENSHOTS, chromium_browser, require, serve_site,
                       toc_docs)

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = MARKS

LOCAL_HOSTS = {"127.0.0.1"}
RAW_MATH = re.compile(r"\\\(|\\\[|\$\$|\\begin\{|\\frac\{|\\partial\b")
MATH_TIMEOUT_MS = 60_000
MERMAID_TIMEOUT_MS = 60_000


def toc_pages() -> list[str]:
    return [f"{doc}.html" for doc in toc_docs()]


def built_pages() -> list[str]:
    """The documents of the last build (from its search index) and the top-level pages
    Sphinx writes beside them (index, search, genindex, domain indices)."""
    index = HTML / "searchindex.js"
    if not index.is_file():
        return []
    match = re.search(r'"docnames":\s*(\[[^\]]*\])', index.read_text(encoding="utf-8"))
    docs = json.loads(match.group(1)) if match else []
    top = [p.name for p in HTML.glob("*.html")]
    return sorted({f"{d}.html" for d in docs} | set(top))


#: The Chinese edition's folder inside the site (tools/edition.py, _ext/bp_i18n.py).
ZH = "zh/"


def all_pages() -> list[str]:
    """Every page of both editions: the English ones, then the same pages in Chinese."""
    pages = toc_pages()
    english = pages + [p for p in built_pages() if p not in pages]
    return english + [ZH + p for p in english]


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def site():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    yield from serve_site()


@pytest.fixture(scope="module")
def browser():
    yield from chromium_browser()


META_REFRESH = re.compile(r'<meta http-equiv="Refresh" content="\d+; url=([^"]+)"', re.I)


class Visit:
    """One page in a fresh browser context, with every request and error recorded."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           service_workers="block")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"console: {m.text} ({m.location.get('url', '')})"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.failed.append(
            f"{r.url}: {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.url}: HTTP {r.status}"))
        self.page.goto(url, wait_until="load")
        # A meta-refresh page (the book's index.html) navigates again right after
        # "load": wait for that second page, or the checks would run mid-navigation.
        # (The source is fetched again: a navigated-away response has no body.)
        refresh = META_REFRESH.search(self.context.request.get(url).text())
        if refresh:
            self.page.wait_for_url(urljoin(url, refresh.group(1)), wait_until="load")

    def _route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        scheme = urlparse(url).scheme
        if scheme in ("data", "blob", "about") or urlparse(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


def wait_for_math(page) -> None:
    """Wait until MathJax (if the page loads it) has typeset the page."""
    page.wait_for_function(
        "() => !document.querySelector('.math') || "
        "(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)",
        timeout=MATH_TIMEOUT_MS)
    page.evaluate("async () => { if (window.MathJax && window.MathJax.startup) "
                  "await window.MathJax.startup.promise; }")


def open_all_toggles(page) -> None:
    """Open every folded admonition (solutions) and every <details> element."""
    page.evaluate("""() => {
        document.querySelectorAll('details').forEach(d => d.open = true);
        document.querySelectorAll('.admonition.toggle-hidden button.toggle-button')
            .forEach(b => b.click());
    }""")


def wait_for_mermaid(page) -> None:
    """Scroll lazily rendered diagrams into view, then wait until each one is an SVG."""
    for handle in page.query_selector_all(".mermaid[data-mermaid-deferred]"):
        handle.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.mermaid')].every(m => m.querySelector('svg'))",
        timeout=MERMAID_TIMEOUT_MS)


def check_dropdown(page) -> bool:
    """Click the first folded solution; its body must become visible. False if none."""
    dropdown = page.query_selector(".admonition.toggle-hidden")
    if dropdown is None:
        return False
    body = dropdown.query_selector(".admonition-title ~ *")
    assert body is not None and not body.is_visible(), "a folded solution shows its body"
    dropdown.query_selector(".admonition-title").click()
    page.wait_for_function("(el) => !el.classList.contains('toggle-hidden')", arg=dropdown)
    body.wait_for_element_state("visible", timeout=5_000)
    return True


def raw_math_left(page) -> list[str]:
    """Raw LaTeX in the page's visible text, ignoring code and cell outputs in <pre>."""
    text = page.evaluate("""() => {
        const clone = document.querySelector('main, body').cloneNode(true);
        clone.querySelectorAll('pre, code, script, style, textarea, mjx-container')
             .forEach(e => e.remove());
        return clone.innerText;
    }""")
    return [line.strip() for line in text.splitlines() if RAW_MATH.search(line)]


def check_notebook_download(visit: Visit, page_name: str) -> None:
    link = visit.page.query_selector('a[href$=".ipynb"]')
    assert link is not None, (
        f"{page_name}: no .ipynb download link (is the chapter a MyST notebook with "
        "jupytext/kernelspec front matter?)")
    url = urljoin(visit.page.url, link.get_attribute("href"))
    response = visit.context.request.get(url)
    assert response.ok, f"{page_name}: {url} -> HTTP {response.status}"
    nb = nbformat.reads(response.text(), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), \
        f"{page_name}: the downloadable notebook is not the executed one"


# ---------------------------------------------------------------------------- tests
def test_every_toc_document_is_built(site):
    missing = [p for p in toc_pages() if not (HTML / p).is_file()]
    assert not missing, f"pages in _toc.yml but not in {HTML}: {missing}"


@pytest.mark.parametrize("page_name", all_pages())
def test_page(site, browser, page_name):
    require((HTML / page_name).is_file(), f"{page_name} was not built")
    visit = Visit(browser, urljoin(site.url, page_name))
    try:
        page = visit.page
        wait_for_math(page)
        opened_dropdown = check_dropdown(page)
        open_all_toggles(page)
        wait_for_mermaid(page)
        wait_for_math(page)

        untypeset = page.evaluate("""() => [...document.querySelectorAll('.math')]
            .filter(m => !m.querySelector('mjx-container'))
            .map(m => m.textContent.slice(0, 80))""")
        assert not untypeset, f"{page_name}: math not typeset by MathJax: {untypeset[:5]}"
        raw = raw_math_left(page)
        assert not raw, f"{page_name}: raw LaTeX left in the page text: {raw[:5]}"

        broken_images = page.evaluate("""() => [...document.images]
            .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)""")
        assert not broken_images, f"{page_name}: images that did not load: {broken_images}"

        if page_name.removeprefix(ZH) in toc_pages():
            check_notebook_download(visit, page_name)
        if (HTML / page_name).read_text(encoding="utf-8").count("solution dropdown"):
            assert opened_dropdown, f"{page_name}: has solutions but none is folded"

        page.evaluate("() => { if (document.activeElement) document.activeElement.blur(); "
                      "window.scrollTo(0, 0); }")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / (page_name.removesuffix(".html").replace("/", "__") + ".png")
        page.screenshot(path=str(shot), full_page=True)

        assert not visit.external, f"{page_name}: requests left 127.0.0.1: {visit.external}"
        assert not visit.failed, f"{page_name}: failed requests: {visit.failed}"
        assert not visit.errors, f"{page_name}: console errors: {visit.errors}"
    finally:
        visit.close()


def test_chapters_with_exercises_offer_their_notebook_and_the_kit(site, browser):
    """Every chapter with exercises links "exercises (.ipynb)" (no solutions, valid,
    with stubs) and "student kit (.zip)" in its download menu, both served locally."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
    import bp_exercises
    pages = [f"chapters/{p.stem}.html" for p in bp_exercises.chapters_with_exercises()]
    assert pages
    context = browser.new_context(service_workers="block")
    try:
        page = context.new_page()
        for page_name in pages:
            page.goto(urljoin(site.url, page_name), wait_until="load")
            name = page_name.removeprefix("chapters/").removesuffix(".html")
            exercises = page.locator(f"a[href$='exercises/{name}.ipynb']")
            assert exercises.count() >= 1, f"{page_name}: no exercise notebook link"
            html = (HTML / page_name).read_text(encoding="utf-8")
            assert "exercises (.ipynb)" in html and "student kit (.zip)" in html
            url = urljoin(page.url, exercises.first.get_attribute("href"))
            response = context.request.get(url)
            assert response.ok, f"{page_name}: {url} -> HTTP {response.status}"
            nb = nbformat.reads(response.text(), as_version=4)
            nbformat.validate(nb)
            assert any("raise NotImplementedError" in c.source for c in nb.cells)
            kit = page.locator("a[href$='student-kit.zip']")
            assert kit.count() >= 1, f"{page_name}: no student kit link"
            kit_url = urljoin(page.url, kit.first.get_attribute("href"))
            response = context.request.get(kit_url)
            assert response.ok and response.body()[:2] == b"PK", f"{page_name}: kit"
    finally:
        context.close()


def test_solution_dropdowns_exist():
    """At least one chapter folds its solutions (and test_page clicked them open)."""
    require(HTML.is_dir(), "no HTML build")
    with_solutions = [p for p in built_pages()
                      if "solution dropdown" in (HTML / p).read_text(encoding="utf-8")]
    assert with_solutions, "no page has a solution dropdown"


def test_search_finds_backpropagation(site, browser):
    visit = Visit(browser, urljoin(site.url, "search.html?q=backpropagation"))
    try:
        page = visit.page
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        hits = page.eval_on_selector_all("#search-results ul.search li a",
                                         "els => els.map(e => e.getAttribute('href'))")
        assert hits, "search for 'backpropagation' found nothing"
        assert any(h and h.startswith("chapters/") for h in hits), hits
        assert not visit.external, visit.external
        assert not visit.errors, visit.errors
    finally:
        visit.close()
