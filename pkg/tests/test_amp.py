import contextlib

import pytest
import torch

from llms_from_scratch.amp import (
    autocast,
    check_precision,
    compile_model,
    make_grad_scaler,
    train_step,
)
from llms_from_scratch.fast import GPTModelFast

CFG = {"vocab_size": 64, "context_length": 16, "emb_dim": 32, "n_heads": 4,
       "n_layers": 2, "drop_rate": 0.0, "qkv_bias": False}


def _batches(n, batch=4, seed=1):
    gen = torch.Generator().manual_seed(seed)
    # A learnable pattern: each target is the input token plus one.
    out = []
    for _ in range(n):
        x = torch.randint(0, CFG["vocab_size"] - 1, (batch, CFG["context_length"]),
                          generator=gen)
        out.append((x, x + 1))
    return out


def _train(precision, steps=20):
    torch.manual_seed(0)
    model = GPTModelFast(CFG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    data = _batches(steps)
    return [train_step(model, optimizer, [b], "cpu", precision) for b in data]


def test_bf16_losses_track_float32():
    fp32 = _train("float32")
    bf16 = _train("bf16")
    assert fp32[-1] < fp32[0] - 0.5 and bf16[-1] < bf16[0] - 0.5  # both learn
    for a, b in zip(fp32, bf16):
        assert abs(a - b) / a < 0.05


def test_autocast_runs_linear_layers_in_bf16():
    lin = torch.nn.Linear(8, 8)
    with autocast("cpu", "bf16"):
        assert lin(torch.randn(2, 8)).dtype == torch.bfloat16
    with autocast("cpu", "float32"):
        assert lin(torch.randn(2, 8)).dtype == torch.float32


def test_gradient_accumulation_equals_one_big_batch():
    data = _batches(2, batch=2)
    big = [(torch.cat([x for x, _ in data]), torch.cat([y for _, y in data]))]
    results = []
    for batches in (data, big):
        torch.manual_seed(0)
        model = GPTModelFast(CFG)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = train_step(model, optimizer, batches, "cpu")
        results.append((loss, model.state_dict()))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-5)
    for key, value in results[0][1].items():
        torch.testing.assert_close(value, results[1][1][key], atol=1e-6, rtol=1e-5)


def test_clipping_limits_the_gradient_norm():
    torch.manual_seed(0)
    model = GPTModelFast(CFG)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    train_step(model, optimizer, _batches(1), "cpu", max_grad_norm=0.01)
    norm = torch.linalg.vector_norm(torch.stack(
        [p.grad.norm() for p in model.parameters() if p.grad is not None]))
    assert norm <= 0.01 * 1.001


def test_fp16_is_refused_on_cpu():
    with pytest.raises(ValueError, match="CUDA"):
        make_grad_scaler("cpu", "fp16")
    with pytest.raises(ValueError, match="CUDA"):
        autocast("cpu", "fp16")
    model = GPTModelFast(CFG)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="CUDA"):
        train_step(model, optimizer, _batches(1), "cpu", "fp16")


def test_scaler_is_disabled_outside_fp16():
    assert not make_grad_scaler("cpu", "bf16").is_enabled()
    assert not make_grad_scaler("cpu", "float32").is_enabled()


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="precision"):
        check_precision("int8", "cpu")
    assert check_precision("bfloat16", "cpu") == "bf16"
    assert check_precision("fp32", "cpu") == "float32"
    model = GPTModelFast(CFG)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        train_step(model, optimizer, [], "cpu")
    with pytest.raises(TypeError, match="list"):
        train_step(model, optimizer, _batches(1)[0], "cpu")
    with pytest.raises(ValueError, match="max_grad_norm"):
        train_step(model, optimizer, _batches(1), "cpu", max_grad_norm=0)
    with pytest.raises(TypeError, match="Module"):
        compile_model(lambda x: x)


def test_train_step_syncs_only_the_last_micro_batch_and_takes_a_forward_context():
    torch.manual_seed(0)
    model = GPTModelFast(CFG)
    entered, synced = [], []

    class Wrapped(torch.nn.Module):  # the part of DistributedDataParallel that matters
        def __init__(self):
            super().__init__()
            self.inner = model

        def forward(self, x):
            synced.append(not self.skipping)
            return self.inner(x)

        skipping = False

        @contextlib.contextmanager
        def no_sync(self):
            self.skipping = True
            try:
                yield
            finally:
                self.skipping = False

    @contextlib.contextmanager
    def context():
        entered.append(True)
        yield

    wrapped = Wrapped()
    optimizer = torch.optim.AdamW(wrapped.parameters(), lr=1e-3)
    train_step(wrapped, optimizer, _batches(3), "cpu", forward_context=context)
    assert synced == [False, False, True]
    assert len(entered) == 3
