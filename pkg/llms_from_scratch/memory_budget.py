"""Will a training run fit in the device's memory? An estimate before the first step.

Fine-tuning GPT-2 774M or 1558M on a 15 GB GPU (a T4 on Colab) runs out of
memory at the first step, with a long CUDA traceback; ``check_training_fits``
says so beforehand, in one line with the numbers. The estimate: 16 bytes per
parameter with AdamW (weight, gradient, two moments; 2 more for autocast's
16-bit copy), plus the activations kept for the backward pass, per layer
``b * T * d * (34 + 5 * h * T / d)`` bytes in 16 bits (Korthikanti et al.,
"Reducing Activation Recomputation in Large Transformer Models", 2022), twice
that in float32, plus the logits. The allocator's caches come on top, so only
a run that cannot fit is refused; one that just fits may still fail.
"""

import torch

from .config import TrainError
from .i18n import _

ADAMW_BYTES_PER_PARAM = 16  # float32 weight 4 + gradient 4 + AdamW's two moments 8
GIB = 2**30


def activation_bytes(model_cfg, batch_size, context_length, dtype="float32",
                     attention_matrices=True):
    """Bytes of the activations one micro-batch keeps for the backward pass.

    ``attention_matrices=False`` for ``GPTModelFast``, whose attention kernels
    keep no (T, T) matrices (the ``5 * h * T / d`` term).
    """
    b, t = batch_size, context_length
    d, h = model_cfg["emb_dim"], model_cfg["n_heads"]
    per_layer_16bit = b * t * d * (34 + (5 * h * t / d if attention_matrices else 0))
    scale = 1 if dtype in ("bfloat16", "float16") else 2
    logits = b * t * model_cfg["vocab_size"] * (2 + 4 + 4) * scale / 2
    return int(model_cfg["n_layers"] * per_layer_16bit * scale + logits)


def training_bytes(n_params, model_cfg, cfg):
    """``(weights_and_optimizer, activations)`` in bytes for a run with settings ``cfg``."""
    per_param = ADAMW_BYTES_PER_PARAM + (2 if cfg["dtype"] in ("bfloat16", "float16") else 0)
    activations = activation_bytes(model_cfg, cfg["batch_size"], cfg["context_length"],
                                   cfg["dtype"], attention_matrices=not cfg["fast"])
    return n_params * per_param, activations


def free_bytes(device):
    """Free memory on ``device`` in bytes; None where it is not known (the CPU)."""
    device = torch.device(device)
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type == "mps":
        limit = getattr(torch.mps, "recommended_max_memory", None)
        if limit is not None:
            return int(limit() - torch.mps.driver_allocated_memory())
    return None


def check_training_fits(model, model_cfg, cfg, device):
    """Raise a one-line ``TrainError`` when the run clearly cannot fit on ``device``."""
    free = free_bytes(device)
    if free is None:
        return
    n_params = sum(p.numel() for p in model.parameters())  # a tied head counts once
    weights, activations = training_bytes(n_params, model_cfg, cfg)
    need = weights + activations
    if need <= free:
        return
    raise TrainError(
        _("this run needs about {need:.1f} GiB on {device} but only {free:.1f} GiB are free: "
          "{millions:.0f}M parameters x {per_param:.0f} bytes (weights, gradients, AdamW's "
          "moments) = {weights:.1f} GiB, activations of --batch-size {batch_size} x "
          "--context-length {context_length} = {activations:.1f} GiB; lower --batch-size "
          "(raise --grad-accum to keep the batch), shorten --context-length, or start from a "
          "smaller model")
        .format(need=need / GIB, device=device, free=free / GIB, millions=n_params / 1e6,
                per_param=weights / n_params, weights=weights / GIB,
                batch_size=cfg["batch_size"], context_length=cfg["context_length"],
                activations=activations / GIB))
