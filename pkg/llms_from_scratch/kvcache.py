"""Generation with a key-value (KV) cache.

Each layer keeps the keys and values of the tokens seen so far, so a step
processes only the new token. The functions run the model's own submodules
and replace only the attention step, so they work for both ``ch04.GPTModel``
and ``fast.GPTModelFast`` and the book's class stays as it is.

GPT-2's position embeddings are absolute: once the sequence outgrows the
window (``context_size``), cropping shifts every position, so the cache is
rebuilt from the last ``context_size`` tokens, which gives exactly the
outputs of uncached generation with cropping (``ch05.generate``).
"""

import torch
import torch.nn.functional as F

from .arg_checks import check_generation_args, check_sampling_args
from .ch05 import sample_next_token
from .errors import UserError
from .i18n import _


class NonFiniteLogitsError(UserError):
    """The model's logits hold NaN or Inf, so no token can be sampled from them."""


def _check_logits(logits, temperature):
    """Refuse logits (B, vocab) that are not finite, or that the temperature makes infinite."""
    if not bool(torch.isfinite(logits).all()):
        raise NonFiniteLogitsError(
            _("the model's logits hold NaN or Inf, so no token can be chosen; its weights are "
              "probably damaged or come from a run whose training diverged: check the model "
              "file, or train again with a lower learning rate"))
    if temperature > 0.0 and not bool(torch.isfinite(logits / temperature).all()):
        raise NonFiniteLogitsError(
            _("the temperature {temperature:g} is so small that the logits divided by it "
              "overflow to Inf; use 0 for greedy decoding, or a larger temperature")
            .format(temperature=temperature))


class KVCache:
    """Keys and values of every layer, preallocated for ``max_len`` tokens.

    The storage is allocated on the first ``update`` (taking the keys' dtype
    and device) and reused after ``reset``.
    """

    def __init__(self, n_layers, max_len):
        for name, value in (("n_layers", n_layers), ("max_len", max_len)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.n_layers = n_layers
        self.max_len = max_len
        self.keys = None  # (n_layers, B, n_heads, max_len, head_dim)
        self.values = None
        self.length = 0  # tokens stored so far (the same in every layer)

    def reset(self):
        """Forget the stored tokens; the memory is kept for reuse."""
        self.length = 0

    @property
    def free(self):
        """How many more tokens fit."""
        return self.max_len - self.length

    def _allocate(self, like):  # like: (B, n_heads, T, head_dim)
        b, h, _, d = like.shape
        shape = (self.n_layers, b, h, self.max_len, d)
        if self.keys is None or self.keys.shape != shape or self.keys.dtype != like.dtype \
                or self.keys.device != like.device:
            self.keys = torch.empty(shape, dtype=like.dtype, device=like.device)
            self.values = torch.empty(shape, dtype=like.dtype, device=like.device)

    def update(self, layer, new_keys, new_values):
        """Store the new tokens' keys/values of ``layer``; return all stored so far.

        ``new_keys``/``new_values`` are (B, n_heads, T, head_dim); the returned
        views (B, n_heads, length + T, head_dim). ``length`` moves only with
        ``advance`` (after the last layer).
        """
        t = new_keys.shape[2]
        if t > self.free:
            raise ValueError(f"{t} new tokens do not fit: the cache holds {self.length} of "
                             f"{self.max_len}; reset it and prefill a cropped context")
        if layer == 0 and self.length == 0:
            self._allocate(new_keys)
        end = self.length + t
        self.keys[layer, :, :, self.length:end] = new_keys
        self.values[layer, :, :, self.length:end] = new_values
        return self.keys[layer, :, :, :end], self.values[layer, :, :, :end]

    def advance(self, t):
        self.length += t


def _qkv(att, x):
    """Query, key, value of an attention module, each (B, n_heads, T, head_dim)."""
    if hasattr(att, "project_qkv"):  # GPTModelFast: one fused matmul
        return att.project_qkv(x)
    b, t, _ = x.shape

    def split_heads(y):  # (B, T, d_out) -> (B, n_heads, T, head_dim)
        return y.view(b, t, att.num_heads, att.head_dim).transpose(1, 2)

    return split_heads(att.W_query(x)), split_heads(att.W_key(x)), split_heads(att.W_value(x))


def _attend(queries, keys, values, start):
    """Causal attention of T new queries at positions start.. over all stored keys."""
    t = queries.shape[2]
    if t == 1:  # one new token may look at every stored token: no mask needed
        return F.scaled_dot_product_attention(queries, keys, values)
    if start == 0:
        return F.scaled_dot_product_attention(queries, keys, values, is_causal=True)
    # Query i sits at position start + i and may see keys 0..start + i.
    total = keys.shape[2]
    rows = torch.arange(t, device=queries.device).unsqueeze(1) + start
    allowed = torch.arange(total, device=queries.device).unsqueeze(0) <= rows  # (T, total)
    return F.scaled_dot_product_attention(queries, keys, values, attn_mask=allowed)


def _merge_heads(att, context):
    if hasattr(att, "merge_heads"):
        return att.merge_heads(context)
    b, _, t, _ = context.shape
    return att.out_proj(context.transpose(1, 2).reshape(b, t, att.d_out))


def forward_cached(model, idx, cache, last_only=False, head_weight_t=None):
    """Run ``model`` on the new tokens ``idx`` (B, T), reading and filling ``cache``.

    The tokens take the positions ``cache.length ..``; returns the logits
    (B, T, vocab_size), or only the last token's (B, 1, vocab_size) with
    ``last_only=True`` (the output head is the largest matmul). Dropout is
    skipped (use the model in eval mode).

    ``head_weight_t`` may hold ``model.out_head.weight.t().contiguous()``
    (see ``decoding_head``): on CPUs this layout streams faster for one token
    (docs/performance.md).
    """
    if not torch.is_tensor(idx) or idx.dim() != 2 or idx.shape[1] == 0:
        raise ValueError("idx must be a 2-D tensor of token IDs, shape (batch, tokens), "
                         "with at least one token")
    if not isinstance(cache, KVCache):
        raise TypeError(f"cache must be a KVCache, got {type(cache).__name__}")
    if cache.n_layers != len(model.trf_blocks):
        raise ValueError(f"the cache has {cache.n_layers} layers, the model "
                         f"{len(model.trf_blocks)}")
    start, t = cache.length, idx.shape[1]
    if start + t > model.pos_emb.num_embeddings:
        raise ValueError(f"positions up to {start + t} exceed the model's context_length "
                         f"({model.pos_emb.num_embeddings}); reset the cache and run the last "
                         "context_length tokens again")
    positions = torch.arange(start, start + t, device=idx.device)
    x = model.tok_emb(idx) + model.pos_emb(positions)  # (B, T, emb_dim)
    # The block's third forward (see fast.FastTransformerBlock): change one, change
    # all three; pkg/tests/test_block_forwards.py keeps them equal.
    for layer, block in enumerate(model.trf_blocks):
        att = block.att
        queries, keys, values = _qkv(att, block.norm1(x))  # (B, n_heads, T, head_dim)
        keys, values = cache.update(layer, keys, values)  # (B, n_heads, start + T, head_dim)
        x = x + _merge_heads(att, _attend(queries, keys, values, start))
        x = x + block.ff(block.norm2(x))
    cache.advance(t)
    if last_only:
        x = x[:, -1:]  # (B, 1, emb_dim)
    x = model.final_norm(x)
    if head_weight_t is None:
        return model.out_head(x)  # (B, T or 1, vocab_size)
    logits = x @ head_weight_t  # (B, T or 1, vocab_size)
    return logits if model.out_head.bias is None else logits + model.out_head.bias


def decoding_head(model):
    """The output head to pass as ``head_weight_t`` when decoding, or None.

    The transposed copy pays off only for float32 on CPUs; bfloat16 on CPUs
    (slower transposed) and GPUs get None. ``GPTModelFast`` keeps its copy
    across calls; for the book's model it lives as long as the caller holds it.
    """
    weight = model.out_head.weight
    if weight.device.type != "cpu" or weight.dtype != torch.float32:
        return None
    if hasattr(model, "head_weight_t"):
        return model.head_weight_t()  # (emb_dim, vocab_size)
    with torch.no_grad():
        return weight.detach().t().contiguous()


def stream_cached(model, idx, max_new_tokens, context_size, temperature=0.0, top_k=None,
                  top_p=None, eos_id=None):
    """Yield the new token IDs (B, 1) one step at a time, through a KV cache.

    The arguments and tokens of ``generate_cached``; stops early at ``eos_id``
    (not yielded). Each step runs under ``torch.inference_mode``, but the
    yielded tensors are ordinary ones. Logits are sampled in float32.
    """
    check_generation_args(model, idx, max_new_tokens, context_size)
    vocab_size = model.out_head.out_features
    check_sampling_args(temperature, top_k, top_p, eos_id, vocab_size)
    context_length = model.pos_emb.num_embeddings
    if context_size > context_length:
        raise ValueError(f"context_size ({context_size}) exceeds the model's context_length "
                         f"({context_length})")
    if max_new_tokens == 0:
        return
    cache = KVCache(len(model.trf_blocks), context_size)
    head_t = decoding_head(model)
    window = idx[:, -context_size:]  # the tokens the cache must hold after a rebuild

    @torch.inference_mode()
    def step(tokens):
        logits = forward_cached(model, tokens, cache, last_only=True, head_weight_t=head_t)
        logits = logits[:, -1].float()  # (B, vocab)
        _check_logits(logits, temperature)
        return sample_next_token(logits, temperature, top_k, top_p)  # (B, 1)

    next_id = step(window)
    for produced in range(1, max_new_tokens + 1):
        if eos_id is not None and bool((next_id == eos_id).all()):
            return
        next_id = next_id.clone()  # an ordinary tensor, usable by autograd later
        yield next_id
        if produced == max_new_tokens:
            return
        window = torch.cat([window, next_id], dim=1)[:, -context_size:]
        if cache.free == 0:
            # The window slides: every position shifts, so rebuild the cache.
            cache.reset()
            next_id = step(window)
        else:
            next_id = step(next_id)


def generate_cached(model, idx, max_new_tokens, context_size, temperature=0.0, top_k=None,
                    top_p=None, eos_id=None):
    """``ch05.generate`` with a KV cache: the same arguments and the same results.

    ``temperature=0.0`` is greedy; ``eos_id`` stops once every sequence in the
    batch produced it (not appended). ``stream_cached`` yields the same tokens
    one at a time.
    """
    new_ids = list(stream_cached(model, idx, max_new_tokens, context_size, temperature,
                                 top_k, top_p, eos_id))
    return torch.cat([idx] + new_ids, dim=1) if new_ids else idx


__all__ = ["KVCache", "NonFiniteLogitsError", "decoding_head", "forward_cached",
           "generate_cached", "stream_cached"]
