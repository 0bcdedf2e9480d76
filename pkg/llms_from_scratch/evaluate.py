"""Evaluation and samples during training: the mean loss of each split, a continuation.

Both use random state of their own, so evaluating never changes the training's
batches.
"""

import contextlib

import torch
import torch.nn.functional as F

from . import data
from .config import TrainError
from .data import get_batch
from .i18n import _
from .model_builder import forward_context


@torch.no_grad()
def estimate_loss(model, splits, cfg, seed, device, dist):
    """Mean loss over ``eval_iters`` windows of each split, the same windows every time."""
    model.eval()
    vocab_size = model.out_head.out_features
    means = []
    for i, tokens in enumerate(splits):
        # A generator of its own: evaluation never moves the training's random state.
        gen = torch.Generator().manual_seed(seed + 1_000_003 * (i + 1) + 7919 * dist.rank)
        batches = [get_batch(tokens, cfg["batch_size"], cfg["context_length"], gen)
                   for _ in range(cfg["eval_iters"])]
        x = torch.cat([b[0] for b in batches])
        y = torch.cat([b[1] for b in batches])
        # All windows in as few forward passes as memory allows (larger matrix
        # products run faster than many small ones); at most ~64M logits each.
        rows = max(1, (1 << 26) // (cfg["context_length"] * vocab_size))
        total = torch.zeros((), dtype=torch.float64)
        for start in range(0, len(x), rows):
            with forward_context(cfg, device):
                logits = model(x[start:start + rows].to(device))
            loss_sum = F.cross_entropy(logits.flatten(0, 1).float(),
                                       y[start:start + rows].to(device).flatten(),
                                       reduction="sum")
            # To the CPU first, then to float64: MPS has no float64 (casting there raises).
            total += loss_sum.cpu().double()
        means.append(total.item() / y.numel())   # every window has the same length
    model.train()
    return dist.mean(means, device)


@torch.no_grad()
def sample_text(model, tokenizer, prompt_ids, cfg, device):
    """A sampled continuation (KV cache); it uses and restores its own random state.

    On CPUs it runs in float32 whatever ``--dtype`` says: for one short
    sequence, autocast only adds conversions (the weights are float32 anyway).
    """
    from .kvcache import generate_cached

    was_training = model.training
    model.eval()
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(cfg["seed"])
        idx = torch.tensor([prompt_ids], device=device)
        with contextlib.nullcontext() if device.type == "cpu" else forward_context(cfg, device):
            out = generate_cached(model, idx, cfg["sample_tokens"], cfg["context_length"],
                                  temperature=cfg["temperature"], top_k=cfg["top_k"])
    model.train(was_training)
    return tokenizer.decode(out[0, len(prompt_ids):].tolist())


def prompt_ids(cfg, tokenizer):
    if not cfg["sample_tokens"]:
        return None
    if cfg["sample_prompt"] is not None:
        try:
            ids = tokenizer.encode(cfg["sample_prompt"], allowed_special={"<|endoftext|>"})
        except ValueError as err:  # a character outside a char-level vocabulary
            raise TrainError(_("--sample-prompt: {err}")
                             .format(err=err)) from None
        if not ids:
            raise TrainError(_("--sample-prompt is empty"))
        return ids[-cfg["context_length"]:]
    if isinstance(tokenizer, data.CharTokenizer):
        return [tokenizer.encode("\n")[0] if "\n" in tokenizer.chars else 0]
    return [tokenizer.eot_token]


__all__ = ["estimate_loss", "prompt_ids", "sample_text"]
