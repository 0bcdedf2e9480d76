"""The ``train`` command's data: which text, which folder, prepared once, checked.

In a distributed run rank 0 prepares the token files and the others wait.
Every failure is a ``TrainError`` that names the flag to change.
"""

from pathlib import Path

from . import fileio
from .config import TrainError, flag
from .data import load_split, prepare_tokens, text_digest, tokenizer_from_meta, tokenizer_identity
from .i18n import _
from .tokenmeta import META_NAME, SPLIT_FILES, meta_problems, read_meta


def _default_data_dir(cfg, digest, tokenizer=None):
    from .assets import cache_dir

    if cfg["text"] is not None:
        first = cfg["text"] if isinstance(cfg["text"], str) else cfg["text"][0]
        stem = Path(first).stem or "text"
        name = f"{stem}-{digest[:12]}"
    elif cfg["documents"] is not None:
        stem = Path(cfg["documents"]).stem or "documents"
        name = f"{stem}-docs-{digest[:12]}"
    else:
        name = cfg["dataset"]
    if tokenizer is not None:  # a tokenizer file: its kind and digest name the tokens
        kind, tokenizer_digest = tokenizer_identity(tokenizer)
        return cache_dir() / "tokens" / f"{name}-{kind}-{tokenizer_digest[:12]}"
    return cache_dir() / "tokens" / f"{name}-{cfg['tokenizer']}"


def _read_source(cfg):
    """(text, source label) of ``--text`` or ``--dataset``."""
    if cfg["text"] is not None:
        from .texts import read_texts

        paths = [cfg["text"]] if isinstance(cfg["text"], str) else cfg["text"]
        return _read_given(read_texts, paths, cfg, "text"), ", ".join(str(p) for p in paths)
    from . import assets

    try:
        return assets.read_text(cfg["dataset"]), cfg["dataset"]
    except assets.DownloadError as err:
        raise TrainError(str(err)) from None


def _read_documents(cfg):
    """The documents of ``--documents`` (``TrainError`` naming the flag if unreadable)."""
    from .documents import read_documents

    return _read_given(read_documents, cfg["documents"], cfg, "documents")


def _read_given(read, paths, cfg, name):
    """``read(paths)``; a failure is a ``TrainError`` that names the flag ``--<name>``."""
    try:
        return read(paths)
    except FileNotFoundError as err:
        raise TrainError(_("{err}; check the path given to {flag}")
                         .format(err=err, flag=flag(name))) from None
    except OSError as err:
        raise TrainError(_("cannot read {flag} {path} ({strerror}); check the path and its "
                           "permissions")
                         .format(flag=flag(name), path=cfg[name],
                                 strerror=fileio.os_reason(err))) from None
    except ValueError as err:  # not UTF-8, or empty; a DocumentsError
        raise TrainError(str(err)) from None


def _prepare_on_main(text, source, cfg, data_dir, tokenizer=None):
    """Token files of a text, or of a list of documents (separator placed by code)."""
    from .assets import DownloadError
    from .documents import prepare_documents

    try:
        if isinstance(text, list):
            return prepare_documents(text, tokenizer or cfg["tokenizer"], data_dir,
                                     cfg["val_fraction"], source=source)
        return prepare_tokens(text, tokenizer or cfg["tokenizer"], data_dir,
                              cfg["val_fraction"], source=source)
    except DownloadError as err:  # GPT-2's tokenizer files
        raise TrainError(str(err)) from None
    except OSError as err:
        raise TrainError(_("cannot write the token files to {data_dir} ({strerror}); choose "
                           "another --data-dir")
                         .format(data_dir=data_dir, strerror=fileio.os_reason(err))) from None


def prepare_data(cfg, dist=None):
    """Tokenise the configured text once; return ``(data_dir, meta)``.

    In a distributed run (``dist``, a ``distributed.Dist``) rank 0 prepares
    the files while the others wait.
    """
    return prepare_run_data(cfg, dist)[:2]


def _run_tokenizer(cfg, text, is_main):
    """The tokenizer object of a ``--tokenizer`` kept as a file, else None."""
    from .tokenizer_choice import run_tokenizer

    if cfg["tokenizer"] in ("char", "gpt2"):
        return None
    if isinstance(text, list):  # documents: learn from the training documents only
        from .documents import split_point

        training_split = "\n".join(text[:split_point(len(text), cfg["val_fraction"])])
    else:
        training_split = text[:int(len(text) * (1.0 - cfg["val_fraction"]))]
    return run_tokenizer(cfg, training_split, is_main)


def prepare_run_data(cfg, dist=None):
    """``(data_dir, meta, tokenizer)``: ``prepare_data``'s result and the tokenizer object of
    a ``--tokenizer`` kept as a file in ``--out-dir`` (None for char and gpt2)."""
    if cfg["documents"] is not None:
        from .documents import documents_digest

        text, source = _read_documents(cfg), str(cfg["documents"])
        digest = documents_digest(text)
    else:
        text, source = _read_source(cfg)
        digest = text_digest(text)
    is_main = dist is None or dist.is_main
    tokenizer = _run_tokenizer(cfg, text, is_main)
    data_dir = Path(cfg["data_dir"]).expanduser() if cfg["data_dir"] else \
        _default_data_dir(cfg, digest, tokenizer)
    if is_main:
        meta = _prepare_on_main(text, source, cfg, data_dir, tokenizer)
    if dist is not None:
        dist.barrier()
    if not is_main:
        meta = read_meta(data_dir)
        if meta is None or meta.get("sha256") != digest or (
                tokenizer is not None and meta.get("tokenizer_sha256") != tokenizer.sha256):
            raise TrainError(_("rank 0 did not prepare {data_dir}; is the folder shared?")
                             .format(data_dir=data_dir))
    check_meta(meta, data_dir)
    for split in ("train", "val"):
        if meta[f"{split}_tokens"] <= cfg["context_length"]:
            raise TrainError(
                _("the {split} split has only {n_tokens} tokens, not more than the context "
                  "length {context_length}; use a longer text or a shorter --context-length")
                .format(split=split, n_tokens=meta[f"{split}_tokens"],
                        context_length=cfg["context_length"]))
    return data_dir, meta, tokenizer


def check_meta(meta, data_dir):
    """``meta.json`` must describe the token files fully, or training would crash later."""
    problems = meta_problems(meta, data_dir)
    if problems:
        raise TrainError(_("{meta_file} does not match the token files ({problems}); delete "
                           "the folder {data_dir} to prepare the data again")
                         .format(meta_file=data_dir / META_NAME, problems=_("; ").join(problems),
                                 data_dir=data_dir))


def _check_token_ids(data_dir, meta, split, tokens, chunk=1 << 22):
    """Every token ID must be in the vocabulary: catches token files damaged in place."""
    vocab_size = meta["vocab_size"]
    for start in range(0, len(tokens), chunk):
        block = tokens[start:start + chunk]
        if len(block) and int(block.max()) >= vocab_size:
            raise TrainError(
                _("{data_dir} holds token ID {max} but the vocabulary has {vocab_size} tokens; "
                  "the file is corrupt: delete the folder {data_dir2} to prepare the data again")
                .format(data_dir=data_dir / SPLIT_FILES[split], max=int(block.max()),
                        vocab_size=vocab_size, data_dir2=data_dir))


def load_splits(data_dir, meta):
    """``(train_tokens, val_tokens)``, memory-mapped and checked against the vocabulary."""
    splits = []
    for split in ("train", "val"):
        try:
            tokens = load_split(data_dir, meta, split)
        except ValueError as err:
            raise TrainError(str(err)) from None
        _check_token_ids(data_dir, meta, split, tokens)
        splits.append(tokens)
    return tuple(splits)


def tokenizer_for_training(meta):
    """The tokenizer of prepared data (``TrainError`` if GPT-2's files cannot be had)."""
    from .assets import DownloadError

    try:
        return tokenizer_from_meta(meta)
    except DownloadError as err:
        raise TrainError(str(err)) from None
