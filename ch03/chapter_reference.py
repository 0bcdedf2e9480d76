# Generated from the package llms_from_scratch (ch03).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: この章のパッケージ版のコード（ノートブックの照合用）。ノートブックがこのフォルダだけで動くようにするためのものです。

import torch
import torch.nn as nn
import torch.nn.functional as F


# ============================================================================
# llms_from_scratch.ch03: Chapter 3: attention mechanisms.
# ============================================================================

def _three_linears(d_in, d_out, bias):  # query, key, value: created (drawn) in that order
    return (nn.Linear(d_in, d_out, bias=bias) for _ in "qkv")


def _causal_mask(context_length):
    # True above the diagonal: positions a token must not look at (its future).
    return torch.ones(context_length, context_length, dtype=torch.bool).triu(1)


def _head_dim(d_out, num_heads):
    if num_heads <= 0 or d_out % num_heads != 0:
        raise ValueError(f"d_out ({d_out}) must be divisible by num_heads ({num_heads}); "
                         "choose a head count that divides the embedding size")
    return d_out // num_heads


def _attend(queries, keys, values, mask=None, dropout=None):
    """softmax(Q K^T / sqrt(d_k)) V; -inf where ``mask`` is True gives exactly zero weight."""
    scores = queries @ keys.transpose(-2, -1)  # (..., T, T)
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    # / sqrt(d_k): the scores' spread no longer grows with the key width (no saturated softmax)
    weights = torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)
    return (weights if dropout is None else dropout(weights)) @ values


class SelfAttention_v1(nn.Module):
    """Self-attention with raw weight matrices (no masking, no batching)."""

    def __init__(self, d_in, d_out):
        super().__init__()
        self.W_query, self.W_key, self.W_value = (
            nn.Parameter(torch.rand(d_in, d_out)) for _ in "qkv")

    def forward(self, x):  # x: (T, d_in) -> (T, d_out)
        return _attend(*(x @ w for w in (self.W_query, self.W_key, self.W_value)))


class SelfAttention_v2(nn.Module):
    """Self-attention with ``nn.Linear`` projections (better initialisation)."""

    def __init__(self, d_in, d_out, qkv_bias=False):
        super().__init__()
        self.W_query, self.W_key, self.W_value = _three_linears(d_in, d_out, qkv_bias)

    def forward(self, x):  # x: (T, d_in) -> (T, d_out)
        return _attend(*(proj(x) for proj in (self.W_query, self.W_key, self.W_value)))


class CausalAttention(nn.Module):
    """Single-head causal self-attention over batches, with dropout."""

    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.d_out = d_out
        self.W_query, self.W_key, self.W_value = _three_linears(d_in, d_out, qkv_bias)
        self.dropout = nn.Dropout(dropout)
        # A buffer moves with .to(device) but is not a parameter; it is not
        # saved in the state_dict because it follows from context_length.
        self.register_buffer("mask", _causal_mask(context_length), persistent=False)

    def forward(self, x):  # x: (B, T, d_in) -> (B, T, d_out)
        qkv = (proj(x) for proj in (self.W_query, self.W_key, self.W_value))
        t = x.shape[1]
        return _attend(*qkv, mask=self.mask[:t, :t], dropout=self.dropout)


class MultiHeadAttentionWrapper(nn.Module):
    """Several independent ``CausalAttention`` heads, outputs concatenated.

    The output has ``num_heads * d_out`` features.
    """

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        head_args = (d_in, d_out, context_length, dropout, qkv_bias)
        self.heads = nn.ModuleList(CausalAttention(*head_args) for _ in range(num_heads))

    def forward(self, x):
        return torch.cat([head(x) for head in self.heads], dim=-1)


class MultiHeadAttention(nn.Module):
    """Multi-head causal self-attention with one projection per Q, K and V.

    The ``d_out`` features are split into ``num_heads`` heads of
    ``d_out // num_heads`` features, attended in parallel and merged by
    ``out_proj``.
    """

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        self.head_dim = _head_dim(d_out, num_heads)
        self.d_out, self.num_heads = d_out, num_heads
        self.W_query, self.W_key, self.W_value = _three_linears(d_in, d_out, qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)  # created after W_value (RNG order)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", _causal_mask(context_length), persistent=False)

    def forward(self, x):  # x: (B, T, d_in) -> (B, T, d_out)
        b, t, _ = x.shape
        if t > len(self.mask):
            raise ValueError(f"got {t} tokens but the context length is {len(self.mask)}; "
                             "crop the input to the last context_length tokens")
        q, k, v = (proj(x).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
                   for proj in (self.W_query, self.W_key, self.W_value))  # (B, n_heads, T, hd)
        context = _attend(q, k, v, mask=self.mask[:t, :t], dropout=self.dropout)
        return self.out_proj(context.transpose(1, 2).reshape(b, t, self.d_out))


class PyTorchMultiHeadAttention(nn.Module):
    """``MultiHeadAttention`` through ``F.scaled_dot_product_attention``.

    The same maths with one fused projection ``qkv`` (query, key and value
    weights stacked in that order, ``3 * d_out`` outputs) and PyTorch's
    attention kernel, which applies the causal mask itself (``is_causal``),
    so no mask buffer and no ``context_length`` are needed. ``dropout``
    drops attention weights in training mode only; ``proj`` merges the heads.
    """

    def __init__(self, d_in, d_out, num_heads, dropout=0.0, qkv_bias=False):
        super().__init__()
        self.head_dim = _head_dim(d_out, num_heads)
        self.d_out, self.num_heads = d_out, num_heads
        self.dropout = dropout  # a probability: the kernel drops weights itself
        self.qkv = nn.Linear(d_in, 3 * d_out, bias=qkv_bias)
        self.proj = nn.Linear(d_out, d_out)

    def forward(self, x):  # x: (B, T, d_in)
        b, t, _ = x.shape
        # (B, T, 3 * d_out) -> 3 x (B, n_heads, T, head_dim)
        q, k, v = self.qkv(x).view(b, t, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        p = self.dropout if self.training else 0.0
        context = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        return self.proj(context.transpose(1, 2).reshape(b, t, self.d_out))
