"""Chapter 3: attention mechanisms.

From a weightless self-attention up to the multi-head causal attention that
the GPT model of chapter 4 uses, and ``PyTorchMultiHeadAttention``, the same
attention through PyTorch's fused kernel (a name the English book's package
also has). Shapes are written as (batch, tokens, features) = (B, T, D).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class SelfAttention_v1(nn.Module):
    """Self-attention with raw weight matrices (no masking, no batching)."""

    def __init__(self, d_in, d_out):
        super().__init__()
        self.W_query = nn.Parameter(torch.rand(d_in, d_out))
        self.W_key = nn.Parameter(torch.rand(d_in, d_out))
        self.W_value = nn.Parameter(torch.rand(d_in, d_out))

    def forward(self, x):  # x: (T, d_in)
        queries = x @ self.W_query
        keys = x @ self.W_key
        values = x @ self.W_value
        scores = queries @ keys.T  # (T, T)
        # Dividing by sqrt(d_k) keeps the scores' spread independent of the
        # key width, so softmax does not saturate into near one-hot weights.
        weights = torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)
        return weights @ values  # (T, d_out)


class SelfAttention_v2(nn.Module):
    """Self-attention with ``nn.Linear`` projections (better initialisation)."""

    def __init__(self, d_in, d_out, qkv_bias=False):
        super().__init__()
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)

    def forward(self, x):  # x: (T, d_in)
        queries = self.W_query(x)
        keys = self.W_key(x)
        values = self.W_value(x)
        scores = queries @ keys.T
        weights = torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)
        return weights @ values


def _causal_mask(context_length):
    # True above the diagonal: positions a token must not look at (its future).
    return torch.triu(torch.ones(context_length, context_length, dtype=torch.bool), diagonal=1)


class CausalAttention(nn.Module):
    """Single-head causal self-attention over batches, with dropout."""

    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.d_out = d_out
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        # A buffer moves with .to(device) but is not a parameter; it is not
        # saved in the state_dict because it follows from context_length.
        self.register_buffer("mask", _causal_mask(context_length), persistent=False)

    def forward(self, x):  # x: (B, T, d_in)
        num_tokens = x.shape[1]
        queries = self.W_query(x)
        keys = self.W_key(x)
        values = self.W_value(x)
        scores = queries @ keys.transpose(1, 2)  # (B, T, T)
        # -inf before softmax gives exactly zero weight to future tokens and
        # leaves each row summing to one.
        scores = scores.masked_fill(self.mask[:num_tokens, :num_tokens], float("-inf"))
        weights = torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)
        weights = self.dropout(weights)
        return weights @ values  # (B, T, d_out)


class MultiHeadAttentionWrapper(nn.Module):
    """Several independent ``CausalAttention`` heads, outputs concatenated.

    The output has ``num_heads * d_out`` features.
    """

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        self.heads = nn.ModuleList(
            [CausalAttention(d_in, d_out, context_length, dropout, qkv_bias)
             for _ in range(num_heads)]
        )

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
        if num_heads <= 0 or d_out % num_heads != 0:
            raise ValueError(
                f"d_out ({d_out}) must be divisible by num_heads ({num_heads}); "
                "choose a head count that divides the embedding size"
            )
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", _causal_mask(context_length), persistent=False)

    def forward(self, x):  # x: (B, T, d_in)
        b, num_tokens, _ = x.shape
        if num_tokens > self.mask.shape[0]:
            raise ValueError(
                f"got {num_tokens} tokens but the context length is {self.mask.shape[0]}; "
                "crop the input to the last context_length tokens"
            )

        def split_heads(t):  # (B, T, d_out) -> (B, n_heads, T, head_dim)
            return t.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)

        queries = split_heads(self.W_query(x))
        keys = split_heads(self.W_key(x))
        values = split_heads(self.W_value(x))

        scores = queries @ keys.transpose(2, 3)  # (B, n_heads, T, T)
        scores = scores.masked_fill(self.mask[:num_tokens, :num_tokens], float("-inf"))
        weights = torch.softmax(scores / self.head_dim ** 0.5, dim=-1)
        weights = self.dropout(weights)

        context = (weights @ values).transpose(1, 2)  # (B, T, n_heads, head_dim)
        context = context.reshape(b, num_tokens, self.d_out)
        return self.out_proj(context)


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
        if num_heads <= 0 or d_out % num_heads != 0:
            raise ValueError(
                f"d_out ({d_out}) must be divisible by num_heads ({num_heads}); "
                "choose a head count that divides the embedding size"
            )
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.qkv = nn.Linear(d_in, 3 * d_out, bias=qkv_bias)
        self.proj = nn.Linear(d_out, d_out)
        self.dropout = dropout

    def forward(self, x):  # x: (B, T, d_in)
        b, num_tokens, _ = x.shape
        qkv = self.qkv(x).view(b, num_tokens, 3, self.num_heads, self.head_dim)
        queries, keys, values = qkv.permute(2, 0, 3, 1, 4)  # each (B, n_heads, T, head_dim)
        context = F.scaled_dot_product_attention(
            queries, keys, values, is_causal=True,
            dropout_p=self.dropout if self.training else 0.0,
        )  # (B, n_heads, T, head_dim)
        context = context.transpose(1, 2).reshape(b, num_tokens, self.d_out)
        return self.proj(context)
