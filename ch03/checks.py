# Generated from the package llms_from_scratch (checks).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: 写したコードが呼ぶ引数のチェック（使うものだけ）。ノートブックがこのフォルダだけで動くようにするためのものです。




# ============================================================================
# llms_from_scratch.checks: Argument checks for the chapter modules (``ch02`` ... ``ch05``, ``appendix_d``). (only check_context_fits, check_head_split and what it uses)
# ============================================================================

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
