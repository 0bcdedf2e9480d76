"""The ``llms-from-scratch`` command line.

Each sub-command is a pair: ``_add_<name>(subparsers)`` declares its flags
and sets ``func``, which does the work by calling the package's modules.
Expected failures (bad input, no network) end with one line on stderr and
exit code 1; argparse answers bad flags with exit code 2.
"""

import argparse
import sys

from . import __version__

PROG = "llms-from-scratch"


class CommandError(Exception):
    """A failure to report as one line, without a traceback."""


def _add_download(subparsers):
    p = subparsers.add_parser(
        "download",
        help="fetch the book's files ahead of time, or list what is cached",
        description="Fetch the book's downloads into the cache folder for offline work. "
                    "Without arguments, list every asset and whether it is cached.",
    )
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="assets to fetch (see the list printed without arguments)")
    p.add_argument("--all", action="store_true", help="fetch every asset")
    p.set_defaults(func=_run_download)


def _run_download(args):
    from . import assets

    if args.all and args.names:
        raise CommandError("give either --all or asset names, not both")
    names = list(assets.ASSETS) if args.all else args.names
    for name in names:
        if name not in assets.ASSETS:
            raise CommandError(f"unknown asset {name!r}; known: {', '.join(assets.ASSETS)}")
    for name in names:
        try:
            path = assets.fetch(name)
        except assets.DownloadError as err:
            raise CommandError(str(err)) from None
        print(f"{name}: {path}")
    if not names:
        print(f"cache folder: {assets.cache_dir()}  (set ${assets.CACHE_ENV_VAR} to move it)")
        print(assets.describe_cache())
    return 0


COMMANDS = [_add_download]


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Tools for the book's GPT: downloads and more (see each command's --help).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CommandError, ValueError, FileNotFoundError) as err:
        print(f"{PROG} {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
