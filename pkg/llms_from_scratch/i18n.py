"""The command line's messages in the reader's language.

Every message a reader sees (help, progress, reports, errors) is written in
English in the code, wrapped in ``_()``::

    raise TrainError(_("no checkpoint in {out_dir}; drop --resume").format(out_dir=path))

``_`` returns the Japanese text when the locale is Japanese and the English
text otherwise. The Japanese texts live in the package data file
``messages_ja.json``, an object keyed by the English text (gettext's msgid),
read once, on the first Japanese lookup; so each message has one English
source in the code and one translation; ``tests/test_i18n.py`` fails when a
message is not wrapped or has no translation. Placeholders ``{name}`` are
filled after translation with ``.format``, so a translation may move them.

The language follows gettext's order: the first of ``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES`` and ``LANG`` that is set decides (``ja_JP.UTF-8``, ``ja``
... give Japanese; ``C.UTF-8``, ``en_US.UTF-8`` ... English). It is read on
every call, so a change of the environment takes effect at once.

``N_`` marks a text as a message where it is defined (a table of help
texts) and is translated with ``_`` where it is shown.
"""

import functools
import gettext
import json
import os
import unicodedata
from importlib import resources

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
CATALOG_FILE = "messages_ja.json"


@functools.cache
def japanese_catalog():
    """The Japanese catalog: {English text: Japanese text}, read from the package once."""
    text = resources.files(__package__).joinpath(CATALOG_FILE).read_text(encoding="utf-8")
    return json.loads(text)


class JapaneseCatalog(gettext.NullTranslations):
    """gettext's translations interface over ``messages_ja.json``."""

    def gettext(self, message):
        return japanese_catalog().get(message, message)


def language():
    """``"ja"`` when the environment's locale is Japanese, else ``"en"``."""
    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable)
        if value:
            first = value.split(":")[0]  # LANGUAGE may list several: ja:en
            return "ja" if first.lower().startswith("ja") else "en"
    return "en"


def translations():
    """The catalog for the current locale (English: the messages as they are)."""
    return JapaneseCatalog() if language() == "ja" else gettext.NullTranslations()


def _(message):
    """``message`` in the reader's language."""
    return translations().gettext(message)


def display_width(text):
    """Columns ``text`` takes in a terminal: 2 for each wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text, width):
    """``text`` padded with spaces to ``width`` terminal columns (for tables)."""
    return text + " " * max(0, width - display_width(text))


def rjust(text, width):
    """``text`` right-aligned in ``width`` terminal columns."""
    return " " * max(0, width - display_width(text)) + text


def N_(message):  # noqa: N802 (gettext's name for the marker)
    """Mark ``message`` for translation where it is shown; returns it unchanged."""
    return message
