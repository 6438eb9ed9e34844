"""The two editions: a language switcher on every page, and what differs in Chinese.

The English site is ``_build/html/``; the Chinese one, built from the same source
through the gettext catalogs in ``locales/`` (``tools/edition.py``), is
``_build/html/zh/``. Every page links to the same page of the other edition
(``_ext/templates/bp-language.html``, placed in the article header by
``_config.yml``'s ``article_header_end``) and declares it with
``<link rel="alternate" hreflang=...>``.
"""
from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

#: The sub-folder of the English site that holds the Chinese edition.
ZH_DIR = "zh"


def is_chinese(app: Sphinx) -> bool:
    return (app.config.language or "en").lower().startswith("zh")


def edition_link(pagename: str, chinese: bool) -> str:
    """The relative URL of ``pagename`` in the other edition.

    >>> edition_link("chapters/neurons", chinese=False)
    '../zh/chapters/neurons.html'
    >>> edition_link("chapters/neurons", chinese=True)
    '../../chapters/neurons.html'
    >>> edition_link("search", chinese=False)
    'zh/search.html'
    """
    up = "../" * pagename.count("/")
    if chinese:
        return f"{up}../{pagename}.html"
    return f"{up}{ZH_DIR}/{pagename}.html"


def add_switcher(app: Sphinx, pagename: str, templatename: str,
                 context: dict[str, Any], doctree: Any) -> None:
    """Give the page template the other edition's URL, label and language."""
    if app.builder.name not in {"html", "dirhtml"}:
        return
    chinese = is_chinese(app)
    url = edition_link(pagename, chinese)
    lang, label, title = (("en", "English", "Read this page in English") if chinese else
                          ("zh-CN", "中文", "阅读本页的中文版"))
    context.update(bp_edition_url=url, bp_edition_lang=lang, bp_edition_label=label,
                   bp_edition_title=title)
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{lang}" href="{url}" />')


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", add_switcher)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
