"""Ctrl-C and SIGTERM on the command line: one line on stderr, exit 130 or 143, at any instant.

``install()`` comes first in the console entry point, before torch or
matplotlib is imported. During start-up nothing has been written, so the
handler prints the line and ends the process at once (``os._exit``): an
exception raised inside an import could be turned into another error or
swallowed by the library. Between ``arm()`` and ``disarm()`` it raises
``Interrupted``, so ``finally`` blocks remove temporary files and release
locks; ``received()`` and ``check()`` catch a signal that a library swallowed.
Standard library only.
"""

import os
import signal
import sys

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal's number
_state = {"signum": None, "armed": False, "message": "interrupted"}


class Interrupted(KeyboardInterrupt):
    """Raised by the handler while a command works; ``exit_code`` is 130 or 143."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = EXIT_CODES[signum]


def line(signum, message=None):
    """The one line to print for ``signum``: ``message`` plus which signal, if not Ctrl-C."""
    message = message or _state["message"]
    if signum == signal.SIGTERM:
        prog, _, rest = message.partition(": interrupted")
        return f"{prog}: interrupted (SIGTERM){rest}"
    return message


def _handle(signum, frame):  # noqa: ARG001 (the signal module's signature)
    if _state["signum"] is not None:
        return  # the first signal is being handled
    _state["signum"] = signum
    if not _state["armed"]:
        os.write(2, (line(signum) + "\n").encode("utf-8", "replace"))
        os._exit(EXIT_CODES[signum])
    raise Interrupted(signum)


def install(message=None):
    """Handle SIGINT and SIGTERM from now on (in the main thread; elsewhere nothing is done).

    ``message`` is the line for Ctrl-C, e.g. ``PROG CMD: interrupted``; by
    default it names the command guessed from ``sys.argv``.
    """
    _state["message"] = message or _guess_message()
    try:
        for signum in EXIT_CODES:
            signal.signal(signum, _handle)
        # A parent may have blocked them (the signal then waits): let them in now.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, set(EXIT_CODES))
    except (ValueError, AttributeError, OSError):  # not the main thread, or no sigmask
        pass


def _guess_message():
    prog = "llms-from-scratch"
    words = [word for word in sys.argv[1:] if not word.startswith("-")]
    return f"{prog} {words[0]}: interrupted" if words else f"{prog}: interrupted"


def set_message(message):
    _state["message"] = message


def arm():
    """From now on a signal raises ``Interrupted`` (files are being written)."""
    _state["armed"] = True
    check()


def disarm():
    """From now on a signal ends the process at once again (the work is done)."""
    _state["armed"] = False


def received():
    """The number of the signal that came, or None."""
    return _state["signum"]


def check():
    """Raise ``Interrupted`` if a signal came (and was swallowed somewhere); else nothing."""
    if _state["signum"] is not None and _state["armed"]:
        raise Interrupted(_state["signum"])


__all__ = ["EXIT_CODES", "Interrupted", "arm", "check", "disarm", "install", "line",
           "received", "set_message"]
