"""The generate command's path: GPTModelFast through the KV cache, --dtype."""

import io

import pytest
import torch

from llms_from_scratch import cli
from llms_from_scratch import generate as generate_cmd
from llms_from_scratch.ch04 import GPTModel
from llms_from_scratch.ch05 import generate
from llms_from_scratch.data import tokenizer_from_spec
from llms_from_scratch.errors import UserError
from llms_from_scratch.fast import GPTModelFast

CHARS = "abcdefghij klmnopqrstuvwxyz.\n"
CHAR_CFG = {"vocab_size": len(CHARS), "context_length": 16, "emb_dim": 32, "n_heads": 4,
            "n_layers": 2, "drop_rate": 0.0, "qkv_bias": False}
BPE_CFG = {"vocab_size": 50257, "context_length": 32, "emb_dim": 16, "n_heads": 2,
           "n_layers": 2, "drop_rate": 0.0, "qkv_bias": True}
CHAR_SPEC = {"kind": "char", "chars": CHARS}


def _save(path, cfg, model, spec=None):
    entry = {"config": cfg, "model": model.state_dict()}
    if spec is not None:
        entry["tokenizer"] = spec
    torch.save(entry, path)
    return path


def _command(capsys, *argv):
    # The continuation alone, as the library returns it (not the prompt before it).
    code = cli.main(["generate", "--no-echo-prompt", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _library_text(model, tokenizer, prompt, n, cfg):
    idx = torch.tensor([tokenizer.encode(prompt, allowed_special={"<|endoftext|>"})])
    out = generate(model.eval(), idx, n, cfg["context_length"], temperature=0.0,
                   eos_id=tokenizer.eot_token)
    return tokenizer.decode(out[0, idx.shape[1]:].tolist()) + "\n"


def test_char_level_greedy_text_equals_ch05_generate(capsys, tmp_path):
    torch.manual_seed(1)
    model = GPTModel(CHAR_CFG)
    path = _save(tmp_path / "char.pth", CHAR_CFG, model, CHAR_SPEC)
    # 40 tokens run well past the 16-token context: the window slides.
    code, out, err = _command(capsys, "--model", path, "--prompt", "the cat",
                              "--temperature", 0, "--max-new-tokens", 40)
    assert (code, err) == (0, "")
    expected = _library_text(model, tokenizer_from_spec(CHAR_SPEC), "the cat", 40, CHAR_CFG)
    assert out == expected and len(out) == 41


@pytest.mark.parametrize("tied", [False, True])
def test_bpe_greedy_text_equals_ch05_generate(capsys, tmp_path, tokenizer, tied):
    torch.manual_seed(2)
    model = GPTModel(BPE_CFG)
    if tied:
        model.out_head.weight = model.tok_emb.weight
    path = _save(tmp_path / "bpe.pth", BPE_CFG, model)
    code, out, err = _command(capsys, "--model", path, "--prompt", "Every effort moves you",
                              "--temperature", 0, "--max-new-tokens", 20)
    assert (code, err) == (0, "")
    assert out == _library_text(model, tokenizer, "Every effort moves you", 20, BPE_CFG)
    assert len(tokenizer.encode(out)) >= 10


@pytest.mark.parametrize("tied", [False, True])
def test_fast_copy_has_the_same_weights_and_logits(tied):
    torch.manual_seed(3)
    model = GPTModel(BPE_CFG).eval()
    if tied:
        model.out_head.weight = model.tok_emb.weight
    fast = generate_cmd.fast_copy(model)
    assert isinstance(fast, GPTModelFast) and not fast.training
    assert fast.weights_tied == tied
    for key, value in model.state_dict().items():
        assert torch.equal(fast.state_dict()[key], value), key
    idx = torch.randint(0, BPE_CFG["vocab_size"], (2, 9))
    with torch.no_grad():
        torch.testing.assert_close(fast(idx), model(idx), atol=1e-5, rtol=1e-4)
        # float32 on a CPU: every weight matrix of the blocks is stored transposed,
        # the fused QKV weight too, while the shapes stay nn.Linear's
        linears = [m for m in fast.trf_blocks.modules() if isinstance(m, torch.nn.Linear)]
        assert linears and all(m.weight.stride() == (1, m.weight.shape[0]) for m in linears)
        qkv, _ = fast.trf_blocks[0].att.fused_qkv_weight()
        assert qkv.shape == (3 * BPE_CFG["emb_dim"], BPE_CFG["emb_dim"])
        assert qkv.stride() == (1, qkv.shape[0])
    assert model.trf_blocks[0].ff.layers[0].weight.is_contiguous()  # the original is untouched


def test_fast_copy_in_bfloat16_keeps_the_tie():
    torch.manual_seed(4)
    model = GPTModel(BPE_CFG)
    model.out_head.weight = model.tok_emb.weight
    fast = generate_cmd.fast_copy(model, torch.bfloat16)
    assert fast.weights_tied
    assert {p.dtype for p in fast.parameters()} == {torch.bfloat16}
    assert fast.state_dict()["out_head.weight"].dtype == torch.bfloat16


def test_bfloat16_produces_valid_text(capsys, tmp_path):
    torch.manual_seed(5)
    path = _save(tmp_path / "char.pth", CHAR_CFG, GPTModel(CHAR_CFG), CHAR_SPEC)
    args = ("--model", path, "--prompt", "abc", "--max-new-tokens", 30, "--dtype", "bfloat16")
    code, out, err = _command(capsys, *args, "--temperature", 0)
    assert code == 0
    assert err in ("", "note: this CPU has no bfloat16 instructions (AVX-512 BF16, AMX); "
                       "--dtype float32 is faster here\n")
    assert len(out) == 31 and out.endswith("\n") and set(out[:-1]) <= set(CHARS)
    # Seeded sampling in bfloat16 is reproducible too.
    first = _command(capsys, *args, "--seed", 7)
    assert first == _command(capsys, *args, "--seed", 7) and len(first[1]) == 31


def test_check_dtype():
    assert generate_cmd.check_dtype("float32", "cpu") is torch.float32
    assert generate_cmd.check_dtype("bfloat16", "cpu") is torch.bfloat16
    with pytest.raises(UserError, match="--dtype must be one of float32, bfloat16"):
        generate_cmd.check_dtype("float16", "cpu")


def test_bfloat16_refused_where_the_matmul_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no bf16 here")

    monkeypatch.setattr(torch, "full", broken)
    with pytest.raises(UserError, match="not supported on cpu; use --dtype float32"):
        generate_cmd.check_dtype("bfloat16", "cpu")


def test_bad_dtype_flag_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["generate", "--prompt", "x", "--dtype", "int8"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1
    assert "invalid choice: 'int8'" in err


def test_stream_text_counts_and_stops_at_eos():
    torch.manual_seed(6)
    model = generate_cmd.fast_copy(GPTModel(CHAR_CFG))
    tokenizer = tokenizer_from_spec(CHAR_SPEC)
    ids = tokenizer.encode("abc")
    out = io.StringIO()
    assert generate_cmd.stream_text(model, tokenizer, ids, out, 12) == 12
    text = out.getvalue()
    assert len(text) == 13
    # Stopping at the first greedy token's ID as if it were end-of-text writes nothing.
    first = tokenizer.encode(text[0])[0]
    out = io.StringIO()
    assert generate_cmd.stream_text(model, tokenizer, ids, out, 12, eos_id=first) == 0
    assert out.getvalue() == "\n"
