"""A model holding GPT-2's published weights, without a second copy in memory.

``GPTModel(cfg)`` followed by ``load_weights_into_gpt`` holds at its peak the
random model, the checkpoint's arrays and the copies being made: for GPT-2
1558M about 13 GB, more than Colab's 12.7 GB. Starting from a model on the
``meta`` device and freeing each array once copied keeps the peak near one
copy of the weights. The causal masks, the book's models' only buffers, are
then made on the CPU as the constructors make them.
"""

import torch

from .ch05 import load_weights_into_gpt


class _ReadOnce:
    """A view of GPT-2's ``params`` (or of its list of blocks) that lets go of each
    entry once ``load_weights_into_gpt`` has read it: the caller's dict or list
    keeps ``None`` in its place, so the arrays are freed as they are copied."""

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, key):
        value = self.items[key]
        if key == "blocks":
            return _ReadOnce(value)  # the list stays; each block goes once read
        self.items[key] = None
        return value


def _causal_mask_like(mask):
    n = mask.shape[0]
    # True above the diagonal, as ch03's MultiHeadAttention builds it.
    return torch.ones(n, n, dtype=torch.bool).triu(1)


def fill_meta_model(model, params):
    """Give ``model``, built on the ``meta`` device, GPT-2's ``params``; return it.

    Build it with ``with torch.device("meta"): model = GPTModel(cfg)``.
    ``params`` is emptied on the way: each array that the model takes is
    replaced by ``None`` (and freed if the caller holds no other reference).
    The model ends up on the CPU, in training mode.
    """
    load_weights_into_gpt(model, _ReadOnce(params))  # also ties the output head
    for name, buffer in list(model.named_buffers()):
        owner, _, attr = name.rpartition(".")
        if buffer.is_meta and attr == "mask":
            setattr(model.get_submodule(owner), attr, _causal_mask_like(buffer))
    left = [name for name, t in [*model.named_parameters(), *model.named_buffers()]
            if t.is_meta]
    if left:
        raise ValueError(f"GPT-2's weights do not cover {', '.join(left)}; "
                         f"{type(model).__name__} has tensors the checkpoint lacks")
    return model


__all__ = ["fill_meta_model"]
