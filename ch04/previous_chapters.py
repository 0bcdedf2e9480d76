# Generated from the package llms_from_scratch (ch02, ch03).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: 前の章までのコード（このフォルダのノートブックが使うもの）。ノートブックがこのフォルダだけで動くようにするためのものです。

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from book_files import get_device, gpt2_tokenizer, read_text
from checks import check_context_fits, check_dataset_args, check_enough_tokens, check_enough_windows, check_head_split, check_positive_int


# ============================================================================
# llms_from_scratch.ch02: Chapter 2: working with text data.
# ============================================================================

class GPTDatasetV1(Dataset):
    """Sliding windows over a tokenised text.

    Each item is a pair ``(inputs, targets)`` of ``max_length`` token IDs,
    where ``targets`` is ``inputs`` shifted one token to the right. Windows
    start every ``stride`` tokens, so ``stride == max_length`` gives windows
    that do not overlap. ``<|endoftext|>`` written in the text becomes the one
    end-of-text token (ID 50256 in GPT-2), as documents are joined in the book.
    """

    def __init__(self, txt, tokenizer, max_length, stride):
        check_dataset_args(txt, max_length, stride)
        # 1. The whole text as one list of token IDs.
        token_ids = tokenizer.encode(txt, allowed_special={"<|endoftext|>"})
        check_enough_tokens(len(token_ids), max_length)

        # 2. Cut it into windows of max_length + 1 tokens that start at 0, stride,
        #    2 * stride, ... (unfold does this in one call); the extra token is
        #    the last window position's target.
        all_ids = torch.tensor(token_ids)  # (num_tokens_in_text,)
        windows = all_ids.unfold(0, max_length + 1, stride)  # (num_windows, max_length + 1)

        # 3. The input is a window without its last token, the target the same
        #    window without its first: target[i] is the token after input[i].
        self.input_ids = windows[:, :-1].contiguous()  # (num_windows, max_length)
        self.target_ids = windows[:, 1:].contiguous()  # (num_windows, max_length)

    def __getitem__(self, idx):
        # One training example: (inputs, targets), each (max_length,).
        return self.input_ids[idx], self.target_ids[idx]

    def __len__(self):
        return self.input_ids.shape[0]


def create_dataloader_v1(txt, batch_size=4, max_length=256, stride=128,
                         shuffle=True, drop_last=True, num_workers=0):
    """A DataLoader of GPT-2 BPE windows over ``txt`` (see ``GPTDatasetV1``)."""
    check_positive_int("batch_size", batch_size)
    tokenizer = gpt2_tokenizer()
    dataset = GPTDatasetV1(txt, tokenizer, max_length, stride)
    check_enough_windows(len(dataset), batch_size, drop_last)
    # Each batch stacks batch_size windows: inputs and targets (batch_size, max_length).
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        num_workers=num_workers,
    )


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
