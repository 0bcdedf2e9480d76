import pytest
import torch

from llms_from_scratch.ch03 import (
    CausalAttention,
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    SelfAttention_v1,
    SelfAttention_v2,
)


def test_v1_equals_v2_with_the_same_weights():
    x = torch.rand(6, 3)
    v2 = SelfAttention_v2(3, 2)
    v1 = SelfAttention_v1(3, 2)
    with torch.no_grad():
        v1.W_query.copy_(v2.W_query.weight.T)
        v1.W_key.copy_(v2.W_key.weight.T)
        v1.W_value.copy_(v2.W_value.weight.T)
    torch.testing.assert_close(v1(x), v2(x))


@pytest.mark.parametrize("make", [
    lambda: CausalAttention(8, 8, context_length=10, dropout=0.0),
    lambda: MultiHeadAttention(8, 8, context_length=10, dropout=0.0, num_heads=2),
    lambda: MultiHeadAttentionWrapper(8, 4, context_length=10, dropout=0.0, num_heads=2),
])
def test_causal_outputs_do_not_depend_on_the_future(make):
    att = make().eval()
    x = torch.rand(2, 7, 8)
    y = att(x)
    x2 = x.clone()
    x2[:, 4:] = torch.rand(2, 3, 8)  # change only tokens 4..6
    y2 = att(x2)
    torch.testing.assert_close(y[:, :4], y2[:, :4])
    assert not torch.allclose(y[:, 4:], y2[:, 4:])


def test_multihead_equals_wrapper_of_causal_heads():
    # One head of MultiHeadAttention, without the output projection, is a CausalAttention.
    mha = MultiHeadAttention(4, 4, context_length=5, dropout=0.0, num_heads=1)
    with torch.no_grad():
        mha.out_proj.weight.copy_(torch.eye(4))
        mha.out_proj.bias.zero_()
    ca = CausalAttention(4, 4, context_length=5, dropout=0.0)
    ca.load_state_dict({k: v for k, v in mha.state_dict().items() if not k.startswith("out_")})
    x = torch.rand(3, 5, 4)
    torch.testing.assert_close(mha(x), ca(x))


def test_shapes_and_names():
    mha = MultiHeadAttention(768, 768, context_length=1024, dropout=0.1, num_heads=12)
    assert mha(torch.rand(2, 6, 768)).shape == (2, 6, 768)
    assert set(n.split(".")[0] for n, _ in mha.named_parameters()) == {
        "W_query", "W_key", "W_value", "out_proj"}
    assert "mask" not in mha.state_dict()  # derived from context_length
    wrapper = MultiHeadAttentionWrapper(3, 2, context_length=6, dropout=0.0, num_heads=2)
    assert wrapper(torch.rand(2, 6, 3)).shape == (2, 6, 4)


def test_rows_of_attention_weights_sum_to_one_after_masking():
    ca = CausalAttention(3, 2, context_length=6, dropout=0.0)
    captured = {}
    ca.dropout.register_forward_hook(lambda m, i, o: captured.setdefault("w", o))
    ca(torch.rand(1, 6, 3))
    w = captured["w"][0]
    torch.testing.assert_close(w.sum(-1), torch.ones(6))
    assert torch.all(torch.triu(w, diagonal=1) == 0)


def test_heads_must_divide_width():
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(8, 10, context_length=4, dropout=0.0, num_heads=3)


def test_too_long_input_is_rejected():
    mha = MultiHeadAttention(4, 4, context_length=3, dropout=0.0, num_heads=2)
    with pytest.raises(ValueError, match="context length"):
        mha(torch.rand(1, 4, 4))
