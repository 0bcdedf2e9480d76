"""The one base class for errors meant for the reader.

Anything the package raises because of the reader's input, files or network
derives from ``UserError``; the command line prints it as one line and exits
1, while every other exception is a bug and keeps its traceback. It derives
from ``ValueError`` so that code which caught the package's earlier
``ValueError`` subclasses keeps working.
"""


class UserError(ValueError):
    """A failure the reader can fix; ``str(err)`` says what to do, in one line."""


class DownloadError(UserError):
    """A file could not be downloaded or failed verification.

    ``url``, ``reason`` (what went wrong, without advice) and ``advice`` are
    kept where known, so that callers can reword the message.
    """

    def __init__(self, message, *, url=None, reason=None, advice=None):
        super().__init__(message)
        self.url = url
        self.reason = reason
        self.advice = advice


def one_line(err):
    """An exception's message on one line (its type name if it has none)."""
    return " ".join(str(err).split()) or type(err).__name__
