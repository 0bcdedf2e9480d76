"""The English book's ``kv_cache`` names, on top of this package's ``kvcache``.

- ``kv_cache.gpt2.GPTModel``: ``ch04.GPTModel`` whose ``forward`` takes
  ``use_cache=True`` to run only the new tokens against the keys and values
  kept from earlier calls (``reset_kv_cache()`` forgets them);
- ``kv_cache.generate.generate_text_simple`` (greedy, cached by default) and
  ``generate_text_simple_stream`` (yields the new token IDs one step at a time).

They have the English package's signatures and, under the same seed, give
the same numbers as their counterparts here (``ch04.GPTModel``,
``ch04.generate_text_simple``). The cache itself is ``kvcache.KVCache``.
"""

from . import generate, gpt2

__all__ = ["generate", "gpt2"]
