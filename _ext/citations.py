"""Author-year citations whose reference list reads like the text that cites it.

The pages cite with ``{cite:p}`` ("(He et al., 2015)") and ``{cite:t}``
("He et al. (2015)"), sphinxcontrib-bibtex's author-year style
(``bibtex_reference_style: author_year`` in ``_config.yml``). pybtex's styles label
the entries of the list ``[1]``, ``[2]`` (plain) or ``[HZRS15]`` (alpha), which no
text refers to; the style ``author_year`` registered here labels each entry as the
text cites it, ``[He et al., 2015]``, and sorts the list by author and year.
Each entry's anchor is ``cite-<key>`` (``bibtex_cite_id``), so a citation links to
its own entry on the references page.
"""

import re

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _last_name(person):
    return re.sub(r"[{}]", "", " ".join(person.prelast_names + person.last_names))


def author_year(entry):
    """``He et al., 2015``, ``Glorot and Bengio, 2010``, ``Karpathy, 2016``."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_last_name(person) for person in persons]
    if len(names) > 2:
        who = f"{names[0]} et al."
    else:
        who = " and ".join(names) or re.sub(r"[{}]", "", entry.fields.get("title", "?"))
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year(entry)


class AuthorYearStyle(PlainStyle):
    default_label_style = "author_year"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
