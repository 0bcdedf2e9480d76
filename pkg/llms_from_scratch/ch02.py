"""Chapter 2: working with text data.

Turns a text into (input, target) windows for next-token prediction.
"""

import torch
from torch.utils.data import DataLoader, Dataset

from .arg_checks import (
    check_dataset_args,
    check_enough_tokens,
    check_enough_windows,
    check_positive_int,
)
from .assets import gpt2_tokenizer


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
