"""Appendix D: a better training loop.

Linear learning-rate warm-up, cosine decay, gradient clipping and AdamW
parameter groups, added to the chapter-5 loop.
"""

import math

import torch

from .arg_checks import check_warmup_steps
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
            if is_matrix:
                decay.append(param)
            else:
                no_decay.append(param)
    return [dict(params=decay, weight_decay=weight_decay),
            dict(params=no_decay, weight_decay=0.0)]


def train_model(model, train_loader, val_loader, optimizer, device, n_epochs,
                eval_freq, eval_iter, start_context, tokenizer, warmup_steps,
                initial_lr=3e-05, min_lr=1e-6):
    """The chapter-5 loop with warm-up, cosine decay and gradient clipping.

    The optimizer's current ``lr`` is taken as the peak rate. Every step,
    warm-up included, clips the gradients to a global norm of 1.0 (as GPT-3
    and ``llms_from_scratch.train`` do). Logs ``Ep E (Step S): ...`` like
    chapter 5. Returns ``(train_losses, val_losses, track_tokens_seen, track_lrs)``.
    """
    check_warmup_steps(warmup_steps)
    peak_lr = optimizer.param_groups[0]["lr"]  # the rate the optimizer was made with
    total_steps = n_epochs * len(train_loader)
    train_losses, val_losses, track_tokens_seen, track_lrs = [], [], [], []
    tokens_seen = 0
    step = 0  # updates so far, over all epochs
    for epoch in range(1, n_epochs + 1):
        model.train()
        for inputs, targets in train_loader:  # each (b, num_tokens)
            # 1. This step's learning rate, written into every parameter group
            #    (the optimizer's next step() uses it), and recorded for the plot.
            lr = lr_at_step(step, total_steps, warmup_steps, peak_lr, initial_lr, min_lr)
            for group in optimizer.param_groups:
                group["lr"] = lr
            track_lrs.append(lr)

            # 2. The chapter-5 update, with the gradients clipped to a global
            #    norm of 1.0 between backward() and step().
            optimizer.zero_grad()
            loss = calc_loss_batch(inputs, targets, model, device)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            tokens_seen += inputs.numel()

            # 3. Every eval_freq updates (from the first one): measure and record.
            if step % eval_freq == 0:
                train, val = evaluate_model(model, train_loader, val_loader, device, eval_iter)
                train_losses.append(train)
                val_losses.append(val)
                track_tokens_seen.append(tokens_seen)
                print(f"Ep {epoch} (Step {step:06d}): Train loss {train:.3f}, Val loss {val:.3f}")
            step += 1

        generate_and_print_sample(model, tokenizer, device, start_context)
    return train_losses, val_losses, track_tokens_seen, track_lrs
