"""Chapter 3: attention mechanisms.

From a weightless self-attention up to the multi-head causal attention that
the GPT model of chapter 4 uses, and ``PyTorchMultiHeadAttention``, the same
attention through PyTorch's fused kernel (a name the English book's package
also has). Each forward pass takes the steps in the order the chapter
explains them; shapes are written in the comments, with ``b`` for the batch,
``num_tokens`` for the tokens of one text and ``d_in``/``d_out`` for the
features.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from .arg_checks import check_context_fits, check_head_split


class SelfAttention_v1(nn.Module):
    """Self-attention with raw weight matrices (no masking, no batching)."""

    def __init__(self, d_in, d_out):
        super().__init__()
        # Three (d_in, d_out) matrices of uniform [0, 1) numbers. They are
        # drawn in the order query, key, value: the chapter's seeds rely on it.
        self.W_query = nn.Parameter(torch.rand(d_in, d_out))
        self.W_key = nn.Parameter(torch.rand(d_in, d_out))
        self.W_value = nn.Parameter(torch.rand(d_in, d_out))

    def forward(self, x):  # x: (num_tokens, d_in), one text without a batch
        # 1. Every token gets a query, a key and a value vector.
        queries = x @ self.W_query  # (num_tokens, d_out)
        keys = x @ self.W_key  # (num_tokens, d_out)
        values = x @ self.W_value  # (num_tokens, d_out)
        # 2. scores[i, j]: how well token i's query matches token j's key.
        scores = queries @ keys.T  # (num_tokens, num_tokens)
        # 3. Divide by sqrt(d_out) so that the scores' spread does not grow with
        #    the width (a saturated softmax passes almost no gradient), then
        #    softmax: each row becomes weights that add up to 1.
        weights = torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)
        # 4. Each token's output is the weighted average of all value vectors.
        return weights @ values  # (num_tokens, d_out)


class SelfAttention_v2(nn.Module):
    """Self-attention with ``nn.Linear`` projections (better initialisation)."""

    def __init__(self, d_in, d_out, qkv_bias=False):
        super().__init__()
        # nn.Linear stores its weight as (d_out, d_in) and draws it at a scale
        # that suits d_in; created query, key, value, in that order.
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)

    def forward(self, x):  # x: (num_tokens, d_in)
        queries = self.W_query(x)  # (num_tokens, d_out)
        keys = self.W_key(x)  # (num_tokens, d_out)
        values = self.W_value(x)  # (num_tokens, d_out)
        scores = queries @ keys.T  # (num_tokens, num_tokens)
        weights = torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)
        return weights @ values  # (num_tokens, d_out)


class CausalAttention(nn.Module):
    """Single-head causal self-attention over batches, with dropout."""

    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        # True above the diagonal: the positions a token must not look at (its
        # future). A buffer moves with .to(device) but is not learned, and it is
        # left out of the state_dict because it follows from context_length.
        future = torch.ones(context_length, context_length, dtype=torch.bool).triu(1)
        self.register_buffer("mask", future, persistent=False)
        self.d_out = d_out

    def forward(self, x):  # x: (b, num_tokens, d_in)
        num_tokens = x.shape[1]
        queries = self.W_query(x)  # (b, num_tokens, d_out)
        keys = self.W_key(x)  # (b, num_tokens, d_out)
        values = self.W_value(x)  # (b, num_tokens, d_out)
        # transpose(1, 2) swaps the token and feature axes of each text in the batch
        scores = queries @ keys.transpose(1, 2)  # (b, num_tokens, num_tokens)
        # -inf where the mask is True: the softmax gives the future exactly zero
        # weight. A shorter input uses the mask's top-left corner.
        future = self.mask[:num_tokens, :num_tokens]  # (num_tokens, num_tokens)
        scores = scores.masked_fill(future, float("-inf"))
        weights = torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)
        # Dropout on the weights: in training, some token pairs are ignored at random.
        weights = self.dropout(weights)
        return weights @ values  # (b, num_tokens, d_out)


class MultiHeadAttentionWrapper(nn.Module):
    """Several independent ``CausalAttention`` heads, outputs concatenated.

    The output has ``num_heads * d_out`` features.
    """

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        heads = []
        for _ in range(num_heads):
            heads.append(CausalAttention(d_in, d_out, context_length, dropout, qkv_bias))
        self.heads = nn.ModuleList(heads)

    def forward(self, x):  # x: (b, num_tokens, d_in)
        outputs = [head(x) for head in self.heads]  # num_heads tensors (b, num_tokens, d_out)
        return torch.cat(outputs, dim=-1)  # (b, num_tokens, num_heads * d_out)


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
        check_head_split(d_out, num_heads)
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.dropout = dropout  # a probability: the kernel drops weights itself
        self.qkv = nn.Linear(d_in, 3 * d_out, bias=qkv_bias)
        self.proj = nn.Linear(d_out, d_out)

    def forward(self, x):  # x: (b, num_tokens, d_in)
        b, num_tokens, _ = x.shape
        # 1. One matrix product gives query, key and value side by side.
        qkv = self.qkv(x)  # (b, num_tokens, 3 * d_out)
        # 2. Split into (query/key/value, head, head_dim) and move those axes
        #    to where the kernel expects them.
        qkv = qkv.view(b, num_tokens, 3, self.num_heads, self.head_dim)
        qkv = qkv.permute(2, 0, 3, 1, 4)  # (3, b, num_heads, num_tokens, head_dim)
        queries, keys, values = qkv[0], qkv[1], qkv[2]  # each (b, num_heads, num_tokens, head_dim)
        # 3. Mask, scale, softmax, dropout and the weighted sum in one kernel.
        drop_p = self.dropout if self.training else 0.0
        context = F.scaled_dot_product_attention(queries, keys, values, dropout_p=drop_p,
                                                 is_causal=True)
        # context: (b, num_heads, num_tokens, head_dim)
        # 4. Heads side by side again, then the output projection.
        context = context.transpose(1, 2).reshape(b, num_tokens, self.d_out)
        return self.proj(context)  # (b, num_tokens, d_out)
