import pytest
import torch

TINY_CFG = {
    "vocab_size": 50257,
    "context_length": 32,
    "emb_dim": 32,
    "n_heads": 4,
    "n_layers": 2,
    "drop_rate": 0.0,
    "qkv_bias": False,
}


@pytest.fixture
def tiny_cfg():
    return dict(TINY_CFG)


@pytest.fixture(scope="session")
def tokenizer():
    from llms_from_scratch.assets import gpt2_tokenizer

    return gpt2_tokenizer()


@pytest.fixture(scope="session")
def verdict():
    from llms_from_scratch.assets import read_text

    return read_text("the-verdict")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
