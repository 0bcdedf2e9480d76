"""The ``llms-from-scratch`` command line.

``_add_<name>`` declares a command's flags and sets ``func``, which does the work.
Every failure a user can cause ends with one line on stderr, no traceback: a bad
command line exits 2 (``cli_parser``), a failure while working 1, Ctrl-C 130 and
SIGTERM 143 (``interrupts``, installed before anything heavy is imported; each
command imports torch, matplotlib or the benchmark only when it runs, and only
its own parser is built: ``train``'s from ``config``, without torch; ``bench``'s
is the benchmark's), a closed stdout (``| head``) 0 for ``generate``, whose
output is meant to be cut, else 141 (as after SIGPIPE). Such a failure is an
``errors.UserError`` or ``assets.DownloadError`` (an expected ``OSError`` is
turned into one where it happens); any other exception is a bug and keeps its
traceback.
"""

import argparse
import os
import signal
import sys

from . import interrupts
from .cli_parser import OneLineParser
from .errors import UserError, one_line
from .i18n import N_, _

PROG = "llms-from-scratch"


class CommandError(UserError):
    """A failure to report as one line, without a traceback."""


# The one-line help of each command, in the order of ``--help`` (translated where used).
HELP = {
    "download": N_("fetch the book's files ahead of time, or list what is cached"),
    "generate": N_("continue a prompt with GPT-2 or a model you trained"),
    "check": N_("check that this machine is ready for the book (versions, devices, a numerical "
                "self-test, downloads)"),
    "bench": N_("measure training and generation speed on this device"),
    "train": N_("pretrain a GPT on a text (char-level or GPT-2 BPE), with checkpoints and "
                "torchrun support"),
    "previous-chapters": N_("write a chapter folder's generated files (previous_chapters.py, "
                            "gpt_download.py; e.g. next to a notebook in Colab)"),
}


def _add_download(subparsers):
    p = subparsers.add_parser(
        "download",
        help=_(HELP["download"]),
        description=_("Fetch the book's downloads into the cache folder for offline work. "
                      "Without arguments, list every asset and whether it is cached."),
    )
    p.add_argument("names", nargs="*", metavar="NAME",
                   help=_("assets to fetch (see the list printed without arguments)"))
    p.add_argument("--all", action="store_true",
                   help=_("fetch every asset except the GPT-2 model weights (gpt2-124M ... "
                          "gpt2-1558M, hundreds of MB to GB each), which are fetched only when "
                          "named"))
    p.set_defaults(func=_run_download)


def _run_download(args):
    from . import assets

    interrupts.arm()
    if args.all and args.names:
        raise CommandError(_("give either --all or asset names, not both"))
    if args.all:
        names = [name for name, asset in assets.ASSETS.items() if not asset.large]
    else:
        names = args.names
    for name in names:
        if name not in assets.ASSETS:
            raise CommandError(_("unknown asset {name!r}; known: {assets}")
                               .format(name=name, assets=', '.join(assets.ASSETS)))
    for name in names:
        try:
            path = assets.fetch(name, progress=sys.stderr.isatty())  # no bar in logs
        except assets.DownloadError as err:
            raise CommandError(str(err)) from None
        print(f"{name}: {path}")
    if not names:
        print(_("cache folder: {cache_dir}  (set ${cache_env_var} to move it)")
              .format(cache_dir=assets.cache_dir(), cache_env_var=assets.CACHE_ENV_VAR))
        print(assets.describe_cache())
    return 0


_GENERATE_EPILOG = N_("""\
models:
  A GPT-2 size (124M, 355M, 774M, 1558M, also written gpt2-124M) uses OpenAI's
  weights. When `llms-from-scratch download gpt2-124M` has fetched OpenAI's
  TensorFlow checkpoint and TensorFlow is installed, that is read; otherwise
  Hugging Face's model.safetensors of the same weights is fetched with
  huggingface_hub (no TensorFlow needed): into --models-dir when given, else
  into your Hugging Face cache (HF_HOME); HF_HUB_OFFLINE=1 works offline.

  A path may name:
  - a .pth file written by torch.save({"config": cfg, "model": model.state_dict()},
    path), where cfg is the GPTModel config dict (the recommended format); an
    entry "tokenizer": {"kind": "char", "chars": "..."} (or {"kind": "gpt2"})
    names its tokenizer, as in the ckpt.pt that `llms-from-scratch train` writes;
  - a .pth file holding a plain state_dict, or the book's training checkpoint
    {"model_state_dict": ..., "optimizer_state_dict": ...}, together with
    --config (a JSON file with the config dict, or a GPT-2 size);
  - a .safetensors file of a GPT-2 in Hugging Face's layout (--config is
    needed when its width is not a GPT-2 size and no config.json lies beside it);
  - a folder with an OpenAI-layout TensorFlow checkpoint (hparams.json,
    model.ckpt.*).

The weights are copied into GPTModelFast (--dtype float32 or bfloat16) and the
continuation is generated with a KV cache: the prompt runs once, then each step
runs one new token. It streams to stdout as it is generated and stops at
<|endoftext|>; a newline is added at the end. Progress and errors go to stderr.
""")


def _add_generate(subparsers):
    p = subparsers.add_parser(
        "generate",
        help=_(HELP["generate"]),
        description=_("Continue a prompt with GPT-2's weights or a checkpoint of the "
                      "book's\nGPTModel, printing tokens as they are produced."),
        epilog=_(_GENERATE_EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", default="124M", metavar="SIZE_OR_PATH",
                   help=_("a GPT-2 size (124M, 355M, 774M, 1558M) or a checkpoint path (see "
                          "below; default: 124M)"))
    p.add_argument("--config", metavar="JSON_OR_SIZE",
                   help=_("the model config for a checkpoint that does not carry one: a JSON "
                          "file with the GPTModel config dict, or a GPT-2 size"))
    p.add_argument("--prompt", help=_("the text to continue (default: read from stdin)"))
    p.add_argument("--echo-prompt", action=argparse.BooleanOptionalAction, default=True,
                   help=_("print the prompt before its continuation; --no-echo-prompt prints "
                          "only the generated text, e.g. for a pipe (default: on)"))
    p.add_argument("--max-new-tokens", type=int, default=50, metavar="N",
                   help=_("generate at most N tokens (default: 50)"))
    p.add_argument("--temperature", type=float, default=1.0,
                   help=_("0 picks the most likely token (greedy, deterministic); higher values "
                          "sample more freely (default: 1.0)"))
    p.add_argument("--top-k", type=int, default=None, metavar="K",
                   help=_("sample only among the K most likely tokens, 1..vocabulary size "
                          "(default: 50)"))
    p.add_argument("--top-p", type=float, default=None, metavar="P",
                   help=_("nucleus sampling: keep the most likely tokens up to probability mass "
                          "P, in (0, 1] (default: off)"))
    p.add_argument("--seed", type=int, default=None,
                   help=_("random seed, for reproducible sampling"))
    p.add_argument("--device", default=None,
                   help=_("auto, cpu, cuda, cuda:N or mps (default: auto, or "
                          "$LLMS_FROM_SCRATCH_DEVICE)"))
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"],
                   help=_("the precision of the weights while generating; bfloat16 halves the "
                          "bytes read per token and is faster on GPUs and on CPUs with bfloat16 "
                          "instructions (default: float32)"))
    p.add_argument("--models-dir", default=None, metavar="DIR",
                   help=_("where GPT-2 weights are stored (default: the gpt2 folder of the "
                          "cache, see `llms-from-scratch download`)"))
    p.set_defaults(func=_run_generate)


def _run_generate(args):
    # Imported before the work starts, while a signal still ends the process at once.
    from . import generate, kvcache, model_files  # noqa: F401 (kvcache, model_files: used later)

    interrupts.arm()
    try:
        return generate.run(args, sys.stdout)
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (e.g. `| head`): stop quietly
        return 0


def _silence_stdout():
    """Point stdout at the null device, so that Python's flush at exit cannot fail."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (e.g. under pytest)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _add_check(subparsers):
    from . import check

    p = subparsers.add_parser(
        "check",
        help=_(HELP["check"]),
        description=_("Print Python's and every required package's version (OK/FAIL), the "
                      "devices, a numerical self-test of a tiny GPT on each device against the "
                      "CPU, and whether the book's downloads are cached or reachable. Exit code "
                      "0 when everything the book needs is there."),
    )
    check.add_arguments(p)
    p.set_defaults(func=_run_check)


def _run_check(args):
    from . import check

    interrupts.arm()  # check imports torch itself: it reports a broken installation
    return check.run(args)


def _bench_module():
    """The benchmark: a contributors' tool in the repository's bench/ folder."""
    try:
        from llms_from_scratch_bench import bench
    except ImportError:
        return None
    return bench


def _add_bench(subparsers):
    from .cpu_memory import use_huge_pages

    use_huge_pages()  # before torch starts
    bench = _bench_module()
    if bench is None:
        # any flags are taken as they are: the error says how to install the benchmark
        p = subparsers.add_parser("bench", help=_(HELP["bench"]), prefix_chars="\0",
                                  add_help=False)
        p.add_argument("flags", nargs="*", help=argparse.SUPPRESS)
        p.set_defaults(func=_run_bench)
        return

    p = subparsers.add_parser(
        "bench",
        help=_(HELP["bench"]),
        description=_("Time training steps (GPTModel, GPTModelFast in float32 and bf16, "
                      "transformers' GPT-2) and greedy generation with and without the KV cache "
                      "for the GPT-2 124M configuration (context 256, batch 2), side by side, "
                      "and say what the ratios mean (--json also writes the matmul peak, "
                      "each row's model-FLOPs utilisation and the package's speed goals). "
                      "Takes a few "
                      "minutes on a CPU."),
    )
    bench.add_arguments(p)
    p.set_defaults(func=_run_bench)


def _run_bench(args):
    from .cpu_memory import keep_freed_memory

    bench = _bench_module()
    if bench is None:
        raise CommandError(_("the benchmark is not installed: it lives in the book's repository; "
                             "install it there with `pip install -e ./bench`"))

    keep_freed_memory()  # freed tensors stay for the next step (cpu_memory explains why)
    interrupts.arm()
    return bench.run_cli(args)


def _add_train(subparsers):
    from .cpu_memory import use_huge_pages

    use_huge_pages()  # before torch starts
    from .config import EPILOG, add_arguments  # not train: --help imports no torch

    p = subparsers.add_parser(
        "train",
        help=_(HELP["train"]),
        description=(
            _("Next-token pretraining of the book's GPT on Tiny Shakespeare, 吾輩は猫である\n"
              "or any UTF-8 text. The text is tokenised once (per character, or with GPT-2's\n"
              "BPE) into memory-mapped token files with a 90/10 train/validation split;\n"
              "AdamW with warm-up, cosine decay and gradient clipping then trains on random\n"
              "windows. Every --eval-interval steps the command prints the mean train and\n"
              "validation loss and a sample, and writes --out-dir/ckpt.pt, which --resume\n"
              "continues and `llms-from-scratch generate --model` samples from.\n"
              "\n"
              "Settings: the flags, then --config FILE.json, then the defaults (the small\n"
              "CPU recipe for Tiny Shakespeare); the effective ones go to\n"
              "--out-dir/config.json.")),
        epilog=_(EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    p.set_defaults(func=_run_train)


def _run_train(args):
    # Imported before the work starts, while a signal still ends the process at once.
    from . import assets, fast, kvcache, train  # noqa: F401 (all but train: used later)
    from .cpu_memory import keep_freed_memory

    keep_freed_memory()  # freed tensors stay for the next step (cpu_memory explains why)
    interrupts.arm()
    return train.run(args)


def _add_previous_chapters(subparsers):
    from . import standalone

    p = subparsers.add_parser(
        "previous-chapters",
        help=_(HELP["previous-chapters"]),
        description=_("Write the copies of the package code that a chapter's notebooks "
                      "import: previous_chapters.py (the earlier chapters' code), and "
                      "gpt_download.py for ch05."),
    )
    p.add_argument("chapter", choices=standalone.chapters(), help=_("the chapter folder"))
    p.add_argument("--out-dir", default=".", help=_("where to write the files (default: .)"))
    p.set_defaults(func=_run_previous_chapters)


def _run_previous_chapters(args):
    from . import fileio, standalone

    interrupts.arm()
    try:
        paths = standalone.write_chapter_files(args.chapter, args.out_dir)
    except OSError as err:
        raise CommandError(_("cannot write to --out-dir {out_dir} ({strerror}); give a folder "
                             "you can write to")
                           .format(out_dir=args.out_dir, strerror=fileio.os_reason(err))) from None
    for path in paths:
        print(_("wrote {path}")
              .format(path=path))
    return 0


COMMANDS = {"download": _add_download, "generate": _add_generate, "check": _add_check,
            "bench": _add_bench, "train": _add_train, "previous-chapters": _add_previous_chapters}


def build_parser(commands=None):
    """The parser; given ``commands`` (names), only their parsers are built in full.

    The others get their one-line help only, all that ``PROG --help`` shows:
    building ``bench``'s and ``train``'s parsers imports torch.
    """
    from . import __version__

    parser = OneLineParser(
        prog=PROG,
        description=_("Tools for the book's GPT: downloads and more (see each command's --help)."),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}",
                        help=_("print the version and exit"))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       help=_("the command to run (COMMAND --help describes it)"))
    subparsers.required = True
    for name, add in COMMANDS.items():
        if commands is None or name in commands:
            add(subparsers)
        else:
            subparsers.add_parser(name, help=_(HELP[name]))
    return parser


def _command_words(argv):
    """The command named in ``argv`` (the first word not an option), as a list of 0 or 1."""
    words = [word for word in argv if not word.startswith("-")]
    return words[:1]


# What to do after Ctrl-C, where a command can pick up its work again.
_AFTER_INTERRUPT = {
    "download": N_("run it again to resume the download"),
    "train": N_("add --resume to continue from the last checkpoint in --out-dir, if one was "
                "saved"),
}


def _is_expected(err):
    """Whether ``err`` is a failure to report in one line (not a bug)."""
    if isinstance(err, UserError):
        return True
    assets = sys.modules.get(f"{__package__}.assets")  # loaded if it raised DownloadError
    return assets is not None and isinstance(err, assets.DownloadError)


def _interrupted(err=None):
    """Print the one line of a Ctrl-C or SIGTERM; return its exit code (130 or 143)."""
    signum = getattr(err, "signum", None) or interrupts.received() or signal.SIGINT
    print(interrupts.line(signum), file=sys.stderr)
    return interrupts.EXIT_CODES[signum]


def main(argv=None):
    """Run the command of ``argv`` (default: ``sys.argv[1:]``, and Ctrl-C handled as a program)."""
    if argv is None:  # the program itself, not a call from Python: handle the signals
        interrupts.install()
        argv = sys.argv[1:]
    try:
        return _main(list(argv))
    except KeyboardInterrupt as err:  # landed between the command's own handling
        return _interrupted(err)


def _main(argv):
    args = build_parser(_command_words(argv)).parse_args(argv)
    name = f"{PROG} {args.command}"
    after = _AFTER_INTERRUPT.get(args.command)
    interrupts.set_message(
        _("{name}: interrupted; {after}").format(name=name, after=_(after)) if after
        else _("{name}: interrupted").format(name=name))
    try:
        code = args.func(args)
    except KeyboardInterrupt as err:
        return _interrupted(err)
    except BrokenPipeError:  # stdout's reader went away (e.g. `| head`)
        _silence_stdout()
        return 141
    except Exception as err:
        if interrupts.received():  # a library turned the interrupt into another error
            return _interrupted()
        if not _is_expected(err):
            raise
        print(_("{name}: error: {one_line}")
              .format(name=name, one_line=one_line(err)), file=sys.stderr)
        return 1
    finally:
        interrupts.disarm()
    if interrupts.received():  # a library swallowed the interrupt: the work is not whole
        return _interrupted()
    return code
