"""``train --tokenizer``: char, gpt2, bpe:SIZE, a tokenizer file, a Japanese GPT-2's own;
bits per character in the log and summary; several text files; fine-tuning a model folder."""

import json
import math

import numpy as np
import pytest

from llms_from_scratch import bits, cli, data
from llms_from_scratch.bpe_tokenizer import load_bpe_tokenizer, train_bpe_tokenizer
from llms_from_scratch.ckpt import load_checkpoint

SHAPE = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16"]
TINY = ["--context-length", "16", "--batch-size", "4", "--eval-iters", "2", "--sample-tokens",
        "0", "--no-progress", "--warmup-iters", "1", "--max-iters", "4", "--eval-interval", "2"]


@pytest.fixture(scope="module")
def neko_file(tmp_path_factory):
    from llms_from_scratch import assets

    path = tmp_path_factory.mktemp("texts") / "neko.txt"
    path.write_text(assets.read_text("wagahaiwa-nekodearu")[:12000], encoding="utf-8")
    return path


def train(capsys, tmp_path, out, *argv, shape=SHAPE):
    code = cli.main(["train", "--data-dir", str(tmp_path / f"tokens-{out}"),
                     "--out-dir", str(tmp_path / out), *shape, *TINY, *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check_bits(summary, log_path):
    """bpc = loss (nats/token) * tokens / characters / ln 2, in the summary and every log line."""
    units = (summary["val_tokens"], summary["val_characters"], summary["val_bytes"])
    assert summary["val_bpc"] == pytest.approx(
        summary["val_loss"] * units[0] / units[1] / math.log(2), rel=1e-12)
    assert summary["val_bpb"] == pytest.approx(
        summary["val_loss"] * units[0] / units[2] / math.log(2), rel=1e-12)
    evals = [json.loads(line) for line in log_path.read_text().splitlines()
             if '"eval"' in line]
    assert evals and all(e["val_bpc"] == pytest.approx(bits.val_bits(e["val_loss"], units)
                                                       ["val_bpc"]) for e in evals)


@pytest.mark.parametrize("tokenizer", ["char", "gpt2", "bpe:400"])
def test_every_tokenizer_reports_bits_per_character(capsys, tmp_path, neko_file, tokenizer):
    code, out, err = train(capsys, tmp_path, "run", "--text", neko_file,
                           "--tokenizer", tokenizer)
    assert code == 0, err
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    check_bits(summary, tmp_path / "run" / "log.jsonl")
    assert "bits/char" in out and "bits/byte" in out
    text = neko_file.read_text(encoding="utf-8")
    # The validation split is the end of the text: with the training split's characters
    # and bytes, counted the same way, it adds up to the whole text exactly.
    ckpt = load_checkpoint(tmp_path / "run" / "ckpt.pt")
    tok = data.tokenizer_from_spec(ckpt["tokenizer"], tmp_path / "run")
    meta = data.read_meta(tmp_path / "tokens-run")
    train_ids = data.load_split(tmp_path / "tokens-run", meta, "train")
    train_chars, train_bytes = bits.text_units(tok, train_ids)
    assert train_chars + summary["val_characters"] == len(text)
    assert train_bytes + summary["val_bytes"] == len(text.encode("utf-8"))
    if tokenizer == "char":
        assert summary["val_characters"] == summary["val_tokens"]
    if tokenizer == "bpe:400":
        assert summary["tokenizer"] == "bpe" and summary["vocab_size"] == 400
        assert load_bpe_tokenizer(tmp_path / "run" / "tokenizer.json").n_vocab == 400


def test_text_units_count_a_character_cut_between_tokens_once():
    tok = train_bpe_tokenizer("猫猫猫犬犬", 260)
    ids = tok.encode_ordinary("吾輩は猫")  # bytes of 吾 etc. as single-byte tokens
    assert bits.text_units(tok, ids) == (4, 12)
    assert bits.text_units(tok, ids[1:]) == (3, 11)  # 吾 starts outside the slice
    assert bits.text_units(tok, ids[:2]) == (1, 2)


def test_bpe_run_resumes_and_generates_without_extra_flags(capsys, tmp_path, neko_file):
    code, _, err = train(capsys, tmp_path, "run", "--text", neko_file, "--tokenizer", "bpe:300")
    assert code == 0, err
    kept = (tmp_path / "run" / "tokenizer.json").read_bytes()
    code, _, err = train(capsys, tmp_path, "run", "--resume", "--max-iters", "6")
    assert code == 0, err
    assert (tmp_path / "run" / "tokenizer.json").read_bytes() == kept
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["step"] == 6 and summary["start_step"] == 4
    argv = ["generate", "--model", str(tmp_path / "run" / "ckpt.pt"), "--prompt", "吾輩は",
            "--max-new-tokens", "5", "--seed", "1", "--device", "cpu"]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out.strip()
    (tmp_path / "run" / "tokenizer.json").unlink()
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "tokenizer.json is missing" in err and err.count("\n") == 1


def test_a_tokenizer_file(capsys, tmp_path, neko_file):
    tok = train_bpe_tokenizer(neko_file.read_text(encoding="utf-8"), 350)
    path = tok.save(tmp_path / "mine.json")
    code, _, err = train(capsys, tmp_path, "run", "--text", neko_file, "--tokenizer", path)
    assert code == 0, err
    meta = json.loads(next((tmp_path / "tokens-run").glob("meta.json")).read_text())
    assert meta["tokenizer"] == "bpe" and meta["tokenizer_sha256"] == tok.sha256
    ids = np.fromfile(tmp_path / "tokens-run" / "train.bin", dtype=meta["dtype"])
    assert ids.tolist() == tok.encode_ordinary(neko_file.read_text(encoding="utf-8"))[:len(ids)]


def test_a_sentencepiece_model_file(capsys, tmp_path, neko_file):
    pytest.importorskip("sentencepiece")
    from test_japanese_gpt2 import _spiece_bytes

    (tmp_path / "ja.model").write_bytes(_spiece_bytes())
    code, _, err = train(capsys, tmp_path, "run", "--text", neko_file, "--tokenizer",
                         tmp_path / "ja.model")
    assert code == 0, err
    assert (tmp_path / "run" / "spiece.model").read_bytes() == _spiece_bytes()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["tokenizer"] == "sentencepiece" and summary["vocab_size"] == 500
    check_bits(summary, tmp_path / "run" / "log.jsonl")
    code, _, err = train(capsys, tmp_path, "run", "--resume", "--max-iters", "5")
    assert code == 0, err
    assert cli.main(["generate", "--model", str(tmp_path / "run" / "ckpt.pt"), "--prompt",
                     "吾輩は", "--max-new-tokens", "4", "--device", "cpu"]) == 0


@pytest.mark.parametrize("argv, words", [
    (["--tokenizer", "bpe:100"], "at least 258 tokens"),
    (["--tokenizer", "bpe:50000"], "gives only"),
    (["--tokenizer", "missing.json"], "no such file"),
    (["--tokenizer", "words"], "unknown --tokenizer 'words'"),
    (["--tokenizer", "model"], "give --init-from a Japanese GPT-2"),
])
def test_bad_tokenizers_are_one_line(capsys, tmp_path, neko_file, argv, words):
    code, _, err = train(capsys, tmp_path, "run", "--text", neko_file, *argv)
    assert code == 1 and words in err and err.count("\n") == 1, err


def test_several_files_and_a_folder_with_an_aozora_file(capsys, tmp_path, neko_file):
    folder = tmp_path / "works"
    folder.mkdir()
    (folder / "a.txt").write_text(neko_file.read_text(encoding="utf-8")[:6000])
    aozora = ("坊っちゃん\n夏目漱石\n\n-------------------------------------------------------\n"
              "【テキスト中に現れる記号について】\n\n《》：ルビ\n"
              "-------------------------------------------------------\n\n"
              "親譲《おやゆず》りの無鉄砲で小供の時から損ばかりしている。［＃「している」に傍点］\n"
              "\n\n底本：「坊っちゃん」新潮文庫\n入力：青空文庫\n")
    (folder / "b.txt").write_bytes(aozora.encode("cp932"))  # as Aozora Bunko serves it
    from llms_from_scratch.texts import read_texts

    text = read_texts([folder, neko_file])
    assert "親譲りの無鉄砲で小供の時から損ばかりしている。" in text
    assert "《" not in text and "底本" not in text and "［＃" not in text
    assert text.startswith(neko_file.read_text(encoding="utf-8")[:100])
    code, _, err = train(capsys, tmp_path, "run", "--text", folder, neko_file)
    assert code == 0, err
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["text"] == [str(folder), str(neko_file)]
    meta = data.read_meta(tmp_path / "tokens-run")
    assert meta["characters"] == len(text)


def test_fine_tune_a_japanese_gpt2_folder(capsys, tmp_path, neko_file):
    pytest.importorskip("transformers")
    pytest.importorskip("sentencepiece")
    from test_japanese_gpt2 import build_folder

    build_folder(tmp_path / "model", "untied-bin-padded")
    capsys.readouterr()
    code, out, err = train(capsys, tmp_path, "ft", "--text", neko_file,
                           "--init-from", tmp_path / "model", "--lr", "1e-4", shape=[])
    assert code == 0, err
    summary = json.loads((tmp_path / "ft" / "summary.json").read_text())
    assert summary["tokenizer"] == "sentencepiece"
    check_bits(summary, tmp_path / "ft" / "log.jsonl")
    assert (tmp_path / "ft" / "spiece.model").read_bytes() == \
        (tmp_path / "model" / "spiece.model").read_bytes()
    assert cli.main(["generate", "--model", str(tmp_path / "ft" / "ckpt.pt"), "--prompt",
                     "吾輩は", "--max-new-tokens", "4", "--device", "cpu"]) == 0
    code, _, err = train(capsys, tmp_path, "ft2", "--text", neko_file,
                         "--init-from", tmp_path / "model", "--tokenizer", "char", shape=[])
    assert code == 1 and "uses the model's own tokenizer" in err


def test_two_gloo_processes_with_a_learned_bpe(tmp_path, neko_file):
    """Under torchrun every process learns the same BPE; rank 0 keeps it; weights stay equal."""
    import os
    import subprocess
    import sys

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "llms_from_scratch", "train", "--text", str(neko_file), "--tokenizer",
           "bpe:300", "--data-dir", str(tmp_path / "tokens"), "--out-dir", str(out),
           "--device", "cpu", *SHAPE, *TINY]
    result = subprocess.run(cmd, env=dict(os.environ, OMP_NUM_THREADS="1"),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["tokenizer"] == "bpe"
    assert summary["param_digests"][0] == summary["param_digests"][1]
    assert load_bpe_tokenizer(out / "tokenizer.json").n_vocab == 300
    check_bits(summary, out / "log.jsonl")
