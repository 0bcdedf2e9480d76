"""Appendix D: a better training loop.

Linear learning-rate warm-up, cosine decay, gradient clipping and AdamW
parameter groups, added to the chapter-5 loop.
"""

import math

import torch

from .ch05 import calc_loss_batch, evaluate_model, generate_and_print_sample


def find_highest_gradient(model):
    """The largest gradient entry over all parameters (``None`` before backward)."""
    highest = None
    for param in model.parameters():
        if param.grad is not None:
            value = param.grad.detach().max().item()
            if highest is None or value > highest:
                highest = value
    return highest


def lr_at_step(step, total_steps, warmup_steps, peak_lr, initial_lr=3e-05, min_lr=1e-6):
    """Learning rate at ``step`` (0-based): linear warm-up, then cosine decay.

    During the first ``warmup_steps`` steps the rate climbs linearly from
    ``initial_lr`` towards ``peak_lr``; afterwards it follows half a cosine
    from ``peak_lr`` down to ``min_lr``, reached at ``step == total_steps`` (so
    the last training step, ``total_steps - 1``, is still slightly above it).
    """
    if step < warmup_steps:
        return initial_lr + step * (peak_lr - initial_lr) / warmup_steps
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    return min_lr + 0.5 * (peak_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def param_groups_for_adamw(model, weight_decay=0.1):
    """Split parameters into AdamW groups: decay ``nn.Linear`` weights only.

    Weight decay pulls weights towards zero. This module decays the weight
    matrices of linear layers and exempts biases, LayerNorm scales/shifts and
    the embedding tables. That is one convention, not the only one: nanoGPT,
    for example, decays every 2-D weight including the embeddings and exempts
    only biases and LayerNorm parameters. A tied weight is listed once.
    """
    decay, no_decay, seen = [], [], set()
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if not param.requires_grad or id(param) in seen:
                continue
            seen.add(id(param))
            is_matrix = isinstance(module, torch.nn.Linear) and name == "weight"
            (decay if is_matrix else no_decay).append(param)
    return [dict(params=decay, weight_decay=weight_decay),
            dict(params=no_decay, weight_decay=0.0)]


def _set_lr(optimizer, lr):
    """Write ``lr`` into every parameter group; the next ``step()`` uses it."""
    for group in optimizer.param_groups:
        group["lr"] = lr


def _clipped_step(model, optimizer, input_batch, target_batch, device, max_norm=1.0):
    """One update: loss, backward, clip the global gradient norm, optimizer step."""
    optimizer.zero_grad()
    calc_loss_batch(input_batch, target_batch, model, device).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
    optimizer.step()


def _evaluate_and_log(log, model, loaders, device, eval_iter, epoch, step, tokens_seen):
    """Append the current losses and tokens seen to ``log`` and print one line."""
    train_loss, val_loss = evaluate_model(model, *loaders, device, eval_iter)
    for key, value in (("train", train_loss), ("val", val_loss), ("tokens", tokens_seen)):
        log[key].append(value)
    print(f"Ep {epoch} (Step {step:06d}): Train loss {train_loss:.3f}, Val loss {val_loss:.3f}")


def train_model(model, train_loader, val_loader, optimizer, device, n_epochs,
                eval_freq, eval_iter, start_context, tokenizer, warmup_steps,
                initial_lr=3e-05, min_lr=1e-6):
    """The chapter-5 loop with warm-up, cosine decay and gradient clipping.

    The optimizer's current ``lr`` is taken as the peak rate. Every step,
    warm-up included, clips the gradients to a global norm of 1.0 (as GPT-3
    and ``llms_from_scratch.train`` do). Logs ``Ep E (Step S): ...`` like
    chapter 5. Returns ``(train_losses, val_losses, track_tokens_seen, track_lrs)``.
    """
    if warmup_steps < 0:
        raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps!r}; "
                        "pass 0 to start at the peak rate")
    peak_lr = optimizer.param_groups[0]["lr"]
    total_steps = n_epochs * len(train_loader)
    log = dict(train=[], val=[], tokens=[], lrs=[])
    step = tokens_seen = 0
    for epoch in range(1, n_epochs + 1):
        model.train()
        for input_batch, target_batch in train_loader:
            log["lrs"].append(lr_at_step(step, total_steps, warmup_steps, peak_lr,
                                         initial_lr, min_lr))
            _set_lr(optimizer, log["lrs"][-1])
            _clipped_step(model, optimizer, input_batch, target_batch, device)
            tokens_seen += input_batch.numel()
            if step % eval_freq == 0:
                _evaluate_and_log(log, model, (train_loader, val_loader), device,
                                  eval_iter, epoch, step, tokens_seen)
            step += 1
        generate_and_print_sample(model, tokenizer, device, start_context)
    return log["train"], log["val"], log["tokens"], log["lrs"]
