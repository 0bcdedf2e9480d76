"""The command line's messages in the reader's language.

Every message a reader sees is written in English in the code, wrapped in
``_()`` (or ``N_()`` where a table defines it), and filled with ``.format``
after translation, so a translation may move its ``{name}`` placeholders.
The Japanese texts live in ``messages_ja.json``, keyed by the English text
(gettext's msgid); ``tests/test_i18n.py`` fails when a message is not wrapped
or has no translation. The language follows gettext's order (the first set
of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), read on every call.
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
