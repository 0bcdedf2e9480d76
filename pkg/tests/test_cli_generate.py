"""``llms-from-scratch generate``: tiny checkpoints written here, no network."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from llms_from_scratch import cli, gpt2
from llms_from_scratch import generate as generate_cmd
from llms_from_scratch.ch04 import GPTModel
from llms_from_scratch.ch05 import generate, text_to_token_ids

CFG = {"vocab_size": 50257, "context_length": 24, "emb_dim": 16, "n_heads": 2,
       "n_layers": 1, "drop_rate": 0.0, "qkv_bias": True}
ERROR_PREFIX = "llms-from-scratch generate: error: "


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(123)
    return GPTModel(CFG).eval()


@pytest.fixture
def checkpoint(tmp_path, tiny_model):
    """The recommended format: the config next to the state_dict."""
    path = tmp_path / "tiny.pth"
    torch.save({"config": CFG, "model": tiny_model.state_dict()}, path)
    return path


def expected_text(model, tokenizer, prompt, n, temperature=0.0, top_k=None, seed=None):
    if seed is not None:
        torch.manual_seed(seed)
    idx = text_to_token_ids(prompt, tokenizer)
    out = generate(model, idx, n, CFG["context_length"], temperature=temperature, top_k=top_k,
                   eos_id=tokenizer.eot_token)
    # The command prints the prompt, then its continuation (--no-echo-prompt: only that).
    return prompt + tokenizer.decode(out[0, idx.shape[1]:].tolist()) + "\n"


def run(capsys, *argv):
    code = cli.main(["generate", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_greedy_output_matches_the_library(capsys, checkpoint, tiny_model, tokenizer):
    code, out, err = run(capsys, "--model", checkpoint, "--prompt", "Every effort moves",
                         "--temperature", 0, "--max-new-tokens", 12)
    assert (code, err) == (0, "")
    assert out == expected_text(tiny_model, tokenizer, "Every effort moves", 12)
    assert len(tokenizer.encode(out[:-1])) >= 10  # it really generated text


def test_no_echo_prompt_prints_only_the_continuation(capsys, checkpoint, tiny_model,
                                                     tokenizer):
    args = ("--model", checkpoint, "--prompt", "Every effort moves", "--temperature", 0,
            "--max-new-tokens", 6)
    code, echoed, _ = run(capsys, *args)
    assert code == 0 and echoed.startswith("Every effort moves")
    code, plain, _ = run(capsys, *args, "--no-echo-prompt")
    assert code == 0 and echoed == "Every effort moves" + plain
    assert plain == expected_text(tiny_model, tokenizer, "Every effort moves", 6)[
        len("Every effort moves"):]


def test_seeded_sampling_is_reproducible(capsys, checkpoint, tiny_model, tokenizer):
    args = ("--model", checkpoint, "--prompt", "Hello", "--max-new-tokens", 15,
            "--temperature", 1.5, "--top-k", 20, "--seed", 42)
    first = run(capsys, *args)
    second = run(capsys, *args)
    assert first == second and first[0] == 0
    # Token-by-token streaming draws the same random numbers as ch05.generate.
    assert first[1] == expected_text(tiny_model, tokenizer, "Hello", 15, temperature=1.5,
                                     top_k=20, seed=42)
    other = run(capsys, *args[:-1], 43)
    assert other[1] != first[1]


def test_prompt_from_stdin(capsys, monkeypatch, checkpoint, tiny_model, tokenizer):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Every effort moves\n"))
    code, out, _ = run(capsys, "--model", checkpoint, "--temperature", 0,
                       "--max-new-tokens", 5)
    assert code == 0
    assert out == expected_text(tiny_model, tokenizer, "Every effort moves", 5)


def test_plain_state_dict_with_config_json(capsys, tmp_path, tiny_model, tokenizer):
    weights = tmp_path / "weights.pth"
    torch.save(tiny_model.state_dict(), weights)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CFG))
    code, out, _ = run(capsys, "--model", weights, "--config", config, "--prompt", "Hi",
                       "--temperature", 0, "--max-new-tokens", 6)
    assert code == 0
    assert out == expected_text(tiny_model, tokenizer, "Hi", 6)

    # The book's training checkpoint, under torch.compile's key prefix, works the same.
    book = tmp_path / "model_and_optimizer.pth"
    torch.save({"model_state_dict": {f"_orig_mod.{k}": v
                                     for k, v in tiny_model.state_dict().items()},
                "optimizer_state_dict": {}}, book)
    code, out2, _ = run(capsys, "--model", book, "--config", config, "--prompt", "Hi",
                        "--temperature", 0, "--max-new-tokens", 6)
    assert (code, out2) == (0, out)


def test_stops_at_endoftext(capsys, tmp_path, tokenizer):
    # A model that always prefers <|endoftext|>: the final norm outputs a
    # constant vector v and only the head's row for token 50256 matches it.
    torch.manual_seed(0)
    model = GPTModel(CFG)
    v = torch.ones(CFG["emb_dim"])
    with torch.no_grad():
        model.final_norm.scale.zero_()
        model.final_norm.shift.copy_(v)
        model.out_head.weight.zero_()
        model.out_head.weight[tokenizer.eot_token] = 5 * v
    path = tmp_path / "eos.pth"
    torch.save({"config": CFG, "model": model.state_dict()}, path)
    code, out, _ = run(capsys, "--model", path, "--prompt", "Hi", "--max-new-tokens", 20,
                       "--temperature", 0)
    assert (code, out) == (0, "Hi\n")


class _Recorder:
    def __init__(self):
        self.writes = []

    def write(self, text):
        self.writes.append(text)

    def flush(self):
        pass


def test_streaming_never_splits_a_character(tokenizer):
    text = "吾輩は猫である。名前はまだ無い。"
    script = tokenizer.encode(text)
    pieces = [tokenizer.decode_single_token_bytes(t) for t in script]
    # The test is meaningful only if some tokens end inside a character.
    assert any(not _is_utf8(p) for p in pieces)
    out = _Recorder()
    assert generate_cmd.write_stream(tokenizer, iter(script), out) == len(script)
    assert "".join(out.writes) == text + "\n"
    assert len(out.writes) > 3  # streamed in pieces, not at the end
    assert all("\ufffd" not in w for w in out.writes)


def _is_utf8(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("argv, message", [
    (["--prompt", ""], "the prompt is empty"),
    (["--prompt", "  \n "], "the prompt is empty"),
    (["--prompt", "x", "--max-new-tokens", "-1"], "--max-new-tokens must be >= 0"),
    (["--prompt", "x", "--temperature", "-0.5"], "--temperature must be a number >= 0"),
    (["--prompt", "x", "--temperature", "nan"], "--temperature must be a number >= 0"),
    (["--prompt", "x", "--top-k", "0"], "--top-k must be at least 1"),
    (["--prompt", "x", "--top-k", "50258"], "--top-k must be in 1..50257"),
    (["--prompt", "x", "--top-p", "0"], "--top-p must be in (0, 1]"),
    (["--prompt", "x", "--top-p", "1.5"], "--top-p must be in (0, 1]"),
    (["--prompt", ("word " * 30).strip()],
     "the prompt is 30 tokens long but the model's context holds 24"),
    (["--prompt", "x", "--device", "tpu"], "unknown device 'tpu'"),
])
def test_bad_arguments_are_one_line(capsys, checkpoint, argv, message):
    code, out, err = run(capsys, "--model", checkpoint, *argv)
    assert code == 1
    assert out == ""
    assert err.startswith(ERROR_PREFIX) and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def _write_bad_checkpoints(tmp_path, tiny_model):
    cases = {}
    cases["missing"] = (tmp_path / "nope.pth", [], "no such file, and not a GPT-2 size "
                        "(124M, 355M, 774M, 1558M)")
    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(b"\x00garbage" * 50)
    cases["corrupt"] = (corrupt, [], "not a file written by torch.save")
    truncated = tmp_path / "truncated.pth"
    torch.save({"config": CFG, "model": tiny_model.state_dict()}, truncated)
    truncated.write_bytes(truncated.read_bytes()[:2000])
    cases["truncated"] = (truncated, [], "truncated or corrupt")
    plain = tmp_path / "plain.pth"
    torch.save(tiny_model.state_dict(), plain)
    cases["no-config"] = (plain, [], "holds no config; give --config")
    cases["unknown-config"] = (plain, ["--config", "7B"], "neither a JSON file nor a GPT-2 size")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({**CFG, "emb_dim": 32}))
    cases["wrong-config"] = (plain, ["--config", wrong], "has shape (50257, 16) but the config "
                             "needs (50257, 32)")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    cases["broken-json"] = (plain, ["--config", broken], "cannot read the config")
    bad_cfg = tmp_path / "bad_cfg.json"
    bad_cfg.write_text(json.dumps({**CFG, "n_heads": 3}))
    cases["indivisible-heads"] = (plain, ["--config", bad_cfg], "must be divisible by")
    other = tmp_path / "other.pth"
    torch.save({"config": CFG, "model": {"encoder.weight": torch.zeros(2)}}, other)
    cases["foreign-keys"] = (other, [], "missing tok_emb.weight")
    pickled = tmp_path / "pickled.pth"
    torch.save({"config": CFG, "model": tiny_model.state_dict(), "extra": _Recorder()}, pickled)
    cases["unsafe-object"] = (pickled, [], "a safe load (weights_only=True) refuses")
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    cases["empty-folder"] = (empty_dir, [], "a folder without a checkpoint")
    return cases


def test_bad_checkpoints_are_one_line(capsys, tmp_path, tiny_model):
    for name, (path, extra, message) in _write_bad_checkpoints(tmp_path, tiny_model).items():
        code, out, err = run(capsys, "--model", path, *extra, "--prompt", "x")
        assert code == 1, name
        assert out == "", name
        assert err.startswith(ERROR_PREFIX) and message in err, (name, err)
        assert err.count("\n") == 1 and "Traceback" not in err, name


def _tiny_gpt2(path):
    """A GPT-2 "124M" but tiny (12 heads of width 2), saved in Hugging Face's layout."""
    from safetensors.torch import save_file

    cfg = gpt2.gpt2_config("124M", emb_dim=24, n_layers=1, context_length=32)
    torch.manual_seed(5)
    model = GPTModel(cfg).eval()
    model.out_head.weight = model.tok_emb.weight  # GPT-2 ties them
    state = {"wte.weight": model.tok_emb.weight, "wpe.weight": model.pos_emb.weight,
             "ln_f.weight": model.final_norm.scale, "ln_f.bias": model.final_norm.shift}
    block = model.trf_blocks[0]
    att = block.att
    state["h.0.attn.c_attn.weight"] = torch.cat(
        [att.W_query.weight.T, att.W_key.weight.T, att.W_value.weight.T], dim=1)
    state["h.0.attn.c_attn.bias"] = torch.cat([att.W_query.bias, att.W_key.bias,
                                               att.W_value.bias])
    for hf, lin in (("attn.c_proj", att.out_proj), ("mlp.c_fc", block.ff.layers[0]),
                    ("mlp.c_proj", block.ff.layers[2])):
        state[f"h.0.{hf}.weight"] = lin.weight.T
        state[f"h.0.{hf}.bias"] = lin.bias
    for hf, norm in (("ln_1", block.norm1), ("ln_2", block.norm2)):
        state[f"h.0.{hf}.weight"] = norm.scale
        state[f"h.0.{hf}.bias"] = norm.shift
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().clone().contiguous() for k, v in state.items()}, str(path))
    return model


def _greedy_text(model, tokenizer, prompt, n):
    idx = text_to_token_ids(prompt, tokenizer)
    ids = generate(model, idx, n, 32, temperature=0.0, eos_id=tokenizer.eot_token)
    return prompt + tokenizer.decode(ids[0, idx.shape[1]:].tolist()) + "\n"


def _gets(hits):
    return [path for method, path in hits if method == "GET"]


def test_gpt2_size_downloads_safetensors(capsys, tmp_path, fake_hub, tokenizer):
    root, hits = fake_hub
    model = _tiny_gpt2(root / "openai-community" / "gpt2" / "model.safetensors")

    models = tmp_path / "models"
    code, out, err = run(capsys, "--model", "gpt2-124M", "--models-dir", models,
                         "--prompt", "The cat", "--temperature", 0, "--max-new-tokens", 8)
    assert code == 0, err
    assert _gets(hits) == ["/openai-community/gpt2/resolve/main/model.safetensors"]
    assert (models / "124M" / "model.safetensors").is_file()
    assert out == _greedy_text(model, tokenizer, "The cat", 8)

    # Second run: the cached file is used, nothing is downloaded.
    code, out2, _ = run(capsys, "--model", "124M", "--models-dir", models,
                        "--prompt", "The cat", "--temperature", 0, "--max-new-tokens", 8)
    assert (code, out2, len(_gets(hits))) == (0, out, 1)


def test_gpt2_size_prefers_a_cached_tf_checkpoint(capsys, tmp_path, monkeypatch, tokenizer,
                                                  unreachable_hub):
    pytest.importorskip("tensorflow")
    model = _tiny_gpt2(tmp_path / "hf" / "model.safetensors")
    params = gpt2.load_gpt2_params_from_safetensors(tmp_path / "hf" / "model.safetensors")
    folder = tmp_path / "models" / "124M"
    gpt2.save_gpt2_tf_checkpoint(params, gpt2.settings_from_params(params, n_head=12), folder)
    (folder / "encoder.json").write_text("{}")
    (folder / "vocab.bpe").write_text("")
    # A download would fail (unreachable_hub): the TensorFlow checkpoint must be read instead.
    expected = _greedy_text(model, tokenizer, "The cat", 8)
    for spec in ("124M", folder):  # by size, and by the folder's path
        code, out, err = run(capsys, "--model", spec, "--models-dir", tmp_path / "models",
                             "--prompt", "The cat", "--temperature", 0, "--max-new-tokens", 8)
        assert (code, err) == (0, "")
        assert out == expected
    assert not (folder / "model.safetensors").exists()


def test_gpt2_size_offline_is_one_line(capsys, tmp_path, unreachable_hub):
    code, out, err = run(capsys, "--model", "355M", "--models-dir", tmp_path, "--prompt", "x")
    assert code == 1 and out == ""
    assert err.startswith(ERROR_PREFIX) and err.count("\n") == 1
    assert "127.0.0.1:9/openai-community/gpt2-medium/resolve/main/model.safetensors" in err
    assert str(tmp_path / "355M" / "model.safetensors") in err


def test_console_script(checkpoint, tiny_model, tokenizer):
    script = Path(sys.executable).with_name("llms-from-scratch")
    if not script.exists():
        pytest.skip("the console script is not installed next to this Python")
    done = subprocess.run([str(script), "generate", "--model", str(checkpoint),
                           "--temperature", "0", "--max-new-tokens", "7"],
                          input="Every effort moves\n", capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected_text(tiny_model, tokenizer, "Every effort moves", 7)
    bad = subprocess.run([str(script), "generate", "--model", str(checkpoint),
                          "--prompt", "x", "--top-p", "2"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr == f"{ERROR_PREFIX}--top-p must be in (0, 1], got 2.0\n"
