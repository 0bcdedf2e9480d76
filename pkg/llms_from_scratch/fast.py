"""A faster GPT with the same weights as the book's ``GPTModel``.

``GPTModelFast`` computes the function of ``ch04.GPTModel`` with the same
``state_dict``, so weights move between them with ``load_state_dict``. It uses
fused kernels where the book spells the maths out: one matmul for query, key
and value (concatenated at forward time, so the parameter names stay the
book's), ``F.scaled_dot_product_attention``, ``F.layer_norm`` and the tanh
GELU. KV-cache generation lives in ``kvcache``.
"""

import contextlib
import contextvars

import torch
import torch.nn as nn
import torch.nn.functional as F

from .arg_checks import check_gpt_config

_EXPLICIT_ATTENTION = contextvars.ContextVar("explicit_attention", default=False)


@contextlib.contextmanager
def explicit_attention():
    """Within this block ``FastMultiHeadAttention`` uses ``causal_attention_explicit``
    instead of ``F.scaled_dot_product_attention``.

    Same function; on CPUs under bfloat16 autocast, PyTorch's kernels for small
    heads are slower than three plain ops (docs/performance.md), so
    ``model_builder.forward_context`` enters it for that case.
    """
    token = _EXPLICIT_ATTENTION.set(True)
    try:
        yield
    finally:
        _EXPLICIT_ATTENTION.reset(token)


def causal_attention_explicit(queries, keys, values, dropout_p=0.0):
    """Causal scaled dot-product attention of (B, H, T, D) tensors in three ops.

    No check for fully masked rows: a causal row always sees itself.
    """
    b, h, t, d = queries.shape
    mask = torch.full((t, t), float("-inf"), dtype=queries.dtype,
                      device=queries.device).triu_(1)
    scores = torch.baddbmm(mask, queries.reshape(b * h, t, d),
                           keys.reshape(b * h, t, d).transpose(1, 2), alpha=d ** -0.5)
    weights = scores.softmax(dim=-1)
    if dropout_p:
        weights = F.dropout(weights, p=dropout_p)
    return torch.bmm(weights, values.reshape(b * h, t, d)).view(b, h, t, d)


def fast_linear(x, weight, bias=None):
    """``F.linear``, through a matrix-vector product for one bfloat16 row on a CPU.

    Decoding multiplies one vector by every weight matrix, and there
    ``torch.mv`` reads bfloat16 weights faster than ``F.linear`` (docs/performance.md).
    """
    if (x.numel() == x.shape[-1] and weight.dtype == torch.bfloat16
            and x.dtype == torch.bfloat16 and x.device.type == "cpu"):
        y = torch.mv(weight, x.reshape(-1))
        if bias is not None:
            y = y + bias
        return y.view(*x.shape[:-1], weight.shape[0])
    return F.linear(x, weight, bias)


class FastLinear(nn.Linear):
    """``nn.Linear`` (same parameters and initialisation) that calls ``fast_linear``."""

    def forward(self, x):
        return fast_linear(x, self.weight, self.bias)


class FastLayerNorm(nn.Module):
    """``ch04.LayerNorm`` through PyTorch's fused kernel (same ``scale``/``shift``)."""

    def __init__(self, emb_dim, eps=1e-5):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))
        self.eps = eps

    def forward(self, x):
        return F.layer_norm(x, self.scale.shape, weight=self.scale, bias=self.shift,
                            eps=self.eps)


class FastGELU(nn.Module):
    """The tanh approximation of GELU in one fused kernel."""

    def forward(self, x):
        return F.gelu(x, approximate="tanh")


class FastFeedForward(nn.Module):
    """``ch04.FeedForward`` with the fused GELU; keys ``layers.0`` and ``layers.2``."""

    def __init__(self, cfg):
        super().__init__()
        d = cfg["emb_dim"]
        self.layers = nn.Sequential(FastLinear(d, 4 * d), FastGELU(), FastLinear(4 * d, d))

    def forward(self, x):
        return self.layers(x)


class FastMultiHeadAttention(nn.Module):
    """Causal multi-head attention with a fused QKV projection and SDPA.

    The parameters are those of ``ch03.MultiHeadAttention`` (``W_query``,
    ``W_key``, ``W_value``, ``out_proj``) but there is no mask buffer: the
    causal structure is passed to the attention kernel as ``is_causal``.
    """

    def __init__(self, d_in, d_out, num_heads, dropout, qkv_bias=False):
        super().__init__()
        for name, value in (("d_in", d_in), ("d_out", d_out), ("num_heads", num_heads)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if d_out % num_heads != 0:
            raise ValueError(f"d_out ({d_out}) must be divisible by num_heads ({num_heads}); "
                             "choose a num_heads that divides it")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.dropout = dropout
        # Made in this order (query, key, value), as ch03.MultiHeadAttention makes them.
        self.W_query, self.W_key, self.W_value = (
            nn.Linear(d_in, d_out, bias=qkv_bias) for _ in range(3))
        self.out_proj = FastLinear(d_out, d_out)
        self._fused_cache = None  # (key, weight, bias) of the concatenation, see below

    def _qkv_params(self):
        linears = (self.W_query, self.W_key, self.W_value)
        return [lin.weight for lin in linears] + \
            [lin.bias for lin in linears if lin.bias is not None]

    def fused_qkv_weight(self):
        """The (3 * d_out, d_in) weight and (3 * d_out,) bias (or None) of the fused matmul.

        With autograd on they are concatenated afresh each call, so gradients
        flow to ``W_query``/``W_key``/``W_value``. Without autograd (generation)
        the concatenation is kept until a parameter changes (its ``_version``
        counts in-place updates such as optimizer steps and ``load_state_dict``).
        """
        params = self._qkv_params()
        if torch.is_grad_enabled():
            self._fused_cache = None  # training: free the copy
        else:
            key = tuple((p.data_ptr(), p._version, p.dtype, p.device) for p in params)
            cached = getattr(self, "_fused_cache", None)
            if cached is not None and cached[0] == key:
                return cached[1], cached[2]
        if all(p.stride() == (1, p.shape[0]) for p in params[:3]):
            # stored transposed (generate.decoding_layout): keep that layout
            weight = torch.cat([p.t() for p in params[:3]], dim=1).t()
        else:
            weight = torch.cat(params[:3])
        bias = torch.cat(params[3:]) if len(params) > 3 else None
        if not torch.is_grad_enabled():
            self._fused_cache = (key, weight, bias)
        return weight, bias

    def project_qkv(self, x):
        """Query, key and value from one matmul, each (B, n_heads, T, head_dim)."""
        b, t, _ = x.shape
        weight, bias = self.fused_qkv_weight()
        qkv = fast_linear(x, weight, bias)  # (B, T, 3 * d_out)
        qkv = qkv.view(b, t, 3, self.num_heads, self.head_dim)
        qkv = qkv.permute(2, 0, 3, 1, 4)  # (3, B, n_heads, T, head_dim)
        return qkv[0], qkv[1], qkv[2]

    def merge_heads(self, context):
        """(B, n_heads, T, head_dim) -> out_proj of (B, T, d_out)."""
        b, _, t, _ = context.shape
        context = context.transpose(1, 2).reshape(b, t, self.d_out)
        return self.out_proj(context)

    def forward(self, x):  # x: (B, T, d_in)
        queries, keys, values = self.project_qkv(x)
        dropout_p = self.dropout if self.training else 0.0
        if _EXPLICIT_ATTENTION.get():
            context = causal_attention_explicit(queries, keys, values, dropout_p)
        else:
            context = F.scaled_dot_product_attention(
                queries, keys, values, is_causal=True, dropout_p=dropout_p,
            )  # (B, n_heads, T, head_dim)
        return self.merge_heads(context)


class FastTransformerBlock(nn.Module):
    """``ch04.TransformerBlock`` built from the fused pieces above.

    The block's forward exists three times: ``ch04.TransformerBlock.forward``,
    this one, and the loop in ``kvcache.forward_cached``. Change one, change all
    three; ``pkg/tests/test_block_forwards.py`` keeps them equal.
    """

    def __init__(self, cfg):
        super().__init__()
        self.att = FastMultiHeadAttention(
            d_in=cfg["emb_dim"], d_out=cfg["emb_dim"], num_heads=cfg["n_heads"],
            dropout=cfg["drop_rate"], qkv_bias=cfg["qkv_bias"],
        )
        self.ff = FastFeedForward(cfg)
        self.norm1 = FastLayerNorm(cfg["emb_dim"])
        self.norm2 = FastLayerNorm(cfg["emb_dim"])
        self.drop_shortcut = nn.Dropout(cfg["drop_rate"])

    def forward(self, x):  # x: (B, T, emb_dim)
        x = x + self.drop_shortcut(self.att(self.norm1(x)))
        x = x + self.drop_shortcut(self.ff(self.norm2(x)))
        return x


class GPTModelFast(nn.Module):
    """``ch04.GPTModel`` with fused kernels; the same config and ``state_dict``.

    ``tie_weights=True`` makes ``out_head.weight`` the same Parameter as
    ``tok_emb.weight`` (GPT-2's weight tying); the ``state_dict`` still lists
    both keys, as a tied ``GPTModel`` does.
    """

    def __init__(self, cfg, tie_weights=False):
        super().__init__()
        check_gpt_config(cfg)
        if not isinstance(tie_weights, bool):
            raise TypeError(f"tie_weights must be True or False, got {tie_weights!r}")
        d, vocab = cfg["emb_dim"], cfg["vocab_size"]
        self.tok_emb = nn.Embedding(vocab, d)
        self.pos_emb = nn.Embedding(cfg["context_length"], d)
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        self.trf_blocks = nn.Sequential(
            *(FastTransformerBlock(cfg) for _ in range(cfg["n_layers"])))
        self.final_norm = FastLayerNorm(d)
        self.out_head = FastLinear(d, vocab, bias=False)
        if tie_weights:
            self.out_head.weight = self.tok_emb.weight
        self._head_t_cache = None  # (key, weight) of head_weight_t, see there

    def head_weight_t(self):
        """``out_head.weight`` laid out (emb_dim, vocab_size), for generation.

        For one token the head is a matrix-vector product, which streams this
        layout faster on CPUs. The copy (as large as the head) is kept until
        the weight changes (``_version`` or new storage).
        """
        w = self.out_head.weight
        key = (w.data_ptr(), w._version, w.dtype, w.device)
        if self._head_t_cache is None or self._head_t_cache[0] != key:
            with torch.no_grad():
                self._head_t_cache = (key, w.detach().t().contiguous())
        return self._head_t_cache[1]

    @property
    def weights_tied(self):
        """Whether the output head shares its weight with the token embedding."""
        return self.out_head.weight is self.tok_emb.weight

    def forward(self, in_idx):  # in_idx: (B, T) token IDs
        if not torch.is_tensor(in_idx) or in_idx.dim() != 2:
            raise ValueError("in_idx must be a 2-D tensor of token IDs, shape (batch, tokens)")
        seq_len = in_idx.shape[1]
        context_length = self.pos_emb.num_embeddings
        if seq_len > context_length:
            raise ValueError(
                f"got {seq_len} tokens but the model's context_length is {context_length}; "
                "crop the input to its last context_length tokens (when generating, "
                "pass a context_size of at most context_length)"
            )
        positions = torch.arange(seq_len, device=in_idx.device)
        x = self.tok_emb(in_idx) + self.pos_emb(positions)  # (B, T, emb_dim)
        x = self.drop_emb(x)
        x = self.trf_blocks(x)
        x = self.final_norm(x)
        return self.out_head(x)  # (B, T, vocab_size) logits


__all__ = ["FastFeedForward", "FastGELU", "FastLayerNorm", "FastLinear",
           "FastMultiHeadAttention", "FastTransformerBlock", "GPTModelFast",
           "causal_attention_explicit", "explicit_attention", "fast_linear"]
