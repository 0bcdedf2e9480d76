"""argparse in the reader's language, and a bad command line in one line.

argparse has no Japanese catalog: ``OneLineParser`` translates its usage
line, section headings and error messages through ``i18n`` and reports a
bad command line as ``PROG CMD: error: ... (see PROG CMD --help)`` with exit
code 2, instead of argparse's usage (which for ``train`` fills a screen)
followed by the error.
"""

import argparse
import re

from .i18n import N_, _

# argparse's own error messages (it has no Japanese catalog): its English pattern, then
# our message with the pattern's groups as placeholders.
ARGPARSE_ERRORS = (
    (r"argument (?P<argument>.+?): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)",
     N_("argument {argument}: invalid choice: {value} (choose from {choices})")),
    (r"argument (?P<argument>.+?): invalid (?P<type>\w+) value: (?P<value>.+)",
     N_("argument {argument}: invalid {type} value: {value}")),
    (r"argument (?P<argument>.+?): expected one argument",
     N_("argument {argument}: expected one argument")),
    (r"argument (?P<argument>.+?): not allowed with argument (?P<other>.+)",
     N_("argument {argument}: not allowed with argument {other}")),
    (r"the following arguments are required: (?P<arguments>.+)",
     N_("the following arguments are required: {arguments}")),
    (r"unrecognized arguments: (?P<arguments>.+)", N_("unrecognized arguments: {arguments}")),
)


def translate_argparse_error(message):
    """argparse's English ``message`` in the reader's language, where it is a known one."""
    for pattern, text in ARGPARSE_ERRORS:
        match = re.fullmatch(pattern, message)
        if match:
            return _(text).format(**match.groupdict())
    return message


# argparse's own section headings (Python 3.10 says "optional arguments"), for start_section.
ARGPARSE_HEADINGS = (N_("positional arguments"), N_("options"), N_("optional arguments"))


class TranslatedHelpFormatter(argparse.HelpFormatter):
    """argparse's help with its own words (usage, section headings) translated too."""

    def start_section(self, heading):
        super().start_section(_(heading) if heading else heading)

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class TranslatedRawDescriptionHelpFormatter(TranslatedHelpFormatter,
                                            argparse.RawDescriptionHelpFormatter):
    """``RawDescriptionHelpFormatter`` with the translated headings."""


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that reports a bad command line in one line on stderr,
    with help in the reader's language (``i18n``)."""

    def __init__(self, *args, formatter_class=TranslatedHelpFormatter, add_help=True, **kwargs):
        if formatter_class is argparse.RawDescriptionHelpFormatter:
            formatter_class = TranslatedRawDescriptionHelpFormatter
        super().__init__(*args, formatter_class=formatter_class, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=_("show this help message and exit"))

    def error(self, message):
        message = translate_argparse_error(" ".join(str(message).split()))
        self.exit(2, _("{prog}: error: {message} (see {prog} --help)").format(
            prog=self.prog, message=message) + "\n")
