"""``llms-from-scratch train``: data preparation, checkpoints, resuming, sampling."""

import json

import numpy as np
import pytest
import torch

from llms_from_scratch import cli, config, data, gpt2, runlog, train_data
from llms_from_scratch.ch04 import GPTModel
from llms_from_scratch.ch05 import generate

TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--context-length", "16",
        "--batch-size", "4", "--eval-iters", "2", "--sample-tokens", "0", "--no-progress",
        "--warmup-iters", "2"]
ERROR_PREFIX = "llms-from-scratch train: error: "


@pytest.fixture
def text_file(tmp_path, verdict):
    path = tmp_path / "verdict.txt"
    path.write_text(verdict, encoding="utf-8")
    return path


def run(capsys, *argv):
    code = cli.main(["train", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tiny_run(capsys, tmp_path, text_file, out, *extra):
    return run(capsys, "--text", text_file, "--data-dir", tmp_path / "tokens",
               "--out-dir", out, *TINY, *extra)


def assert_one_line_error(code, err, *fragments):
    assert code == 1
    assert err.startswith(ERROR_PREFIX) and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


# -- data ----------------------------------------------------------------------------------


def test_char_tokens_split_90_10_and_are_reused(tmp_path):
    text = "hello world, " * 100
    meta = data.prepare_tokens(text, "char", tmp_path, 0.1, source="test")
    assert meta["chars"] == "".join(sorted(set(text))) and meta["vocab_size"] == 9
    assert meta["dtype"] == "uint16"
    assert meta["train_tokens"] == int(len(text) * 0.9)
    assert meta["train_tokens"] + meta["val_tokens"] == len(text)
    tok = data.tokenizer_from_meta(meta)
    train_ids = data.load_split(tmp_path, meta, "train")
    val_ids = data.load_split(tmp_path, meta, "val")
    assert isinstance(train_ids, np.memmap)
    assert tok.decode(train_ids.tolist()) + tok.decode(val_ids.tolist()) == text
    before = (tmp_path / "train.bin").stat().st_mtime_ns
    assert data.prepare_tokens(text, "char", tmp_path, 0.1) == meta
    assert (tmp_path / "train.bin").stat().st_mtime_ns == before  # prepared once
    assert data.prepare_tokens(text + "!", "char", tmp_path, 0.1)["vocab_size"] == 10


def test_gpt2_tokens_and_dtypes(tmp_path, tokenizer):
    text = "Every effort moves you. " * 20
    meta = data.prepare_tokens(text, "gpt2", tmp_path)
    assert meta["vocab_size"] == 50257 and meta["dtype"] == "uint16"
    ids = np.concatenate([data.load_split(tmp_path, meta, s) for s in ("train", "val")])
    assert ids.tolist() == tokenizer.encode(text)
    assert data.token_dtype(65535) == np.uint16
    assert data.token_dtype(65536) == np.uint32


def test_tiny_shakespeare_has_65_symbols(tmp_path):
    data_dir, meta = train_data.prepare_data(
        config.resolve_config({"data_dir": str(tmp_path), "tokenizer": "char"}))
    assert meta["vocab_size"] == 65 and meta["source"] == "tinyshakespeare"
    assert meta["train_tokens"] + meta["val_tokens"] == 1115394


def test_char_tokenizer_rejects_unknown_characters():
    tok = data.CharTokenizer("abc")
    assert tok.encode("cab") == [2, 0, 1] and tok.decode([2, 0, 1]) == "cab"
    with pytest.raises(ValueError, match="'猫' is not in the model's vocabulary of 3"):
        tok.encode("a猫")


def test_invalid_utf8_is_a_clear_error(capsys, tmp_path):
    bad = tmp_path / "sjis.txt"
    bad.write_bytes("吾輩は猫である".encode("shift_jis"))
    code, _, err = run(capsys, "--text", bad, "--out-dir", tmp_path / "out", *TINY)
    assert_one_line_error(code, err, "is not UTF-8 text", "iconv")


def test_text_shorter_than_the_context_is_a_clear_error(capsys, tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("abcdefghij" * 10, encoding="utf-8")
    code, _, err = run(capsys, "--text", short, "--data-dir", tmp_path / "tok",
                       "--out-dir", tmp_path / "out", *TINY)
    assert_one_line_error(code, err, "the val split has only 10 tokens")


# -- configuration -------------------------------------------------------------------------


def test_config_file_then_flags_and_config_json(capsys, tmp_path, text_file):
    cfg_file = tmp_path / "cfg.json"
    cfg_file.write_text(json.dumps({"max-iters": 3, "n_embd": 24, "lr": 0.002}))
    out = tmp_path / "out"
    code, stdout, _ = tiny_run(capsys, tmp_path, text_file, out, "--config", cfg_file,
                               "--lr", "0.003", "--eval-interval", "2")
    assert code == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["max_iters"] == 3  # from the file
    assert saved["n_embd"] == 16 and saved["lr"] == 0.003  # flags win over the file
    assert saved["model"]["emb_dim"] == 16 and saved["tokenizer"] == "char"
    assert "step 2: train loss" in stdout and "step 3: train loss" in stdout
    train_records, eval_records = runlog.read_log(out)
    assert [r["step"] for r in train_records] == [0, 1, 2]
    assert [r["step"] for r in eval_records] == [0, 2, 3]


@pytest.mark.parametrize(("flags", "fragment"), [
    (["--n-embd", "15"], "--n-embd (15) must be divisible by --n-head (2)"),
    (["--lr", "-1"], "--lr must be a number >= 0"),
    (["--min-lr", "1"], "--min-lr (1.0) must not exceed --lr"),
    (["--init-from", "gpt3"], "--init-from must be scratch or a GPT-2 size"),
    (["--dtype", "float16", "--device", "cpu"], "fp16 mixed precision needs a CUDA device"),
])
def test_bad_settings_are_one_line_errors(capsys, tmp_path, text_file, flags, fragment):
    code, _, err = tiny_run(capsys, tmp_path, text_file, tmp_path / "out", *flags)
    assert_one_line_error(code, err, fragment)


def test_unknown_key_in_the_config_file(capsys, tmp_path, text_file):
    cfg_file = tmp_path / "cfg.json"
    cfg_file.write_text(json.dumps({"n_layers": 3}))
    code, _, err = tiny_run(capsys, tmp_path, text_file, tmp_path / "out",
                            "--config", cfg_file)
    assert_one_line_error(code, err, "unknown setting 'n_layers'")


# -- checkpoints and resuming --------------------------------------------------------------


def test_resume_gives_the_same_losses_step_for_step(capsys, tmp_path, text_file):
    # Dropout and gradient accumulation make the run depend on every random state.
    common = ("--dropout", "0.1", "--grad-accum", "2", "--eval-interval", "4",
              "--lr-decay-iters", "12")
    straight = tmp_path / "straight"
    assert tiny_run(capsys, tmp_path, text_file, straight, *common, "--max-iters", 12)[0] == 0

    parted = tmp_path / "parted"
    assert tiny_run(capsys, tmp_path, text_file, parted, *common, "--max-iters", 6)[0] == 0
    # A step logged after the last checkpoint (as by a run killed there) is dropped.
    with open(parted / "log.jsonl", "a") as f:
        f.write('{"kind": "train", "step": 6, "loss": 0.0, "lr": 0.0}\n{"kind": "tr')
    code, _, _ = run(capsys, "--out-dir", parted, "--resume", "--max-iters", 12,
                     "--no-progress")
    assert code == 0

    a_train, a_eval = runlog.read_log(straight)
    b_train, b_eval = runlog.read_log(parted)
    assert [r["step"] for r in b_train] == list(range(12))
    assert [(r["loss"], r["lr"]) for r in a_train] == [(r["loss"], r["lr"]) for r in b_train]
    # The parted run also evaluated at its end (step 6); all others coincide exactly.
    assert a_eval == [r for r in b_eval if r["step"] != 6]
    a = torch.load(straight / "ckpt.pt", weights_only=True)
    b = torch.load(parted / "ckpt.pt", weights_only=True)
    assert a["step"] == b["step"] == 12
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key


def test_checkpoint_contents_load_safely(capsys, tmp_path, text_file):
    out = tmp_path / "out"
    assert tiny_run(capsys, tmp_path, text_file, out, "--max-iters", 2)[0] == 0
    ckpt = torch.load(out / "ckpt.pt", map_location="cpu", weights_only=True)
    assert ckpt["step"] == 2 and ckpt["config"]["vocab_size"] == ckpt["model"][
        "tok_emb.weight"].shape[0]
    assert ckpt["tokenizer"]["kind"] == "char"
    assert set(ckpt["rng"][0]) >= {"torch", "batch", "numpy", "python"}
    assert ckpt["optimizer"]["state"]  # AdamW moments are saved
    assert not list(out.glob("*.tmp*"))  # written atomically, nothing left over


def test_existing_checkpoint_needs_resume(capsys, tmp_path, text_file):
    out = tmp_path / "out"
    assert tiny_run(capsys, tmp_path, text_file, out, "--max-iters", 1)[0] == 0
    code, _, err = tiny_run(capsys, tmp_path, text_file, out, "--max-iters", 1)
    assert_one_line_error(code, err, "exists; add --resume")


def test_corrupt_checkpoint_is_a_clear_error(capsys, tmp_path, text_file):
    out = tmp_path / "out"
    assert tiny_run(capsys, tmp_path, text_file, out, "--max-iters", 1)[0] == 0
    raw = (out / "ckpt.pt").read_bytes()
    (out / "ckpt.pt").write_bytes(raw[: len(raw) // 2])
    code, _, err = run(capsys, "--out-dir", out, "--resume")
    assert_one_line_error(code, err, "truncated, corrupt")

    torch.save({"model": {}}, out / "ckpt.pt")
    code, _, err = run(capsys, "--out-dir", out, "--resume")
    assert_one_line_error(code, err, "is not a checkpoint of llms-from-scratch train")

    code, _, err = run(capsys, "--out-dir", tmp_path / "nothing", "--resume")
    assert_one_line_error(code, err, "no checkpoint at")
    assert not (tmp_path / "nothing").exists()  # a mistyped --out-dir leaves no folder behind


def test_mismatched_checkpoint_is_a_clear_error(capsys, tmp_path, text_file):
    out = tmp_path / "out"
    assert tiny_run(capsys, tmp_path, text_file, out, "--max-iters", 1)[0] == 0
    code, _, err = run(capsys, "--out-dir", out, "--resume", "--n-layer", 2)
    assert_one_line_error(code, err, "cannot change --n-layer 2 (checkpoint: 1)")

    ckpt = torch.load(out / "ckpt.pt", weights_only=True)
    ckpt["model"]["tok_emb.weight"] = torch.zeros(3, 16)
    torch.save(ckpt, out / "ckpt.pt")
    code, _, err = run(capsys, "--out-dir", out, "--resume", "--max-iters", 2)
    assert_one_line_error(code, err, "does not fit its model config", "tok_emb.weight")


# -- sampling ------------------------------------------------------------------------------


def test_generate_samples_a_char_level_checkpoint(capsys, tmp_path, text_file):
    out = tmp_path / "out"
    assert tiny_run(capsys, tmp_path, text_file, out, "--max-iters", 3)[0] == 0
    code = cli.main(["generate", "--model", str(out / "ckpt.pt"), "--prompt", "The",
                     "--temperature", "0", "--max-new-tokens", "20", "--no-echo-prompt"])
    generated = capsys.readouterr().out
    assert code == 0

    ckpt = torch.load(out / "ckpt.pt", weights_only=True)
    model = GPTModel(ckpt["config"]).eval()
    model.load_state_dict(ckpt["model"])
    tok = data.CharTokenizer(ckpt["tokenizer"]["chars"])
    idx = torch.tensor([tok.encode("The")])
    expected = tok.decode(generate(model, idx, 20, 16)[0, 3:].tolist())
    assert generated == expected + "\n" and len(expected) == 20

    code = cli.main(["generate", "--model", str(out / "ckpt.pt"), "--prompt", "猫"])
    err = capsys.readouterr().err
    assert code == 1 and "'猫' is not in the model's vocabulary" in err


def test_samples_during_training_do_not_change_the_run(capsys, tmp_path, text_file):
    quiet, chatty = tmp_path / "quiet", tmp_path / "chatty"
    assert tiny_run(capsys, tmp_path, text_file, quiet, "--max-iters", 4,
                    "--dropout", "0.1", "--eval-interval", "2")[0] == 0
    code, stdout, _ = tiny_run(capsys, tmp_path, text_file, chatty, "--max-iters", 4,
                               "--dropout", "0.1", "--eval-interval", "2",
                               "--sample-tokens", "30", "--sample-prompt", "The")
    assert code == 0 and stdout.count("sample: ") == 3
    assert runlog.read_log(quiet) == runlog.read_log(chatty)


# -- starting from GPT-2's weights ---------------------------------------------------------


def _openai_params(model):
    """A GPTModel's weights in the nested layout of OpenAI's checkpoint."""
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    blocks = []
    for i in range(len(model.trf_blocks)):
        p = f"trf_blocks.{i}."
        qkv_w = np.concatenate([sd[p + f"att.{n}.weight"].T
                                for n in ("W_query", "W_key", "W_value")], axis=1)
        qkv_b = np.concatenate([sd[p + f"att.{n}.bias"] for n in ("W_query", "W_key", "W_value")])
        blocks.append({
            "attn": {"c_attn": {"w": qkv_w, "b": qkv_b},
                     "c_proj": {"w": sd[p + "att.out_proj.weight"].T,
                                "b": sd[p + "att.out_proj.bias"]}},
            "mlp": {"c_fc": {"w": sd[p + "ff.layers.0.weight"].T, "b": sd[p + "ff.layers.0.bias"]},
                    "c_proj": {"w": sd[p + "ff.layers.2.weight"].T,
                               "b": sd[p + "ff.layers.2.bias"]}},
            "ln_1": {"g": sd[p + "norm1.scale"], "b": sd[p + "norm1.shift"]},
            "ln_2": {"g": sd[p + "norm2.scale"], "b": sd[p + "norm2.shift"]},
        })
    return {"wte": sd["tok_emb.weight"], "wpe": sd["pos_emb.weight"],
            "g": sd["final_norm.scale"], "b": sd["final_norm.shift"], "blocks": blocks}


def test_init_from_gpt2_loads_openais_weights(capsys, monkeypatch, tmp_path, text_file):
    # A stand-in for GPT-2 124M: its vocabulary and 12 heads, but 24 wide and 1 block.
    cfg = {"vocab_size": 50257, "context_length": 64, "emb_dim": 24, "n_heads": 12,
           "n_layers": 1, "drop_rate": 0.0, "qkv_bias": True}
    torch.manual_seed(5)
    reference = GPTModel(cfg)
    sizes = []
    monkeypatch.setattr(gpt2, "gpt2_params",  # the one GPT-2 weight loader
                        lambda size, models_dir: (sizes.append(size) or _openai_params(reference),
                                                  "stand-in"))
    out = tmp_path / "out"
    code, _, err = run(capsys, "--text", text_file, "--data-dir", tmp_path / "tok",
                       "--out-dir", out, "--init-from", "gpt2-124M", "--context-length", 16,
                       "--batch-size", 2, "--eval-iters", 1, "--sample-tokens", 0,
                       "--no-progress", "--max-iters", 0, "--lr-decay-iters", 2)
    assert code == 0, err
    assert sizes == ["124M"]
    ckpt = torch.load(out / "ckpt.pt", weights_only=True)
    assert ckpt["tokenizer"] == {"kind": "gpt2"} and ckpt["tie_weights"] is True
    assert ckpt["config"]["context_length"] == 16 and ckpt["config"]["n_heads"] == 12
    expected = reference.state_dict()
    for key, value in ckpt["model"].items():
        want = expected["tok_emb.weight"] if key == "out_head.weight" else expected[key]
        want = want[:16] if key == "pos_emb.weight" else want
        assert torch.equal(value, want), key

    # Fine-tuning continues from there, the output head still tied to the embedding.
    code, _, err = run(capsys, "--out-dir", out, "--resume", "--max-iters", 2,
                       "--no-progress")
    assert code == 0, err
    ckpt = torch.load(out / "ckpt.pt", weights_only=True)
    assert torch.equal(ckpt["model"]["out_head.weight"], ckpt["model"]["tok_emb.weight"])
    assert not torch.equal(ckpt["model"]["tok_emb.weight"], expected["tok_emb.weight"])


def test_init_from_gpt2_refuses_a_char_tokenizer(capsys, tmp_path, text_file):
    code, _, err = tiny_run(capsys, tmp_path, text_file, tmp_path / "out",
                            "--init-from", "gpt2-124M", "--tokenizer", "char")
    assert_one_line_error(code, err, "needs --tokenizer gpt2")


def test_fast_model_in_bfloat16_writes_a_checkpoint_of_the_book_model(capsys, tmp_path,
                                                                     text_file):
    out = tmp_path / "out"
    code, stdout, err = tiny_run(capsys, tmp_path, text_file, out, "--fast", "--dtype",
                                 "bfloat16", "--device", "cpu", "--max-iters", 3,
                                 "--sample-tokens", 5)
    assert code == 0, err
    assert stdout.count("sample: ") == 2
    _, evals = runlog.read_log(out)
    assert all(np.isfinite(r["val_loss"]) for r in evals)
    ckpt = torch.load(out / "ckpt.pt", weights_only=True)
    GPTModel(ckpt["config"]).load_state_dict(ckpt["model"])  # the same keys and shapes
