# Generated from the package llms_from_scratch (ch02, ch03, ch04).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: 前の章までのコード（このフォルダのノートブックが使うもの）。
# ノートブックの横で読めるように写したもので、補助のコード（ダウンロード、デバイスの
# 選択、引数のチェックなど）はインストールしたパッケージ llms_from_scratch から読み込みます。

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from llms_from_scratch.arg_checks import check_context_fits, check_head_split
from llms_from_scratch.arg_checks import check_dataset_args, check_enough_tokens, check_enough_windows, check_positive_int
from llms_from_scratch.arg_checks import check_generation_args, check_gpt_config, check_model_input
from llms_from_scratch.assets import gpt2_tokenizer


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

        # 2. Cut it into windows that start at 0, stride, 2 * stride, ...: the input
        #    is max_length tokens from the start, the target the same window shifted
        #    one token to the right (target[i] is the token after input[i]). The
        #    last start leaves one more token for the last target.
        inputs, targets = [], []
        for start in range(0, len(token_ids) - max_length, stride):
            inputs.append(token_ids[start:start + max_length])
            targets.append(token_ids[start + 1:start + max_length + 1])

        # 3. One row per window, as integer tensors the DataLoader can stack.
        self.input_ids = torch.tensor(inputs)  # (num_windows, max_length)
        self.target_ids = torch.tensor(targets)  # (num_windows, max_length)

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


# ============================================================================
# llms_from_scratch.ch04: Chapter 4: a GPT model from scratch. (only GPTModel, generate_text_simple and what it uses)
# ============================================================================

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
