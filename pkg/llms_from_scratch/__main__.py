# Ctrl-C and SIGTERM are handled before anything else is imported (see interrupts).
from . import interrupts

interrupts.install()

from .cli import main  # noqa: E402

raise SystemExit(main())
