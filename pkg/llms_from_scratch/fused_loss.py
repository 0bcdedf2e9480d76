"""The output head and the cross-entropy in one step, without full-size temporaries.

``linear_cross_entropy(x, weight, targets)`` equals
``F.cross_entropy(F.linear(x, weight).float(), targets)`` (mean over the
targets that are not ``ignore_index``), and its gradient is the same up to
float rounding. The plain way builds four arrays of ``tokens x vocab_size``
floats per training step (the logits, their log-softmax, and in the backward
pass the gradient of each); for GPT-2's 50,257-word vocabulary and 512 tokens
that is 4 x 103 MB of fresh memory, written and read several times.

Here the gradient is worked out in the forward pass, into one such array:

1. ``G = x @ weight.T`` (the logits), written row block by row block;
2. for each block, ``G <- exp(G - logsumexp(G) - log(count))`` in place,
   which is softmax / count, and ``-1 / count`` added at each target: the
   gradient of the mean loss with respect to the logits;
3. ``grad_x = G @ weight`` and ``grad_weight = G.T @ x``, two matrix products.

The backward pass only multiplies those by the incoming scalar. The matrix
products are the same three as the plain way's; what goes is the elementwise
passes over full-size arrays and the memory they need. Under autocast the
products run in the autocast dtype and the softmax in float32.
"""

import math

import torch

# Rows of G handled at once in step 2: a block of about 8 MB of float32 stays
# in the CPU's caches while it is exponentiated, and its temporaries are small.
BLOCK_BYTES = 8 << 20


def _compute_dtype(x):
    device_type = x.device.type
    if torch.is_autocast_enabled(device_type):
        return torch.get_autocast_dtype(device_type)
    return x.dtype


def _block_loss(block, targets, valid, count, make_grad):
    """The loss sum of a block of logits; with ``make_grad``, the block becomes
    d(mean loss)/d(logits) in place."""
    lse = torch.logsumexp(block, dim=1)
    safe = targets.where(valid, 0)[:, None]
    loss_sum = ((lse - block.gather(1, safe).squeeze(1)) * valid).sum()
    if make_grad:
        shift = (lse + count.log()).masked_fill(~valid, math.inf)  # ignored rows become 0
        block.sub_(shift[:, None]).exp_()
        block.scatter_add_(1, safe, torch.where(valid, -1 / count, 0.0)[:, None])
    return loss_sum


class _LinearCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, targets, ignore_index, grad_mode):
        need_x, need_w = (grad_mode and need for need in ctx.needs_input_grad[:2])
        dtype = _compute_dtype(x)
        with torch.autocast(x.device.type, enabled=False):
            xc, wc = x.to(dtype), weight.to(dtype)
            valid = targets != ignore_index
            # the logits in float32 at least (a copy only when the products run in 16 bits)
            logits = torch.mm(xc, wc.t())
            logits = logits.to(torch.promote_types(logits.dtype, torch.float32))
            count = valid.sum().to(logits.dtype)  # a tensor: no wait for the device
            rows = max(1, BLOCK_BYTES // (4 * weight.shape[0]))
            loss_sum = logits.new_zeros(())
            for start in range(0, x.shape[0], rows):
                end = start + rows
                loss_sum += _block_loss(logits[start:end], targets[start:end],
                                        valid[start:end], count, need_x or need_w)
            grad_logits = logits.to(dtype)
            grad_x = torch.mm(grad_logits, wc).to(x.dtype) if need_x else None
            grad_w = torch.mm(grad_logits.t(), xc).to(weight.dtype) if need_w else None
        ctx.grads = grad_x, grad_w
        return loss_sum / count  # 0 / 0 = nan when every target is ignored, as F.cross_entropy

    @staticmethod
    def backward(ctx, grad_loss):
        if ctx.grads is None:
            raise RuntimeError("linear_cross_entropy's gradients were already used: "
                               "backward through it runs once (no retain_graph)")
        grads, ctx.grads = ctx.grads, None
        # scaled in place: each gradient is as large as its input (the head: V x d)
        return (*(None if g is None else g.mul_(grad_loss) for g in grads), None, None, None)


def linear_cross_entropy(x, weight, targets, ignore_index=-100):
    """Mean cross-entropy of the logits ``x @ weight.T`` against ``targets``.

    ``x``: (N, d) hidden states, ``weight``: (vocab_size, d) output head,
    ``targets``: (N,) class indices (``ignore_index`` entries are left out).
    Differentiable in ``x`` and ``weight``.
    """
    if x.dim() != 2 or weight.dim() != 2 or targets.shape != x.shape[:1]:
        raise ValueError(f"expected x (N, d), weight (V, d) and targets (N,), got "
                         f"{tuple(x.shape)}, {tuple(weight.shape)}, {tuple(targets.shape)}")
    # forward() runs with autograd off, so whether gradients are wanted is asked here
    return _LinearCrossEntropy.apply(x, weight, targets, ignore_index, torch.is_grad_enabled())


__all__ = ["linear_cross_entropy"]
