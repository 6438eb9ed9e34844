"""Build the book's Chinese edition from the English source, with Sphinx's gettext.

    python tools/edition.py gettext    extract every message into _build/gettext/*.pot
    python tools/edition.py update     extract, then update locales/zh_CN/LC_MESSAGES/*.po
                                       (and fill the glossary's derived messages)
    python tools/edition.py html       build the Chinese site into _build/html/zh/
    python tools/edition.py singlehtml build the Chinese one-page book (the PDF's source)

The English build (``jupyter-book build .``) reads ``_config.yml``; so do these, through
Jupyter Book's own ``build_sphinx``, with only the language settings added
(:data:`LANGUAGE`). Each builder keeps its own doctree folder (a gettext or Chinese build
cannot reuse the English doctrees), and all of them read the same execution cache:
no chapter executes twice. Extraction and the Chinese build must agree on
``gettext_compact`` (one catalog per chapter), or Sphinx silently shows English.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
LOCALES = ROOT / "locales"
LANG = "zh_CN"
POT = BUILD / "gettext"

#: The interface strings that ``_config.yml`` sets in English (the theme's own strings
#: come from its zh_CN catalog).
THEME_ZH = {"search_bar_text": "搜索本书……",
            "extra_footer": "本书中的每一个数字都由构建本书时运行的代码计算得出。"}


def _theme_options() -> dict:
    """``_config.yml``'s theme options with :data:`THEME_ZH` (Sphinx replaces the whole
    dictionary, so it is rebuilt from the English one)."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return {**config["sphinx"]["config"]["html_theme_options"], **THEME_ZH}


#: What the Chinese edition changes in the English configuration.
LANGUAGE = {"language": LANG, "locale_dirs": [str(LOCALES)], "gettext_compact": False,
            "gettext_uuid": False, "gettext_location": False,
            "html_theme_options": _theme_options(),
            "html_title": "误差逆传播：推导与运行", "project": "误差逆传播：推导与运行"}
#: Where each build writes, and its own doctrees.
TARGETS = {
    # MyST-NB keeps no output for a builder it has no mime priorities for: give gettext
    # the HTML's choice of images, so that the figures' alt text is extracted too
    "gettext": ("gettext", POT, BUILD / ".doctrees-gettext",
                {"gettext_compact": False, "gettext_location": False,
                 "nb_mime_priority_overrides": [("gettext", "image/png", 50),
                                                ("gettext", "text/plain", 100)]}),
    "html": ("html", BUILD / "html" / "zh", BUILD / ".doctrees-zh", LANGUAGE),
    "singlehtml": ("singlehtml", BUILD / "singlehtml-zh", BUILD / ".doctrees-zh-single",
                   LANGUAGE),
}


def build(target: str) -> int:
    """Run one Sphinx build as ``jupyter-book build`` would (strict, nitpicky)."""
    from jupyter_book.sphinx import build_sphinx

    builder, outdir, doctrees, overrides = TARGETS[target]
    sys.path.insert(0, str(ROOT / "_ext"))
    result = build_sphinx(str(ROOT), str(outdir), noconfig=True,
                          path_config=str(ROOT / "_config.yml"),
                          confoverrides={"nitpicky": True, "latex_individualpages": False,
                                         "external_toc_path": str(ROOT / "_toc.yml"),
                                         # Jupyter Book puts the cache beside the output
                                         # folder: name the English build's one
                                         "nb_execution_cache_path":
                                             str(BUILD / ".jupyter_cache"),
                                         **overrides},
                          doctreedir=str(doctrees), builder=builder,
                          warningiserror=True, keep_going=True)
    if isinstance(result, Exception):
        raise result
    return int(result)


def update() -> int:
    """Extract, then merge the new messages into the catalogs (sphinx-intl): a changed
    English message becomes fuzzy, a new one untranslated; translations are kept."""
    rc = build("gettext")
    if rc:
        return rc
    rc = subprocess.call([sys.executable, "-m", "sphinx_intl", "update", "-p", str(POT),
                          "-l", LANG, "-d", str(LOCALES), "-w", "0"], cwd=ROOT)
    if rc == 0:                        # the glossary's generated messages (see there)
        sys.path.insert(0, str(ROOT / "tools"))
        from glossary_catalog import fill
        print(f"glossary.po: {fill(LOCALES / LANG / 'LC_MESSAGES' / 'chapters')} "
              "derived message(s) filled")
    return rc


def main(argv: list[str]) -> int:
    commands = {"update": update, **{t: (lambda t=t: build(t)) for t in TARGETS}}
    if len(argv) != 1 or argv[0] not in commands:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
