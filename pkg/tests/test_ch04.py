import pytest
import torch

from llms_from_scratch.ch04 import (
    GELU,
    FeedForward,
    GPTModel,
    LayerNorm,
    TransformerBlock,
    generate_text_simple,
)

GPT_124M = {"vocab_size": 50257, "context_length": 1024, "emb_dim": 768, "n_heads": 12,
            "n_layers": 12, "drop_rate": 0.1, "qkv_bias": False}


def test_layernorm_gives_mean_zero_variance_one():
    x = torch.randn(4, 10) * 5 + 3
    y = LayerNorm(10)(x)
    torch.testing.assert_close(y.mean(-1), torch.zeros(4), atol=1e-5, rtol=0)
    torch.testing.assert_close(y.var(-1, unbiased=False), torch.ones(4), atol=1e-3, rtol=0)
    torch.testing.assert_close(y, torch.nn.functional.layer_norm(x, (10,)), atol=1e-5, rtol=0)


def test_gelu_is_the_tanh_approximation():
    x = torch.linspace(-4, 4, 101)
    torch.testing.assert_close(GELU()(x), torch.nn.functional.gelu(x, approximate="tanh"))


def test_feedforward_and_block_keep_the_shape(tiny_cfg):
    x = torch.rand(2, 5, tiny_cfg["emb_dim"])
    assert FeedForward(tiny_cfg)(x).shape == x.shape
    block = TransformerBlock(tiny_cfg)
    assert block(x).shape == x.shape
    assert [n for n, _ in block.named_children()] == ["att", "ff", "norm1", "norm2",
                                                       "drop_shortcut"]


def test_gpt_124m_parameter_count_and_names():
    with torch.device("meta"):
        model = GPTModel(GPT_124M)
    total = sum(p.numel() for p in model.parameters())
    assert total == 163_009_536
    assert total - model.out_head.weight.numel() == 124_412_160
    assert [n for n, _ in model.named_children()] == [
        "tok_emb", "pos_emb", "drop_emb", "trf_blocks", "final_norm", "out_head"]
    assert "trf_blocks.0.ff.layers.0.weight" in model.state_dict()
    assert "trf_blocks.0.norm1.scale" in model.state_dict()


def test_logits_shape_and_causality(tiny_cfg):
    model = GPTModel(tiny_cfg).eval()
    idx = torch.randint(0, 50257, (2, 6))
    logits = model(idx)
    assert logits.shape == (2, 6, 50257)
    idx2 = idx.clone()
    idx2[:, -1] = (idx2[:, -1] + 1) % 50257
    torch.testing.assert_close(model(idx2)[:, :-1], logits[:, :-1])


def test_generate_text_simple_is_greedy_and_crops(tiny_cfg):
    model = GPTModel(tiny_cfg).eval()
    idx = torch.randint(0, 50257, (1, 40))  # longer than the context of 32
    out = generate_text_simple(model, idx, max_new_tokens=3, context_size=32)
    assert out.shape == (1, 43)
    assert torch.equal(out[:, :40], idx)
    expected_first = model(idx[:, -32:])[:, -1].argmax(-1)
    assert out[0, 40] == expected_first[0]
    assert torch.equal(generate_text_simple(model, idx, 0, 32), idx)


@pytest.mark.parametrize("change, match", [
    ({"emb_dim": 30, "n_heads": 4}, "divisible"),
    ({"n_layers": 0}, "n_layers"),
    ({"vocab_size": -1}, "vocab_size"),
    ({"drop_rate": 1.5}, "drop_rate"),
])
def test_bad_configs_are_rejected(tiny_cfg, change, match):
    with pytest.raises(ValueError, match=match):
        GPTModel({**tiny_cfg, **change})


def test_missing_config_key(tiny_cfg):
    del tiny_cfg["qkv_bias"]
    with pytest.raises(ValueError, match="qkv_bias"):
        GPTModel(tiny_cfg)


@pytest.mark.parametrize("idx, n, match", [
    (torch.zeros(0, dtype=torch.long), 1, "2-D"),
    (torch.zeros(1, 0, dtype=torch.long), 1, "at least one"),
    (torch.zeros(1, 2, dtype=torch.long), -1, "max_new_tokens"),
])
def test_generate_text_simple_rejects_bad_input(tiny_cfg, idx, n, match):
    model = GPTModel(tiny_cfg)
    with pytest.raises(ValueError, match=match):
        generate_text_simple(model, idx, n, 32)
