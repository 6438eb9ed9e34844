"""Author-year labels for the bibliography page: "Rumelhart et al. 1986", not "[1]".

The chapters cite in author-year form, (Rumelhart et al., 1986), through
sphinxcontrib-bibtex's ``author_year`` reference style; its default formatting
styles still label the entries of the bibliography with numbers. This module
registers with pybtex

* a label style ``bp_author_year``: one author "Nielsen 2015", two authors
  "Glorot and Bengio 2010", more "Rumelhart et al. 1986" (editors stand in when
  there is no author; equal labels get a, b, ...), and
* a formatting style ``bp_plain``: pybtex's ``plain`` with that label style, which
  ``_config.yml`` selects with ``bibtex_default_style: bp_plain``.

Importing the module registers both (``_ext/bp_book.py`` imports it).
"""
from __future__ import annotations

from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _plain(latex: str) -> str:
    """``M{\\"u}ller`` -> ``Müller``: the last names as they are printed."""
    return Text.from_latex(latex).render_as("text")


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Surname year", "A and B year", "A et al. year"."""

    def format_label(self, entry) -> str:
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_plain(" ".join(p.prelast_names + p.last_names)) for p in people]
        if not names:
            who = entry.key
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        return f"{who} {entry.fields.get('year', 'n.d.')}"

    def format_labels(self, sorted_entries):
        labels = [self.format_label(entry) for entry in sorted_entries]
        count, seen = Counter(labels), Counter()
        for label in labels:
            if count[label] == 1:
                yield label
            else:
                yield label + chr(ord("a") + seen[label])
                seen[label] += 1


class AuthorYearPlainStyle(PlainStyle):
    """pybtex's ``plain`` formatting with author-year labels."""

    default_label_style = "bp_author_year"


register_plugin("pybtex.style.labels", "bp_author_year", AuthorYearLabelStyle)
register_plugin("pybtex.style.formatting", "bp_plain", AuthorYearPlainStyle)
