# Generated from the package llms_from_scratch (ch03).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: 前の章までのコード（このフォルダのノートブックが使うもの）。
# ノートブックの横で読めるように写したもので、補助のコード（ダウンロード、デバイスの
# 選択、引数のチェックなど）はインストールしたパッケージ llms_from_scratch から読み込みます。

import torch
import torch.nn as nn

from llms_from_scratch.arg_checks import check_context_fits, check_head_split


# ============================================================================
# llms_from_scratch.ch03: Chapter 3: attention mechanisms. (only MultiHeadAttention and what it uses)
# ============================================================================

class MultiHeadAttention(nn.Module):
    """Multi-head causal self-attention with one projection per Q, K and V.

    The ``d_out`` features are split into ``num_heads`` heads of
    ``head_dim = d_out // num_heads`` features, attended in parallel and
    merged by ``out_proj``.
    """

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        check_head_split(d_out, num_heads)
        # One projection each for all heads together (created in this order:
        # query, key, value, then out_proj, which fixes the random draws).
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)  # mixes the heads' outputs
        self.dropout = nn.Dropout(dropout)
        future = torch.ones(context_length, context_length, dtype=torch.bool).triu(1)
        self.register_buffer("mask", future, persistent=False)
        # The d_out features are split into num_heads heads of head_dim each.
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads

    def forward(self, x):  # x: (b, num_tokens, d_in)
        b, num_tokens, _ = x.shape
        check_context_fits(num_tokens, self.mask.shape[0])

        # 1. Project every token once, for all heads at the same time.
        queries = self.W_query(x)  # (b, num_tokens, d_out)
        keys = self.W_key(x)  # (b, num_tokens, d_out)
        values = self.W_value(x)  # (b, num_tokens, d_out)

        # 2. Split the features into heads: d_out = num_heads * head_dim.
        queries = queries.view(b, num_tokens, self.num_heads, self.head_dim)
        keys = keys.view(b, num_tokens, self.num_heads, self.head_dim)
        values = values.view(b, num_tokens, self.num_heads, self.head_dim)

        # 3. Put the head axis before the token axis, so that one batched matrix
        #    product attends every head of every text at once.
        queries = queries.transpose(1, 2)  # (b, num_heads, num_tokens, head_dim)
        keys = keys.transpose(1, 2)  # (b, num_heads, num_tokens, head_dim)
        values = values.transpose(1, 2)  # (b, num_heads, num_tokens, head_dim)

        # 4. From here on as in CausalAttention, per head: scores, causal mask,
        #    scaling by sqrt(head_dim) (each head's key width), softmax, dropout.
        scores = queries @ keys.transpose(2, 3)  # (b, num_heads, num_tokens, num_tokens)
        future = self.mask[:num_tokens, :num_tokens]  # (num_tokens, num_tokens)
        scores = scores.masked_fill(future, float("-inf"))
        weights = torch.softmax(scores / self.head_dim ** 0.5, dim=-1)
        weights = self.dropout(weights)
        context = weights @ values  # (b, num_heads, num_tokens, head_dim)

        # 5. Back to tokens before heads, then the heads side by side. After
        #    transpose the tensor is not contiguous, so reshape (not view).
        context = context.transpose(1, 2)  # (b, num_tokens, num_heads, head_dim)
        context = context.reshape(b, num_tokens, self.d_out)  # (b, num_tokens, d_out)

        # 6. Mix what the heads found.
        return self.out_proj(context)  # (b, num_tokens, d_out)
