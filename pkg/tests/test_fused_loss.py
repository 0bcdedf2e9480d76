"""The fused output head and cross-entropy against the plain two-step computation."""

import pytest
import torch
import torch.nn.functional as F

from llms_from_scratch import amp, fused_loss
from llms_from_scratch.ch04 import GPTModel
from llms_from_scratch.fast import GPTModelFast
from llms_from_scratch.fused_loss import linear_cross_entropy


def _both(n, vocab, d, ignored=(), dtype=torch.float64, scale=1.0, seed=0):
    """(fused loss, plain loss, fused grads, plain grads) for random x, weight, targets."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=dtype)
    weight = torch.randn(vocab, d, generator=gen, dtype=dtype)
    targets = torch.randint(0, vocab, (n,), generator=gen)
    targets[list(ignored)] = -100
    results = []
    for fn in (lambda a, w: linear_cross_entropy(a, w, targets),
               lambda a, w: F.cross_entropy(F.linear(a, w), targets)):
        a, w = x.clone().requires_grad_(), weight.clone().requires_grad_()
        loss = fn(a, w)
        (scale * loss).backward()
        results.append((loss.detach(), a.grad, w.grad))
    return results


@pytest.mark.parametrize("n, vocab, d, ignored", [
    (1, 2, 1, ()), (37, 1000, 16, ()), (64, 50257, 8, ()), (9, 13, 5, (0, 4, 8)),
])
def test_loss_and_gradients_equal_cross_entropy_of_the_logits(n, vocab, d, ignored, monkeypatch):
    monkeypatch.setattr(fused_loss, "BLOCK_BYTES", 4 * vocab * 3)  # several row blocks
    (loss, gx, gw), (ref, rx, rw) = _both(n, vocab, d, ignored, scale=0.37)
    torch.testing.assert_close(loss, ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gx, rx, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(gw, rw, rtol=1e-10, atol=1e-12)


def test_every_target_ignored_is_nan_with_zero_gradients_like_cross_entropy():
    (loss, gx, gw), (ref, rx, rw) = _both(4, 6, 3, ignored=(0, 1, 2, 3))
    assert torch.isnan(loss) and torch.isnan(ref)
    assert not gx.any() and not gw.any()


def test_under_bf16_autocast_the_loss_is_float32_and_matches_the_plain_way():
    gen = torch.Generator().manual_seed(1)
    x, w = torch.randn(48, 32, generator=gen), torch.randn(300, 32, generator=gen)
    targets = torch.randint(0, 300, (48,), generator=gen)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fused = linear_cross_entropy(x, w, targets)
        plain = F.cross_entropy(F.linear(x, w).float(), targets)
    assert fused.dtype == torch.float32
    torch.testing.assert_close(fused, plain, rtol=1e-5, atol=1e-5)


def test_bad_shapes_are_one_clear_error():
    with pytest.raises(ValueError, match=r"expected x \(N, d\)"):
        linear_cross_entropy(torch.zeros(2, 3, 4), torch.zeros(5, 4), torch.zeros(2).long())
    with pytest.raises(ValueError, match="targets must have the shape"):
        GPTModelFast(_cfg())(torch.zeros(2, 4).long(), torch.zeros(2, 3).long())


def _cfg():
    return {"vocab_size": 97, "context_length": 16, "emb_dim": 32, "n_heads": 4,
            "n_layers": 2, "drop_rate": 0.0, "qkv_bias": True}


@pytest.mark.parametrize("tied", [False, True])
def test_train_step_of_gptmodelfast_equals_the_book_models_step(tied):
    """amp.train_step takes the fused path for GPTModelFast: same loss, same update."""
    torch.manual_seed(3)
    book, fast = GPTModel(_cfg()).double(), GPTModelFast(_cfg(), tie_weights=tied).double()
    if tied:
        book.out_head.weight = book.tok_emb.weight
    fast.load_state_dict(book.state_dict())
    idx = torch.randint(0, 97, (3, 16))
    targets = torch.randint(0, 97, (3, 16))
    def plain_loss(model, inputs, targets):  # the default's, without its float32 cast
        return F.cross_entropy(model(inputs).flatten(0, 1), targets.flatten())

    losses = []
    for model, loss_fn in ((book, plain_loss), (fast, None)):
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
        losses.append(amp.train_step(model, optimizer, [(idx, targets), (targets, idx)], "cpu",
                                     max_grad_norm=1.0, loss_fn=loss_fn))
    assert losses[0] == pytest.approx(losses[1], rel=1e-6)  # train_step sums in float32
    fast_params = dict(fast.named_parameters())
    for name, param in book.named_parameters():
        torch.testing.assert_close(fast_params[name], param, rtol=1e-9, atol=1e-11)


def test_without_autograd_only_the_loss_is_computed(monkeypatch):
    products = []
    real_mm = torch.mm
    monkeypatch.setattr(torch, "mm", lambda a, b: products.append(1) or real_mm(a, b))
    x, w = torch.randn(6, 4, requires_grad=True), torch.randn(9, 4, requires_grad=True)
    targets = torch.randint(0, 9, (6,))
    with torch.no_grad():
        loss = linear_cross_entropy(x, w, targets)
    assert len(products) == 1  # the logits only: no gradient products
    torch.testing.assert_close(loss, F.cross_entropy(F.linear(x, w), targets).detach())
    products.clear()
    linear_cross_entropy(x, w.detach(), targets).backward()  # a frozen head: grad_x only
    assert len(products) == 2 and x.grad is not None


def test_a_second_backward_is_refused_in_one_line():
    x, w = torch.randn(3, 2, requires_grad=True), torch.randn(5, 2, requires_grad=True)
    loss = linear_cross_entropy(x, w, torch.tensor([0, 1, 4]))
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="backward through it runs once"):
        loss.backward()
