"""Japanese GPT-2 folders (rinna's layout) in the book's GPTModel, checked against transformers.

Each test builds a folder as rinna's repositories hold it: ``config.json`` and
the weights of a random ``GPT2LMHeadModel`` (``model.safetensors`` from
``save_pretrained``, or ``pytorch_model.bin``, its ``torch.save``'d
state_dict), a SentencePiece ``spiece.model`` trained here on a little
Japanese text, and ``tokenizer_config.json``. Nothing reaches the
network: the Hub is a local server (``fake_hub``).
"""

import functools
import io
import json
import shutil

import pytest
import torch

from llms_from_scratch import assets, ch05
from llms_from_scratch.cli import main
from llms_from_scratch.japanese_gpt2 import (
    JapaneseGPT2Error,
    load_japanese_gpt2,
    read_japanese_gpt2,
)

transformers = pytest.importorskip("transformers")
sentencepiece = pytest.importorskip("sentencepiece")

TEXT = ("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"
        "何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。"
        "吾輩はここで始めて人間というものを見た。しかもあとで聞くとそれは書生という"
        "人間中で一番獰悪な種族であったそうだ。Ｔｈｅ Cat は ABC と書いた。\n")
# (n_embd, n_head, n_layer, extra vocabulary beyond the pieces, tied, weight format)
SHAPES = {
    "tied-safetensors": (48, 4, 2, 0, True, "safetensors"),
    "untied-bin-padded": (36, 3, 3, 13, False, "bin"),
}


@functools.cache
def _spiece_bytes(vocab_size=500):
    """A SentencePiece model of the start of 吾輩は猫である (and TEXT), as rinna's is built."""
    text = assets.read_text("wagahaiwa-nekodearu")[:3000] + TEXT
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(text.replace("。", "。\n").splitlines()),
        model_writer=model, vocab_size=vocab_size, character_coverage=1.0,
        model_type="unigram", bos_id=1, eos_id=2, unk_id=0, pad_id=3, minloglevel=2)
    return model.getvalue()


def _spiece(folder):
    (folder / "spiece.model").write_bytes(_spiece_bytes())


def build_folder(folder, shape, seed=0):
    """A folder in rinna's layout; returns transformers' model of it."""
    n_embd, n_head, n_layer, extra, tied, weights = SHAPES[shape]
    folder.mkdir(parents=True)
    _spiece(folder)
    n_pieces = sentencepiece.SentencePieceProcessor(
        model_file=str(folder / "spiece.model")).get_piece_size()
    config = transformers.GPT2Config(
        vocab_size=n_pieces + extra, n_positions=40, n_embd=n_embd, n_layer=n_layer,
        n_head=n_head, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        activation_function="gelu_new", layer_norm_epsilon=1e-5, tie_word_embeddings=tied,
        bos_token_id=1, eos_token_id=2)
    torch.manual_seed(seed)
    model = transformers.GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ln_" not in name and "ln_f" not in name:
                p.normal_(0.0, 0.3)
            else:
                p.add_(0.1 * torch.randn_like(p))
    model.save_pretrained(folder)  # config.json and model.safetensors
    if weights == "bin":  # the older format: transformers >= 5 writes only safetensors, and
        # its earlier versions wrote this with safe_serialization=False: torch.save(state_dict)
        torch.save(model.state_dict(), folder / "pytorch_model.bin")
        (folder / "model.safetensors").unlink()
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"do_lower_case": True, "tokenizer_class": "T5Tokenizer", "eos_token": "</s>"}))
    return model


@pytest.mark.parametrize("shape", list(SHAPES))
def test_logits_and_greedy_tokens_match_transformers(tmp_path, shape):
    hf = build_folder(tmp_path / "model", shape)
    weights = "model.safetensors" if SHAPES[shape][5] == "safetensors" else "pytorch_model.bin"
    assert (tmp_path / "model" / weights).is_file()
    model, tokenizer = load_japanese_gpt2(tmp_path / "model")
    assert (model.out_head.weight is model.tok_emb.weight) == SHAPES[shape][4]
    ids = tokenizer.encode("吾輩は猫である。")
    assert ids and ids[-1] != tokenizer.eot_token  # no </s> appended to a prompt
    x = torch.tensor([ids + tokenizer.encode("名前はまだ無い")])
    with torch.no_grad():
        ours, theirs = model(x), hf(x).logits
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)
    prompt = torch.tensor([ids])
    expected = hf.generate(prompt, max_new_tokens=15, do_sample=False, eos_token_id=2,
                           pad_token_id=3)[0, len(ids):].tolist()
    if 2 in expected:  # transformers keeps the end-of-sequence token; ours stops before it
        expected = expected[:expected.index(2)]
    got = ch05.generate(model, prompt, 15, 40, eos_id=tokenizer.eot_token)[0, len(ids):]
    assert got.tolist() == expected


def test_generate_command_prints_transformers_greedy_continuation(tmp_path, capsys):
    hf = build_folder(tmp_path / "model", "untied-bin-padded", seed=3)
    sp = sentencepiece.SentencePieceProcessor(model_file=str(tmp_path / "model/spiece.model"))
    prompt = "吾輩は猫である。"
    ids = sp.encode(prompt.lower())
    out = hf.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False,
                      eos_token_id=2, pad_token_id=3)[0, len(ids):].tolist()
    out = out[:out.index(2)] if 2 in out else out
    pieces = "".join(sp.id_to_piece(i) for i in out if not sp.is_control(i))
    assert main(["generate", "--model", str(tmp_path / "model"), "--prompt", prompt,
                 "--temperature", "0", "--max-new-tokens", "12", "--device", "cpu",
                 "--no-echo-prompt"]) == 0
    assert capsys.readouterr().out == pieces.replace("\u2581", " ") + "\n"


def test_generate_from_a_hub_repository(tmp_path, fake_hub, capsys):
    root, hits = fake_hub
    build_folder(root / "rinna" / "japanese-gpt2-small", "tied-safetensors")
    assert main(["generate", "--model", "rinna/japanese-gpt2-small", "--prompt",
                 "吾輩は猫である。", "--temperature", "0", "--max-new-tokens", "5",
                 "--device", "cpu"]) == 0
    assert capsys.readouterr().out.strip()
    asked = {path.rsplit("/", 1)[-1] for _, path in hits}
    assert {"config.json", "spiece.model", "model.safetensors"} <= asked


def test_lower_casing_follows_the_tokenizer_config(tmp_path):
    build_folder(tmp_path / "model", "tied-safetensors")
    tokenizer = read_japanese_gpt2(tmp_path / "model").tokenizer
    assert tokenizer.encode("ABC") == tokenizer.encode("abc")
    (tmp_path / "model" / "tokenizer_config.json").write_text('{"do_lower_case": false}')
    tokenizer = read_japanese_gpt2(tmp_path / "model").tokenizer
    assert tokenizer.encode("ABC") != tokenizer.encode("abc")


@pytest.mark.parametrize("damage, words", [
    ("no-spiece", "has no spiece.model"),
    ("no-weights", "neither model.safetensors nor pytorch_model.bin"),
    ("small-vocab", "pieces but config.json's vocab_size"),
    ("other-shape", "does not fit"),
    ("no-config", "has no config.json"),
])
def test_broken_folders_are_one_line(tmp_path, capsys, damage, words):
    folder = tmp_path / "model"
    build_folder(folder, "tied-safetensors")
    config = json.loads((folder / "config.json").read_text())
    if damage == "no-spiece":
        (folder / "spiece.model").unlink()
    elif damage == "no-weights":
        (folder / "model.safetensors").unlink()
    elif damage == "small-vocab":
        config["vocab_size"] = 50
    elif damage == "other-shape":
        config["n_positions"] = 64
    elif damage == "no-config":
        (folder / "config.json").unlink()
    if damage in ("small-vocab", "other-shape"):
        (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(JapaneseGPT2Error, match=words):
        read_japanese_gpt2(folder)
    capsys.readouterr()  # what building the folder printed
    assert main(["generate", "--model", str(folder), "--prompt", "猫", "--device", "cpu"]) == 1
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1


def test_a_pickled_payload_in_pytorch_model_bin_is_refused(tmp_path):
    folder = tmp_path / "model"
    build_folder(folder, "untied-bin-padded")
    torch.save({"x": shutil.copyfile}, folder / "pytorch_model.bin")  # a function: refused
    with pytest.raises(JapaneseGPT2Error, match="cannot read .* safely"):
        read_japanese_gpt2(folder)


def test_an_unreachable_hub_is_one_line(unreachable_hub, tmp_path, capsys):
    argv = ["generate", "--model", "rinna/japanese-gpt2-small", "--prompt", "猫",
            "--device", "cpu"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "could not download" in err and "rinna/japanese-gpt2-small" in err
    assert err.count("\n") == 1
    text = tmp_path / "t.txt"
    text.write_text("吾輩は猫である。" * 50)
    assert main(["train", "--init-from", "rinna/japanese-gpt2-small", "--text", str(text),
                 "--out-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "could not download" in err and err.count("\n") == 1


def test_end_of_sequence_id(tmp_path):
    from llms_from_scratch.sp_tokenizer import SentencePieceTokenizer

    (tmp_path / "spiece.model").write_bytes(_spiece_bytes())
    path = tmp_path / "spiece.model"
    assert SentencePieceTokenizer(path, eos_id=7).eot_token == 7  # the config's, if a piece
    assert SentencePieceTokenizer(path, eos_id=50256).eot_token == 2  # else </s>
    assert SentencePieceTokenizer(path).eot_token == 2
    assert SentencePieceTokenizer(path).decode_single_token_bytes(2) == b""  # control piece
