# Generated from the package llms_from_scratch (appendix_d).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: この章のパッケージ版のコード（ノートブックの照合用）。ノートブックがこのフォルダだけで動くようにするためのものです。

import math

import torch

from previous_chapters import calc_loss_batch, evaluate_model, generate_and_print_sample


# ============================================================================
# llms_from_scratch.appendix_d: Appendix D: a better training loop.
# ============================================================================

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
    """Split parameters into AdamW groups: decay matrices, not biases/norms/embeddings.

    Weight decay pulls weights towards zero; that regularises the large
    matrices of linear layers, but for biases, LayerNorm scales/shifts and
    embedding tables it only hurts, as GPT-2/GPT-3 style training recognises.
    """
    decay, no_decay, seen = [], [], set()
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if not param.requires_grad or id(param) in seen:
                continue
            seen.add(id(param))
            if isinstance(module, torch.nn.Linear) and name == "weight":
                decay.append(param)
            else:
                no_decay.append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def train_model(model, train_loader, val_loader, optimizer, device, n_epochs,
                eval_freq, eval_iter, start_context, tokenizer, warmup_steps,
                initial_lr=3e-05, min_lr=1e-6):
    """The chapter-5 loop with warm-up, cosine decay and gradient clipping.

    The optimizer's current ``lr`` is taken as the peak rate. Gradients are
    clipped to a global norm of 1.0 once warm-up is over. Returns
    ``(train_losses, val_losses, track_tokens_seen, track_lrs)``.
    """
    if warmup_steps < 0:
        raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps!r}")
    train_losses, val_losses, track_tokens_seen, track_lrs = [], [], [], []
    tokens_seen, global_step = 0, -1
    peak_lr = optimizer.param_groups[0]["lr"]
    total_steps = len(train_loader) * n_epochs

    for epoch in range(n_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            global_step += 1

            lr = lr_at_step(global_step, total_steps, warmup_steps, peak_lr,
                            initial_lr, min_lr)
            for group in optimizer.param_groups:
                group["lr"] = lr
            track_lrs.append(lr)

            loss = calc_loss_batch(input_batch, target_batch, model, device)
            loss.backward()
            # Clipping only after warm-up: early updates are already small.
            if global_step >= warmup_steps:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            tokens_seen += input_batch.numel()

            if global_step % eval_freq == 0:
                train_loss, val_loss = evaluate_model(
                    model, train_loader, val_loader, device, eval_iter)
                train_losses.append(train_loss)
                val_losses.append(val_loss)
                track_tokens_seen.append(tokens_seen)
                print(f"Ep {epoch + 1} (Iter {global_step:06d}): "
                      f"Train loss {train_loss:.3f}, Val loss {val_loss:.3f}")

        generate_and_print_sample(model, tokenizer, device, start_context)

    return train_losses, val_losses, track_tokens_seen, track_lrs
