"""``GPTModel`` with a KV cache inside, under the English book's name.

``GPTModel(cfg)`` is ``ch04.GPTModel`` (the same parameters, created in the
same order, so the same values under the same seed, and the same
``state_dict``) plus a cache that ``forward(idx, use_cache=True)`` reads and
fills: each call runs only the tokens it is given, at the positions after
those already cached. ``reset_kv_cache()`` starts a new sequence. The cache
holds at most ``context_length`` tokens; to go on past it, reset and run the
last window again (``kv_cache.generate`` does this).
"""

from ..ch04 import GPTModel as _BookGPTModel
from ..kvcache import KVCache, forward_cached


class GPTModel(_BookGPTModel):
    """``ch04.GPTModel`` whose ``forward`` can use a KV cache (see the module)."""

    def __init__(self, cfg):
        super().__init__(cfg)
        self.cfg = dict(cfg)
        self.kv_cache = None  # a kvcache.KVCache, made on the first cached call

    @property
    def current_pos(self):
        """How many tokens the cache holds (the position of the next token)."""
        return 0 if self.kv_cache is None else self.kv_cache.length

    def reset_kv_cache(self):
        """Forget the cached tokens (the memory is kept for the next sequence)."""
        if self.kv_cache is not None:
            self.kv_cache.reset()

    def forward(self, in_idx, use_cache=False):  # in_idx: (B, T) token IDs
        """Logits (B, T, vocab_size); with ``use_cache`` only for the new tokens.

        ``use_cache=False`` is the book's forward over the whole input (the
        cache is left alone). ``use_cache=True`` continues the cached
        sequence; dropout is not applied on that path.
        """
        if not use_cache:
            return super().forward(in_idx)
        if self.kv_cache is None:
            self.kv_cache = KVCache(len(self.trf_blocks), self.pos_emb.num_embeddings)
        return forward_cached(self, in_idx, self.kv_cache)


__all__ = ["GPTModel"]
