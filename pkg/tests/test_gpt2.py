"""GPT-2 weight loading checked against Hugging Face ``transformers``.

A randomly initialised ``GPT2LMHeadModel`` is written both as an OpenAI-layout
TensorFlow checkpoint and as a ``model.safetensors``; each is read through the
package into ``GPTModel``, whose logits and greedy continuations must match
the reference model's. Nothing here touches the network: downloads are served
from 127.0.0.1.
"""

import functools
import http.server
import sys
import threading

import numpy as np
import pytest
import torch

from llms_from_scratch import assets, ch05, gpt2
from llms_from_scratch.ch04 import GPTModel
from llms_from_scratch.errors import UserError

transformers = pytest.importorskip("transformers")
pytest.importorskip("safetensors")

from safetensors.torch import save_file  # noqa: E402

# (n_embd, n_head, n_layer, vocab_size, n_positions): GPT-2 124M's heads (12 of 64)
# with few layers and a small vocabulary, and an odd, non-square case.
SHAPES = {
    "12x64-heads": (768, 12, 2, 1000, 64),
    "odd-3x16-heads": (48, 3, 3, 97, 40),
}


def _randomize(model, seed):
    """Give every parameter a random value, LayerNorms included (not 1 and 0)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if ".ln_" in name or name.startswith("transformer.ln_f"):
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * noise)
            else:
                p.copy_(0.08 * noise)


@pytest.fixture(scope="module")
def tf():
    """TensorFlow, for the tests of OpenAI's checkpoint format (imported once: slow)."""
    return pytest.importorskip("tensorflow")


@functools.cache
def hf_model(shape_name):
    n_embd, n_head, n_layer, vocab, n_pos = SHAPES[shape_name]
    config = transformers.GPT2Config(
        vocab_size=vocab, n_positions=n_pos, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, activation_function="gelu_new",
        layer_norm_epsilon=1e-5, tie_word_embeddings=True, bos_token_id=None,
        eos_token_id=None,
    )
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(config).float().eval()
    _randomize(model, seed=n_embd + n_layer)
    assert model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr()
    return model


def params_from_hf(model):
    """OpenAI's nested layout, built directly from the reference model's tensors."""
    sd = {k: v.detach().numpy().copy() for k, v in model.transformer.state_dict().items()}

    def lin(prefix):
        return {"w": sd[prefix + ".weight"], "b": sd[prefix + ".bias"]}

    def norm(prefix):
        return {"g": sd[prefix + ".weight"], "b": sd[prefix + ".bias"]}

    blocks = [{"attn": {"c_attn": lin(f"h.{i}.attn.c_attn"), "c_proj": lin(f"h.{i}.attn.c_proj")},
               "mlp": {"c_fc": lin(f"h.{i}.mlp.c_fc"), "c_proj": lin(f"h.{i}.mlp.c_proj")},
               "ln_1": norm(f"h.{i}.ln_1"), "ln_2": norm(f"h.{i}.ln_2")}
              for i in range(model.config.n_layer)]
    return {"wte": sd["wte.weight"], "wpe": sd["wpe.weight"], "g": sd["ln_f.weight"],
            "b": sd["ln_f.bias"], "blocks": blocks}


def settings_of(model):
    c = model.config
    return {"n_vocab": c.vocab_size, "n_ctx": c.n_positions, "n_embd": c.n_embd,
            "n_head": c.n_head, "n_layer": c.n_layer}


def gpt_from_params(params, settings):
    torch.manual_seed(1)  # the values must all come from params, not from this seed
    model = GPTModel(gpt2.config_from_settings(settings))
    ch05.load_weights_into_gpt(model, params)
    return model.eval()


def assert_same_model(ours, reference):
    vocab = reference.config.vocab_size
    gen = torch.Generator().manual_seed(7)
    batch = torch.randint(0, vocab, (2, 9), generator=gen)
    with torch.no_grad():
        expected = reference(batch).logits
        actual = ours(batch)
    assert actual.shape == expected.shape
    torch.testing.assert_close(actual, expected, atol=1e-4, rtol=0)

    prompt = batch[:1]
    ours_ids = ch05.generate(ours, prompt, max_new_tokens=20,
                             context_size=reference.config.n_positions, temperature=0.0)
    ref_ids = prompt
    with torch.no_grad():
        for _ in range(20):
            next_id = reference(ref_ids).logits[:, -1].argmax(-1, keepdim=True)
            ref_ids = torch.cat([ref_ids, next_id], dim=1)
    assert ours_ids.shape == (1, 29)
    assert torch.equal(ours_ids, ref_ids)


@pytest.mark.parametrize("shape_name", SHAPES)
def test_tf_checkpoint_route_matches_transformers(shape_name, tmp_path, tf):
    reference = hf_model(shape_name)
    settings = settings_of(reference)
    gpt2.save_gpt2_tf_checkpoint(params_from_hf(reference), settings, tmp_path / "ckpt")

    # The names and shapes are OpenAI's: Conv1D weights carry a leading 1.
    names = dict(tf.train.list_variables(str(tmp_path / "ckpt" / "model.ckpt")))
    n_embd = settings["n_embd"]
    assert names["model/h0/attn/c_attn/w"] == [1, n_embd, 3 * n_embd]
    assert names["model/h0/mlp/c_proj/w"] == [1, 4 * n_embd, n_embd]
    assert names["model/wte"] == [settings["n_vocab"], n_embd]
    assert names["model/ln_f/g"] == [n_embd]
    assert len(names) == 4 + 12 * settings["n_layer"]
    listed = gpt2.list_tf_checkpoint_variables(tmp_path / "ckpt")
    assert listed == sorted((k, tuple(v)) for k, v in names.items())

    loaded_settings = gpt2.read_hparams(tmp_path / "ckpt")
    assert loaded_settings == settings
    params = gpt2.load_gpt2_params_from_tf_ckpt(tmp_path / "ckpt", loaded_settings)
    assert params["blocks"][0]["attn"]["c_attn"]["w"].shape == (n_embd, 3 * n_embd)
    model = gpt_from_params(params, loaded_settings)
    assert model.out_head.weight is model.tok_emb.weight  # tied, as in GPT-2
    assert_same_model(model, reference)


@pytest.mark.parametrize("shape_name, prefixed", [
    ("12x64-heads", True),  # keys as GPT2LMHeadModel saves them: "transformer.h.0..."
    ("odd-3x16-heads", True),
    ("odd-3x16-heads", False),  # keys as in openai-community/gpt2: "h.0..."
])
def test_safetensors_route_matches_transformers(shape_name, prefixed, tmp_path):
    reference = hf_model(shape_name)
    source = reference if prefixed else reference.transformer
    # Tied weights share memory, which safetensors refuses: store copies.
    state = {k: v.detach().clone().contiguous() for k, v in source.state_dict().items()
             if k != "lm_head.weight"}
    # Old checkpoints also hold the causal-mask buffers; the reader must skip them.
    state["h.0.attn.bias" if not prefixed else "transformer.h.0.attn.bias"] = torch.ones(3, 3)
    path = tmp_path / "model.safetensors"
    save_file(state, str(path))

    params = gpt2.load_gpt2_params_from_safetensors(path)
    np.testing.assert_array_equal(params["wte"], reference.transformer.wte.weight.detach().numpy())
    settings = gpt2.settings_from_params(params, n_head=reference.config.n_head)
    assert settings == settings_of(reference)
    assert_same_model(gpt_from_params(params, settings), reference)


def test_both_routes_give_identical_arrays(tmp_path, tf):
    reference = hf_model("odd-3x16-heads")
    settings = settings_of(reference)
    gpt2.save_gpt2_tf_checkpoint(params_from_hf(reference), settings, tmp_path)
    from_tf = gpt2.load_gpt2_params_from_tf_ckpt(tmp_path / "model.ckpt", settings)
    save_file({k: v.detach().clone() for k, v in reference.transformer.state_dict().items()},
              str(tmp_path / "model.safetensors"))
    from_st = gpt2.load_gpt2_params_from_safetensors(tmp_path / "model.safetensors")

    def flat(tree, prefix=""):
        if isinstance(tree, dict):
            for k, v in tree.items():
                yield from flat(v, f"{prefix}/{k}")
        elif isinstance(tree, list):
            for i, v in enumerate(tree):
                yield from flat(v, f"{prefix}/{i}")
        else:
            yield prefix, tree

    a, b = dict(flat(from_tf)), dict(flat(from_st))
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_shape_mismatch_names_the_parameter(tmp_path, tf):
    reference = hf_model("odd-3x16-heads")
    settings = settings_of(reference)
    params = params_from_hf(reference)
    # Block 1's MLP is made 5x wide instead of 4x: an inconsistent checkpoint.
    n_embd = settings["n_embd"]
    params["blocks"][1]["mlp"]["c_fc"] = {"w": np.zeros((n_embd, 5 * n_embd), np.float32),
                                          "b": np.zeros(5 * n_embd, np.float32)}
    gpt2.save_gpt2_tf_checkpoint(params, settings, tmp_path)
    loaded = gpt2.load_gpt2_params_from_tf_ckpt(tmp_path, settings)
    with pytest.raises(ValueError, match=r"trf_blocks\.1\.ff\.layers\.0\.weight.*\(192, 48\)"):
        gpt_from_params(loaded, settings)

    # A model configured for another context length: the error names pos_emb.
    model = GPTModel(gpt2.config_from_settings({**settings, "n_ctx": 8}))
    with pytest.raises(ValueError, match=r"pos_emb\.weight"):
        ch05.load_weights_into_gpt(model, params_from_hf(reference))


def test_hparams_that_disagree_with_the_checkpoint(tmp_path, tf):
    reference = hf_model("odd-3x16-heads")
    settings = settings_of(reference)
    gpt2.save_gpt2_tf_checkpoint(params_from_hf(reference), settings, tmp_path)
    with pytest.raises(ValueError, match=r"n_layer = 2"):
        gpt2.load_gpt2_params_from_tf_ckpt(tmp_path, {**settings, "n_layer": 2})
    with pytest.raises(ValueError, match=r"lacks .*h3/attn/c_attn/w"):
        gpt2.load_gpt2_params_from_tf_ckpt(tmp_path, {**settings, "n_layer": 4})


def test_missing_tf_checkpoint(tmp_path, tf):
    with pytest.raises(FileNotFoundError, match="no TensorFlow checkpoint"):
        gpt2.load_gpt2_params_from_tf_ckpt(tmp_path, {"n_layer": 1})


def test_bad_safetensors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no safetensors file"):
        gpt2.load_gpt2_params_from_safetensors(tmp_path / "missing.safetensors")
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"not a safetensors file at all")
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        gpt2.load_gpt2_params_from_safetensors(bad)
    save_file({"foo.weight": torch.zeros(2)}, str(bad))
    with pytest.raises(ValueError, match="unexpected tensor 'foo.weight'"):
        gpt2.load_gpt2_params_from_safetensors(bad)


def test_missing_tensorflow_gives_install_hint(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # makes `import tensorflow` fail
    hint = r'llms-from-scratch\[tensorflow\].*safetensors'
    with pytest.raises(ImportError, match=hint):
        gpt2.load_gpt2_params_from_tf_ckpt(tmp_path, {"n_layer": 1})
    # Said before downloading anything (the URL would not even answer).
    with pytest.raises(ImportError, match=hint):
        gpt2.download_and_load_gpt2("124M", tmp_path, base_url="http://127.0.0.1:9")
    assert list(tmp_path.iterdir()) == []


def test_truncated_files_are_reported(tmp_path, tf):
    reference = hf_model("odd-3x16-heads")
    settings = settings_of(reference)
    gpt2.save_gpt2_tf_checkpoint(params_from_hf(reference), settings, tmp_path / "tf")
    data = tmp_path / "tf" / "model.ckpt.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:1000])
    with pytest.raises(ValueError, match="truncated or corrupt: delete it and download again"):
        gpt2.load_gpt2_params_from_tf_ckpt(tmp_path / "tf", settings)

    path = tmp_path / "model.safetensors"
    save_file({k: v.detach().clone() for k, v in reference.transformer.state_dict().items()},
              str(path))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match="download"):
        gpt2.load_gpt2_params_from_safetensors(path)


def test_configs_and_sizes():
    assert gpt2.GPT2_SIZES == ("124M", "355M", "774M", "1558M")
    expected = {"124M": (768, 12, 12), "355M": (1024, 24, 16),
                "774M": (1280, 36, 20), "1558M": (1600, 48, 25)}
    for size, (emb, layers, heads) in expected.items():
        cfg = gpt2.GPT2_CONFIGS[size]
        assert cfg == {"vocab_size": 50257, "context_length": 1024, "emb_dim": emb,
                       "n_layers": layers, "n_heads": heads, "drop_rate": 0.0,
                       "qkv_bias": True}
    cfg = gpt2.gpt2_config("gpt2-355M", context_length=256)
    assert cfg["context_length"] == 256 and cfg["emb_dim"] == 1024
    assert gpt2.GPT2_CONFIGS["355M"]["context_length"] == 1024  # a copy was changed
    with pytest.raises(ValueError, match="unknown config keys emb_size"):
        gpt2.gpt2_config("124M", emb_size=3)


@pytest.mark.parametrize("bad", ["125M", "gpt2-xl", "", "1.5B"])
def test_unknown_size_lists_the_valid_ones(bad, tmp_path):
    message = r"unknown GPT-2 size .*valid sizes: 124M, 355M, 774M, 1558M"
    with pytest.raises(ValueError, match=message):
        gpt2.gpt2_config(bad)
    with pytest.raises(ValueError, match=message):
        gpt2.download_and_load_gpt2(bad, tmp_path)
    with pytest.raises(ValueError, match=message):
        gpt2.download_gpt2_safetensors(bad, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing was written before the check


def test_settings_from_params_needs_heads_for_unknown_widths():
    params = params_from_hf(hf_model("odd-3x16-heads"))
    with pytest.raises(ValueError, match="give n_head"):
        gpt2.settings_from_params(params)
    params = params_from_hf(hf_model("12x64-heads"))
    assert gpt2.settings_from_params(params)["n_head"] == 12  # GPT-2 124M's width


def test_gpt2_assets_are_registered():
    for size in gpt2.GPT2_SIZES:
        asset = assets.ASSETS[f"gpt2-{size}"]
        assert asset.large
        urls = [f.url for f in asset.files]
        assert urls == [f"https://openaipublic.blob.core.windows.net/gpt-2/models/{size}/{name}"
                        for name in ("checkpoint", "encoder.json", "hparams.json",
                                     "model.ckpt.data-00000-of-00001", "model.ckpt.index",
                                     "model.ckpt.meta", "vocab.bpe")]
        assert [f.relpath for f in asset.files] == [f"gpt2/{size}/{u.rsplit('/', 1)[1]}"
                                                    for u in urls]
    assert list(assets.ASSETS)[:4] == ["the-verdict", "tinyshakespeare",
                                       "wagahaiwa-nekodearu", "gpt2-tokenizer"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def file_server(tmp_path):
    """Serve ``tmp_path / "srv"`` over HTTP on 127.0.0.1; yield (root, base URL, hits)."""
    root = tmp_path / "srv"
    root.mkdir()
    hits = []

    class Handler(_QuietHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            hits.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_download_and_load_gpt2_from_a_local_server(file_server, tmp_path, monkeypatch, tf):
    root, base_url, hits = file_server
    reference = hf_model("odd-3x16-heads")
    settings = settings_of(reference)
    gpt2.save_gpt2_tf_checkpoint(params_from_hf(reference), settings, root / "124M")
    (root / "124M" / "encoder.json").write_text("{}")
    (root / "124M" / "vocab.bpe").write_text("#version: 0.2\n")

    # The base URL is a module constant: point it at the local server.
    monkeypatch.setattr(gpt2, "GPT2_MODELS_URL", base_url)
    models = tmp_path / "models"
    got_settings, params = gpt2.download_and_load_gpt2("124M", models, progress=False)
    assert got_settings == settings
    assert sorted(p.name for p in (models / "124M").iterdir()) == sorted(
        assets.GPT2_MODEL_FILES)
    assert sorted(hits) == sorted(f"/124M/{name}" for name in assets.GPT2_MODEL_FILES)
    assert_same_model(gpt_from_params(params, got_settings), reference)

    # Files already present are not fetched again.
    hits.clear()
    gpt2.download_and_load_gpt2("gpt2-124M", models, base_url=base_url, progress=False)
    assert hits == []

    # A file the server lacks: the error names the URL and where to put the file.
    with pytest.raises(assets.DownloadError, match=r"/355M/checkpoint.*models/355M/checkpoint"):
        gpt2.download_and_load_gpt2("355M", models, progress=False)


def test_download_gpt2_safetensors_from_a_local_server(file_server, tmp_path):
    root, base_url, hits = file_server
    reference = hf_model("odd-3x16-heads")
    save_file({k: v.detach().clone() for k, v in reference.transformer.state_dict().items()},
              str(root / "model.safetensors"))
    path = gpt2.download_gpt2_safetensors("774M", tmp_path / "m",
                                          url=f"{base_url}/model.safetensors", progress=False)
    assert path == tmp_path / "m" / "774M" / "model.safetensors"
    assert hits == ["/model.safetensors"]
    params = gpt2.load_gpt2_params_from_safetensors(path)
    assert_same_model(gpt_from_params(params, settings_of(reference)), reference)
    assert gpt2.GPT2_HF_URL.format(repo=gpt2.GPT2_HF_REPOS["774M"]) == (
        "https://huggingface.co/openai-community/gpt2-large/resolve/main/model.safetensors")


def test_download_all_skips_model_weights_unless_named(monkeypatch, capsys):
    from llms_from_scratch import cli

    fetched = []
    monkeypatch.setattr(assets, "fetch", lambda name, progress=True: fetched.append(name)
                        or assets.cache_dir() / name)
    assert cli.main(["download", "--all"]) == 0
    assert fetched == [n for n, a in assets.ASSETS.items() if not a.large]
    assert "the-verdict" in fetched and "gpt2-tokenizer" in fetched
    assert not {f"gpt2-{size}" for size in gpt2.GPT2_SIZES} & set(fetched)
    fetched.clear()
    assert cli.main(["download", "gpt2-124M"]) == 0
    assert fetched == ["gpt2-124M"]
    assert "gpt2-124M" in capsys.readouterr().out


# -- Hugging Face's files through huggingface_hub ------------------------------------------


def _serve_tiny_safetensors(root, repo="openai-community/gpt2"):
    reference = hf_model("odd-3x16-heads")
    (root / repo).mkdir(parents=True)
    save_file({k: v.detach().clone() for k, v in reference.transformer.state_dict().items()},
              str(root / repo / "model.safetensors"))
    return reference


def test_safetensors_from_the_hub_into_models_dir(fake_hub, tmp_path):
    root, hits = fake_hub
    reference = _serve_tiny_safetensors(root)
    path = gpt2.download_gpt2_safetensors("124M", tmp_path / "models", progress=False)
    assert path == tmp_path / "models" / "124M" / "model.safetensors"
    assert ("GET", "/openai-community/gpt2/resolve/main/model.safetensors") in hits
    params = gpt2.load_gpt2_params_from_safetensors(path)
    assert_same_model(gpt_from_params(params, settings_of(reference)), reference)
    # The stored file is used as it is: the Hub is not asked again.
    hits.clear()
    assert gpt2.download_gpt2_safetensors("gpt2-124M", tmp_path / "models") == path
    assert hits == []


def test_safetensors_default_to_the_hugging_face_cache(fake_hub, tmp_path, monkeypatch):
    root, hits = fake_hub
    _serve_tiny_safetensors(root, "openai-community/gpt2-medium")
    path = gpt2.download_gpt2_safetensors("355M", progress=False)
    assert path.is_relative_to(tmp_path / "hf-cache")
    assert "models--openai-community--gpt2-medium" in str(path)
    # Offline, the cached file is found without a request.
    hits.clear()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert gpt2.download_gpt2_safetensors("355M") == path
    assert hits == []


def test_safetensors_missing_offline_is_one_line(fake_hub, tmp_path, monkeypatch):
    root, hits = fake_hub
    _serve_tiny_safetensors(root)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(assets.DownloadError) as err:
        gpt2.download_gpt2_safetensors("124M", tmp_path / "models", progress=False)
    message = str(err.value)
    assert "\n" not in message and "HF_HUB_OFFLINE" in message
    assert "openai-community/gpt2/resolve/main/model.safetensors" in message
    assert str(tmp_path / "models" / "124M" / "model.safetensors") in message
    assert hits == []  # offline means no request at all
    assert isinstance(err.value, UserError)


def test_safetensors_unknown_on_the_hub(fake_hub, tmp_path):
    with pytest.raises(assets.DownloadError, match=r"HTTP 404.*Check the model name"):
        gpt2.download_gpt2_safetensors("1558M", tmp_path / "models", progress=False)
    assert not (tmp_path / "models" / "1558M" / "model.safetensors").exists()


def test_safetensors_hub_unreachable(unreachable_hub, tmp_path, capsys):
    with pytest.raises(assets.DownloadError) as err:
        gpt2.download_gpt2_safetensors("124M", tmp_path / "models", progress=False)
    message = str(err.value)
    assert "\n" not in message and "connection was refused" in message
    assert str(tmp_path / "models" / "124M" / "model.safetensors") in message
    assert "Retrying" not in capsys.readouterr().err  # the client's warnings stay quiet
