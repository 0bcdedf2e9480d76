"""Chapter 4: a GPT model from scratch.

``GPTModel`` follows GPT-2: token and absolute position embeddings, a stack
of pre-LayerNorm transformer blocks, a final LayerNorm and a linear head.

``GPTModelFast`` can also be imported from here, as from the English book's
package; it lives in ``fast`` (which builds on this module).
"""

import importlib

import torch
import torch.nn as nn

from .ch03 import MultiHeadAttention

GPT_CONFIG_KEYS = ("vocab_size", "context_length", "emb_dim", "n_heads",
                   "n_layers", "drop_rate", "qkv_bias")


def check_gpt_config(cfg):
    """Raise ``ValueError`` with a clear message if ``cfg`` cannot build a GPT."""
    if not isinstance(cfg, dict):
        raise TypeError(f"the config must be a dict, got {type(cfg).__name__}")
    missing = [k for k in GPT_CONFIG_KEYS if k not in cfg]
    if missing:
        raise ValueError(f"the config lacks {', '.join(missing)}; it needs all of "
                         f"{', '.join(GPT_CONFIG_KEYS)}")
    for key in ("vocab_size", "context_length", "emb_dim", "n_heads", "n_layers"):
        value = cfg[key]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"cfg['{key}'] must be a positive int, got {value!r}")
    if cfg["emb_dim"] % cfg["n_heads"] != 0:
        raise ValueError(
            f"cfg['emb_dim'] ({cfg['emb_dim']}) must be divisible by "
            f"cfg['n_heads'] ({cfg['n_heads']}): each head gets emb_dim // n_heads features"
        )
    rate = cfg["drop_rate"]
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate < 1.0:
        raise ValueError(f"cfg['drop_rate'] must be a number in [0, 1), got {rate!r}")
    if not isinstance(cfg["qkv_bias"], bool):
        raise ValueError(f"cfg['qkv_bias'] must be True or False, got {cfg['qkv_bias']!r}")


class LayerNorm(nn.Module):
    """Normalise each token's features to mean 0 and variance 1, then rescale.

    ``scale`` and ``shift`` are learned, so the model can undo the
    normalisation where that helps.
    """

    def __init__(self, emb_dim, eps=1e-5):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(emb_dim))  # gamma, starts as the identity
        self.shift = nn.Parameter(torch.zeros(emb_dim))  # beta
        self.eps = eps

    def forward(self, x):
        centred = x - x.mean(dim=-1, keepdim=True)
        # The biased variance (divide by n), as GPT-2's TensorFlow code used.
        spread = torch.sqrt(x.var(dim=-1, keepdim=True, unbiased=False) + self.eps)
        return self.scale * centred / spread + self.shift


class GELU(nn.Module):
    """GELU with the tanh approximation used by GPT-2."""

    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(
            (2.0 / torch.pi) ** 0.5 * (x + 0.044715 * x ** 3)
        ))


class FeedForward(nn.Module):
    """Expand each token to 4x the width, apply GELU, project back."""

    def __init__(self, cfg):
        super().__init__()
        d = cfg["emb_dim"]
        self.layers = nn.Sequential(nn.Linear(d, 4 * d), GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        return self.layers(x)


class TransformerBlock(nn.Module):
    """Pre-LayerNorm block: x + att(norm1(x)), then x + ff(norm2(x))."""

    def __init__(self, cfg):
        super().__init__()
        d, rate = cfg["emb_dim"], cfg["drop_rate"]
        # Creation order (att, ff, norms, dropout) fixes the random draws at init.
        self.att = MultiHeadAttention(d, d, cfg["context_length"], rate, cfg["n_heads"],
                                      qkv_bias=cfg["qkv_bias"])
        self.ff = FeedForward(cfg)
        self.norm1, self.norm2 = LayerNorm(d), LayerNorm(d)
        self.drop_shortcut = nn.Dropout(rate)

    def forward(self, x):  # x: (B, T, emb_dim)
        # The shortcut (x + ...) gives gradients a direct path through deep
        # stacks; the normalisation sits inside the branch (pre-LN).
        for norm, branch in ((self.norm1, self.att), (self.norm2, self.ff)):
            x = x + self.drop_shortcut(branch(norm(x)))
        return x


class GPTModel(nn.Module):
    """The GPT-2 architecture, configured by a dict (see ``GPT_CONFIG_KEYS``)."""

    def __init__(self, cfg):
        super().__init__()
        check_gpt_config(cfg)
        d, vocab = cfg["emb_dim"], cfg["vocab_size"]
        self.tok_emb = nn.Embedding(vocab, d)
        self.pos_emb = nn.Embedding(cfg["context_length"], d)
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        self.trf_blocks = nn.Sequential(*(TransformerBlock(cfg) for _ in range(cfg["n_layers"])))
        self.final_norm = LayerNorm(d)
        self.out_head = nn.Linear(d, vocab, bias=False)

    def forward(self, in_idx):  # in_idx: (B, T) token IDs
        _, seq_len = in_idx.shape
        context_length = self.pos_emb.num_embeddings
        if seq_len > context_length:
            raise ValueError(
                f"got {seq_len} tokens but the model's context_length is {context_length}; "
                "crop the input to its last context_length tokens (when generating, "
                "pass a context_size of at most context_length)"
            )
        positions = torch.arange(seq_len, device=in_idx.device)
        # (B, T, emb_dim) token vectors plus (T, emb_dim) position vectors
        x = self.drop_emb(self.tok_emb(in_idx) + self.pos_emb(positions))
        return self.out_head(self.final_norm(self.trf_blocks(x)))  # (B, T, vocab_size) logits


def _check_generation_args(model, idx, max_new_tokens, context_size):
    if not torch.is_tensor(idx) or idx.dim() != 2:
        raise ValueError("idx must be a 2-D tensor of token IDs, shape (batch, tokens); "
                         "add a batch dimension with idx.unsqueeze(0)")
    if idx.shape[0] == 0 or idx.shape[1] == 0:
        raise ValueError(f"idx has shape {tuple(idx.shape)}; give at least one prompt of at "
                         "least one token (an empty text encodes to no tokens)")
    if idx.dtype not in (torch.long, torch.int):
        raise TypeError(f"idx must hold integer token IDs, got dtype {idx.dtype}; "
                        "convert it with idx.long()")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) \
            or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be an int >= 0, got {max_new_tokens!r}")
    if isinstance(context_size, bool) or not isinstance(context_size, int) or context_size <= 0:
        raise ValueError(f"context_size must be a positive int, got {context_size!r}")
    tok_emb = getattr(model, "tok_emb", None)
    if isinstance(tok_emb, nn.Embedding):
        vocab_size = tok_emb.num_embeddings
        outside = (idx < 0) | (idx >= vocab_size)
        if outside.any():
            raise ValueError(f"idx holds the token ID {int(idx[outside][0])}, outside the model's "
                             f"vocabulary 0..{vocab_size - 1}; encode the prompt with the "
                             "tokenizer the model was trained with")


def generate_text_simple(model, idx, max_new_tokens, context_size):
    """Greedy decoding: append the most likely next token ``max_new_tokens`` times.

    ``idx`` is a (batch, tokens) tensor; prompts longer than ``context_size``
    are cropped to their last ``context_size`` tokens before each step.
    """
    _check_generation_args(model, idx, max_new_tokens, context_size)
    for _ in range(max_new_tokens):
        with torch.no_grad():
            last = model(idx[:, -context_size:])[:, -1, :]  # (B, vocab_size)
        idx = torch.cat((idx, last.argmax(dim=-1, keepdim=True)), dim=1)
    return idx


def __getattr__(name):
    # fast.py imports this module, so GPTModelFast is looked up only when asked
    # for. In a stand-alone copy of this file (no package) the name is absent.
    if name == "GPTModelFast" and __package__:
        return importlib.import_module(".fast", __package__).GPTModelFast
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
