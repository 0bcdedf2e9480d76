"""Greedy generation with a KV cache, under the English book's names.

Both functions work for any of this package's GPTs (``ch04.GPTModel``,
``fast.GPTModelFast``, ``kv_cache.gpt2.GPTModel``) and put the model in eval
mode, as the English book's do. ``context_size=None`` means the model's
``context_length``. They are thin wrappers over ``kvcache``, so a sequence
longer than the window slides exactly as ``ch04.generate_text_simple`` crops.
"""

from ..ch04 import generate_text_simple as _generate_uncached
from ..kvcache import generate_cached, stream_cached


def _context(model, context_size):
    return model.pos_emb.num_embeddings if context_size is None else context_size


def generate_text_simple(model, idx, max_new_tokens, context_size=None, use_cache=True):
    """``ch04.generate_text_simple`` with a KV cache (or without, ``use_cache=False``).

    Returns ``idx`` (B, T) with ``max_new_tokens`` greedy tokens appended;
    the tokens are the same either way.
    """
    model.eval()
    context_size = _context(model, context_size)
    if use_cache:
        return generate_cached(model, idx, max_new_tokens, context_size)
    return _generate_uncached(model, idx, max_new_tokens, context_size)


def generate_text_simple_stream(model, token_ids, max_new_tokens, eos_token_id=None,
                                context_size=None):
    """Yield each new greedy token as a (B, 1) tensor, through a KV cache.

    Stops after ``max_new_tokens`` tokens, or before yielding ``eos_token_id``
    once every sequence produced it. Joined, the tokens are those that
    ``generate_text_simple`` appends.
    """
    model.eval()
    yield from stream_cached(model, token_ids, max_new_tokens, _context(model, context_size),
                             eos_id=eos_token_id)


__all__ = ["generate_text_simple", "generate_text_simple_stream"]
