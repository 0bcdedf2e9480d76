"""Chapter 4: a GPT model from scratch.

``GPTModel`` follows GPT-2: token and absolute position embeddings, a stack
of pre-LayerNorm transformer blocks, a final LayerNorm and a linear head.
Shapes in the comments: ``b`` texts in a batch, ``num_tokens`` tokens each,
``emb_dim`` features per token.

``GPTModelFast`` can also be imported from here, as from the English book's
package; it lives in ``fast`` (which builds on this module).
"""

import importlib

import torch
import torch.nn as nn

from .arg_checks import check_generation_args, check_gpt_config, check_model_input
from .ch03 import MultiHeadAttention


class LayerNorm(nn.Module):
    """Normalise each token's features to mean 0 and variance 1, then rescale.

    ``scale`` and ``shift`` are learned, so the model can undo the
    normalisation where that helps.
    """

    def __init__(self, emb_dim, eps=1e-5):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(emb_dim))  # gamma, starts as the identity
        self.shift = nn.Parameter(torch.zeros(emb_dim))  # beta
        self.eps = eps  # keeps the division finite for a token whose features are all equal

    def forward(self, x):  # x: (b, num_tokens, emb_dim); each token on its own
        centred = x - x.mean(dim=-1, keepdim=True)  # mean 0 over the features
        # The biased variance (divide by n), as GPT-2's TensorFlow code used.
        spread = torch.sqrt(x.var(dim=-1, keepdim=True, unbiased=False) + self.eps)
        return self.scale * centred / spread + self.shift  # (b, num_tokens, emb_dim)


class GELU(nn.Module):
    """GELU with the tanh approximation used by GPT-2."""

    def forward(self, x):  # any shape, elementwise
        return 0.5 * x * (1.0 + torch.tanh(
            (2.0 / torch.pi) ** 0.5 * (x + 0.044715 * x ** 3)
        ))


class FeedForward(nn.Module):
    """Expand each token to 4x the width, apply GELU, project back."""

    def __init__(self, cfg):
        super().__init__()
        d = cfg["emb_dim"]
        self.layers = nn.Sequential(
            nn.Linear(d, 4 * d),  # widen: room to compute features of each token
            GELU(),
            nn.Linear(4 * d, d),  # back to emb_dim, so the shortcut can add it
        )

    def forward(self, x):  # (b, num_tokens, emb_dim) -> (b, num_tokens, 4 * emb_dim) -> back
        return self.layers(x)


class TransformerBlock(nn.Module):
    """Pre-LayerNorm block: x + att(norm1(x)), then x + ff(norm2(x)).

    The same block is computed twice more, for speed: ``fast.FastTransformerBlock``
    (fused kernels) and the loop in ``kvcache.forward_cached`` (new tokens
    against cached keys and values). Change one, change all three:
    ``pkg/tests/test_block_forwards.py`` keeps them equal.
    """

    def __init__(self, cfg):
        super().__init__()
        d = cfg["emb_dim"]
        # Creation order (att, ff, norms, dropout) fixes the random draws at init.
        self.att = MultiHeadAttention(d, d, cfg["context_length"], cfg["drop_rate"],
                                      cfg["n_heads"], qkv_bias=cfg["qkv_bias"])
        self.ff = FeedForward(cfg)
        self.norm1 = LayerNorm(d)  # at the entrance of the attention
        self.norm2 = LayerNorm(d)  # at the entrance of the feed-forward network
        self.drop_shortcut = nn.Dropout(cfg["drop_rate"])

    def forward(self, x):  # x: (b, num_tokens, emb_dim)
        # First half: attention, where the tokens exchange information.
        # Pre-LN: the branch normalises its own input; x itself passes unchanged.
        branch = self.norm1(x)
        branch = self.att(branch)  # (b, num_tokens, emb_dim)
        branch = self.drop_shortcut(branch)
        # The shortcut adds the branch to its input: gradients have a direct
        # path through a deep stack of blocks.
        x = x + branch

        # Second half: the feed-forward network, each token on its own.
        branch = self.norm2(x)
        branch = self.ff(branch)  # (b, num_tokens, emb_dim)
        branch = self.drop_shortcut(branch)
        x = x + branch
        return x  # (b, num_tokens, emb_dim), the shape it came in with


class GPTModel(nn.Module):
    """The GPT-2 architecture, configured by a dict with the keys of ``GPT_CONFIG_124M``
    (vocab_size, context_length, emb_dim, n_heads, n_layers, drop_rate, qkv_bias)."""

    def __init__(self, cfg):
        super().__init__()
        check_gpt_config(cfg)
        d, vocab = cfg["emb_dim"], cfg["vocab_size"]
        self.tok_emb = nn.Embedding(vocab, d)  # token ID -> vector
        self.pos_emb = nn.Embedding(cfg["context_length"], d)  # position -> vector
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        blocks = []
        for _ in range(cfg["n_layers"]):
            blocks.append(TransformerBlock(cfg))
        self.trf_blocks = nn.Sequential(*blocks)
        self.final_norm = LayerNorm(d)  # pre-LN blocks leave their output unnormalised
        self.out_head = nn.Linear(d, vocab, bias=False)  # vector -> a score per token ID

    def forward(self, in_idx):  # in_idx: (b, num_tokens) token IDs
        num_tokens = in_idx.shape[1]
        check_model_input(num_tokens, self.pos_emb.num_embeddings)
        # 1. Token vectors plus position vectors. The positions are the same for
        #    every text, so (num_tokens, emb_dim) broadcasts over the batch.
        positions = torch.arange(num_tokens, device=in_idx.device)  # 0, 1, ..., num_tokens - 1
        x = self.tok_emb(in_idx) + self.pos_emb(positions)  # (b, num_tokens, emb_dim)
        x = self.drop_emb(x)
        # 2. The transformer blocks, one after the other; the shape stays the same.
        x = self.trf_blocks(x)  # (b, num_tokens, emb_dim)
        # 3. A last normalisation, then one score per vocabulary entry.
        x = self.final_norm(x)
        return self.out_head(x)  # (b, num_tokens, vocab_size) logits


def generate_text_simple(model, idx, max_new_tokens, context_size):
    """Greedy decoding: append the most likely next token ``max_new_tokens`` times.

    ``idx`` is a (batch, tokens) tensor; prompts longer than ``context_size``
    are cropped to their last ``context_size`` tokens before each step.
    """
    check_generation_args(model, idx, max_new_tokens, context_size)
    for _ in range(max_new_tokens):
        window = idx[:, -context_size:]  # what the model can see: (b, <= context_size)
        with torch.no_grad():  # no training here, so no graph for backward
            logits = model(window)  # (b, num_tokens, vocab_size)
        last = logits[:, -1, :]  # only the last position predicts a new token: (b, vocab_size)
        next_id = last.argmax(dim=-1, keepdim=True)  # the highest score: (b, 1)
        idx = torch.cat((idx, next_id), dim=1)  # (b, num_tokens + 1)
    return idx


def __getattr__(name):
    # fast.py imports this module, so GPTModelFast is looked up only when asked
    # for. In a stand-alone copy of this file (no package) the name is absent.
    if name == "GPTModelFast" and __package__:
        return importlib.import_module(".fast", __package__).GPTModelFast
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["GELU", "FeedForward", "GPTModel", "LayerNorm", "TransformerBlock",
           "generate_text_simple"]
