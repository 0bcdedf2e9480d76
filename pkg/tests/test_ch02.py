import pytest
import torch

from llms_from_scratch.ch02 import GPTDatasetV1, create_dataloader_v1


def test_windows_are_shifted_by_one_and_cover_the_text(tokenizer, verdict):
    ids = tokenizer.encode(verdict)
    ds = GPTDatasetV1(verdict, tokenizer, max_length=8, stride=8)
    assert len(ds) == (len(ids) - 8 + 7) // 8  # starts 0, 8, ... < len - 8
    for i in (0, 1, len(ds) - 1):
        x, y = ds[i]
        assert x.tolist() == ids[8 * i:8 * i + 8]
        assert y.tolist() == ids[8 * i + 1:8 * i + 9]


def test_stride_controls_overlap(tokenizer, verdict):
    ds = GPTDatasetV1(verdict, tokenizer, max_length=4, stride=1)
    assert ds[0][0][1:].tolist() == ds[1][0][:-1].tolist()
    assert len(ds) == len(tokenizer.encode(verdict)) - 4


def test_dataloader_batches(verdict):
    torch.manual_seed(123)
    loader = create_dataloader_v1(verdict, batch_size=8, max_length=4, stride=4, shuffle=False)
    x, y = next(iter(loader))
    assert x.shape == y.shape == (8, 4)
    assert torch.equal(x[:, 1:], y[:, :-1])


def test_endoftext_is_one_token(tokenizer):
    text = "a b c d <|endoftext|> e f g h i j"
    ds = GPTDatasetV1(text, tokenizer, max_length=4, stride=4)
    assert 50256 in torch.cat([ds[i][0] for i in range(len(ds))]).tolist()


@pytest.mark.parametrize("kwargs, match", [
    ({"max_length": 0, "stride": 1}, "max_length"),
    ({"max_length": 4, "stride": 0}, "stride"),
    ({"max_length": 4, "stride": -2}, "stride"),
    ({"max_length": 500, "stride": 1}, "tokens"),
])
def test_dataset_rejects_bad_arguments(tokenizer, kwargs, match):
    with pytest.raises(ValueError, match=match):
        GPTDatasetV1("a short text " * 10, tokenizer, **kwargs)


def test_dataloader_rejects_bad_batch_size(verdict):
    with pytest.raises(ValueError, match="batch_size"):
        create_dataloader_v1(verdict, batch_size=0)
