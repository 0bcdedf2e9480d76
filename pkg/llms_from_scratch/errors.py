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


def one_line(err):
    """An exception's message on one line (its type name if it has none)."""
    return " ".join(str(err).split()) or type(err).__name__
