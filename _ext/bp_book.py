"""The book's own Sphinx extension: the glue that makes the site work offline.

What it does, and why:

* **Serves MathJax 3 and mermaid from the site.** ``npm ci`` (from the committed
  ``package-lock.json``) puts them in ``node_modules/``; after every HTML build the
  files the browser needs are copied into ``<outdir>/_static/vendor/`` and
  ``_config.yml`` points ``mathjax_path`` and ``mermaid_use_local`` there. Nothing is
  fetched from a CDN and no third-party JavaScript is committed to the repository.
* **Offers every chapter's executed notebook for download.** MyST-NB writes each
  page's notebook to ``_build/jupyter_execute/``, but when the outputs come from the
  execution cache (every rebuild) that file has no outputs. So the outputs are merged
  in from the jupyter-cache, the result is written to
  ``<outdir>/_sources/<page>.ipynb`` and the theme's download menu links to it.
* **Makes ``singlehtml`` (the PDF's source) work.** sphinx-exercise registers
  ``singlehtml`` visitors, which stops Sphinx from falling back to the ``html``
  visitors of every other extension (mermaid, proofs, toggles, ...), so the ``html``
  visitors are copied over. The one-page build also gets a print stylesheet that
  expands every solution, and its page is put where its links expect it to be.
* **Offers the self-study path.** Every chapter with exercises gets "exercises
  (.ipynb)" (``_ext/bp_exercises.py``: the exercises, stubs and checks, no solutions)
  and "student kit (.zip)" (``_ext/bp_kit.py``: a wheel of ``bp``, the notebooks,
  pinned requirements) in its download menu; both are written at the end of the build.
  Every downloaded notebook starts with how to get ``bp`` outside the repository.
* **Lets ``{glue:text}`` format NumPy 2 scalars.** NumPy 2 writes ``repr(np.float64(0.5))``
  as ``np.float64(0.5)``, which MyST-NB's ``{glue:text}`key:.3f``` cannot turn into a
  number; the repr is unwrapped to ``0.5`` first.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import re

import bp_execute
import bp_exercises
import bp_kit
import nbformat
from jupyter_cache import get_cache
from myst_nb.core import variables as nb_variables
from myst_nb.ext.glue import crossref as glue_crossref
from myst_nb.ext.glue import roles as glue_roles
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

import bp_bibstyle  # noqa: F401  (registers the bibliography's author-year labels)

logger = logging.getLogger(__name__)

VENDOR = "vendor"   # under <outdir>/_static/

# (package folder in node_modules, files or folders to copy, glob patterns to skip)
ASSETS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "mathjax/es5": (["tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "sre",
                     "adaptors"], ("*.map",)),
    "mermaid/dist": (["mermaid.esm.min.mjs", "chunks/mermaid.esm.min"], ("*.map",)),
}
HTML_BUILDERS = {"html", "singlehtml", "dirhtml"}


_NUMPY_SCALAR = re.compile(r"^np\.(?:float|int|uint|complex|bool)\w*\((.*)\)$", re.DOTALL)


def format_plain_text(text: str, fmt_spec: str) -> str:
    """MyST-NB's glue formatter, applied to ``0.5`` where NumPy 2 wrote ``np.float64(0.5)``."""
    match = _NUMPY_SCALAR.match(text.strip())
    return nb_variables.format_plain_text(match.group(1) if match else text, fmt_spec)


def _node_modules(app: Sphinx) -> Path:
    return Path(app.srcdir) / "node_modules"


def check_assets(app: Sphinx) -> None:
    """Fail early, with the fix, when ``npm ci`` has not been run."""
    if app.builder.name not in HTML_BUILDERS:
        return
    missing = [f"{pkg}/{item}" for pkg, (items, _) in ASSETS.items() for item in items
               if not (_node_modules(app) / pkg / item).exists()]
    if missing:
        raise ExtensionError(
            "the book serves MathJax and mermaid itself, but these are missing from "
            f"node_modules/: {', '.join(missing)}. Run `npm ci` (or `make book`).")


def copy_assets(app: Sphinx) -> None:
    """Copy the vendored browser assets into ``<outdir>/_static/vendor``."""
    if app.builder.name not in HTML_BUILDERS:
        return
    dest_root = Path(app.outdir) / "_static" / VENDOR
    for pkg, (items, skip) in ASSETS.items():
        src_root = _node_modules(app) / pkg
        name = pkg.split("/")[0]
        for item in items:
            src, dest = src_root / item, dest_root / name / item
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dest, ignore=shutil.ignore_patterns(*skip),
                                dirs_exist_ok=True)
            else:
                shutil.copy2(src, dest)


def add_stylesheets(app: Sphinx) -> None:
    """The book's CSS on every page; the print CSS only in the one-page (PDF) build.

    Both files live in ``_ext/static/`` (listed in ``html_static_path``).
    """
    if app.builder.name not in HTML_BUILDERS:
        return
    app.add_css_file("bp-book.css")
    if app.builder.name == "singlehtml":
        app.add_css_file("bp-print.css")


def share_html_visitors(app: Sphinx) -> None:
    """Give ``singlehtml`` every ``html`` node visitor it lacks (see module docstring)."""
    handlers = app.registry.translation_handlers
    if app.builder.name != "singlehtml" or "singlehtml" not in handlers:
        return
    for node, visitors in handlers.get("html", {}).items():
        handlers["singlehtml"].setdefault(node, visitors)


def single_page_at_root(app: Sphinx, exception: Exception | None) -> None:
    """Make ``index.html`` of the one-page build the book itself.

    ``singlehtml`` writes the root document under its own name (here
    ``chapters/preface.html``) but computes every link in it as if it sat at the top of
    the output folder, so it only works copied there; Jupyter Book's ``index.html``
    would merely redirect to the broken copy.
    """
    if exception is not None or app.builder.name != "singlehtml":
        return
    page = Path(app.outdir) / f"{app.config.root_doc}.html"
    if page.is_file() and page.parent != Path(app.outdir):
        shutil.copy2(page, Path(app.outdir) / "index.html")


def _is_notebook(app: Sphinx, pagename: str) -> bool:
    return "kernelspec" in app.env.metadata.get(pagename, {})


def offer_notebook(app: Sphinx, pagename: str, templatename: str,
                   context: dict[str, Any], doctree: Any) -> None:
    """Copy the executed notebook next to the page's sources and link it.

    Runs before sphinx-book-theme builds its download menu (priority 501), which
    lists ``context["ipynb_source"]`` as ``_sources/<page>.ipynb``.
    """
    if doctree is None or app.builder.name not in {"html", "dirhtml"}:
        return
    if not _is_notebook(app, pagename):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        logger.warning(f"no executed notebook for {pagename!r} at {executed}",
                       type="bp_book", subtype="notebook", location=pagename)
        return
    notebook = nbformat.read(executed, as_version=4)
    cache_path = getattr(app.env, "mystnb_config", None)
    cache_path = cache_path.execution_cache_path if cache_path else ""
    if cache_path and Path(cache_path).is_dir():
        try:
            _, notebook = get_cache(cache_path).merge_match_into_notebook(notebook)
        except KeyError:   # not in the cache (execution off): offer the file as is
            pass
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    chinese = (app.config.language or "en").lower().startswith("zh")
    if chinese:
        import bp_exercises_zh
    getting = bp_exercises_zh.STRINGS_ZH["getting_bp"] if chinese else bp_kit.GETTING_BP
    notebook = bp_kit.with_getting_started(notebook, getting)   # how to get `bp`
    nbformat.write(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


#: The whole book as one PDF, copied into the site by ``make pdf`` (``_ext/print_pdf.py``).
BOOK_PDF = "book.pdf"

#: The download menu's own entries (text, tooltip), in each edition's language.
MENU = {
    "en": {"pdf": ("book (PDF)", "Download the whole book as a PDF"),
           "exercises": ("exercises (.ipynb)",
                         "This chapter's exercises as a notebook, without solutions"),
           "kit": ("student kit (.zip)", "bp, every exercise and chapter notebook, and "
                                         "how to run them on your computer")},
    "zh": {"pdf": ("全书（PDF）", "下载整本书的 PDF"),
           "exercises": ("练习（.ipynb）", "本章的练习笔记本，不含解答"),
           "kit": ("学生工具包（.zip）", "bp、全部练习和章节笔记本，以及在自己电脑上运行它们的方法")},
}


def menu(app: Sphinx, entry: str) -> tuple[str, str]:
    """The (text, tooltip) of a download-menu entry in the edition's language."""
    language = "zh" if (app.config.language or "en").lower().startswith("zh") else "en"
    return MENU[language][entry]


def offer_book_pdf(app: Sphinx, pagename: str, templatename: str,
                   context: dict[str, Any], doctree: Any) -> None:
    """Add "the whole book (PDF)" to every page's download menu.

    Runs after sphinx-book-theme has built the menu (priority 501). The theme's own
    ".pdf" entry only prints the current page; this one is the printed book.
    """
    if app.builder.name not in {"html", "dirhtml"}:
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append({
                "type": "link", "url": context["pathto"](BOOK_PDF, 1),
                "text": menu(app, "pdf")[0], "tooltip": menu(app, "pdf")[1],
                "icon": "fas fa-book", "label": "download-book-pdf-button"})


def find_exercises(app: Sphinx) -> None:
    """Remember which pages have exercises (their notebooks are written at the end)."""
    app.env.bp_exercise_pages = {f"chapters/{p.stem}" for p in
                                 bp_exercises.chapters_with_exercises(Path(app.srcdir))}


def offer_exercises(app: Sphinx, pagename: str, templatename: str,
                    context: dict[str, Any], doctree: Any) -> None:
    """Add "exercises (.ipynb)" and "student kit (.zip)" to a chapter's download menu.

    Only on pages with exercises; after the theme's menu is built (priority 501).
    """
    if app.builder.name not in {"html", "dirhtml"}:
        return
    if pagename not in getattr(app.env, "bp_exercise_pages", set()):
        return
    name = pagename.rsplit("/", 1)[-1]
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"] += [
                {"type": "link", "url": context["pathto"](f"exercises/{name}.ipynb", 1),
                 "text": menu(app, "exercises")[0], "icon": "fas fa-pencil-alt",
                 "tooltip": menu(app, "exercises")[1],
                 "label": "download-exercises-button"},
                {"type": "link", "url": context["pathto"](bp_kit.KIT, 1),
                 "text": menu(app, "kit")[0], "icon": "fas fa-box-open",
                 "tooltip": menu(app, "kit")[1], "label": "download-kit-button"}]


def write_exercises_and_kit(app: Sphinx, exception: Exception | None) -> None:
    """Write ``<site>/exercises/*.ipynb`` and ``<site>/student-kit.zip``."""
    if exception is not None or app.builder.name not in {"html", "dirhtml"}:
        return
    site, root = Path(app.outdir), Path(app.srcdir)
    locale = None
    if (app.config.language or "en").lower().startswith("zh"):   # the Chinese edition
        import bp_exercises_zh
        locale = bp_exercises_zh.Locale.load(root / "locales" / "zh_CN" / "LC_MESSAGES"
                                             / "chapters")
    bp_exercises.write_all(site / "exercises", root, locale)
    bp_kit.build_kit(site, root, locale)


def quiet_jieba() -> None:
    """jieba (Chinese word splitting for the search index) logs its dictionary loading
    at DEBUG level to stderr on every build; keep only its warnings."""
    try:
        import jieba
    except ImportError:
        return
    import logging as std_logging
    jieba.setLogLevel(std_logging.WARNING)


def setup(app: Sphinx) -> dict[str, Any]:
    quiet_jieba()
    bp_execute.setup(app)          # parallel, never-stale chapter execution
    glue_roles.format_plain_text = format_plain_text
    glue_crossref.format_plain_text = format_plain_text
    app.connect("builder-inited", check_assets)
    app.connect("builder-inited", copy_assets)
    app.connect("builder-inited", add_stylesheets)
    app.connect("builder-inited", share_html_visitors, priority=900)
    app.connect("html-page-context", offer_notebook, priority=450)
    app.connect("html-page-context", offer_book_pdf, priority=600)
    app.connect("build-finished", single_page_at_root, priority=900)
    app.connect("builder-inited", find_exercises)
    app.connect("html-page-context", offer_exercises, priority=610)
    app.connect("build-finished", write_exercises_and_kit)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
