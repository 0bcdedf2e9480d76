"""The transformer block is computed in three places; these tests keep the three equal.

- ``ch04.TransformerBlock.forward``: the book's block, step by step;
- ``fast.FastTransformerBlock.forward``: the same block through fused kernels;
- the loop over ``trf_blocks`` in ``kvcache.forward_cached``: new tokens attend
  to cached keys and values.

Given the same weights, all three must give the same hidden states. The whole
models are compared too: test_fast.py (logits and gradients of GPTModelFast
against GPTModel) and test_kvcache.py (cached logits against the full forward).
"""

import contextlib

import pytest
import torch
import torch.nn as nn

from llms_from_scratch.ch04 import GPTModel, TransformerBlock
from llms_from_scratch.fast import FastTransformerBlock, GPTModelFast, explicit_attention
from llms_from_scratch.kvcache import KVCache, forward_cached

CFG = {"vocab_size": 61, "context_length": 16, "emb_dim": 32, "n_heads": 4,
       "n_layers": 2, "drop_rate": 0.0, "qkv_bias": True}


def _scramble(module):
    """Random values in every parameter, LayerNorm scales and shifts included, so that
    swapping norm1 and norm2 (or any two weights) changes the output."""
    with torch.no_grad():
        for param in module.parameters():
            param.normal_(0.0, 0.3)
    return module.eval()


@pytest.mark.parametrize("explicit", [False, True], ids=["sdpa", "explicit"])
def test_fast_block_equals_the_books_block(explicit):
    book = _scramble(TransformerBlock(CFG))
    fast = FastTransformerBlock(CFG).eval()
    fast.load_state_dict(book.state_dict())
    x = torch.randn(3, 11, CFG["emb_dim"])
    attention = explicit_attention() if explicit else contextlib.nullcontext()
    with torch.no_grad(), attention:
        torch.testing.assert_close(fast(x), book(x), atol=1e-5, rtol=1e-5)


def _blocks_only(model):
    """The model with its final norm and head replaced by identities: its output
    is then the hidden state after the last block."""
    model.final_norm = nn.Identity()
    model.out_head = nn.Identity()
    return model


@pytest.mark.parametrize("model_cls", [GPTModel, GPTModelFast])
def test_cached_block_loop_equals_the_books_blocks(model_cls):
    book = _scramble(GPTModel(CFG))
    model = model_cls(CFG).eval()
    model.load_state_dict(book.state_dict())
    model = _blocks_only(model)
    idx = torch.randint(0, CFG["vocab_size"], (2, 10))
    with torch.no_grad():
        # The book's blocks, one after the other, over all 10 tokens at once.
        x = book.tok_emb(idx) + book.pos_emb(torch.arange(10))
        for block in book.trf_blocks:
            x = block(x)
        # The cache's loop: a prefill of 6 tokens, then one token at a time.
        cache = KVCache(CFG["n_layers"], CFG["context_length"])
        parts = [forward_cached(model, idx[:, :6], cache)]
        parts += [forward_cached(model, idx[:, t:t + 1], cache) for t in range(6, 10)]
    torch.testing.assert_close(torch.cat(parts, dim=1), x, atol=1e-5, rtol=1e-5)
