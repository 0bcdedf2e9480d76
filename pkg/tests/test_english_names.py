"""The English book's package names: signatures, and the same numbers as ours."""

import inspect
import subprocess
import sys

import pytest
import torch

from llms_from_scratch import ch03, ch04, fast
from llms_from_scratch.kv_cache import generate as kv_generate
from llms_from_scratch.kv_cache import gpt2 as kv_gpt2

CFG = {"vocab_size": 83, "context_length": 12, "emb_dim": 32, "n_heads": 4, "n_layers": 2,
       "drop_rate": 0.0, "qkv_bias": True}


def _params(fn):
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]


def test_signatures():
    empty = inspect.Parameter.empty
    assert _params(ch03.PyTorchMultiHeadAttention.__init__) == [
        ("self", empty), ("d_in", empty), ("d_out", empty), ("num_heads", empty),
        ("dropout", 0.0), ("qkv_bias", False)]
    assert _params(ch04.GPTModelFast.__init__)[:2] == [("self", empty), ("cfg", empty)]
    assert _params(kv_gpt2.GPTModel.forward) == [("self", empty), ("in_idx", empty),
                                                 ("use_cache", False)]
    assert _params(kv_gpt2.GPTModel.reset_kv_cache) == [("self", empty)]
    assert _params(kv_generate.generate_text_simple) == [
        ("model", empty), ("idx", empty), ("max_new_tokens", empty), ("context_size", None),
        ("use_cache", True)]
    assert _params(kv_generate.generate_text_simple_stream) == [
        ("model", empty), ("token_ids", empty), ("max_new_tokens", empty),
        ("eos_token_id", None), ("context_size", None)]


def test_ch04_gpt_model_fast_is_ours():
    assert ch04.GPTModelFast is fast.GPTModelFast
    assert ch04.GPTModelFast(CFG).tok_emb.num_embeddings == CFG["vocab_size"]
    with pytest.raises(AttributeError, match="no attribute 'GPTModelFaster'"):
        ch04.GPTModelFaster  # noqa: B018


def test_ch05_download_and_load_gpt2_is_ours_and_imported_only_when_asked_for():
    # A fresh interpreter: importing ch05 must not pull in the download code.
    code = "\n".join([
        "import sys",
        "from llms_from_scratch import ch05",
        "assert 'llms_from_scratch.gpt2' not in sys.modules, 'ch05 imported gpt2'",
        "from llms_from_scratch.ch05 import download_and_load_gpt2",
        "from llms_from_scratch import gpt2",
        "assert download_and_load_gpt2 is gpt2.download_and_load_gpt2",
    ])
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    from llms_from_scratch import ch05

    with pytest.raises(AttributeError, match="no attribute 'download_and_load_gpt3'"):
        ch05.download_and_load_gpt3  # noqa: B018


def _seeded(cls, seed=123):
    torch.manual_seed(seed)
    return cls(CFG).eval()


def test_kv_cache_gpt_model_has_the_book_models_parameters_and_logits():
    ours, book = _seeded(kv_gpt2.GPTModel), _seeded(ch04.GPTModel)
    assert list(ours.state_dict()) == list(book.state_dict())
    for key, value in book.state_dict().items():
        assert torch.equal(ours.state_dict()[key], value), key
    assert ours.cfg == CFG
    idx = torch.randint(0, CFG["vocab_size"], (2, 10))
    with torch.no_grad():
        assert torch.equal(ours(idx), book(idx))
        # Cached: the prompt, then one token at a time, gives the same logits.
        parts = [ours(idx[:, :6], use_cache=True)]
        parts += [ours(idx[:, t:t + 1], use_cache=True) for t in range(6, 10)]
        assert ours.current_pos == 10
        torch.testing.assert_close(torch.cat(parts, dim=1), book(idx), atol=1e-5, rtol=0)
        ours.reset_kv_cache()
        assert ours.current_pos == 0
        torch.testing.assert_close(ours(idx[:, :3], use_cache=True), book(idx[:, :3]),
                                   atol=1e-5, rtol=0)


def test_a_full_cache_says_what_to_do():
    model = _seeded(kv_gpt2.GPTModel)
    idx = torch.randint(0, CFG["vocab_size"], (1, CFG["context_length"]))
    with torch.no_grad():
        model(idx, use_cache=True)
        with pytest.raises(ValueError, match="reset the cache"):
            model(idx[:, :1], use_cache=True)


@pytest.mark.parametrize("cls", [ch04.GPTModel, fast.GPTModelFast, kv_gpt2.GPTModel])
@pytest.mark.parametrize("context_size", [None, 7])
def test_cached_greedy_equals_generate_text_simple(cls, context_size):
    model = _seeded(cls, seed=7)
    idx = torch.randint(0, CFG["vocab_size"], (2, 4))
    window = context_size or CFG["context_length"]
    expected = ch04.generate_text_simple(model, idx, 25, window)  # slides past the context
    assert torch.equal(kv_generate.generate_text_simple(model, idx, 25, context_size), expected)
    assert torch.equal(kv_generate.generate_text_simple(model, idx, 25, context_size,
                                                        use_cache=False), expected)


def test_generate_text_simple_puts_the_model_in_eval_mode():
    model = kv_gpt2.GPTModel(dict(CFG, drop_rate=0.5)).train()
    idx = torch.randint(0, CFG["vocab_size"], (1, 3))
    first = kv_generate.generate_text_simple(model, idx, 8)
    assert not model.training
    assert torch.equal(kv_generate.generate_text_simple(model, idx, 8), first)


def test_stream_yields_the_tokens_one_step_at_a_time():
    model = _seeded(kv_gpt2.GPTModel, seed=9)
    idx = torch.randint(0, CFG["vocab_size"], (1, 5))
    expected = ch04.generate_text_simple(model, idx, 20, CFG["context_length"])[:, 5:]
    steps = kv_generate.generate_text_simple_stream(model, idx, 20)
    got = []
    for token in steps:
        assert token.shape == (1, 1) and not token.is_inference()
        assert torch.is_grad_enabled()  # the caller's code between steps keeps its mode
        got.append(token)
    assert torch.equal(torch.cat(got, dim=1), expected)
    # eos_token_id stops before the first occurrence of that token.
    eos = int(expected[0, 3])
    stop = next(i for i in range(20) if int(expected[0, i]) == eos)
    stopped = list(kv_generate.generate_text_simple_stream(model, idx, 20, eos_token_id=eos))
    assert torch.equal(torch.cat(stopped, dim=1), expected[:, :stop])


def test_pytorch_multi_head_attention_equals_the_chapter_attention():
    torch.manual_seed(1)
    att = ch03.PyTorchMultiHeadAttention(32, 32, num_heads=4, qkv_bias=True).eval()
    book = ch03.MultiHeadAttention(32, 32, context_length=10, dropout=0.0, num_heads=4,
                                   qkv_bias=True).eval()
    q_w, k_w, v_w = att.qkv.weight.detach().chunk(3)
    q_b, k_b, v_b = att.qkv.bias.detach().chunk(3)
    book.load_state_dict({"W_query.weight": q_w, "W_key.weight": k_w, "W_value.weight": v_w,
                          "W_query.bias": q_b, "W_key.bias": k_b, "W_value.bias": v_b,
                          "out_proj.weight": att.proj.weight, "out_proj.bias": att.proj.bias})
    x = torch.randn(2, 10, 32)
    with torch.no_grad():
        torch.testing.assert_close(att(x), book(x), atol=1e-5, rtol=1e-5)
        # Causal: changing the last token leaves the earlier outputs alone.
        y = x.clone()
        y[:, -1] += 1.0
        torch.testing.assert_close(att(y)[:, :-1], att(x)[:, :-1])


def test_pytorch_multi_head_attention_dropout_only_in_training():
    torch.manual_seed(2)
    att = ch03.PyTorchMultiHeadAttention(16, 16, num_heads=2, dropout=0.5)
    x = torch.randn(1, 6, 16)
    with torch.no_grad():
        att.eval()
        assert torch.equal(att(x), att(x))
        att.train()
        assert not torch.equal(att(x), att(x))
    with pytest.raises(ValueError, match="divisible by num_heads"):
        ch03.PyTorchMultiHeadAttention(16, 16, num_heads=3)
