import contextlib

import pytest
import torch

from llms_from_scratch.ch04 import GPTModel
from llms_from_scratch.fast import GPTModelFast


def _cfg(**overrides):
    cfg = {"vocab_size": 97, "context_length": 16, "emb_dim": 32, "n_heads": 4,
           "n_layers": 2, "drop_rate": 0.0, "qkv_bias": False}
    cfg.update(overrides)
    return cfg


CONFIGS = [
    _cfg(),
    _cfg(qkv_bias=True),
    _cfg(emb_dim=48, n_heads=3, n_layers=3, qkv_bias=True),
    _cfg(emb_dim=64, n_heads=8, n_layers=1, context_length=24, drop_rate=0.1),
]


def test_state_dict_keys_and_shapes_match_gptmodel(tiny_cfg):
    book = GPTModel(tiny_cfg).state_dict()
    fast = GPTModelFast(tiny_cfg).state_dict()
    assert list(book) == list(fast)
    for key in book:
        assert book[key].shape == fast[key].shape, key


def _attention(explicit):
    """SDPA (the default) or, within fast.explicit_attention, the three plain ops."""
    from llms_from_scratch.fast import explicit_attention

    return explicit_attention() if explicit else contextlib.nullcontext()


@pytest.mark.parametrize("explicit", [False, True], ids=["sdpa", "explicit"])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_logits_equal_gptmodel_in_float32(cfg, explicit):
    book = GPTModel(cfg).eval()
    fast = GPTModelFast(cfg).eval()
    fast.load_state_dict(book.state_dict())
    idx = torch.randint(0, cfg["vocab_size"], (3, cfg["context_length"]))
    with torch.no_grad(), _attention(explicit):
        for t in (1, 5, cfg["context_length"]):
            torch.testing.assert_close(fast(idx[:, :t]), book(idx[:, :t]), atol=1e-5, rtol=0)


def test_weights_move_back_to_gptmodel():
    cfg = _cfg(qkv_bias=True)
    fast = GPTModelFast(cfg).eval()
    book = GPTModel(cfg).eval()
    book.load_state_dict(fast.state_dict())
    idx = torch.randint(0, cfg["vocab_size"], (2, 10))
    with torch.no_grad():
        torch.testing.assert_close(book(idx), fast(idx), atol=1e-5, rtol=0)


@pytest.mark.parametrize("explicit", [False, True], ids=["sdpa", "explicit"])
def test_gradients_match_gptmodel(explicit):
    cfg = _cfg(qkv_bias=True)
    book = GPTModel(cfg)
    fast = GPTModelFast(cfg)
    fast.load_state_dict(book.state_dict())
    idx = torch.randint(0, cfg["vocab_size"], (2, 12))
    book(idx).square().mean().backward()
    with _attention(explicit):
        loss = fast(idx).square().mean()
    loss.backward()  # outside the block, as amp.train_step does
    fast_grads = dict(fast.named_parameters())
    for name, param in book.named_parameters():
        torch.testing.assert_close(fast_grads[name].grad, param.grad, atol=1e-5, rtol=1e-4)


def test_tie_weights_shares_the_embedding():
    cfg = _cfg()
    model = GPTModelFast(cfg, tie_weights=True)
    assert model.weights_tied
    assert model.out_head.weight is model.tok_emb.weight
    untied = GPTModelFast(cfg)
    assert not untied.weights_tied
    n_tied = sum(p.numel() for p in model.parameters())
    n_untied = sum(p.numel() for p in untied.parameters())
    assert n_untied - n_tied == cfg["vocab_size"] * cfg["emb_dim"]
    # A tied checkpoint loads into the book's model and gives the same logits.
    book = GPTModel(cfg).eval()
    book.load_state_dict(model.state_dict())
    idx = torch.randint(0, cfg["vocab_size"], (1, 8))
    with torch.no_grad():
        torch.testing.assert_close(book(idx), model.eval()(idx), atol=1e-5, rtol=0)


def test_dropout_is_active_in_training_mode():
    cfg = _cfg(drop_rate=0.5)
    model = GPTModelFast(cfg).train()
    idx = torch.randint(0, cfg["vocab_size"], (2, 8))
    assert not torch.equal(model(idx), model(idx))
    model.eval()
    assert torch.equal(model(idx), model(idx))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="divisible"):
        GPTModelFast(_cfg(emb_dim=30))
    with pytest.raises(TypeError, match="tie_weights"):
        GPTModelFast(_cfg(), tie_weights="yes")
    model = GPTModelFast(_cfg())
    with pytest.raises(ValueError, match="context_length"):
        model(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(ValueError, match="2-D"):
        model(torch.zeros(5, dtype=torch.long))


def test_fused_weight_is_reused_without_grad_and_refreshed_after_updates():
    cfg = _cfg(qkv_bias=True)
    model = GPTModelFast(cfg).eval()
    att = model.trf_blocks[0].att
    idx = torch.randint(0, cfg["vocab_size"], (1, 6))
    with torch.no_grad():
        before = model(idx)
        first = att.fused_qkv_weight()[0]
        assert att.fused_qkv_weight()[0] is first  # reused
        att.W_key.weight.add_(1.0)  # an in-place update, as an optimizer step makes
        refreshed = att.fused_qkv_weight()[0]
    assert refreshed is not first
    torch.testing.assert_close(refreshed[cfg["emb_dim"]:2 * cfg["emb_dim"]], att.W_key.weight)
    with torch.no_grad():
        assert not torch.allclose(model(idx), before)
    # A training step after no-grad use still updates all three projections.
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(idx).square().mean().backward()
    assert att.W_query.weight.grad is not None and att.W_value.bias.grad is not None
    optimizer.step()
    with torch.no_grad():
        torch.testing.assert_close(att.fused_qkv_weight()[0][:cfg["emb_dim"]],
                                   att.W_query.weight)
    book = GPTModel(cfg).eval()
    book.load_state_dict(model.state_dict())
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(idx), book(idx), atol=1e-5, rtol=0)


@pytest.mark.parametrize("tied", [False, True])
def test_transposed_head_is_kept_for_generation_and_refreshed_after_updates(tied):
    from llms_from_scratch.ch05 import generate
    from llms_from_scratch.kvcache import generate_cached

    cfg = _cfg()
    torch.manual_seed(0)
    model = GPTModelFast(cfg, tie_weights=tied).eval()
    prompt = torch.randint(0, cfg["vocab_size"], (1, 3))
    first = model.head_weight_t()
    assert model.head_weight_t() is first  # kept across calls
    torch.testing.assert_close(first, model.out_head.weight.t(), rtol=0, atol=0)
    assert torch.equal(generate_cached(model, prompt, 6, cfg["context_length"]),
                       generate(model, prompt, 6, cfg["context_length"]))
    # An optimizer step changes the weight in place: the copy must follow it.
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    model(prompt).square().mean().backward()
    optimizer.step()
    model.eval()
    refreshed = model.head_weight_t()
    assert refreshed is not first
    torch.testing.assert_close(refreshed, model.out_head.weight.t(), rtol=0, atol=0)
    assert torch.equal(generate_cached(model, prompt, 6, cfg["context_length"]),
                       generate(model, prompt, 6, cfg["context_length"]))
    assert "_head_t_cache" not in "".join(model.state_dict())


# -- explicit attention (fast.explicit_attention) ------------------------------------------


def test_explicit_attention_applies_dropout_and_ends_with_its_block():
    from llms_from_scratch import fast as fast_mod

    model = GPTModelFast(_cfg(drop_rate=0.5)).train()
    idx = torch.randint(0, 97, (2, 8))
    with fast_mod.explicit_attention():
        assert fast_mod._EXPLICIT_ATTENTION.get()
        assert not torch.equal(model(idx), model(idx))
        model.eval()
        assert torch.equal(model(idx), model(idx))
    assert not fast_mod._EXPLICIT_ATTENTION.get()
    with pytest.raises(RuntimeError), fast_mod.explicit_attention():
        raise RuntimeError("boom")
    assert not fast_mod._EXPLICIT_ATTENTION.get()


@pytest.mark.parametrize("fast_flag, dtype, expected", [
    (True, "bfloat16", True), (True, "float32", False), (False, "bfloat16", False)])
def test_forward_context_chooses_explicit_attention_for_fast_bf16_on_cpu(fast_flag, dtype,
                                                                         expected):
    from llms_from_scratch import fast as fast_mod
    from llms_from_scratch.model_builder import forward_context

    with forward_context({"fast": fast_flag, "dtype": dtype}, torch.device("cpu")):
        assert fast_mod._EXPLICIT_ATTENTION.get() is expected
    assert not fast_mod._EXPLICIT_ATTENTION.get()


@pytest.mark.parametrize("bias", [True, False])
def test_fast_linear_takes_mv_for_one_bfloat16_row_only(monkeypatch, bias):
    from llms_from_scratch import fast

    gen = torch.Generator().manual_seed(0)
    weight = torch.randn(24, 40, generator=gen)
    b = torch.randn(24, generator=gen) if bias else None
    calls = []
    real_mv = torch.mv
    monkeypatch.setattr(torch, "mv", lambda *a: calls.append(1) or real_mv(*a))
    # One bfloat16 row (a decoding step): the matrix-vector product, same values.
    x = torch.randn(1, 1, 40, generator=gen)
    bf = (x.bfloat16(), weight.bfloat16(), None if b is None else b.bfloat16())
    y = fast.fast_linear(*bf)
    assert calls and y.shape == (1, 1, 24) and y.dtype == torch.bfloat16
    torch.testing.assert_close(y.float(), torch.nn.functional.linear(*bf).float(),
                               atol=0.05, rtol=0.02)
    # More rows, or float32: exactly F.linear, no mv.
    calls.clear()
    rows = torch.randn(2, 3, 40, generator=gen).bfloat16()
    assert torch.equal(fast.fast_linear(rows, *bf[1:]), torch.nn.functional.linear(rows, *bf[1:]))
    assert torch.equal(fast.fast_linear(x, weight, b), torch.nn.functional.linear(x, weight, b))
    assert not calls


def test_fast_linear_layers_keep_gptmodels_random_initialisation(tiny_cfg):
    torch.manual_seed(3)
    book = GPTModel(tiny_cfg).state_dict()
    torch.manual_seed(3)
    fast = GPTModelFast(tiny_cfg).state_dict()
    for key in book:
        assert torch.equal(book[key], fast[key]), key
