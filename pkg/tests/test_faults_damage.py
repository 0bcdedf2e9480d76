"""Damage that leaves a file readable: a flipped bit in a checkpoint, NaN weights, bad meta.json.

``torch.load`` reads a checkpoint with one flipped bit in a weight as if it
were whole, and a ``meta.json`` with a repeated vocabulary character is valid
JSON. Each test damages a file so, then checks that the package refuses it
in one line (leaving it in place) or prepares it again from the text, and
never trains on, saves or samples from damaged weights.
"""

import json

import faultkit
import pytest
import torch
from test_faults_train import PREFIX, TINY

from llms_from_scratch import amp, cli, data, train_data
from llms_from_scratch.ckpt import load_checkpoint
from llms_from_scratch.model_files import load_model

GENERATE = ["--prompt", "I", "--max-new-tokens", "3", "--device", "cpu"]


@pytest.fixture
def text_file(verdict_file):
    return verdict_file


def command(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.err


def train(capsys, text_file, tmp_path, out, *extra):
    return command(capsys, "train", "--text", text_file, "--data-dir", tmp_path / "tokens",
                   "--out-dir", out, *TINY, *extra)


@pytest.fixture
def trained(capsys, text_file, tmp_path):
    """An out-dir whose ckpt.pt holds step 2 (weights and AdamW's moments)."""
    out = tmp_path / "out"
    code, err = train(capsys, text_file, tmp_path, out, "--max-iters", 2, "--eval-interval", 2)
    assert code == 0, err
    return out


def assert_refused(code, err, command_name, *fragments):
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith(f"llms-from-scratch {command_name}: error: "), err
    for fragment in fragments:
        assert fragment in err, err


# -- a flipped bit inside a checkpoint's tensor data -------------------------------------------

# (where in the largest record, which bit): the exponent's top bit of the first float makes
# a weight of about 1e38; a low mantissa bit further on changes a weight by a tiny amount.
FLIPS = {"exponent-of-the-first-weight": (3, 6), "mantissa-in-the-middle": (None, 1)}


def _flip(path, where):
    start, size, _ = faultkit.record_span(path)
    offset, bit = FLIPS[where]
    faultkit.flip_bit(path, start + (size // 2 if offset is None else offset), bit)


@pytest.mark.parametrize("where", FLIPS)
def test_resume_refuses_a_checkpoint_with_a_flipped_bit_and_leaves_it(
        capsys, text_file, tmp_path, trained, where):
    ckpt = trained / "ckpt.pt"
    _flip(ckpt, where)
    damaged, log = ckpt.read_bytes(), (trained / "log.jsonl").read_bytes()
    code, err = train(capsys, text_file, tmp_path, trained, "--resume", "--max-iters", 4)
    assert_refused(code, err, "train", str(ckpt), "fails its CRC-32 check", "left in place")
    assert ckpt.read_bytes() == damaged  # neither repaired nor overwritten
    assert (trained / "log.jsonl").read_bytes() == log  # nothing was trained
    assert [p.name for p in trained.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("where", FLIPS)
def test_generate_refuses_a_checkpoint_with_a_flipped_bit(capsys, trained, where):
    ckpt = trained / "ckpt.pt"
    _flip(ckpt, where)
    damaged = ckpt.read_bytes()
    code, err = command(capsys, "generate", "--model", ckpt, *GENERATE)
    assert_refused(code, err, "generate", str(ckpt), "fails its CRC-32 check")
    assert ckpt.read_bytes() == damaged


def test_a_checkpoint_that_does_not_read_back_whole_leaves_the_previous_one(
        capsys, text_file, tmp_path, monkeypatch):
    real_save, saves = torch.save, []

    def save_then_damage(obj, f, *args, **kwargs):  # the disk returns other bytes
        real_save(obj, f, *args, **kwargs)
        saves.append(f)
        if len(saves) == 2:
            _flip(f, "mantissa-in-the-middle")
    monkeypatch.setattr(torch, "save", save_then_damage)
    out = tmp_path / "out"
    code, err = train(capsys, text_file, tmp_path, out, "--max-iters", 4, "--eval-interval", 2)
    assert_refused(code, err, "train", "did not read back intact", "previous checkpoint was kept",
                   "--resume")
    assert load_checkpoint(out / "ckpt.pt")["step"] == 0  # the last good one
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.undo()
    code, err = train(capsys, text_file, tmp_path, out, "--resume")
    assert code == 0, err
    assert load_checkpoint(out / "ckpt.pt")["step"] == 4


# -- NaN and Inf in weights ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["nan", "inf"])
def test_a_model_file_with_a_non_finite_weight_is_refused_by_generate_and_resume(
        capsys, text_file, tmp_path, trained, value):
    ckpt = trained / "ckpt.pt"
    state = torch.load(ckpt, weights_only=True)
    state["model"]["tok_emb.weight"][0, 0] = value
    torch.save(state, ckpt)  # whole as a file: its CRC-32 records match
    saved = ckpt.read_bytes()
    code, err = command(capsys, "generate", "--model", ckpt, *GENERATE)
    assert_refused(code, err, "generate", "NaN or Inf", "tok_emb.weight", "left in place")
    code, err = train(capsys, text_file, tmp_path, trained, "--resume", "--max-iters", 4)
    assert_refused(code, err, "train", str(ckpt), "NaN or Inf", "model.tok_emb.weight")
    assert ckpt.read_bytes() == saved


def test_weights_that_become_nan_while_training_are_never_saved(
        capsys, text_file, tmp_path, monkeypatch):
    real_step = amp.train_step

    def step_then_break_a_weight(model, *args, **kwargs):
        loss = real_step(model, *args, **kwargs)
        with torch.no_grad():
            next(model.parameters()).view(-1)[0] = float("nan")  # the loss stays finite
        return loss
    out = tmp_path / "out"
    assert train(capsys, text_file, tmp_path, out, "--max-iters", 0)[0] == 0
    good = tmp_path / "good.pt"
    good.write_bytes((out / "ckpt.pt").read_bytes())
    monkeypatch.setattr(amp, "train_step", step_then_break_a_weight)
    code, err = train(capsys, text_file, tmp_path, out, "--resume", "--max-iters", 2,
                      "--eval-interval", 2)
    assert_refused(code, err, "train", "became NaN or Inf by step 2", "were not saved")
    kept = load_checkpoint(out / "ckpt.pt")  # finite, or it would refuse
    assert kept["step"] == 0 and torch.equal(kept["model"]["tok_emb.weight"],
                                             torch.load(good, weights_only=True)["model"][
                                                 "tok_emb.weight"])


def test_sampling_from_non_finite_logits_is_one_line(capsys, trained):
    ckpt = trained / "ckpt.pt"
    code, err = command(capsys, "generate", "--model", ckpt, *GENERATE, "--temperature", 1e-45)
    assert_refused(code, err, "generate", "temperature", "overflow")

    from llms_from_scratch import kvcache

    model = load_model(ckpt).eval()
    with torch.no_grad():
        model.tok_emb.weight[1, 0] = float("nan")  # damaged in memory, after the load
    steps = kvcache.stream_cached(model, torch.tensor([[1, 2]]), 3, 16, temperature=1.0)
    with pytest.raises(kvcache.NonFiniteLogitsError, match="weights are probably damaged"):
        next(steps)


# -- meta.json that does not describe its token files --------------------------------------------


def _damage_meta(folder, damage):
    path = folder / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    if damage == "repeated-character":  # one character changed into its neighbour
        meta["chars"] = meta["chars"][0] + meta["chars"][0] + meta["chars"][2:]
    elif damage == "vocabulary-one-too-large":
        meta["chars"] += "\u3042"
        meta["vocab_size"] += 1
    elif damage == "characters-count":
        meta["characters"] += 7
    elif damage == "train-tokens-count":
        meta["train_tokens"] += 1
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


META_DAMAGE = ["repeated-character", "vocabulary-one-too-large", "characters-count"]


@pytest.mark.parametrize("damage", META_DAMAGE)
def test_a_damaged_meta_json_is_prepared_again_from_the_text(capsys, text_file, tmp_path,
                                                             damage):
    assert train(capsys, text_file, tmp_path, tmp_path / "first", "--max-iters", 0)[0] == 0
    folder = tmp_path / "tokens"
    meta, tokens = (folder / "meta.json").read_text(), (folder / "train.bin").read_bytes()
    _damage_meta(folder, damage)
    code, err = train(capsys, text_file, tmp_path, tmp_path / "second", "--max-iters", 0)
    assert code == 0, err
    assert "preparing the folder again" in err and PREFIX not in err
    assert json.loads((folder / "meta.json").read_text()) == json.loads(meta)
    assert (folder / "train.bin").read_bytes() == tokens


@pytest.mark.parametrize("damage", ["repeated-character", "train-tokens-count"])
def test_a_damaged_meta_json_without_its_text_is_refused_in_one_line(text_file, tmp_path,
                                                                       damage):
    folder = tmp_path / "tokens"
    data.prepare_tokens(text_file.read_text(encoding="utf-8"), "char", folder)
    _damage_meta(folder, damage)
    meta = data.read_meta(folder)
    with pytest.raises(data.TrainError) as refused:  # as a torchrun worker other than rank 0
        train_data.check_meta(meta, folder)
    message = str(refused.value)
    assert "\n" not in message and str(folder / "meta.json") in message
    assert f"delete the folder {folder} to prepare the data again" in message


def test_nonfinite_names_each_damaged_tensor_and_passes_large_finite_ones():
    import numpy as np

    from llms_from_scratch.integrity import nonfinite

    damaged = torch.randn(4, 3)
    damaged[1, 2] = float("nan")
    half = torch.ones(5, dtype=torch.bfloat16)
    half[0] = float("-inf")
    state = {"model": {"a": damaged, "b": torch.randn(3)}, "moments": [half],
             "huge": torch.full((8,), 3e38),  # finite, though its sum overflows
             "fp16": torch.full((4096,), 6e4, dtype=torch.float16),
             "numpy": np.array([1.0, np.inf], dtype=np.float32), "ids": torch.arange(4)}
    assert nonfinite(state) == ["model.a", "moments.0", "numpy"]
