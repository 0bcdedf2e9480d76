"""Mixed precision, compilation and gradient accumulation for training loops.

``train_step`` is the package's one training step: ``llms-from-scratch train``
and the benchmark both run it. Public: ``autocast``, ``make_grad_scaler``,
``compile_model``, ``train_step``, ``to_device`` and the precision checks.
"""

import contextlib

import torch
import torch.nn.functional as F

PRECISIONS = ("float32", "bf16", "fp16")
_ALIASES = {"fp32": "float32", "float32": "float32", "32": "float32",
            "bf16": "bf16", "bfloat16": "bf16",
            "fp16": "fp16", "float16": "fp16", "16": "fp16"}


def check_precision(precision, device):
    """Return the canonical precision name, or raise if ``device`` cannot run it.

    ``precision`` is ``"float32"`` (alias ``"fp32"``), ``"bf16"``
    (``"bfloat16"``) or ``"fp16"`` (``"float16"``).
    """
    device = torch.device(device)
    name = _ALIASES.get(str(precision).lower()) if isinstance(precision, str) else None
    if name is None:
        raise ValueError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if name == "fp16" and device.type != "cuda":
        raise ValueError(
            f"fp16 mixed precision needs a CUDA device (got {device.type}); use "
            "precision='bf16' on CPU, or 'float32'"
        )
    if name == "bf16" and device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"bf16 autocast is not supported on {device.type}")
    return name


def cuda_bf16_native(device=None):
    """Whether the CUDA GPU ``device`` computes in bfloat16 in hardware (Ampere or newer).

    ``torch.cuda.is_bf16_supported()`` also answers yes where bfloat16 is
    only emulated (a T4 or V100): it runs there, but slower than float16.
    ``including_emulation=False`` asks about the hardware; torch builds
    without that argument are answered from the compute capability (8.0+).
    """
    try:
        with torch.cuda.device(device):  # it answers for the current GPU
            return bool(torch.cuda.is_bf16_supported(including_emulation=False))
    except TypeError:  # an older torch without the argument
        major, _ = torch.cuda.get_device_capability(device)
        return major >= 8 and bool(torch.cuda.is_bf16_supported())


def cuda_bf16_advice(device, float16=True):
    """The one-line error for ``--dtype bfloat16`` on a GPU that only emulates it;
    ``float16``: also suggest ``--dtype float16`` (where the command has it)."""
    from .i18n import _

    name = torch.cuda.get_device_name(device)
    major, minor = torch.cuda.get_device_capability(device)
    use = _("--dtype float16 (the GPUs before Ampere compute in it natively) or --dtype "
            "float32") if float16 else "--dtype float32"
    return (_("--dtype bfloat16: the {name} (compute capability {major}.{minor}) has no "
              "bfloat16 arithmetic, only a slow emulation; use {use}")
            .format(name=name, major=major, minor=minor, use=use))


def autocast(device, precision="float32"):
    """A context manager that runs the forward pass in ``precision``.

    ``"bf16"`` works on CPU and CUDA, ``"fp16"`` on CUDA only; autocast keeps
    reductions (softmax, layer norm, the loss) and the weights in float32.
    """
    device = torch.device(device)
    name = check_precision(precision, device)
    if name == "float32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if name == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def make_grad_scaler(device, precision="float32"):
    """A ``torch.amp.GradScaler``, enabled only for fp16 (which needs it).

    fp16's few exponent bits flush small gradients to zero, so the scaler
    scales the loss up and the gradients back down, skipping steps that
    overflowed. bfloat16 has float32's range; for it the scaler passes through.
    """
    device = torch.device(device)
    name = check_precision(precision, device)
    return torch.amp.GradScaler(device.type, enabled=(name == "fp16"))


def compile_model(model, **kwargs):
    """``torch.compile(model, **kwargs)``, with a clear error where it cannot run.

    The compiled model shares its parameters with ``model``; save
    ``model.state_dict()`` (the compiled wrapper adds an ``_orig_mod.`` prefix).
    The first steps are slow while kernels are generated.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not hasattr(torch, "compile"):
        raise RuntimeError("torch.compile needs PyTorch 2.0 or newer")
    return torch.compile(model, **kwargs)


def to_device(batch, device):
    """``batch`` on ``device``; asynchronously only where that is safe.

    Non-blocking only on CUDA for a contiguous source that stays alive until
    the copy is done (``micro_batches`` holds it for the step). To MPS a
    non-blocking copy from pageable memory can read freed memory, and a
    non-contiguous view (``block[:, :-1]``) goes through a temporary that
    nothing keeps alive: there the copy waits.
    """
    device = torch.device(device)
    non_blocking = device.type == "cuda" and batch.is_contiguous()
    return batch.to(device, non_blocking=non_blocking)


def _default_loss(model, input_batch, target_batch):
    logits = model(input_batch)  # (B, T, vocab)
    # The loss in float32 even under autocast: log-softmax over 50k classes
    # loses accuracy in 16 bits.
    return F.cross_entropy(logits.flatten(0, 1).float(), target_batch.flatten())


def _check_step_args(micro_batches, name, scaler, max_grad_norm):
    if isinstance(micro_batches, tuple) and len(micro_batches) == 2 \
            and torch.is_tensor(micro_batches[0]):
        raise TypeError("micro_batches must be a list of (input, target) pairs; "
                        "wrap a single batch as [(input_batch, target_batch)]")
    micro_batches = list(micro_batches)
    if not micro_batches:
        raise ValueError("micro_batches is empty; give at least one (input, target) pair")
    if name == "fp16" and (scaler is None or not scaler.is_enabled()):
        raise ValueError("fp16 training needs an enabled GradScaler: "
                         "scaler = make_grad_scaler(device, 'fp16')")
    if max_grad_norm is not None and not max_grad_norm > 0:
        raise ValueError(f"max_grad_norm must be positive or None, got {max_grad_norm!r}")
    return micro_batches


def train_step(model, optimizer, micro_batches, device, precision="float32", scaler=None,
               max_grad_norm=None, loss_fn=None, forward_context=None):
    """One optimizer step over ``micro_batches``; returns the mean loss (a float).

    - ``micro_batches``: a list of ``(input_batch, target_batch)`` pairs;
      gradients are accumulated over them, each loss divided by their number
      (equal to one step on the combined batch, at the memory of one).
    - ``precision``: ``"float32"``, ``"bf16"`` or ``"fp16"`` (CUDA only,
      and then ``scaler`` from ``make_grad_scaler`` is required).
    - ``max_grad_norm``: clip the global gradient norm before the step.
    - ``loss_fn(model, input_batch, target_batch)``: defaults to the
      next-token cross-entropy of the book's GPT.
    - ``forward_context()``: a context manager for each forward pass, in
      place of ``autocast(device, precision)`` (e.g. autocast plus a choice of
      attention kernel).

    Moves the batches to ``device``; the model must already be there. For a
    ``DistributedDataParallel`` model the gradients are averaged over the
    processes in the last micro-batch only (``no_sync`` before it).
    """
    device = torch.device(device)
    name = check_precision(precision, device)
    micro_batches = _check_step_args(micro_batches, name, scaler, max_grad_norm)
    if forward_context is None:
        def forward_context():
            return autocast(device, name)
    if scaler is None:
        scaler = make_grad_scaler(device, name)
    loss_fn = _default_loss if loss_fn is None else loss_fn

    optimizer.zero_grad(set_to_none=True)
    total = torch.zeros((), device=device)
    n = len(micro_batches)
    for i, (input_batch, target_batch) in enumerate(micro_batches):
        input_batch = to_device(input_batch, device)
        target_batch = to_device(target_batch, device)
        last = i == n - 1
        with contextlib.nullcontext() if last or not hasattr(model, "no_sync") \
                else model.no_sync():
            with forward_context():
                loss = loss_fn(model, input_batch, target_batch)
            # backward outside autocast: gradients take the dtype of the forward ops.
            scaler.scale(loss / n).backward()
        total += loss.detach().float()  # no .item() here: it would wait for the device
    if max_grad_norm is not None:
        scaler.unscale_(optimizer)  # clip the true gradients, not the scaled ones
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    scaler.step(optimizer)
    scaler.update()
    return (total / n).item()


__all__ = ["PRECISIONS", "autocast", "check_precision", "compile_model", "cuda_bf16_advice",
           "cuda_bf16_native", "make_grad_scaler", "to_device", "train_step"]
