import json

import pytest

from llms_from_scratch import data, documents
from llms_from_scratch.documents import DocumentsError

DOCS = ["ROMEO:\nBut soft, what light?", "JULIET:\nO Romeo, Romeo!",
        "NURSE:\nAnon, anon!", "ROMEO:\nI take thee at thy word."]


def _read_split(tmp_path, meta, split):
    return [int(i) for i in data.load_split(tmp_path, meta, split)]


def test_gpt2_documents_end_with_the_real_endoftext(tokenizer):
    ids, lengths = documents.encode_documents(DOCS, tokenizer, tokenizer.eot_token)
    assert tokenizer.eot_token == 50256
    assert ids.count(50256) == len(DOCS)
    assert sum(lengths) == len(ids)
    start = 0
    for doc, n in zip(DOCS, lengths):
        assert ids[start + n - 1] == 50256
        assert tokenizer.decode(ids[start:start + n - 1]) == doc
        start += n


def test_gpt2_literal_endoftext_in_a_document_stays_text(tokenizer):
    docs = ["a <|endoftext|> b", "second"]
    ids, lengths = documents.encode_documents(docs, tokenizer, tokenizer.eot_token)
    assert ids.count(50256) == 2  # only the two placed by code
    assert tokenizer.decode(ids[:lengths[0] - 1]) == docs[0]


def test_char_separator_is_a_character_outside_every_document():
    tok, sep = documents.char_tokenizer_for_documents(DOCS)
    assert sep == tok.n_vocab - 1
    assert tok.chars[sep] not in "".join(DOCS)
    ids, lengths = documents.encode_documents(DOCS, tok, sep)
    assert ids.count(sep) == len(DOCS)
    assert tok.decode(ids[:lengths[0] - 1]) == DOCS[0]


def test_char_separator_moves_aside_when_the_text_contains_the_first_candidate():
    docs = ["has \x1e inside", "plain"]
    tok, sep = documents.char_tokenizer_for_documents(docs)
    assert tok.chars[sep] == documents.SEPARATOR_CANDIDATES[1]
    ids, _ = documents.encode_documents(docs, tok, sep)
    assert ids.count(sep) == 2


@pytest.mark.parametrize("kind", ["char", "gpt2"])
def test_prepare_documents_splits_by_whole_documents(tmp_path, kind):
    meta = documents.prepare_documents(DOCS, kind, tmp_path, val_fraction=0.25)
    assert meta["documents"] == 4 and meta["val_documents"] == 1
    tok = data.tokenizer_from_meta(data.read_meta(tmp_path))  # the unchanged reader
    assert tok.n_vocab == meta["vocab_size"]
    sep = meta["separator_id"]
    train_ids = _read_split(tmp_path, meta, "train")
    val_ids = _read_split(tmp_path, meta, "val")
    assert train_ids.count(sep) == 3 and train_ids[-1] == sep
    assert val_ids.count(sep) == 1 and val_ids[-1] == sep
    assert documents.encode_document(tok.decode(val_ids[:-1]), tok) == val_ids[:-1]
    assert tok.decode(val_ids[:-1]) == DOCS[-1]


def test_read_documents_from_jsonl_and_folder(tmp_path):
    jsonl = tmp_path / "docs.jsonl"
    documents.write_jsonl(DOCS, jsonl)
    assert documents.read_documents(jsonl) == DOCS
    folder = tmp_path / "folder"
    folder.mkdir()
    for i, doc in enumerate(DOCS):
        (folder / f"{i:02d}.txt").write_text(doc, encoding="utf-8")
    (folder / "notes.md").write_text("not a document", encoding="utf-8")
    assert documents.read_documents(folder) == DOCS


@pytest.mark.parametrize("line, words", [
    ("not json", "line 2: not valid JSON"),
    ('{"body": "x"}', 'expected an object with a "text"'),
    ('{"text": "  "}', "empty"),
])
def test_bad_jsonl_lines_name_the_line(tmp_path, line, words):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"text": "fine"}) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DocumentsError, match=words):
        documents.read_documents(path)


def test_bad_inputs_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError):
        documents.read_documents(tmp_path / "missing.jsonl")
    with pytest.raises(DocumentsError, match="no .txt files"):
        documents.read_documents(tmp_path)
    with pytest.raises(DocumentsError, match="at least two documents"):
        documents.prepare_documents(["only one"], "char", tmp_path)
    with pytest.raises(DocumentsError, match="unknown tokenizer"):
        documents.prepare_documents(DOCS, "bpe", tmp_path)
    with pytest.raises(TypeError):
        documents.encode_documents("one string", None, 0)


def _write_goemotions(folder):
    # The published layout: emotions.txt with one name per line (line i = label i),
    # and TSV rows "text<TAB>comma-separated label IDs<TAB>comment ID".
    names = ["admiration", "amusement", "anger", "joy", "neutral"]
    (folder / "emotions.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    rows = ["This made my day!\t3\teebbqej",
            "Oh well, [NAME] tried.\t1,4\ted00q6i",
            "Why would you \"do\" that\t2\teezlygj"]
    (folder / "train.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "dev.tsv").write_text("Nice work\t0\tee4z1xh\n", encoding="utf-8")


def test_goemotions_tsv_becomes_documents_in_the_seed_format(tmp_path):
    _write_goemotions(tmp_path)
    docs = documents.goemotions_documents([tmp_path / "train.tsv", tmp_path / "dev.tsv"],
                                          tmp_path / "emotions.txt")
    assert docs == ["Emotion: joy\nText: This made my day!",
                    "Emotion: amusement, neutral\nText: Oh well, [NAME] tried.",
                    'Emotion: anger\nText: Why would you "do" that',
                    "Emotion: admiration\nText: Nice work"]


@pytest.mark.parametrize("row, words", [
    ("text only", "expected 3 tab-separated fields"),
    ("text\tjoy\tabc", "the labels 'joy' are not comma-separated integers"),
    ("text\t9\tabc", "label 9 is outside the 5 emotions"),
])
def test_goemotions_bad_rows_name_file_and_line(tmp_path, row, words):
    _write_goemotions(tmp_path)
    (tmp_path / "bad.tsv").write_text("fine\t0\tx\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DocumentsError, match=f"line 2: {words}"):
        documents.goemotions_documents(tmp_path / "bad.tsv", tmp_path / "emotions.txt")


# -- llms-from-scratch train --documents ---------------------------------------------------

TINY_TRAIN = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--context-length", "8",
              "--batch-size", "2", "--eval-iters", "1", "--sample-tokens", "0", "--no-progress",
              "--warmup-iters", "1", "--max-iters", "2", "--device", "cpu"]


def _train(capsys, *argv):
    from llms_from_scratch import cli

    code = cli.main(["train", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.err


@pytest.mark.parametrize("kind", ["char", "gpt2", "bpe:300"])
def test_train_accepts_documents_and_places_the_separator(capsys, tmp_path, kind):
    import torch

    jsonl = tmp_path / "docs.jsonl"
    docs = [d + " <|endoftext|> stays text" for d in DOCS] * 3
    documents.write_jsonl(docs, jsonl)
    code, err = _train(capsys, "--documents", jsonl, "--tokenizer", kind, "--data-dir",
                       tmp_path / "tokens", "--out-dir", tmp_path / "out", *TINY_TRAIN)
    assert code == 0, err
    meta = data.read_meta(tmp_path / "tokens")
    assert meta["documents"] == 12 and meta["val_documents"] == 1
    sep = meta["separator_id"]
    # GPT-2's and our BPE's <|endoftext|>; the char tokenizer's extra last character
    assert sep == {"gpt2": 50256, "bpe:300": 0}.get(kind, meta["vocab_size"] - 1)
    ids = _read_split(tmp_path / "tokens", meta, "train") \
        + _read_split(tmp_path / "tokens", meta, "val")
    assert ids.count(sep) == 12  # one per document, none from the literal text
    ckpt = torch.load(tmp_path / "out" / "ckpt.pt", weights_only=True)
    assert ckpt["config"]["vocab_size"] == meta["vocab_size"]
    if kind.startswith("bpe"):  # the tokenizer file, learned from the training documents
        from llms_from_scratch.bpe_tokenizer import load_bpe_tokenizer

        tokenizer = load_bpe_tokenizer(tmp_path / "out" / "tokenizer.json")
        assert meta["tokenizer"] == "bpe" and meta["tokenizer_sha256"] == tokenizer.sha256
        assert tokenizer.decode(ids[:ids.index(sep)]) == docs[0]


def test_train_refuses_text_and_documents_together(capsys, tmp_path):
    jsonl = tmp_path / "docs.jsonl"
    documents.write_jsonl(DOCS, jsonl)
    code, err = _train(capsys, "--documents", jsonl, "--text", jsonl, "--out-dir",
                       tmp_path / "out", *TINY_TRAIN)
    assert code == 1 and "either --text or --documents" in err and err.count("\n") == 1


def test_train_says_which_documents_line_is_bad(capsys, tmp_path):
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text('{"text": "ok"}\n{"body": 1}\n', encoding="utf-8")
    code, err = _train(capsys, "--documents", jsonl, "--out-dir", tmp_path / "out",
                       *TINY_TRAIN)
    assert code == 1 and "line 2" in err and "Traceback" not in err


def test_prepared_documents_are_reused(tmp_path):
    meta = documents.prepare_documents(DOCS, "char", tmp_path, val_fraction=0.25)
    before = (tmp_path / "train.bin").stat().st_mtime_ns
    assert documents.prepare_documents(DOCS, "char", tmp_path, val_fraction=0.25) == meta
    assert (tmp_path / "train.bin").stat().st_mtime_ns == before
    moved = [DOCS[0] + DOCS[1]] + DOCS[2:]  # same text, one boundary fewer
    assert documents.prepare_documents(moved, "char", tmp_path, 0.5)["documents"] == 3
