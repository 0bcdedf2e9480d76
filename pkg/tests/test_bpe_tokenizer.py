"""The teaching byte-level BPE (``bpe``) and the library one (``bpe_tokenizer``) agree.

On the same Japanese text both learn the same merges once ties are broken
in the same byte order; with the teaching default (a byte's value) the
first tie between bytes 0x80..0xA0 and 0xA1..0xFF goes the other way, and
the test shows that this is the only difference.
"""

import io

import pytest

from llms_from_scratch import assets, bpe
from llms_from_scratch.bpe_tokenizer import (
    EOT,
    TokenizerFileError,
    load_bpe_tokenizer,
    train_bpe_tokenizer,
)
from llms_from_scratch.tokenizer_table import print_chars_per_token_table

pytest.importorskip("tokenizers")


@pytest.fixture(scope="module")
def neko():
    return assets.read_text("wagahaiwa-nekodearu")


def _teaching_merges(merges, vocab):
    return [(vocab[a], vocab[b]) for a, b in merges]


def test_incremental_counts_give_the_notebooks_merges():
    """The merges of a full recount per merge (chapter 2's way) on a small text."""
    from collections import Counter

    text = "the cat and the hat, then the rat sat on that mat. 猫の手も借りたい。猫と猫。" * 3
    words = [[list(c.encode()), n] for c, n in Counter(bpe.pretokenize(text)).items()]
    expected = []
    for step in range(60):
        counts = Counter()
        for ids, n in words:
            for pair in bpe.adjacent_pairs(ids):
                counts[pair] += n
        if not counts:
            break
        pair = max(counts, key=lambda p: (counts[p], -p[0], -p[1]))
        expected.append(pair)
        for word in words:
            word[0] = bpe.merge_pair(word[0], pair, 256 + step)
    merges, _ = bpe.train_bpe(text, 60)
    assert list(merges) == expected


def test_library_and_teaching_version_learn_the_same_merges(neko):
    text = neko[:10000]
    ours = train_bpe_tokenizer(text, 1 + 256 + 200)
    library = ours.merges()
    same_order = _teaching_merges(*bpe.train_bpe(text, 200, byte_order=bpe.gpt2_byte_order()))
    assert library == same_order
    by_value = _teaching_merges(*bpe.train_bpe(text, 200))
    first = next(i for i, (a, b) in enumerate(zip(library, by_value, strict=True)) if a != b)
    assert library[:first] == by_value[:first] and first > 0
    # There both pairs occur equally often in the text as merged so far: a tie.
    from collections import Counter

    merges, vocab = bpe.train_bpe(text, first)
    counts = Counter()
    for chunk, n in Counter(bpe.pretokenize(text)).items():
        for a, b in bpe.adjacent_pairs(bpe.encode_chunk(chunk, merges)):
            counts[vocab[a], vocab[b]] += n
    assert counts[library[first]] == counts[by_value[first]] == max(counts.values())


def test_same_segmentation_of_held_out_text(neko):
    train, held_out = neko[:10000], neko[20000:23000]
    merges, vocab = bpe.train_bpe(train, 200, byte_order=bpe.gpt2_byte_order())
    library = train_bpe_tokenizer(train, 1 + 256 + 200)
    ours = bpe.encode(held_out, merges)
    theirs = library.encode_ordinary(held_out)
    assert [vocab[i] for i in ours] == [library.decode_single_token_bytes(i) for i in theirs]
    assert library.decode(theirs) == held_out == bpe.decode(ours, vocab)


def test_tokenizer_file_round_trip_and_special_token(tmp_path, neko):
    tok = train_bpe_tokenizer([neko[:5000], neko[5000:10000]], 600)
    assert tok.n_vocab == 600 and tok.eot_token == 0
    path = tok.save(tmp_path / "tokenizer.json")
    again = load_bpe_tokenizer(path)
    text = "吾輩は猫である。<|endoftext|>🐈 Ünïcödé"
    assert again.encode_ordinary(text) == tok.encode_ordinary(text)
    assert again.decode(again.encode_ordinary(text)) == text
    assert 0 not in again.encode_ordinary(text)  # written in a text, it is text
    assert again.encode(text, allowed_special={EOT}).count(0) == 1
    assert again.sha256 == tok.sha256


def test_trainer_takes_files_and_folders(tmp_path, neko):
    from llms_from_scratch.bpe_tokenizer import train_bpe_tokenizer_on_files

    (tmp_path / "works").mkdir()
    (tmp_path / "works" / "a.txt").write_text(neko[:3000])
    (tmp_path / "works" / "b.txt").write_text(neko[3000:6000])
    (tmp_path / "c.txt").write_text(neko[6000:9000])
    from_files = train_bpe_tokenizer_on_files([tmp_path / "works", tmp_path / "c.txt"], 400)
    from_texts = train_bpe_tokenizer([neko[:3000], neko[3000:6000], neko[6000:9000]], 400)
    assert from_files.merges() == from_texts.merges()


def test_bad_tokenizer_files_are_one_line(tmp_path):
    (tmp_path / "garbage.json").write_text("{not json")
    for path, words in [(tmp_path / "missing.json", "no tokenizer file"),
                        (tmp_path / "garbage.json", "cannot read the tokenizer")]:
        with pytest.raises(TokenizerFileError, match=words) as err:
            load_bpe_tokenizer(path)
        assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="at least 258"):
        train_bpe_tokenizer("猫", 100)


def test_chars_per_token_table(neko):
    out = io.StringIO()
    rows = print_chars_per_token_table(neko[:30000], neko[30000:33000], sizes=(500, 1500),
                                       emb_dim=64, out=out)
    names = [r["tokenizer"] for r in rows]
    assert names == ["characters", "GPT-2 BPE", "byte-level BPE 500", "byte-level BPE 1,500"]
    assert rows[0]["chars_per_token"] == 1.0
    assert rows[1]["embedding_params"] == 50257 * 64
    assert rows[2]["chars_per_token"] < rows[3]["chars_per_token"]  # more merges, longer
    for r in rows[1:]:
        assert r["chars_per_token"] == pytest.approx(3000 / r["tokens"])
    assert "chars/token" in out.getvalue() and "1,500" in out.getvalue()
