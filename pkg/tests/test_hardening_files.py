"""Missing, empty, truncated, corrupted and untrusted files at every entry point.

Covered: ``generate --model PATH`` (torch files, safetensors files, TensorFlow
folders), ``train --resume`` (``ckpt.pt``), the prepared token files and
``meta.json`` that ``train`` reuses, and the GPT-2 loaders of ``gpt2``.
A ``.pth`` that carries a pickled object which would run code must be
refused without running it: the tests build such files and check that the
payload (which writes a marker file) did not run.
"""

import json
import pickle
import random
import shutil

import numpy as np
import pytest
import torch

from llms_from_scratch import ckpt, cli, config, gpt2
from llms_from_scratch.ch04 import GPTModel

CFG = {"vocab_size": 16, "context_length": 8, "emb_dim": 8, "n_heads": 2, "n_layers": 1,
       "drop_rate": 0.0, "qkv_bias": True}
CHARS = "abcdefghijklmnop"  # a char-level vocabulary of CFG's 16 tokens
TEXT = "".join(random.Random(0).choice("abcdefgh \n") for _ in range(4000))
TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "8", "--context-length", "8",
        "--batch-size", "2", "--eval-iters", "1", "--sample-tokens", "0", "--no-progress",
        "--warmup-iters", "0", "--max-iters", "0", "--device", "cpu"]


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line(code, out, err, command, *fragments):
    assert code == 1, err
    assert out == ""
    assert err.startswith(f"llms-from-scratch {command}: error: "), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(3)
    return GPTModel(CFG).eval()


# -- a pickled payload ---------------------------------------------------------------------


class Payload:
    """Unpickling this object runs ``exec``, which writes the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('the payload ran')",)


def _write_payload(path, marker, kind, content):
    """``content`` with a ``Payload`` inside, saved by torch.save or plain pickle."""
    content = dict(content, extra=Payload(marker))
    if kind == "torch.save":
        torch.save(content, path)
    else:  # the legacy, non-zip format: a bare pickle stream
        with open(path, "wb") as f:
            pickle.dump(content, f)
    return path


@pytest.mark.parametrize("kind", ["torch.save", "pickle"])
def test_the_payload_really_runs_when_loaded_unsafely(tmp_path, kind, tiny_model):
    """The control: without weights_only the file runs code, so the refusal matters."""
    marker = tmp_path / "marker"
    path = _write_payload(tmp_path / "evil.pth", marker, kind,
                          {"config": CFG, "model": tiny_model.state_dict()})
    if kind == "torch.save":
        torch.load(path, weights_only=False)
    else:
        with open(path, "rb") as f:
            pickle.load(f)  # noqa: S301 (this is the point of the test)
    assert marker.read_text() == "the payload ran"


@pytest.mark.parametrize("kind", ["torch.save", "pickle"])
def test_generate_refuses_a_pickled_payload(capsys, tmp_path, kind, tiny_model):
    marker = tmp_path / "marker"
    path = _write_payload(tmp_path / "evil.pth", marker, kind,
                          {"config": CFG, "model": tiny_model.state_dict(),
                           "tokenizer": {"kind": "char", "chars": CHARS}})
    code, out, err = run(capsys, "generate", "--model", path, "--prompt", "abc")
    assert_one_line(code, out, err, "generate", f"cannot read the checkpoint {path}")
    if kind == "torch.save":
        assert "weights_only=True" in err and "nothing in it ran" in err
    assert not marker.exists(), "the pickled payload ran"


@pytest.mark.parametrize("kind", ["torch.save", "pickle"])
def test_train_resume_refuses_a_pickled_payload(capsys, tmp_path, kind):
    marker = tmp_path / "marker"
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    path = _write_payload(out_dir / "ckpt.pt", marker, kind,
                          {"format": ckpt.CHECKPOINT_FORMAT, "step": 1})
    code, out, err = run(capsys, "train", "--out-dir", out_dir, "--resume")
    assert_one_line(code, out, err, "train", str(path), "another --out-dir")
    if kind == "torch.save":
        assert "weights_only=True" in err and "do not trust it" in err
    assert not marker.exists(), "the pickled payload ran"


def test_load_checkpoint_refuses_a_pickled_payload(tmp_path):
    marker = tmp_path / "marker"
    path = _write_payload(tmp_path / "ckpt.pt", marker, "torch.save",
                          {"format": ckpt.CHECKPOINT_FORMAT})
    with pytest.raises(config.TrainError, match="nothing in it ran"):
        ckpt.load_checkpoint(path)
    assert not marker.exists()


# -- generate --model PATH -----------------------------------------------------------------


def _bad_model_files(tmp_path, tiny_model):
    """{name: (path, extra flags, message fragment)} of files generate must refuse."""
    state = tiny_model.state_dict()
    cases = {}
    empty = tmp_path / "empty.pth"
    empty.write_bytes(b"")
    cases["empty"] = (empty, [], "is empty (0 bytes)")
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(bytes(range(256)) * 8)
    cases["garbage"] = (garbage, [], "not a file written by torch.save")
    good = tmp_path / "good.pth"
    torch.save({"config": CFG, "model": state}, good)
    raw = good.read_bytes()
    for name, cut in (("truncated-half", len(raw) // 2), ("truncated-end", len(raw) - 30),
                      ("truncated-start", 100)):
        path = tmp_path / f"{name}.pth"
        path.write_bytes(raw[:cut])
        cases[name] = (path, [], "truncated or corrupt")
    flipped = bytearray(raw)
    flipped[:64] = bytes(64)  # the first record's header and the start of the pickle
    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(bytes(flipped))
    cases["corrupt-inside"] = (corrupt, [], "is damaged: the record good/data.pkl fails its "
                                            "CRC-32 check")
    no_key = tmp_path / "no_key.pth"
    torch.save({"config": {k: v for k, v in CFG.items() if k != "emb_dim"}, "model": state},
               no_key)
    cases["config-lacks-a-key"] = (no_key, [], "bad model config")
    listed = tmp_path / "listed.pth"
    torch.save({"config": [1, 2, 3], "model": state}, listed)
    cases["config-not-a-dict"] = (listed, [], "bad model config")
    bigger = tmp_path / "bigger.pth"
    torch.save({"config": {**CFG, "n_layers": 2}, "model": state}, bigger)
    cases["another-configuration"] = (bigger, [], "is not a checkpoint of this GPTModel config")
    wider = tmp_path / "wider.json"
    wider.write_text(json.dumps({**CFG, "emb_dim": 12}))
    plain = tmp_path / "plain.pth"
    torch.save(state, plain)
    cases["config-of-another-width"] = (plain, ["--config", wider], "has shape")
    not_tensors = tmp_path / "not_tensors.pth"
    torch.save({"config": CFG, "model": {"a": 1}}, not_tensors)
    cases["no-state-dict"] = (not_tensors, [], "holds no state_dict")
    st_empty = tmp_path / "empty.safetensors"
    st_empty.write_bytes(b"")
    cases["empty-safetensors"] = (st_empty, [], "delete it and download it again")
    st_text = tmp_path / "text.safetensors"
    st_text.write_text("<html>404 Not Found</html>")
    cases["html-as-safetensors"] = (st_text, [], "not a readable safetensors file")
    cases["unknown-size"] = (tmp_path / "7B", [], "not a GPT-2 size")
    folder = tmp_path / "no_ckpt"
    folder.mkdir()
    (folder / "notes.txt").write_text("")
    cases["folder-without-checkpoint"] = (folder, [], "a folder without a checkpoint")
    hp_empty = tmp_path / "hp_empty"
    hp_empty.mkdir()
    (hp_empty / "hparams.json").write_text("")
    cases["empty-hparams"] = (hp_empty, [], "is not valid JSON")
    hp_list = tmp_path / "hp_list"
    hp_list.mkdir()
    (hp_list / "hparams.json").write_text("[1, 2]")
    cases["hparams-not-an-object"] = (hp_list, [], "must hold a JSON object")
    return cases


def test_generate_refuses_bad_model_files_in_one_line(capsys, tmp_path, tiny_model):
    cases = _bad_model_files(tmp_path, tiny_model)
    for name, (path, extra, fragment) in cases.items():
        code, out, err = run(capsys, "generate", "--model", path, *extra, "--prompt", "abc")
        try:
            assert_one_line(code, out, err, "generate", fragment)
        except AssertionError as failure:
            raise AssertionError(f"case {name}: {failure}") from None


def test_generate_reads_a_good_file_of_the_same_kind(capsys, tmp_path, tiny_model):
    """The refusals above are about the damage: the intact file works."""
    path = tmp_path / "good.pth"
    torch.save({"config": CFG, "model": tiny_model.state_dict(),
                "tokenizer": {"kind": "char", "chars": CHARS}}, path)
    code, out, err = run(capsys, "generate", "--model", path, "--prompt", "abc",
                         "--max-new-tokens", 5, "--temperature", 0)
    assert (code, err) == (0, "")
    assert len(out) == 9 and out.startswith("abc") and set(out[:-1]) <= set(CHARS)


def test_generate_refuses_a_truncated_cached_gpt2_download(capsys, tmp_path, unreachable_hub):
    """A damaged model.safetensors in --models-dir is reported, not re-used silently."""
    path = _gpt2_safetensors(tmp_path / "models" / "124M" / "model.safetensors")
    path.write_bytes(path.read_bytes()[:-200])
    code, out, err = run(capsys, "generate", "--model", "124M", "--models-dir",
                         tmp_path / "models", "--prompt", "x")
    assert_one_line(code, out, err, "generate", str(path), "delete it and download it again")


# -- the GPT-2 loaders ---------------------------------------------------------------------


def _gpt2_params(n_embd=8, n_layer=1, vocab=16, n_ctx=8, seed=0):
    rng = np.random.default_rng(seed)

    def arr(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    def lin(i, o):
        return {"w": arr(i, o), "b": arr(o)}

    def norm():
        return {"g": arr(n_embd), "b": arr(n_embd)}

    blocks = [{"attn": {"c_attn": lin(n_embd, 3 * n_embd), "c_proj": lin(n_embd, n_embd)},
               "mlp": {"c_fc": lin(n_embd, 4 * n_embd), "c_proj": lin(4 * n_embd, n_embd)},
               "ln_1": norm(), "ln_2": norm()} for _ in range(n_layer)]
    return {"wte": arr(vocab, n_embd), "wpe": arr(n_ctx, n_embd), "g": arr(n_embd),
            "b": arr(n_embd), "blocks": blocks}


def _gpt2_safetensors(path):
    """The params of ``_gpt2_params`` in Hugging Face's key layout."""
    from safetensors.numpy import save_file

    params = _gpt2_params()
    tensors = {"wte.weight": params["wte"], "wpe.weight": params["wpe"],
               "ln_f.weight": params["g"], "ln_f.bias": params["b"]}
    for i, block in enumerate(params["blocks"]):
        for group in ("attn", "mlp"):
            for layer, wb in block[group].items():
                tensors[f"h.{i}.{group}.{layer}.weight"] = wb["w"]
                tensors[f"h.{i}.{group}.{layer}.bias"] = wb["b"]
        for ln in ("ln_1", "ln_2"):
            tensors[f"h.{i}.{ln}.weight"] = block[ln]["g"]
            tensors[f"h.{i}.{ln}.bias"] = block[ln]["b"]
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path))
    return path


def test_safetensors_loader_reads_the_intact_file(tmp_path):
    params = gpt2.load_gpt2_params_from_safetensors(_gpt2_safetensors(tmp_path / "m.st"))
    np.testing.assert_array_equal(params["wte"], _gpt2_params()["wte"])


@pytest.mark.parametrize("damage", ["missing", "folder", "empty", "header-cut", "data-cut",
                                    "one-byte-short", "garbage"])
def test_safetensors_loader_refuses_damaged_files(tmp_path, damage):
    path = _gpt2_safetensors(tmp_path / "model.safetensors")
    raw = path.read_bytes()
    if damage == "missing":
        path.unlink()
    elif damage == "folder":
        path.unlink()
        path.mkdir()
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "header-cut":
        path.write_bytes(raw[:5])
    elif damage == "data-cut":
        path.write_bytes(raw[:len(raw) // 2 + 200])
    elif damage == "one-byte-short":
        path.write_bytes(raw[:-1])
    else:
        path.write_bytes(b"\xff" * len(raw))
    expected = FileNotFoundError if damage in ("missing", "folder") else ValueError
    with pytest.raises(expected) as err:
        gpt2.load_gpt2_params_from_safetensors(path)
    message = str(err.value)
    assert str(path) in message and "download" in message and "\n" not in message


@pytest.fixture(scope="module")
def tf_checkpoint(tmp_path_factory):
    """An intact OpenAI-layout TensorFlow checkpoint of ``_gpt2_params`` (made once)."""
    pytest.importorskip("tensorflow")
    folder = tmp_path_factory.mktemp("tf") / "124M"
    params = _gpt2_params()
    gpt2.save_gpt2_tf_checkpoint(params, gpt2.settings_from_params(params, n_head=2), folder)
    return folder


def _damaged_tf_copy(tf_checkpoint, tmp_path, damage):
    folder = tmp_path / "124M"
    shutil.copytree(tf_checkpoint, folder)
    data = folder / "model.ckpt.data-00000-of-00001"
    index = folder / "model.ckpt.index"
    if damage == "no-index":
        index.unlink()
    elif damage == "empty-index":
        index.write_bytes(b"")
    elif damage == "garbage-index":
        index.write_bytes(b"\x00garbage" * 40)
    elif damage == "no-data":
        data.unlink()
    elif damage == "empty-data":
        data.write_bytes(b"")
    elif damage == "truncated-data":
        data.write_bytes(data.read_bytes()[:200])
    elif damage == "no-hparams":
        (folder / "hparams.json").unlink()
    elif damage == "empty-hparams":
        (folder / "hparams.json").write_text("")
    elif damage == "hparams-without-n_layer":
        (folder / "hparams.json").write_text(json.dumps({"n_vocab": 16, "n_ctx": 8}))
    return folder


TF_DAMAGE = {  # damage: (exception, message fragment)
    "no-index": (FileNotFoundError, "no TensorFlow checkpoint"),
    "empty-index": (ValueError, "truncated or corrupt: delete it and download again"),
    "garbage-index": (ValueError, "truncated or corrupt: delete it and download again"),
    "no-data": (ValueError, "truncated or corrupt: delete it and download again"),
    "empty-data": (ValueError, "truncated or corrupt: delete it and download again"),
    "truncated-data": (ValueError, "truncated or corrupt: delete it and download again"),
    "no-hparams": (FileNotFoundError, "download it again"),
    "empty-hparams": (ValueError, "delete it and download again"),
    "hparams-without-n_layer": (ValueError, "n_layer"),
}


def test_tf_loader_reads_the_intact_folder_even_with_a_garbled_checkpoint_file(
        tf_checkpoint, tmp_path):
    folder = _damaged_tf_copy(tf_checkpoint, tmp_path, "none")
    (folder / "checkpoint").write_text("model_checkpoint_path: {{{ garbage")
    params = gpt2.load_gpt2_params_from_tf_ckpt(folder, gpt2.read_hparams(folder))
    np.testing.assert_array_equal(params["wte"], _gpt2_params()["wte"])


@pytest.mark.parametrize("damage", list(TF_DAMAGE))
def test_tf_loader_refuses_damaged_folders(tf_checkpoint, tmp_path, damage):
    folder = _damaged_tf_copy(tf_checkpoint, tmp_path, damage)
    expected, fragment = TF_DAMAGE[damage]
    with pytest.raises(expected) as err:
        gpt2.load_gpt2_params_from_tf_ckpt(folder, gpt2.read_hparams(folder))
    message = str(err.value)
    assert fragment in message and "\n" not in message
    assert str(folder) in message or "n_layer" in message


@pytest.mark.parametrize("damage", ["truncated-data", "no-hparams", "no-index"])
def test_generate_refuses_a_damaged_tf_folder_in_one_line(capsys, tf_checkpoint, tmp_path,
                                                          damage):
    folder = _damaged_tf_copy(tf_checkpoint, tmp_path, damage)
    code, out, err = run(capsys, "generate", "--model", folder, "--prompt", "x")
    assert_one_line(code, out, err, "generate", str(folder), "download")


# -- train checkpoints (ckpt.pt) -----------------------------------------------------------


def _bad_train_checkpoints(out_dir):
    """{name: (writer, message fragment)}; each writer puts a bad ckpt.pt in out_dir."""
    path = out_dir / "ckpt.pt"
    valid = {"format": ckpt.CHECKPOINT_FORMAT, "config": CFG,
             "model": {"w": torch.zeros(300)}, "tokenizer": {"kind": "char", "chars": CHARS},
             "train_config": {}, "optimizer": {}, "step": 1, "rng": [], "tie_weights": False}

    def raw(data):
        return lambda: path.write_bytes(data)

    def saved(obj, cut=None, zero_start=False):
        def write():
            torch.save(obj, path)
            if cut is not None:
                path.write_bytes(path.read_bytes()[:cut])
            if zero_start:  # the zip's directory intact, the pickle inside damaged
                path.write_bytes(bytes(64) + path.read_bytes()[64:])
        return write

    return {
        "empty": (raw(b""), "is empty (0 bytes)"),
        "garbage": (raw(b"\x00not a checkpoint" * 100), "truncated, corrupt or not written"),
        "truncated": (saved(valid, cut=700), "truncated, corrupt or not written"),
        "corrupt-inside": (saved(valid, zero_start=True), "fails its CRC-32 check"),
        "not-a-dict": (saved([1, 2, 3]), "is not a checkpoint of llms-from-scratch train"),
        "foreign-dict": (saved({"model": {}}), "is not a checkpoint of llms-from-scratch train"),
        "lacks-keys": (saved({"format": ckpt.CHECKPOINT_FORMAT, "model": {}}),
                       "lacks config, tokenizer"),
        "wrong-types": (saved({**valid, "config": [1], "step": "7"}),
                        "is damaged: config (list, not dict), step (str, not int)"),
    }


def test_train_resume_refuses_bad_checkpoints_in_one_line(capsys, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for name, (write, fragment) in _bad_train_checkpoints(out_dir).items():
        write()
        code, out, err = run(capsys, "train", "--out-dir", out_dir, "--resume")
        try:
            assert_one_line(code, out, err, "train", str(out_dir / "ckpt.pt"), fragment,
                            "another --out-dir")
        except AssertionError as failure:
            raise AssertionError(f"case {name}: {failure}") from None
    (out_dir / "ckpt.pt").unlink()
    code, out, err = run(capsys, "train", "--out-dir", out_dir, "--resume")
    assert_one_line(code, out, err, "train", "no checkpoint at", "leave out --resume")


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def tiny_train(capsys, tmp_path, text_file, out_dir, *extra):
    return run(capsys, "train", "--text", text_file, "--data-dir", tmp_path / "tokens",
               "--out-dir", out_dir, *TINY, *extra)


def test_train_resume_refuses_a_checkpoint_of_another_configuration(capsys, tmp_path,
                                                                     text_file):
    narrow, wide = tmp_path / "narrow", tmp_path / "wide"
    # One step each, so that the checkpoints hold AdamW's moments.
    assert tiny_train(capsys, tmp_path, text_file, narrow, "--max-iters", 1)[0] == 0
    assert tiny_train(capsys, tmp_path, text_file, wide, "--max-iters", 1,
                      "--n-embd", "12")[0] == 0
    ckpt = torch.load(narrow / "ckpt.pt", weights_only=True)
    other = torch.load(wide / "ckpt.pt", weights_only=True)

    torch.save({**ckpt, "model": other["model"]}, narrow / "ckpt.pt")
    code, out, err = run(capsys, "train", "--out-dir", narrow, "--resume", "--max-iters", 2)
    assert_one_line(code, out, err, "train", "does not fit its model config")

    torch.save({**ckpt, "optimizer": other["optimizer"]}, narrow / "ckpt.pt")
    code, out, err = run(capsys, "train", "--out-dir", narrow, "--resume", "--max-iters", 2)
    assert_one_line(code, out, err, "train", "the optimizer state", "does not fit the model")

    torch.save({**ckpt, "rng": [{"torch": "not a state"}]}, narrow / "ckpt.pt")
    code, out, err = run(capsys, "train", "--out-dir", narrow, "--resume", "--max-iters", 2)
    assert_one_line(code, out, err, "train", "random number states", "are damaged")

    torch.save(ckpt, narrow / "ckpt.pt")  # the intact checkpoint resumes
    code, out, err = run(capsys, "train", "--out-dir", narrow, "--resume", "--max-iters", 2)
    assert code == 0, err


# -- prepared token files and meta.json (data.py), through the train command ---------------


def _damage_tokens(folder, damage):
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    train_bin = folder / "train.bin"
    if damage == "meta-garbage":
        meta_path.write_text("{not json")
    elif damage == "meta-empty":
        meta_path.write_text("")
    elif damage == "meta-missing":
        meta_path.unlink()
    elif damage == "meta-wrong-dtype":
        meta_path.write_text(json.dumps({**meta, "dtype": "uint32"}))
    elif damage == "train-truncated":
        train_bin.write_bytes(train_bin.read_bytes()[:100])
    elif damage == "train-empty":
        train_bin.write_bytes(b"")
    elif damage == "val-missing":
        (folder / "val.bin").unlink()
    elif damage == "train-ids-out-of-range":  # same size, garbage inside
        train_bin.write_bytes(b"\xff" * train_bin.stat().st_size)
    elif damage == "meta-lacks-vocab_size":
        meta_path.write_text(json.dumps({k: v for k, v in meta.items() if k != "vocab_size"}))
    elif damage == "meta-wrong-chars":
        meta_path.write_text(json.dumps({**meta, "chars": meta["chars"][:-1]}))


@pytest.mark.parametrize("damage", ["meta-garbage", "meta-empty", "meta-missing",
                                    "meta-wrong-dtype", "train-truncated", "train-empty",
                                    "val-missing", "meta-lacks-vocab_size", "meta-wrong-chars"])
def test_train_prepares_damaged_token_files_again(capsys, tmp_path, text_file, damage):
    assert tiny_train(capsys, tmp_path, text_file, tmp_path / "first")[0] == 0
    folder = tmp_path / "tokens"
    before = (folder / "train.bin").read_bytes()
    _damage_tokens(folder, damage)
    code, _, err = tiny_train(capsys, tmp_path, text_file, tmp_path / "second")
    assert code == 0, err
    assert (folder / "train.bin").read_bytes() == before
    assert json.loads((folder / "meta.json").read_text())["dtype"] == "uint16"


@pytest.mark.parametrize("damage, fragment", [
    ("train-ids-out-of-range", "holds token ID 65535 but the vocabulary has"),
])
def test_train_reports_token_files_it_cannot_repair(capsys, tmp_path, text_file, damage,
                                                    fragment):
    assert tiny_train(capsys, tmp_path, text_file, tmp_path / "first")[0] == 0
    folder = tmp_path / "tokens"
    _damage_tokens(folder, damage)
    code, out, err = tiny_train(capsys, tmp_path, text_file, tmp_path / "second")
    assert_one_line(code, out, err, "train", fragment,
                    f"delete the folder {folder} to prepare the data again")


@pytest.mark.parametrize("kind, fragment", [
    ("missing", "check the path given to --text"),
    ("empty", "is empty or holds only whitespace"),
    ("folder", "no text file at"),
    ("shift_jis", "is not UTF-8 text"),
])
def test_train_refuses_bad_text_files(capsys, tmp_path, kind, fragment):
    path = tmp_path / "input.txt"
    if kind == "empty":
        path.write_text(" \n")
    elif kind == "folder":
        path.mkdir()
    elif kind == "shift_jis":
        path.write_bytes("吾輩は猫である".encode("shift_jis"))
    code, out, err = run(capsys, "train", "--text", path, "--data-dir", tmp_path / "tokens",
                         "--out-dir", tmp_path / "out", *TINY)
    assert_one_line(code, out, err, "train", fragment)


def test_train_refuses_unwritable_folders(capsys, tmp_path, text_file):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, out, err = tiny_train(capsys, tmp_path, text_file, blocker / "out")
    assert_one_line(code, out, err, "train", "cannot create --out-dir")
    code, out, err = run(capsys, "train", "--text", text_file, "--data-dir", blocker / "tok",
                         "--out-dir", tmp_path / "out", *TINY)
    assert_one_line(code, out, err, "train", "cannot write the token files",
                    "choose another --data-dir")
