# Generated from the package llms_from_scratch (checks).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: 写したコードが呼ぶ引数のチェック（使うものだけ）。ノートブックがこのフォルダだけで動くようにするためのものです。




# ============================================================================
# llms_from_scratch.checks: Argument checks for the chapter modules (``ch02`` ... ``ch05``, ``appendix_d``). (only check_dataset_args, check_enough_tokens, check_enough_windows, check_positive_int and what it uses)
# ============================================================================

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
