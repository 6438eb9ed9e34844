"""The two editions: a language switcher on every page, and what differs in Chinese.

The English site is ``_build/html/``; the Chinese one, built from the same source
through the gettext catalogs in ``locales/`` (``tools/edition.py``), is
``_build/html/zh/``. Every page links to the same page of the other edition
(``_ext/templates/bp-language.html``, placed in the article header by
``_config.yml``'s ``article_header_end``) and declares it with
``<link rel="alternate" hreflang=...>``.

Where the two editions need different content, not only different words (the
glossary's list is in English order in one and in pinyin order in the other), a page
writes both inside ``bp-edition`` directives (:class:`EditionDirective`).
"""
from __future__ import annotations

import re
from typing import Any

import gettext
from os import path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

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


#: A ``(label)=`` line of MyST.
LABEL_LINE = re.compile(r"^\([\w-]+\)=\s*$")


class EditionDirective(SphinxDirective):
    """Content for one edition only: ``bp-edition`` with the argument ``en`` or ``zh``.

    An HTML or one-page build keeps the content of its own edition and drops the
    other's. The gettext extraction keeps both, so that both are translated; the ``zh``
    content's ``(label)=`` lines are dropped there, because the ``en`` content defines
    the same labels (each label is then defined once in every build).
    """

    required_arguments = 1
    has_content = True
    EDITIONS = ("en", "zh")

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        if name not in self.EDITIONS:
            raise self.error(f"bp-edition: expected one of {self.EDITIONS}, got {name!r}")
        extracting = self.env.app.builder.name == "gettext"
        own = "zh" if is_chinese(self.env.app) else "en"
        if not extracting and name != own:
            return []
        lines = list(self.content)
        if extracting and name == "zh":
            lines = [line for line in lines if not LABEL_LINE.match(line)]
        node = nodes.container(classes=[f"bp-edition-{name}"])
        self.state.nested_parse(StringList(lines, source=self.content.source(0)),
                                self.content_offset, node)
        return [node]


def translatable_exercise_titles(app: Sphinx) -> None:
    """Make an exercise's title (``{exercise} Title``) a message of the catalogs.

    sphinx-exercise builds the title from the directive's argument without recording
    where it came from, so Sphinx neither extracts nor translates it (the Chinese site
    showed English titles). The directives are re-registered to record the argument as
    the title's source text, with its file and line: the Chinese build then translates
    it when it reads the page. The extraction reads the page after sphinx-exercise has
    rebuilt the title without that record, so for the gettext builder the title is also
    given as a paragraph of its own (only the catalogs' template ever sees it).
    """
    from sphinx_exercise.directive import ExerciseDirective, ExerciseStartDirective
    from sphinx_exercise.nodes import exercise_subtitle

    def recording(base: type) -> type:
        class Directive(base):
            def run(self) -> list[nodes.Node]:
                result = super().run()
                if self.arguments:
                    source, line = self.state_machine.get_source_and_line(self.lineno)
                    for node in result:
                        for title in list(node.findall(exercise_subtitle)):
                            title.rawsource = self.arguments[0]
                            title.source, title.line = source, line
                            if self.env.app.builder.name == "gettext":
                                copy = nodes.paragraph(self.arguments[0],
                                                       self.arguments[0])
                                copy.source, copy.line = source, line
                                node.insert(1, copy)
                return result

        Directive.__name__ = base.__name__
        return Directive

    app.add_directive("exercise", recording(ExerciseDirective), override=True)
    app.add_directive("exercise-start", recording(ExerciseStartDirective), override=True)


#: docname -> (the notebook renderer, its glue data), recorded while the page is read.
_GLUE: dict[str, tuple[Any, dict]] = {}


def keep_glue_in_translations() -> None:
    """Let ``{glue:text}`` work inside translated messages.

    Sphinx re-parses every translated message as a small document of its own; MyST-NB
    looks a glued key up in that document's notebook, which has no outputs, so every
    glued number in a Chinese paragraph would be "not found". The page's own glue data
    (recorded when the untranslated page was parsed, before its messages are
    translated) is used instead.
    """
    from myst_nb.ext.glue import directives, roles, utils

    original = utils.retrieve_glue_data
    if getattr(original, "bp_i18n", False):
        return

    def retrieve(document: nodes.document, key: str):
        docname = getattr(getattr(document.settings, "env", None), "docname", None)
        renderer = document.get("nb_renderer")
        data = renderer.renderer.nb_client.glue_data if renderer is not None else {}
        if key in data:
            if docname is not None:
                _GLUE[docname] = (renderer, data)
            return original(document, key)
        if docname in _GLUE and key in _GLUE[docname][1]:
            element, glue = _GLUE[docname]
            return utils.VariableOutput(data=glue[key]["data"],
                                        metadata=glue[key].get("metadata", {}),
                                        nb_renderer=element, vtype="glue")
        return original(document, key)

    retrieve.bp_i18n = True
    for module in (utils, roles, directives):
        module.retrieve_glue_data = retrieve


class TranslateTocCaptions(SphinxTransform):
    """Translate the part captions of the table of contents (``_toc.yml``).

    sphinx-external-toc adds the root page's toctrees (priority 100) after Sphinx has
    translated the page (priority 20), so the Chinese sidebar showed the English part
    names although the root page's catalog translates them. They are looked up in that
    catalog here, before the toctree collector reads them (priority 880).
    """

    default_priority = 110

    def apply(self, **kwargs: Any) -> None:
        if not is_chinese(self.app) or self.app.builder.name == "gettext":
            return
        toctrees = [t for t in self.document.findall(addnodes.toctree) if t.get("caption")]
        if not toctrees:
            return
        from sphinx.util.i18n import docname_to_domain

        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for toctree in toctrees:
            caption = catalog.gettext(toctree["caption"])
            toctree["caption"] = toctree["rawcaption"] = caption


#: The Chinese of the interface strings that the extensions' own catalogs lack
#: (sphinx-exercise translates "Solution to" but not "Solution"), by catalog.
INTERFACE_ZH = {"exercise": {"Solution": "解答"}}

#: MyST-NB's prompts of a hidden cell ("Show code cell {type}" with the hidden part).
CODE_PROMPTS_ZH = {f"{verb} code cell {part}": f"{zh_verb}{zh_part}"
                   for verb, zh_verb in (("Show", "显示"), ("Hide", "隐藏"))
                   for part, zh_part in (("source", "代码"), ("content", "单元格"),
                                         ("output", "输出"), ("outputs", "输出"))}


class _Table(gettext.NullTranslations):
    """A catalog held in a dictionary, the last fallback of an extension's catalog."""

    def __init__(self, table: dict[str, str]) -> None:
        super().__init__()
        self.table = table

    def gettext(self, message: str) -> str:
        return self.table.get(message, message)


def complete_interface_catalogs(app: Sphinx) -> None:
    """Add :data:`INTERFACE_ZH` behind the extensions' catalogs in a Chinese build."""
    from sphinx.locale import translators

    if not is_chinese(app):
        return
    for catalog, table in INTERFACE_ZH.items():
        translator = translators.get(("general", catalog))
        if translator is None or isinstance(translator, _Table):
            translators[("general", catalog)] = _Table(table)
        else:
            translator.add_fallback(_Table(table))


class TranslateCodePrompts(SphinxPostTransform):
    """Show MyST-NB's prompts of hidden cells in Chinese (it has no catalog of its
    own); runs after MyST-NB has wrapped the hidden parts (priority 199)."""

    default_priority = 200
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        if not is_chinese(self.app):
            return
        from myst_nb.sphinx_ import HideCodeCellNode

        for node in self.document.findall(HideCodeCellNode):
            for key in ("prompt_show", "prompt_hide"):
                node[key] = CODE_PROMPTS_ZH.get(node[key], node[key])


def setup(app: Sphinx) -> dict[str, Any]:
    keep_glue_in_translations()
    app.add_transform(TranslateTocCaptions)
    app.add_post_transform(TranslateCodePrompts)
    app.connect("builder-inited", complete_interface_catalogs)
    app.connect("html-page-context", add_switcher)
    app.add_directive("bp-edition", EditionDirective)
    translatable_exercise_titles(app)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
