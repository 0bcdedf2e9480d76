"""The one base class for errors meant for the reader.

Anything the package raises because of the reader's input, files or network
(a wrong flag, a damaged checkpoint, a missing download) derives from
``UserError``. The command line prints such an error as one line and exits 1;
every other exception is a bug and keeps its traceback.

``UserError`` derives from ``ValueError`` so that code which caught the
package's earlier ``ValueError`` subclasses keeps working.
"""


class UserError(ValueError):
    """A failure the reader can fix; ``str(err)`` says what to do, in one line."""


class DownloadError(UserError):
    """A file could not be downloaded or failed verification.

    The message is one line that says what went wrong and what to do. ``url``,
    ``reason`` (what went wrong, without advice) and ``advice`` are kept as
    attributes where they are known, so that callers can reword the message.
    (``assets.DownloadError`` is this class.)
    """

    def __init__(self, message, *, url=None, reason=None, advice=None):
        super().__init__(message)
        self.url = url
        self.reason = reason
        self.advice = advice


def one_line(err):
    """An exception's message on one line (its type name if it has none)."""
    return " ".join(str(err).split()) or type(err).__name__
