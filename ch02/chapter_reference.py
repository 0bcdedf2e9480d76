# Generated from the package llms_from_scratch (ch02).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: この章のパッケージ版のコード（ノートブックの照合用）。ノートブックがこのフォルダだけで動くようにするためのものです。

from torch.utils.data import DataLoader, Dataset
import torch

from previous_chapters import gpt2_tokenizer


# ============================================================================
# llms_from_scratch.ch02: Chapter 2: working with text data.
# ============================================================================

def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive int (1, 2, ...), got {value!r}")


class GPTDatasetV1(Dataset):
    """Sliding windows over a tokenised text.

    Each item is a pair ``(inputs, targets)`` of ``max_length`` token IDs,
    where ``targets`` is ``inputs`` shifted one token to the right. Windows
    start every ``stride`` tokens, so ``stride == max_length`` gives windows
    that do not overlap. ``<|endoftext|>`` written in the text becomes the one
    end-of-text token (ID 50256 in GPT-2), as documents are joined in the book.
    """

    def __init__(self, txt, tokenizer, max_length, stride):
        if not isinstance(txt, str):
            raise TypeError(f"txt must be a str, got {type(txt).__name__}; "
                            "read the file first, e.g. with open(path).read()")
        _check_positive_int("max_length", max_length)
        _check_positive_int("stride", stride)

        token_ids = tokenizer.encode(txt, allowed_special={"<|endoftext|>"})
        if len(token_ids) < max_length + 1:
            raise ValueError(
                f"the text has {len(token_ids)} tokens, but one window needs "
                f"max_length + 1 = {max_length + 1} (the targets are shifted by one); "
                "use a longer text or a smaller max_length"
            )

        # unfold takes every run of max_length + 1 tokens that starts at 0, stride,
        # 2 * stride, ...; the extra token is the last target. One window per row.
        windows = torch.tensor(token_ids).unfold(0, max_length + 1, stride)
        self.input_ids = windows[:, :-1].contiguous()
        self.target_ids = windows[:, 1:].contiguous()

    def __getitem__(self, idx):
        return self.input_ids[idx], self.target_ids[idx]

    def __len__(self):
        return self.input_ids.shape[0]


def create_dataloader_v1(txt, batch_size=4, max_length=256, stride=128,
                         shuffle=True, drop_last=True, num_workers=0):
    """A DataLoader of GPT-2 BPE windows over ``txt`` (see ``GPTDatasetV1``)."""
    _check_positive_int("batch_size", batch_size)
    tokenizer = gpt2_tokenizer()
    dataset = GPTDatasetV1(txt, tokenizer, max_length, stride)
    if drop_last and len(dataset) < batch_size:
        raise ValueError(
            f"the text gives {len(dataset)} windows, fewer than batch_size={batch_size}, "
            "and drop_last=True would drop them all (an empty loader); use a longer text, "
            "a smaller batch_size or stride, or drop_last=False"
        )
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        num_workers=num_workers,
    )
