import pytest
import torch

from llms_from_scratch.ch04 import GPTModel, generate_text_simple
from llms_from_scratch.ch05 import generate
from llms_from_scratch.fast import GPTModelFast
from llms_from_scratch.kvcache import KVCache, forward_cached, generate_cached


def _cfg(**overrides):
    cfg = {"vocab_size": 61, "context_length": 12, "emb_dim": 32, "n_heads": 4,
           "n_layers": 2, "drop_rate": 0.0, "qkv_bias": False}
    cfg.update(overrides)
    return cfg


MODELS = [GPTModel, GPTModelFast]


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("qkv_bias", [False, True])
def test_prefill_then_steps_give_the_full_forward_logits(model_cls, qkv_bias):
    cfg = _cfg(qkv_bias=qkv_bias)
    model = model_cls(cfg).eval()
    idx = torch.randint(0, cfg["vocab_size"], (2, 10))
    with torch.no_grad():
        full = model(idx)
        cache = KVCache(cfg["n_layers"], cfg["context_length"])
        parts = [forward_cached(model, idx[:, :4], cache)]
        parts.append(forward_cached(model, idx[:, 4:7], cache))  # a chunk after a prefix
        parts += [forward_cached(model, idx[:, t:t + 1], cache) for t in range(7, 10)]
    assert cache.length == 10
    torch.testing.assert_close(torch.cat(parts, dim=1), full, atol=1e-5, rtol=0)


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("context_size", [12, 7])
def test_greedy_equals_uncached_also_past_the_context(model_cls, context_size):
    cfg = _cfg(qkv_bias=True)
    model = model_cls(cfg).eval()
    idx = torch.randint(0, cfg["vocab_size"], (2, 5))
    # 30 new tokens run far past the 12-token context: the window slides.
    expected = generate_text_simple(model, idx, 30, context_size)
    got = generate_cached(model, idx, 30, context_size)
    assert got.shape == (2, 35)
    assert torch.equal(got, expected)


def test_prompt_longer_than_the_window_is_cropped():
    cfg = _cfg()
    model = GPTModelFast(cfg).eval()
    idx = torch.randint(0, cfg["vocab_size"], (1, 20))
    assert torch.equal(generate_cached(model, idx, 6, 12), generate_text_simple(model, idx, 6, 12))


def test_sampling_matches_generate_under_the_same_seed():
    cfg = _cfg()
    model = GPTModel(cfg).eval()
    idx = torch.randint(0, cfg["vocab_size"], (2, 3))
    torch.manual_seed(5)
    expected = generate(model, idx, 15, 12, temperature=1.3, top_k=20, top_p=0.9)
    torch.manual_seed(5)
    got = generate_cached(model, idx, 15, 12, temperature=1.3, top_k=20, top_p=0.9)
    assert torch.equal(got, expected)


def test_eos_stops_like_generate():
    cfg = _cfg()
    model = GPTModel(cfg).eval()
    idx = torch.randint(0, cfg["vocab_size"], (1, 3))
    greedy = generate_text_simple(model, idx, 10, 12)
    eos = int(greedy[0, 6])  # the 4th generated token
    expected = generate(model, idx, 10, 12, eos_id=eos)
    got = generate_cached(model, idx, 10, 12, eos_id=eos)
    assert torch.equal(got, expected)
    assert eos not in got[0, 3:].tolist()


def test_zero_new_tokens_returns_the_prompt():
    model = GPTModel(_cfg()).eval()
    idx = torch.randint(0, 61, (1, 4))
    assert torch.equal(generate_cached(model, idx, 0, 12), idx)


def test_output_can_be_used_outside_inference_mode():
    model = GPTModel(_cfg()).eval()
    out = generate_cached(model, torch.zeros(1, 2, dtype=torch.long), 3, 12)
    assert not out.is_inference()


def test_cache_is_bounded_and_reused():
    cfg = _cfg()
    model = GPTModelFast(cfg).eval()
    cache = KVCache(cfg["n_layers"], 8)
    with torch.no_grad():
        forward_cached(model, torch.zeros(1, 8, dtype=torch.long), cache)
        storage = cache.keys.data_ptr()
        assert cache.keys.shape == (2, 1, 4, 8, 8)  # (layers, B, heads, max_len, head_dim)
        with pytest.raises(ValueError, match="do not fit"):
            forward_cached(model, torch.zeros(1, 1, dtype=torch.long), cache)
        cache.reset()
        forward_cached(model, torch.zeros(1, 3, dtype=torch.long), cache)
    assert cache.keys.data_ptr() == storage
    assert cache.length == 3


def test_bad_arguments_raise():
    model = GPTModel(_cfg()).eval()
    idx = torch.zeros(1, 3, dtype=torch.long)
    with pytest.raises(ValueError, match="context_length"):
        generate_cached(model, idx, 2, 13)
    with pytest.raises(ValueError, match="2-D"):
        generate_cached(model, torch.zeros(3, dtype=torch.long), 2, 12)
    with pytest.raises(ValueError, match="top_k"):
        generate_cached(model, idx, 2, 12, top_k=0)
    with pytest.raises(ValueError, match="max_len"):
        KVCache(2, 0)
    with pytest.raises(ValueError, match="layers"):
        forward_cached(model, idx, KVCache(3, 12))
    with pytest.raises(TypeError, match="KVCache"):
        forward_cached(model, idx, None)


def test_last_only_returns_the_last_position():
    cfg = _cfg()
    model = GPTModelFast(cfg).eval()
    idx = torch.randint(0, cfg["vocab_size"], (2, 6))
    with torch.no_grad():
        full = forward_cached(model, idx, KVCache(cfg["n_layers"], 12))
        last = forward_cached(model, idx, KVCache(cfg["n_layers"], 12), last_only=True)
    assert last.shape == (2, 1, cfg["vocab_size"])
    torch.testing.assert_close(last, full[:, -1:], atol=1e-6, rtol=0)


def test_transposed_head_gives_the_same_logits():
    cfg = _cfg()
    model = GPTModel(cfg).eval()
    idx = torch.randint(0, cfg["vocab_size"], (2, 5))
    head_t = model.out_head.weight.detach().t().contiguous()
    with torch.no_grad():
        plain = forward_cached(model, idx, KVCache(cfg["n_layers"], 12))
        fast = forward_cached(model, idx, KVCache(cfg["n_layers"], 12), head_weight_t=head_t)
    torch.testing.assert_close(fast, plain, atol=1e-5, rtol=0)
