"""Training data made of separate documents, with the separator placed by code.

A text file for ``train`` is one stream with no document boundaries;
conditioned fine-tuning (a tag such as ``Emotion: joy`` at the start of each
document) needs them. Documents (``FILE.jsonl`` or a folder of ``.txt``) are
encoded one by one and joined with a separator ID that no text can produce:
GPT-2's ``<|endoftext|>`` (the text goes through ``encode_ordinary``, so a
literal ``"<|endoftext|>"`` stays ordinary text), or for ``"char"`` an extra
last vocabulary entry that no document contains, so the unchanged
``CharTokenizer`` rebuilds it from checkpoints and ``meta.json``. The files
are those of ``data.prepare_tokens``, split by whole documents.
"""

import json
from pathlib import Path

import numpy as np

from . import data
from .errors import UserError
from .fileio import write_text
from .i18n import _

SEPARATOR_CANDIDATES = ("\x1e", "\ue000", "\ue001", "\ue002")
GOEMOTIONS_URL = ("https://raw.githubusercontent.com/google-research/google-research/master/"
                  "goemotions/data/")
GOEMOTIONS_FILES = ("train.tsv", "dev.tsv", "test.tsv", "emotions.txt")


class DocumentsError(UserError):
    """Documents that cannot be read or tokenised; the message says what to fix."""


def _check_documents(documents):
    if isinstance(documents, str) or not isinstance(documents, (list, tuple)):
        raise TypeError("documents must be a list of str (one entry per document)")
    if not documents:
        raise DocumentsError(_("there are no documents; give at least one non-empty document"))
    for i, doc in enumerate(documents):
        if not isinstance(doc, str):
            raise TypeError(f"document {i} is a {type(doc).__name__}, not a str")
        if not doc.strip():
            raise DocumentsError(_("document {i} is empty or only whitespace; remove it")
                                 .format(i=i))


def _read_jsonl(path):
    documents = []
    text = data.read_text_file(path)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as err:
            raise DocumentsError(_("{path}, line {number}: not valid JSON ({msg}); write one "
                                   "object {{\"text\": \"...\"}} per line")
                                 .format(path=path, number=number, msg=err.msg)) from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise DocumentsError(_("{path}, line {number}: expected an object with a \"text\" "
                                   "string, e.g. {{\"text\": \"...\"}}")
                                 .format(path=path, number=number))
        if not record["text"].strip():
            raise DocumentsError(_("{path}, line {number}: the \"text\" is empty; remove the line")
                                 .format(path=path, number=number))
        documents.append(record["text"])
    return documents


def read_documents(path):
    """The documents of ``FILE.jsonl`` (one ``{"text": ...}`` per line) or a folder of ``.txt``."""
    path = Path(path).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file())
        if not files:
            raise DocumentsError(_("{path} holds no .txt files; put one document per .txt file")
                                 .format(path=path))
        documents = [data.read_text_file(p) for p in files]
    elif path.is_file():
        if path.suffix != ".jsonl":
            raise DocumentsError(_("{path} is not a .jsonl file; give FILE.jsonl with one "
                                   "{{\"text\": ...}} per line, or a folder of .txt files")
                                 .format(path=path))
        documents = _read_jsonl(path)
    else:
        raise FileNotFoundError(_("no documents at {path}; give FILE.jsonl or a folder of .txt")
                                .format(path=path))
    if not documents:
        raise DocumentsError(_("{path} holds no documents")
                             .format(path=path))
    return documents


def char_tokenizer_for_documents(documents):
    """A ``CharTokenizer`` over the documents' characters plus a separator as its last entry.

    Returns ``(tokenizer, separator_id)``; the separator is a character that
    no document contains, so it can only enter the token stream by code.
    """
    _check_documents(documents)
    chars = set().union(*documents)
    separator = next((c for c in SEPARATOR_CANDIDATES if c not in chars), None)
    if separator is None:
        raise DocumentsError(_("the documents contain every candidate separator character "
                               "{separator_candidates!r}; remove them from the text")
                             .format(separator_candidates=SEPARATOR_CANDIDATES))
    tokenizer = data.CharTokenizer("".join(sorted(chars)) + separator)
    return tokenizer, tokenizer.n_vocab - 1


def document_tokenizer(kind, documents=None):
    """``(tokenizer, separator_id)`` for ``"gpt2"`` or ``"char"`` (char needs the documents),
    or for a tokenizer kept as a file (``bpe_tokenizer``), whose end-of-text token separates."""
    if not isinstance(kind, str) and getattr(kind, "eot_token", None) is not None:
        return kind, kind.eot_token
    if kind == "gpt2":
        from .assets import gpt2_tokenizer

        tokenizer = gpt2_tokenizer()
        return tokenizer, tokenizer.eot_token
    if kind == "char":
        if documents is None:
            raise TypeError("a char-level tokenizer is built from the documents; pass them")
        return char_tokenizer_for_documents(documents)
    raise DocumentsError(_("unknown tokenizer {kind!r}; use {tokenizers}")
                         .format(kind=kind, tokenizers=' or '.join(data.TOKENIZERS)))


def encode_document(text, tokenizer):
    """The IDs of one document's text, never containing a special token."""
    if hasattr(tokenizer, "encode_ordinary"):  # tiktoken: "<|endoftext|>" stays text
        return tokenizer.encode_ordinary(text)
    return tokenizer.encode(text)


def encode_documents(documents, tokenizer, separator_id):
    """Each document's IDs followed by ``separator_id``, as one flat list, plus the lengths.

    Returns ``(ids, lengths)`` where ``lengths[i]`` counts document ``i``'s
    tokens including its separator. ``DocumentsError`` if a document's own
    tokens already contain the separator ID.
    """
    _check_documents(documents)
    ids, lengths = [], []
    for i, doc in enumerate(documents):
        doc_ids = encode_document(doc, tokenizer)
        if separator_id in doc_ids:
            raise DocumentsError(_("document {i} encodes to the separator ID {separator_id}; use "
                                   "a tokenizer whose separator is not in the text")
                                 .format(i=i, separator_id=separator_id))
        ids.extend(doc_ids)
        ids.append(separator_id)
        lengths.append(len(doc_ids) + 1)
    return ids, lengths


def split_point(n_documents, val_fraction):
    """How many of ``n_documents`` are training documents (the rest validate)."""
    n_val = max(1, round(n_documents * val_fraction))
    if n_val >= n_documents:
        raise DocumentsError(_("{n_documents} document(s) cannot be split into training and "
                               "validation; give at least two documents")
                             .format(n_documents=n_documents))
    return n_documents - n_val


def documents_digest(documents):
    """SHA-256 of the documents as a list (a boundary moved changes it)."""
    _check_documents(documents)
    return data.text_digest(json.dumps(list(documents), ensure_ascii=False))


def _documents_problems(meta, documents):
    """What in a ``meta.json`` of documents does not hold for the documents."""
    problems = []
    if meta.get("documents") != len(documents) or meta.get("separator_id") is None:
        problems.append(_("the number of documents or the separator does not match"))
    if meta["characters"] != len("\n".join(documents)):
        problems.append(_("the number of characters does not match"))
    if meta["tokenizer"] == "char" and meta["chars"] != document_tokenizer("char",
                                                                            documents)[0].chars:
        problems.append(_("its vocabulary is not the documents'"))
    return problems


def prepare_documents(documents, tokenizer, data_dir, val_fraction=0.1, source=""):
    """Write ``train.bin``, ``val.bin`` and ``meta.json`` for documents; return the metadata.

    ``meta.json`` adds ``"documents"``, ``"val_documents"`` and
    ``"separator_id"`` to ``data.prepare_tokens``' fields. Validation holds the
    last ``val_fraction`` of the documents, whole. A folder that already holds
    the same documents, tokenizer and split is reused.
    """
    if isinstance(tokenizer, str) and tokenizer not in data.TOKENIZERS:
        raise DocumentsError(_("unknown tokenizer {tokenizer!r}; use {tokenizers}")
                             .format(tokenizer=tokenizer,
                                     tokenizers=' or '.join(data.TOKENIZERS)))
    if not 0.0 < val_fraction < 1.0:
        raise DocumentsError(_("the validation fraction must be in (0, 1), got {val_fraction!r}")
                             .format(val_fraction=val_fraction))
    digest = documents_digest(documents)
    data_dir = Path(data_dir)
    kind = tokenizer if isinstance(tokenizer, str) else data.tokenizer_spec(tokenizer)["kind"]
    wanted = {"sha256": digest, "tokenizer": kind, "val_fraction": val_fraction}
    if not isinstance(tokenizer, str):  # a tokenizer file: its digest names it
        wanted["tokenizer_sha256"] = tokenizer.sha256
    meta = data.reused_meta(data_dir, wanted, lambda meta: _documents_problems(meta, documents),
                            say=True)
    if meta is not None:
        return meta
    tok, separator_id = document_tokenizer(tokenizer, documents)
    ids, lengths = encode_documents(documents, tok, separator_id)
    n_train_docs = split_point(len(documents), val_fraction)
    n_train = sum(lengths[:n_train_docs])
    dtype = data.token_dtype(tok.n_vocab)
    ids = np.asarray(ids, dtype=dtype)

    meta = {
        "format": data.FORMAT_VERSION, "source": source, "sha256": digest,
        "tokenizer": kind, "vocab_size": int(tok.n_vocab), "dtype": dtype.name,
        "val_fraction": val_fraction, "characters": len("\n".join(documents)),
        "train_tokens": int(n_train), "val_tokens": int(len(ids) - n_train),
        "documents": len(documents), "val_documents": len(documents) - n_train_docs,
        "separator_id": int(separator_id),
    }
    if tokenizer == "char":
        meta["chars"] = tok.chars
    if "tokenizer_sha256" in wanted:
        meta["tokenizer_sha256"] = wanted["tokenizer_sha256"]
    data_dir.mkdir(parents=True, exist_ok=True)
    return data.write_token_files(data_dir, ids, n_train, meta)


def read_emotions(path):
    """GoEmotions' ``emotions.txt``: one emotion name per line, line ``i`` being label ``i``."""
    names = [line.strip() for line in data.read_text_file(path).splitlines()]
    names = [name for name in names if name]
    if len(set(names)) != len(names):
        raise DocumentsError(_("{path} repeats an emotion name; give GoEmotions' emotions.txt")
                             .format(path=path))
    return names


def _goemotions_row(line, emotions, where):
    fields = line.split("\t")
    if len(fields) != 3:
        raise DocumentsError(_("{where}: expected 3 tab-separated fields (text, label IDs, "
                               "comment ID), got {n_fields}; is this a GoEmotions .tsv file?")
                             .format(where=where, n_fields=len(fields)))
    text, labels, _comment_id = fields
    try:
        ids = [int(label) for label in labels.split(",")]
    except ValueError:
        raise DocumentsError(_("{where}: the labels {labels!r} are not comma-separated integers")
                             .format(where=where, labels=labels)) from None
    bad = [i for i in ids if not 0 <= i < len(emotions)]
    if bad:
        raise DocumentsError(_("{where}: label {value2} is outside the {n_emotions} emotions of "
                               "the emotions file; give the emotions.txt of the same release")
                             .format(where=where, value2=bad[0], n_emotions=len(emotions)))
    return text.strip(), [emotions[i] for i in ids]


def format_emotion_document(text, emotions):
    """The seed's format: ``"Emotion: joy\\nText: ..."`` (several emotions joined by ", ")."""
    return f"Emotion: {', '.join(emotions)}\nText: {text}"


def goemotions_documents(tsv_paths, emotions_path):
    """Documents from GoEmotions' ``train.tsv``/``dev.tsv``/``test.tsv`` and ``emotions.txt``.

    Each TSV line is ``text<TAB>label IDs (e.g. 3,27)<TAB>comment ID``; each
    becomes one document in the format of ``format_emotion_document``.
    Lines whose text is empty are skipped.
    """
    if isinstance(tsv_paths, (str, Path)):
        tsv_paths = [tsv_paths]
    emotions = read_emotions(emotions_path)
    documents = []
    for path in tsv_paths:
        for number, line in enumerate(data.read_text_file(path).splitlines(), start=1):
            if not line.strip():
                continue
            text, names = _goemotions_row(line, emotions, f"{path}, line {number}")
            if text:
                documents.append(format_emotion_document(text, names))
    return documents


def write_jsonl(documents, path):
    """Write documents as ``FILE.jsonl`` (one ``{"text": ...}`` per line), atomically."""
    _check_documents(documents)
    lines = "".join(json.dumps({"text": doc}, ensure_ascii=False) + "\n" for doc in documents)
    return write_text(path, lines)


__all__ = ["DocumentsError", "GOEMOTIONS_FILES", "GOEMOTIONS_URL", "SEPARATOR_CANDIDATES",
           "char_tokenizer_for_documents", "document_tokenizer", "encode_document",
           "documents_digest", "encode_documents",
           "format_emotion_document", "goemotions_documents", "prepare_documents",
           "read_documents", "read_emotions", "write_jsonl"]
