"""The same seed gives the same results on the CPU, also in a fresh interpreter.

``results()`` samples a text (temperature and top-k) and trains a tiny model
for a few steps with ``ch05.train_model_simple`` and ``appendix_d.train_model``
(dropout and a shuffled loader, so the seed drives every random draw). The
tests run it in this process and, through ``python test_determinism.py
--child``, in a new interpreter, and compare the results exactly.

Only the CPU is checked: GPU kernels may be non-deterministic (see
pkg/README.md). The child uses the parent's thread count, because CPU
reductions split over a different number of threads may round differently.
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import torch

import llms_from_scratch
from llms_from_scratch.appendix_d import param_groups_for_adamw, train_model
from llms_from_scratch.assets import gpt2_tokenizer
from llms_from_scratch.ch02 import create_dataloader_v1
from llms_from_scratch.ch04 import GPTModel
from llms_from_scratch.ch05 import (
    generate,
    text_to_token_ids,
    token_ids_to_text,
    train_model_simple,
)

CFG = {"vocab_size": 50257, "context_length": 16, "emb_dim": 16, "n_heads": 2,
       "n_layers": 2, "drop_rate": 0.1, "qkv_bias": False}
TEXT = " ".join([
    "Every effort moves you a little closer to the goal, the old painter said,",
    "and he turned the canvas to the wall before anyone could look at it.",
    "The room was quiet; only the clock on the mantel kept its steady pace.",
    "She had always thought that a picture should speak for itself,",
    "but this one seemed to hold its breath, waiting for a word from him.",
] * 6)


def sample_text(seed):
    """A 15-token continuation sampled with temperature 1.4 and top_k 25."""
    tokenizer = gpt2_tokenizer()
    torch.manual_seed(seed)
    model = GPTModel(CFG).eval()
    idx = text_to_token_ids("Every effort moves you", tokenizer)
    out = generate(model, idx, max_new_tokens=15, context_size=CFG["context_length"],
                   temperature=1.4, top_k=25)
    return token_ids_to_text(out, tokenizer)


def _setup(seed):
    torch.manual_seed(seed)
    model = GPTModel(CFG)
    split = int(0.9 * len(TEXT))
    train = create_dataloader_v1(TEXT[:split], batch_size=2, max_length=16, stride=16,
                                 shuffle=True, drop_last=True)
    val = create_dataloader_v1(TEXT[split:], batch_size=2, max_length=16, stride=16,
                               shuffle=False, drop_last=False)
    return model, train, val


def _digest(model):
    h = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        h.update(name.encode())
        h.update(tensor.detach().contiguous().numpy().tobytes())
    return h.hexdigest()


def train_simple(seed):
    """Losses, tokens seen and final weights of ch05.train_model_simple (1 epoch)."""
    model, train, val = _setup(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=4e-3, weight_decay=0.1)
    losses = train_model_simple(model, train, val, optimizer, "cpu", num_epochs=1,
                                eval_freq=3, eval_iter=2, start_context="Every effort",
                                tokenizer=gpt2_tokenizer())
    return {"losses": losses, "weights": _digest(model)}


def train_scheduled(seed):
    """The same for appendix_d.train_model (warm-up, cosine decay, clipping)."""
    model, train, val = _setup(seed)
    optimizer = torch.optim.AdamW(param_groups_for_adamw(model), lr=5e-3)
    losses = train_model(model, train, val, optimizer, "cpu", n_epochs=1, eval_freq=3,
                         eval_iter=2, start_context="Every effort",
                         tokenizer=gpt2_tokenizer(), warmup_steps=3)
    return {"losses": losses, "weights": _digest(model)}


def results(seed=123):
    return {"text": sample_text(seed), "train_model_simple": train_simple(seed),
            "train_model": train_scheduled(seed)}


def _json_round_trip(value):
    return json.loads(json.dumps(value))  # tuples become lists, as the child's do


def test_same_seed_same_text_in_one_process():
    first = sample_text(123)
    assert sample_text(123) == first
    assert first.startswith("Every effort moves you") and len(first) > len("Every effort moves you")
    assert sample_text(124) != first  # the seed really drives the sampling


def test_different_seed_gives_different_losses(capsys):
    assert train_simple(123) != train_simple(124)
    capsys.readouterr()


def test_a_fresh_interpreter_reproduces_text_losses_and_weights(tmp_path, capsys):
    here = results()
    capsys.readouterr()  # the training loops print their progress
    assert len(here["train_model_simple"]["losses"][0]) >= 3  # train losses were recorded

    out = tmp_path / "child.json"
    env = dict(os.environ)
    src = str(Path(llms_from_scratch.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")  # this very source tree
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(out), str(torch.get_num_threads())],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    child = json.loads(out.read_text(encoding="utf-8"))

    assert child["text"] == here["text"]
    for loop in ("train_model_simple", "train_model"):
        assert child[loop]["losses"] == _json_round_trip(here[loop]["losses"]), loop
        assert child[loop]["weights"] == here[loop]["weights"], loop


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    torch.set_num_threads(int(sys.argv[3]))
    Path(sys.argv[2]).write_text(json.dumps(results()), encoding="utf-8")
