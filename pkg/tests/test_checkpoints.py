"""model_files.load_model: the loader behind `llms-from-scratch generate --model`."""

import pytest
import torch

from llms_from_scratch.ch04 import GPTModel
from llms_from_scratch.errors import UserError
from llms_from_scratch.model_files import CheckpointError, load_model, load_model_and_tokenizer

CFG = {"vocab_size": 40, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 1,
       "drop_rate": 0.0, "qkv_bias": False}


def test_load_model_reads_a_saved_config_and_state_dict(tmp_path):
    torch.manual_seed(0)
    source = GPTModel(CFG).eval()
    path = tmp_path / "model.pth"
    torch.save({"config": CFG, "model": source.state_dict(), "tokenizer": {"chars": "ab"}}, path)
    loaded = load_model(path).eval()
    x = torch.randint(0, CFG["vocab_size"], (2, 5))
    with torch.no_grad():
        assert torch.equal(loaded(x), source(x))
    assert loaded.tokenizer_spec == {"chars": "ab"}
    # a bare state_dict needs the config from outside
    bare = tmp_path / "bare.pth"
    torch.save(source.state_dict(), bare)
    with pytest.raises(CheckpointError, match="holds no config; give --config"):
        load_model(bare)


@pytest.mark.parametrize("content, match", [
    (b"", "is empty"),
    (b"not a checkpoint", "not a file written by torch.save"),
])
def test_load_model_refuses_unusable_files_with_one_line(tmp_path, content, match):
    path = tmp_path / "bad.pth"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=match) as info:
        load_model(path)
    assert "\n" not in str(info.value)
    with pytest.raises(CheckpointError, match="not a GPT-2 size"):
        load_model(tmp_path / "missing.pth")


def test_load_model_and_tokenizer_returns_the_tokenizer_entry_explicitly(tmp_path):
    torch.manual_seed(0)
    source = GPTModel(CFG)
    with_tok, without = tmp_path / "with.pth", tmp_path / "without.pth"
    spec = {"kind": "char", "chars": "ab"}
    torch.save({"config": CFG, "model": source.state_dict(), "tokenizer": spec}, with_tok)
    torch.save({"config": CFG, "model": source.state_dict()}, without)
    model, tokenizer_spec = load_model_and_tokenizer(with_tok)
    assert isinstance(model, GPTModel) and tokenizer_spec == spec
    model, tokenizer_spec = load_model_and_tokenizer(without)
    assert tokenizer_spec is None and not hasattr(model, "tokenizer_spec")


def test_checkpoint_errors_are_user_errors():
    assert issubclass(CheckpointError, UserError)
