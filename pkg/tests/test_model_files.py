"""model_files.load_model: the loader behind `llms-from-scratch generate --model`."""

import pytest
import torch

from llms_from_scratch.ch04 import GPTModel
from llms_from_scratch.errors import UserError
from llms_from_scratch.model_files import ModelFileError, load_model, load_model_and_tokenizer

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
    # a bare state_dict needs the config from outside
    bare = tmp_path / "bare.pth"
    torch.save(source.state_dict(), bare)
    with pytest.raises(ModelFileError, match="holds no config; give --config"):
        load_model(bare)


@pytest.mark.parametrize("content, match", [
    (b"", "is empty"),
    (b"not a checkpoint", "not a file written by torch.save"),
])
def test_load_model_refuses_unusable_files_with_one_line(tmp_path, content, match):
    path = tmp_path / "bad.pth"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    assert "\n" not in str(info.value)
    with pytest.raises(ModelFileError, match="not a GPT-2 size"):
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
    assert tokenizer_spec is None
    assert not hasattr(load_model(with_tok), "tokenizer_spec")  # the entry comes only as a value


def test_model_file_errors_are_user_errors():
    assert issubclass(ModelFileError, UserError)


def test_gpt2_weights_are_checked_before_use(monkeypatch):
    """``verified_gpt2_params``: the weights of ``gpt2.gpt2_params`` (the one GPT-2 loader),
    refused in one line when a file is damaged or a weight is NaN; a failed download
    keeps its own error."""
    import numpy as np

    from llms_from_scratch import gpt2
    from llms_from_scratch.errors import DownloadError
    from llms_from_scratch.model_files import verified_gpt2_params

    params = {"wte": np.ones((4, 2), dtype=np.float32), "blocks": [{"b": np.zeros(2)}]}
    monkeypatch.setattr(gpt2, "gpt2_params", lambda size, models_dir: (params, "here"))
    assert verified_gpt2_params("124M") == (params, "here")

    params["blocks"][0]["b"][1] = np.nan
    with pytest.raises(ModelFileError, match=r"here hold NaN or Inf in blocks\.0\.b"):
        verified_gpt2_params("124M")

    def damaged(size, models_dir):
        raise ValueError("model.safetensors is truncated or corrupt:\ndelete it")

    monkeypatch.setattr(gpt2, "gpt2_params", damaged)
    with pytest.raises(ModelFileError, match="^model.safetensors is truncated or corrupt: "
                                              "delete it$"):
        verified_gpt2_params("124M")

    def offline(size, models_dir):
        raise DownloadError("cannot download model.safetensors")

    monkeypatch.setattr(gpt2, "gpt2_params", offline)
    with pytest.raises(DownloadError) as info:
        verified_gpt2_params("124M")
    assert not isinstance(info.value, ModelFileError)
