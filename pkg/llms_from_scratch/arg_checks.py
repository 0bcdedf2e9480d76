"""Argument checks for the chapter modules (``ch02`` ... ``ch05``, ``appendix_d``).

The chapter modules are written to be read next to the book, so their
checks live here and each is called in one line. A wrong argument still
stops at once with a one-line message that says what to do, instead of a
shape error deep inside a matrix multiplication.
"""

import math

import torch
import torch.nn as nn

# The keys every GPT config dict needs (chapter 4's GPT_CONFIG_124M has them all).
GPT_CONFIG_KEYS = ("vocab_size", "context_length", "emb_dim", "n_heads",
                   "n_layers", "drop_rate", "qkv_bias")


def is_positive_int(value):
    """True for 1, 2, ...; False for 0, negatives, floats and bools."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_positive_int(name, value):
    if not is_positive_int(value):
        raise ValueError(f"{name} must be a positive int (1, 2, ...), got {value!r}")


# ---------------------------------------------------------------- chapter 2


def check_dataset_args(txt, max_length, stride):
    """The arguments of ``ch02.GPTDatasetV1`` before the text is tokenised."""
    if not isinstance(txt, str):
        raise TypeError(f"txt must be a str, got {type(txt).__name__}; "
                        "read the file first, e.g. with open(path).read()")
    check_positive_int("max_length", max_length)
    check_positive_int("stride", stride)


def check_enough_tokens(num_tokens, max_length):
    """One window needs ``max_length`` inputs plus the one extra target."""
    if num_tokens < max_length + 1:
        raise ValueError(
            f"the text has {num_tokens} tokens, but one window needs "
            f"max_length + 1 = {max_length + 1} (the targets are shifted by one); "
            "use a longer text or a smaller max_length"
        )


def check_enough_windows(num_windows, batch_size, drop_last):
    """``drop_last`` must not drop every window (an empty loader trains on nothing)."""
    if drop_last and num_windows < batch_size:
        raise ValueError(
            f"the text gives {num_windows} windows, fewer than batch_size={batch_size}, "
            "and drop_last=True would drop them all (an empty loader); use a longer text, "
            "a smaller batch_size or stride, or drop_last=False"
        )


# ---------------------------------------------------------------- chapter 3


def check_head_split(d_out, num_heads):
    """Each of the ``num_heads`` heads gets ``d_out // num_heads`` features."""
    if num_heads <= 0 or d_out % num_heads != 0:
        raise ValueError(f"d_out ({d_out}) must be divisible by num_heads ({num_heads}); "
                         "choose a head count that divides the embedding size")


def check_context_fits(num_tokens, context_length):
    """The causal mask covers ``context_length`` tokens, no more."""
    if num_tokens > context_length:
        raise ValueError(f"got {num_tokens} tokens but the context length is "
                         f"{context_length}; crop the input to the last context_length tokens")


# ---------------------------------------------------------------- chapter 4


def check_gpt_config(cfg):
    """Raise ``ValueError`` with a clear message if ``cfg`` cannot build a GPT."""
    if not isinstance(cfg, dict):
        raise TypeError(f"the config must be a dict, got {type(cfg).__name__}")
    missing = [k for k in GPT_CONFIG_KEYS if k not in cfg]
    if missing:
        raise ValueError(f"the config lacks {', '.join(missing)}; it needs all of "
                         f"{', '.join(GPT_CONFIG_KEYS)}")
    for key in ("vocab_size", "context_length", "emb_dim", "n_heads", "n_layers"):
        if not is_positive_int(cfg[key]):
            raise ValueError(f"cfg['{key}'] must be a positive int, got {cfg[key]!r}")
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


def check_model_input(num_tokens, context_length):
    """A GPT has position vectors for ``context_length`` positions only."""
    if num_tokens > context_length:
        raise ValueError(
            f"got {num_tokens} tokens but the model's context_length is {context_length}; "
            "crop the input to its last context_length tokens (when generating, "
            "pass a context_size of at most context_length)"
        )


def check_generation_args(model, idx, max_new_tokens, context_size):
    """The arguments shared by ``generate_text_simple``, ``generate`` and the KV cache."""
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
    if not is_positive_int(context_size):
        raise ValueError(f"context_size must be a positive int, got {context_size!r}")
    tok_emb = getattr(model, "tok_emb", None)
    if isinstance(tok_emb, nn.Embedding):
        vocab_size = tok_emb.num_embeddings
        outside = (idx < 0) | (idx >= vocab_size)
        if outside.any():
            raise ValueError(f"idx holds the token ID {int(idx[outside][0])}, outside the model's "
                             f"vocabulary 0..{vocab_size - 1}; encode the prompt with the "
                             "tokenizer the model was trained with")


# ---------------------------------------------------------------- chapter 5


def check_text(text):
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")


def check_one_sequence(token_ids):
    """A (1, tokens) or (tokens,) tensor: one text to decode."""
    if not torch.is_tensor(token_ids):
        raise TypeError(f"token_ids must be a tensor, got {type(token_ids).__name__}; "
                        "decode a list with tokenizer.decode(ids)")
    if not (token_ids.dim() == 1 or (token_ids.dim() == 2 and token_ids.shape[0] == 1)):
        raise ValueError(f"token_ids must be one sequence, shape (1, tokens) or (tokens,), "
                         f"got {tuple(token_ids.shape)}; decode each row of a batch separately")


def check_sampling_args(temperature, top_k, top_p, eos_id, vocab_size):
    """The decoding settings of ``generate``; ``vocab_size`` may be ``inf`` when unknown."""
    if temperature is None or not isinstance(temperature, (int, float)) \
            or isinstance(temperature, bool) or not math.isfinite(temperature) \
            or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0 (0 = greedy), "
                         f"got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)
                              or not 1 <= top_k <= vocab_size):
        raise ValueError(f"top_k must be an int in 1..{vocab_size} (the vocabulary size) "
                         f"or None, got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float))
                              or not 0.0 < top_p <= 1.0):
        raise ValueError(f"top_p must be a number in (0, 1] or None, got {top_p!r}")
    if eos_id is not None and (isinstance(eos_id, bool) or not isinstance(eos_id, int)
                               or not 0 <= eos_id < vocab_size):
        raise ValueError(f"eos_id must be a token ID in 0..{vocab_size - 1} or None, "
                         f"got {eos_id!r}")


def check_generate_args(model, idx, max_new_tokens, context_size, temperature, top_k,
                        top_p, eos_id):
    """All of ``ch05.generate``'s arguments; the vocabulary size comes from the model's head."""
    check_generation_args(model, idx, max_new_tokens, context_size)
    head = getattr(model, "out_head", None)
    vocab_size = head.out_features if head is not None else float("inf")
    check_sampling_args(temperature, top_k, top_p, eos_id, vocab_size)


def check_same_shape(left, right, name):
    """``ch05.assign``: a checkpoint's tensor must have the model parameter's shape."""
    if tuple(left.shape) != tuple(right.shape):
        where = f" for {name}" if name else ""
        raise ValueError(
            f"shape mismatch{where}: the model expects {tuple(left.shape)}, "
            f"the checkpoint has {tuple(right.shape)}; does the model config match "
            "the checkpoint's size (emb_dim, n_layers, context_length, vocab_size)?"
        )


def check_block_count(params, gpt):
    """GPT-2's ``params`` must have one entry per transformer block of the model."""
    if len(params["blocks"]) != len(gpt.trf_blocks):
        raise ValueError(f"the checkpoint has {len(params['blocks'])} blocks, the model "
                         f"{len(gpt.trf_blocks)}; use the config of the checkpoint's size")


def check_qkv_bias(att):
    """GPT-2 has query/key/value biases, so the model must have them too."""
    if att.W_query.bias is None:
        raise ValueError("GPT-2 checkpoints have query/key/value biases; build the "
                         "model with cfg['qkv_bias'] = True")


# ---------------------------------------------------------------- appendix D


def check_warmup_steps(warmup_steps):
    if warmup_steps < 0:
        raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps!r}; "
                         "pass 0 to start at the peak rate")
