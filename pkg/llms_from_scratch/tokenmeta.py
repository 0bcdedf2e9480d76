"""``meta.json`` of a token folder: what it holds, and every field checked against the files.

The folder (``data.prepare_tokens`` or ``documents.prepare_documents``) holds
``train.bin``, ``val.bin`` and ``meta.json``. ``meta_problems`` checks
``meta.json`` against the files, ``text_problems`` against the text;
a folder that fails either is prepared again by the caller, which has the text.
"""

import json
import re
import sys
from pathlib import Path

import numpy as np

from . import fileio
from .config import TOKENIZERS
from .i18n import _

FORMAT_VERSION = 1
META_NAME = "meta.json"
SPLIT_FILES = {"train": "train.bin", "val": "val.bin"}
FILE_TOKENIZERS = ("bpe", "sentencepiece")  # kept as a file in the run's folder
GPT2_VOCAB_SIZE = 50257  # tiktoken's "gpt2" encoding: 50,256 merges and <|endoftext|>


def token_dtype(vocab_size):
    """The smallest unsigned NumPy dtype used for IDs of ``vocab_size`` tokens."""
    return np.dtype(np.uint16) if vocab_size <= 65535 else np.dtype(np.uint32)


def read_meta(data_dir):
    """``meta.json`` of a prepared folder, or None if it is missing or unreadable."""
    try:
        meta = json.loads((Path(data_dir) / META_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


# Every field of meta.json and its type (bool is refused where an int is expected).
_META_FIELDS = {"format": int, "source": str, "sha256": str, "tokenizer": str,
                "vocab_size": int, "dtype": str, "val_fraction": float, "characters": int,
                "train_tokens": int, "val_tokens": int}


def _field_problems(meta):
    wrong = [key for key, kind in _META_FIELDS.items()
             if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool)]
    if meta.get("tokenizer") == "char" and not isinstance(meta.get("chars"), str):
        wrong.append("chars")
    return [_("{fields} missing or of the wrong type").format(fields=", ".join(wrong))] \
        if wrong else []


def _vocabulary_problems(meta):
    vocab_size, problems = meta["vocab_size"], []
    if meta["tokenizer"] == "char":
        chars = meta["chars"]
        if len(set(chars)) != len(chars):
            problems.append(_("its vocabulary repeats a character"))
        if len(chars) != vocab_size:
            problems.append(_("{n_chars} characters for a vocabulary of {vocab_size}")
                            .format(n_chars=len(chars), vocab_size=vocab_size))
    elif meta["tokenizer"] in FILE_TOKENIZERS and not re.fullmatch(
            r"[0-9a-f]{64}", str(meta.get("tokenizer_sha256"))):
        problems.append(_("tokenizer_sha256 is not a SHA-256 digest"))
    elif meta["tokenizer"] == "gpt2" and vocab_size != GPT2_VOCAB_SIZE:
        problems.append(_("vocab_size {vocab_size} is not GPT-2's {gpt2_vocab_size}")
                        .format(vocab_size=vocab_size, gpt2_vocab_size=GPT2_VOCAB_SIZE))
    separator = meta.get("separator_id")
    if separator is not None and (isinstance(separator, bool) or not isinstance(separator, int)
                                  or not 0 <= separator < vocab_size):
        problems.append(_("separator_id {separator} is outside the vocabulary")
                        .format(separator=repr(separator)))
    return problems


def meta_problems(meta, data_dir):
    """What in ``meta`` does not hold for the token files of ``data_dir`` (empty if all does).

    Every field is checked, and each file's size against its token count.
    """
    if not isinstance(meta, dict):
        return [_("it is not a JSON object")]
    problems = _field_problems(meta)
    if problems:
        return problems
    if meta["format"] != FORMAT_VERSION \
            or meta["tokenizer"] not in (*TOKENIZERS, *FILE_TOKENIZERS):
        return [_("format {format} or tokenizer {tokenizer} unknown")
                .format(format=repr(meta["format"]), tokenizer=repr(meta["tokenizer"]))]
    problems += _vocabulary_problems(meta)
    if meta["vocab_size"] < 1 or meta["dtype"] != token_dtype(meta["vocab_size"]).name:
        problems.append(_("dtype {dtype} does not fit {vocab_size} tokens")
                        .format(dtype=repr(meta["dtype"]), vocab_size=meta["vocab_size"]))
    if not 0.0 < meta["val_fraction"] < 1.0 or not re.fullmatch(r"[0-9a-f]{64}",
                                                                  meta["sha256"]):
        problems.append(_("val_fraction or sha256 out of range"))
    if meta["characters"] < 1 or meta["train_tokens"] < 0 or meta["val_tokens"] < 0:
        problems.append(_("a negative count"))
    return problems or _size_problems(meta, data_dir)


def _size_problems(meta, data_dir):
    itemsize, problems = np.dtype(meta["dtype"]).itemsize, []
    for split, name in SPLIT_FILES.items():
        expected = meta[f"{split}_tokens"] * itemsize
        try:
            size = (Path(data_dir) / name).stat().st_size
        except OSError as err:
            problems.append(_("{name} cannot be read ({reason})")
                            .format(name=name, reason=fileio.os_reason(err)))
            continue
        if size != expected:
            problems.append(_("{name} has {size:,} bytes, not {expected:,}")
                            .format(name=name, size=size, expected=expected))
    return problems


def text_problems(meta, text):
    """What in a text's ``meta`` does not hold for the text it was prepared from."""
    problems = []
    if meta["characters"] != len(text):
        problems.append(_("characters {characters:,}, the text has {n_chars:,}")
                        .format(characters=meta["characters"], n_chars=len(text)))
    if meta["tokenizer"] == "char" and meta["chars"] != "".join(sorted(set(text))):
        problems.append(_("its vocabulary is not the text's"))
    total = meta["train_tokens"] + meta["val_tokens"]
    if meta["train_tokens"] != int(total * (1.0 - meta["val_fraction"])):
        problems.append(_("its train/validation split is not the one of val_fraction"))
    return problems


def reused_meta(data_dir, wanted, problems_with_text, say=False):
    """The ``meta.json`` of ``data_dir`` if the folder holds what ``wanted`` asks, else None.

    ``wanted`` maps fields to the values they must have (the text's digest,
    the tokenizer, the split); ``problems_with_text(meta)`` checks the rest
    against the text. A damaged folder gives None, so that it is prepared
    again; ``say=True`` says so on stderr.
    """
    meta = read_meta(data_dir)
    if meta is None:
        problems = [_("it is not a readable JSON object")]
        if not (Path(data_dir) / META_NAME).exists():
            return None  # nothing there yet
    elif meta.get("format") != FORMAT_VERSION \
            or any(meta.get(key) != value for key, value in wanted.items()):
        return None  # another text, tokenizer or split (or an older format)
    else:
        problems = meta_problems(meta, data_dir) or problems_with_text(meta)
    if problems:
        if say:
            print(_("note: {meta_file} does not match its files or text ({problems}); "
                    "preparing the folder again")
                  .format(meta_file=data_dir / META_NAME, problems=_("; ").join(problems)),
                  file=sys.stderr)
        return None
    return meta


__all__ = ["FILE_TOKENIZERS", "FORMAT_VERSION", "GPT2_VOCAB_SIZE", "META_NAME", "SPLIT_FILES",
           "meta_problems",
           "read_meta", "reused_meta", "text_problems", "token_dtype"]
