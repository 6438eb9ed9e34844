"""The two editions of the built book: English in ``_build/html/``, Chinese in
``_build/html/zh/`` (``tools/edition.py``; switcher: ``_ext/bp_i18n.py``).

* The catalogs are current: the messages just extracted from the English source
  (``make gettext``) are exactly the catalogs' messages, so no English change is left
  out of the Chinese edition (``make catalogs`` updates them).
* Every page exists in both editions; the Chinese pages say ``lang="zh-CN"`` and show
  the theme's interface in Chinese.
* The switcher on every page leads to the same page of the other edition, and back.
* Chinese search works in the Chinese edition. (Every Chinese page is also opened by
  ``tests/test_book_browser.py``: math, diagrams, solutions, no third-party request;
  ``tests/test_book_layout.py`` opens its phone menu and contents.)
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import urljoin

import pytest
from babel.messages.pofile import read_po
from book_site import (BUILD, HTML, MARKS, ROOT, chromium_browser, require, serve_site,
                       toc_docs)

bs4 = pytest.importorskip("bs4")
playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = MARKS

ZH = HTML / "zh"
POT = BUILD / "gettext" / "chapters"
CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "chapters"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


@pytest.fixture(scope="module")
def site():
    require((ZH / "index.html").is_file(), f"{ZH} has not been built (run `make book`)")
    yield from serve_site()


@pytest.fixture(scope="module")
def browser():
    yield from chromium_browser()


def test_catalogs_are_current_with_the_english_source():
    require(POT.is_dir(), f"{POT} missing: run `make gettext` after the build")
    stale = {}
    for pot in sorted(POT.glob("*.pot")):
        po = CATALOGS / f"{pot.stem}.po"
        require(po.is_file(), f"no catalog {po} for {pot.name}: run `make catalogs`")
        new, old = _ids(pot) - _ids(po), _ids(po) - _ids(pot)
        if new or old:
            stale[pot.stem] = (len(new), len(old), sorted(new)[:2])
    assert not stale, ("catalogs behind the English text (new, gone, examples): "
                       f"{stale}; run `make catalogs` and translate what it marks")


@pytest.mark.parametrize("doc", toc_docs())
def test_every_page_is_built_in_chinese_and_links_its_twin(doc):
    en, zh = HTML / f"{doc}.html", ZH / f"{doc}.html"
    require(en.is_file() and zh.is_file(), f"{doc}: missing in one edition")
    zh_html, en_html = zh.read_text(encoding="utf-8"), en.read_text(encoding="utf-8")
    assert re.search(r'<html[^>]*lang="zh-CN"', zh_html), f"{doc}: not lang=zh-CN"
    assert re.search(r'<html[^>]*lang="en"', en_html), f"{doc}: not lang=en"
    for html, page, other in ((en_html, en, zh), (zh_html, zh, en)):
        links = re.findall(r'class="btn btn-sm bp-language" href="([^"]+)"', html)
        assert len(links) == 1, f"{page}: {len(links)} language switchers"
        assert (page.parent / links[0]).resolve() == other.resolve(), (page, links[0])


def test_the_chinese_interface_is_chinese():
    html = (ZH / "chapters" / "neurons.html").read_text(encoding="utf-8")
    assert "搜索本书" in html, "the search box is not in Chinese"
    assert "误差逆传播：推导与运行" in html, "the site title is not in Chinese"
    assert "Search this book" not in html
    assert "全书（PDF）" in html and "练习（.ipynb）" in html and "学生工具包（.zip）" in html, \
        "the download menu is not in Chinese"


def test_the_interface_strings_of_the_extensions_are_chinese():
    """The sidebar's part names (_toc.yml), the solutions' titles (sphinx-exercise) and
    the prompts of hidden code cells (MyST-NB) are in Chinese on a Chinese page."""
    page = ZH / "chapters" / "layers.html"
    require(page.is_file(), f"{page} has not been built (run `make book`)")
    soup = bs4.BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    captions = [c.get_text(strip=True) for c in soup.select("p.caption .caption-text")]
    assert "第一部分：误差逆传播的推导与运行" in captions, captions
    assert not [c for c in captions if c.startswith(("Part ", "Front matter", "Appendices"))], \
        f"English part names in the Chinese sidebar: {captions}"
    titles = {t.get_text(strip=True) for t in soup.select(".solution > .admonition-title")}
    assert titles == {"解答"}, f"solution titles: {titles}"
    prompts = {p.get_text(strip=True) for p in soup.select("details.hide summary p")}
    assert prompts and prompts <= {"显示代码", "隐藏代码"}, f"hidden-cell prompts: {prompts}"


def test_every_figure_has_chinese_alt_text_on_the_chinese_pages():
    """A figure's alt text (what a screen reader says instead of the picture) is
    extracted into the catalogs and translated: on a Chinese page every figure's
    image has alt text, and it is Chinese, not the English of the source."""
    pages = sorted((ZH / "chapters").glob("*.html"))
    require(pages, "the Chinese edition has not been built (run `make book`)")
    english, n = [], 0
    for page in pages:
        soup = bs4.BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for img in soup.select("figure img"):
            alt = img.get("alt", "")
            if len(alt) < 20:                         # no description: nothing to say
                continue
            n += 1
            if not re.search(r"[\u4e00-\u9fff]", alt):
                english.append((page.name, alt[:60]))
    assert n >= 50, f"only {n} figures with alt text on the Chinese pages"
    assert not english, f"English alt text on Chinese pages: {english[:5]}"


def test_the_switcher_goes_to_the_same_chapter_and_back(site, browser):
    page = browser.new_page()
    try:
        page.goto(urljoin(site.url, "chapters/neurons.html"), wait_until="load")
        page.click("a.bp-language")
        page.wait_for_url("**/zh/chapters/neurons.html")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        page.click("a.bp-language")
        page.wait_for_url(re.compile(r".*/(?<!zh/)chapters/neurons\.html$"))
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        page.close()


def test_chinese_search_finds_part_of_a_term(site, browser):
    page = browser.new_page()
    try:
        page.goto(urljoin(site.url, "zh/search.html?q=传播"), wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        assert page.locator("#search-results ul.search li").count() >= 1
    finally:
        page.close()


def test_the_glossary_is_in_english_order_in_english_and_pinyin_order_in_chinese():
    from pypinyin import lazy_pinyin

    page = Path("chapters") / "glossary.html"
    require((ZH / page).is_file(), "the Chinese edition has not been built")
    en_html = (HTML / page).read_text(encoding="utf-8")
    zh_html = (ZH / page).read_text(encoding="utf-8")
    assert "bp-edition-en" in en_html and "bp-edition-zh" not in en_html
    assert "bp-edition-zh" in zh_html and "bp-edition-en" not in zh_html
    en = [re.sub(r"<[^>]+>", "", t).split(" · ")[0].strip()
          for t in re.findall(r"<dt[^>]*>(.*?)</dt>", en_html, re.S)]
    # (term, its reading as shown): <dt><strong>term</strong> reading · English</dt>
    zh = [(re.sub(r"<[^>]+>", "", term), re.sub(r"<[^>]+>", "", rest).split(" · ")[0])
          for term, rest in re.findall(r"<dt[^>]*><strong>(.*?)</strong>(.*?)</dt>",
                                       zh_html, re.S)]
    assert len(en) >= 150 and len(zh) > len(en)          # synonyms have their own place
    assert en == sorted(en, key=str.casefold)

    def first_syllable(entry: tuple[str, str]) -> str:
        """A Latin word leads, else the first syllable of the shown reading, toneless."""
        term, reading = entry
        first = term.split()[0] if term.split()[0].isascii() else reading.split()[0]
        plain = unicodedata.normalize("NFD", first)
        return "".join(c for c in plain if not unicodedata.combining(c)).casefold()

    keys = [first_syllable(t) for t in zh]
    assert keys == sorted(keys), "the Chinese list is not in pinyin order"
    assert [t for t, _ in zh] != sorted(t for t, _ in zh)      # not code-point order
    # every English entry's anchor exists once in each edition, on the entry
    for html in (en_html, zh_html):
        assert html.count('id="glossary-error-term"') == 1
    assert re.search(r'id="glossary-error-term".{0,400}误差项', zh_html, re.S)
