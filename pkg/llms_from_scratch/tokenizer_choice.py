"""What ``train --tokenizer`` may name, and the tokenizer file of a run's folder.

``bpe:SIZE`` (or ``bpe-ja:SIZE``) is learned from the training split unless
the run's folder holds one of that size; with ``--init-from`` a Japanese GPT-2
and no ``--tokenizer``, the model's own ``spiece.model`` is used. A run keeps
its tokenizer as one file in ``--out-dir``; the checkpoint's entry names that
file and its SHA-256, so ``train --resume`` and ``generate`` find and check it
without another flag.
"""

import re
import shutil
from pathlib import Path

from .bpe_tokenizer import TOKENIZER_FILE, load_bpe_tokenizer, train_bpe_tokenizer
from .config import TrainError
from .errors import UserError
from .i18n import N_, _
from .sp_tokenizer import SPIECE_FILE, SentencePieceTokenizer

_BPE_SIZE = re.compile(r"bpe(?:-ja)?:(\d+)")
FORMS = N_("char, gpt2, bpe:SIZE (a byte-level BPE of SIZE tokens learned from the training "
           "text), or a tokenizer file (tokenizer.json, or a SentencePiece .model)")


def parse_tokenizer(value):
    """``(kind, argument)`` of a ``--tokenizer`` value; ``TrainError`` for anything else.

    Kinds: ``char``, ``gpt2``, ``bpe`` (argument: the size), ``bpe-file`` and
    ``sentencepiece-file`` (argument: the path).
    """
    if value in ("char", "gpt2"):
        return value, None
    if not isinstance(value, str) or not value:
        raise TrainError(_("--tokenizer must be {forms}; got {value!r}")
                         .format(forms=_(FORMS), value=value))
    match = _BPE_SIZE.fullmatch(value)
    if match:
        size = int(match.group(1))
        if size < 258:
            raise TrainError(_("--tokenizer {value}: a byte-level BPE needs at least 258 "
                               "tokens (<|endoftext|>, the 256 bytes and one merge), e.g. "
                               "bpe:1000").format(value=value))
        return "bpe", size
    path = Path(value).expanduser()
    if path.suffix in (".json", ".model"):
        if not path.is_file():
            raise TrainError(_("--tokenizer {value}: no such file; give a tokenizer.json, a "
                               "SentencePiece .model, or bpe:SIZE to learn one")
                             .format(value=value))
        return ("bpe-file" if path.suffix == ".json" else "sentencepiece-file"), path
    raise TrainError(_("unknown --tokenizer {value!r}; use {forms}")
                     .format(value=value, forms=_(FORMS)))


def tokenizer_spec(tokenizer, file_name=None):
    """The checkpoint entry of a tokenizer kept as ``file_name`` in the run's folder
    (by default ``tokenizer.json`` or ``spiece.model``)."""
    if isinstance(tokenizer, SentencePieceTokenizer):
        return tokenizer.spec(file_name or SPIECE_FILE)
    return {"kind": "bpe", "file": file_name or TOKENIZER_FILE, "sha256": tokenizer.sha256}


def tokenizer_from_spec(spec, folder=None):
    """The tokenizer of a ``bpe`` or ``sentencepiece`` entry; its file is looked for in
    ``folder`` (the checkpoint's) unless the entry names an absolute path."""
    path = Path(spec.get("file", ""))
    if not path.is_absolute():
        path = Path(folder or ".") / path
    if not path.is_file():
        raise UserError(_("the model's tokenizer {path} is missing; keep the run folder's "
                          "{name} beside its checkpoint").format(path=path, name=path.name))
    if spec["kind"] == "bpe":
        tokenizer = load_bpe_tokenizer(path)
    else:
        tokenizer = SentencePieceTokenizer(path, spec.get("lower_case", True), spec.get("eos_id"))
    if spec.get("sha256") not in (None, tokenizer.sha256):
        raise UserError(_("{path} is not the tokenizer the model was trained with (its "
                          "SHA-256 differs); put the run's own tokenizer file back")
                        .format(path=path))
    return tokenizer


def _keep_bpe(tokenizer, out_dir, is_main):
    if is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        tokenizer.save(out_dir / TOKENIZER_FILE)
    return tokenizer


def _learned_bpe(size, out_dir, training_text, is_main):
    """The run folder's ``tokenizer.json`` of ``size`` tokens, or one learned now."""
    kept = out_dir / TOKENIZER_FILE
    if kept.is_file():
        try:
            tokenizer = load_bpe_tokenizer(kept)
        except UserError:
            tokenizer = None
        if tokenizer is not None and tokenizer.n_vocab == size:
            return tokenizer
    # Every process learns the same merges from the same text; rank 0 keeps the file.
    tokenizer = train_bpe_tokenizer(training_text, size)
    if tokenizer.n_vocab != size:
        raise TrainError(_("--tokenizer bpe:{size}: the training text gives only {n_vocab} "
                           "tokens; choose a smaller size or a longer text")
                         .format(size=size, n_vocab=tokenizer.n_vocab))
    return _keep_bpe(tokenizer, out_dir, is_main)


def _copied_sentencepiece(source, out_dir, is_main, lower_case=True, eos_id=None):
    kept = out_dir / SPIECE_FILE
    if is_main and Path(source).resolve() != kept.resolve():
        out_dir.mkdir(parents=True, exist_ok=True)
        from . import fileio

        fileio.atomic_write(kept, lambda tmp: shutil.copyfile(source, tmp))
    return SentencePieceTokenizer(source, lower_case, eos_id)


def run_tokenizer(cfg, training_text, is_main=True):
    """The tokenizer of a run whose ``--tokenizer`` needs a file, else None; ``training_text``
    (the training split's) is what ``bpe:SIZE`` learns from."""
    out_dir = Path(cfg["out_dir"]).expanduser()
    if cfg["init_from"] != "scratch" and cfg["tokenizer"] in (None, "model"):
        from .errors import one_line
        from .japanese_gpt2 import local_folder, read_japanese_tokenizer

        try:
            sp = read_japanese_tokenizer(local_folder(cfg["init_from"], cfg["models_dir"]))[2]
        except (UserError, OSError) as err:  # a folder that lacks files, an unreachable Hub
            raise TrainError(one_line(err)) from None
        return _copied_sentencepiece(sp.path, out_dir, is_main, sp.lower_case, sp.eot_token)
    kind, argument = parse_tokenizer(cfg["tokenizer"])
    try:
        if kind == "bpe":
            return _learned_bpe(argument, out_dir, training_text, is_main)
        if kind == "bpe-file":
            return _keep_bpe(load_bpe_tokenizer(argument), out_dir, is_main)
        if kind == "sentencepiece-file":
            return _copied_sentencepiece(argument, out_dir, is_main)
        return None
    except (UserError, OSError) as err:
        raise TrainError(str(err)) from None


__all__ = ["FORMS", "parse_tokenizer", "run_tokenizer", "tokenizer_from_spec",
           "tokenizer_spec"]
