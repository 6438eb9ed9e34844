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

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
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


def setup(app: Sphinx) -> dict[str, Any]:
    keep_glue_in_translations()
    app.connect("html-page-context", add_switcher)
    app.add_directive("bp-edition", EditionDirective)
    translatable_exercise_titles(app)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
