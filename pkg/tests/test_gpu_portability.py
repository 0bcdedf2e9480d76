"""What breaks on CUDA and Apple MPS, shown on the CPU with mocked device capabilities.

No GPU is needed: each test stands in for the device's behaviour (a GPU that
only emulates bfloat16, an MPS tensor that cannot become float64, a machine
with fewer GPUs than torchrun processes, a small GPU memory) and checks that
the package's code takes the safe path or says so in one line.
"""

import contextlib
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from llms_from_scratch import (
    amp,
    check,
    cli,
    config,
    distributed,
    evaluate,
    generate,
    memory_budget,
)
from llms_from_scratch.config import TrainError
from llms_from_scratch.errors import UserError
from llms_from_scratch.train_setup import run_device

TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--context-length", "16",
        "--batch-size", "4", "--eval-iters", "2", "--sample-tokens", "0", "--no-progress",
        "--warmup-iters", "2", "--max-iters", "2", "--eval-interval", "100"]


# -- bfloat16 only where the GPU computes in it -----------------------------------------------


@pytest.fixture
def fake_t4(monkeypatch):
    """A CUDA machine with one Tesla T4 (compute capability 7.5: bfloat16 only emulated)."""
    calls = []

    def is_bf16_supported(including_emulation=True):
        calls.append(including_emulation)
        return including_emulation  # emulated: yes; in hardware: no

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", is_bf16_supported)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None: (7, 5))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda d=None: "Tesla T4")
    monkeypatch.setattr(torch.cuda, "device", lambda d=None: contextlib.nullcontext())
    return calls


def test_an_emulating_gpu_is_not_native_and_the_question_names_the_hardware(fake_t4):
    assert amp.cuda_bf16_native(torch.device("cuda")) is False
    assert fake_t4 == [False]  # asked with including_emulation=False


def test_older_torch_without_the_argument_is_answered_from_the_capability(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device", lambda d=None: contextlib.nullcontext())
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)  # old signature
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None: (7, 0))
    assert amp.cuda_bf16_native("cuda") is False  # V100: emulated
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None: (8, 0))
    assert amp.cuda_bf16_native("cuda") is True  # A100


def test_train_refuses_bfloat16_on_an_emulating_gpu_and_recommends_float16(fake_t4):
    cfg = {"device": "cuda", "dtype": "bfloat16"}
    with pytest.raises(TrainError, match="--dtype float16") as err:
        run_device(cfg, distributed.Dist())
    assert "Tesla T4 (compute capability 7.5)" in str(err.value)
    assert "\n" not in str(err.value)


def bench_module():
    """The benchmark lives in the repository's bench/ folder (installed by `make`)."""
    return pytest.importorskip("llms_from_scratch_bench.bench")


def test_generate_and_bench_leave_bfloat16_out_on_an_emulating_gpu(fake_t4):
    with pytest.raises(UserError, match="--dtype float32"):
        generate.check_dtype("bfloat16", "cuda")
    assert bench_module().native_bf16("cuda") is False


def test_native_gpu_passes_the_check(monkeypatch, fake_t4):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    assert amp.cuda_bf16_native("cuda") is True
    assert bench_module().native_bf16("cuda") is True


def test_train_help_recommends_float16_before_ampere():
    assert "--dtype float16" in config.EPILOG and "Ampere" in config.EPILOG


# -- float64 only on the CPU (MPS has none) ---------------------------------------------------


class FakeMPSTensor(torch.Tensor):
    """A tensor that, like one on MPS, refuses float64 until it is on the CPU."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in (torch.Tensor.double,) or (
                func is torch.Tensor.to and torch.float64 in (*args[1:], kwargs.get("dtype"))):
            raise TypeError("Cannot convert a MPS Tensor to float64 dtype")
        if func is torch.Tensor.cpu:
            return args[0].as_subclass(torch.Tensor).clone()
        return super().__torch_function__(func, types, args, kwargs)


def test_the_fake_mps_tensor_refuses_float64_like_mps():
    t = torch.ones(2).as_subclass(FakeMPSTensor)
    with pytest.raises(TypeError, match="float64"):
        t.double()
    with pytest.raises(TypeError, match="float64"):
        t.to("cpu", torch.float64)
    assert t.cpu().double().dtype == torch.float64


def test_estimate_loss_converts_to_float64_after_the_cpu(monkeypatch):
    real = evaluate.F.cross_entropy
    monkeypatch.setattr(evaluate.F, "cross_entropy",
                        lambda *a, **k: real(*a, **k).as_subclass(FakeMPSTensor))
    torch.manual_seed(0)
    cfg = {"batch_size": 2, "context_length": 8, "eval_iters": 2, "dtype": "float32",
           "fast": False}
    from llms_from_scratch.ch04 import GPTModel

    model = GPTModel({"vocab_size": 11, "context_length": 8, "emb_dim": 8, "n_heads": 2,
                      "n_layers": 1, "drop_rate": 0.0, "qkv_bias": False})
    tokens = np.arange(200, dtype=np.uint16) % 11
    losses = evaluate.estimate_loss(model, [tokens, tokens], cfg, 0, torch.device("cpu"),
                                    distributed.Dist())
    assert len(losses) == 2 and all(np.isfinite(losses))


class FakeMPSModel(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x).as_subclass(FakeMPSTensor)


def test_the_self_test_copies_to_the_cpu_before_float64(monkeypatch):
    from llms_from_scratch.ch04 import GPTModel

    torch.manual_seed(0)
    model = FakeMPSModel(GPTModel(check.SELF_TEST_CFG))
    for p in model.parameters():  # gradients "on MPS" too
        p.register_hook(lambda g: g.as_subclass(FakeMPSTensor))
    cfg = check.SELF_TEST_CFG
    x = torch.randint(0, cfg["vocab_size"], (1, 4))
    logits, grads = check._forward_backward(model, x, x, torch.device("cpu"))
    assert logits.dtype == torch.float64 and type(logits) is torch.Tensor
    assert all(g.dtype == torch.float64 for g in grads.values())


# -- non_blocking copies only where safe -------------------------------------------------------


class RecordingBatch:
    def __init__(self, contiguous):
        self.contiguous, self.calls = contiguous, []

    def is_contiguous(self):
        return self.contiguous

    def to(self, device, non_blocking=False):
        self.calls.append((torch.device(device).type, non_blocking))
        return self


@pytest.mark.parametrize("dev, contiguous, expected", [
    ("cuda", True, True),      # CUDA, contiguous, kept alive by the step: asynchronous
    ("cuda", False, False),    # a view with gaps would go through a temporary
    ("mps", True, False),      # MPS from pageable memory: never
    ("mps", False, False),
    ("cpu", True, False),
])
def test_to_device_is_asynchronous_only_on_cuda_for_contiguous_batches(dev, contiguous,
                                                                       expected):
    batch = RecordingBatch(contiguous)
    amp.to_device(batch, dev)
    assert batch.calls == [(dev, expected)]


def test_the_training_step_moves_batches_through_to_device(monkeypatch):
    seen = []
    monkeypatch.setattr(amp, "to_device", lambda t, d: seen.append(t) or t)
    model = torch.nn.Sequential(torch.nn.Embedding(5, 5))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    block = torch.randint(0, 5, (2, 5))
    amp.train_step(model, opt, [(block[:, :-1], block[:, 1:])], "cpu")
    assert len(seen) == 2


# -- torchrun with more processes than GPUs ---------------------------------------------------


def test_more_processes_than_gpus_is_one_line(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(TrainError, match=r"started 2 processes .* 1 CUDA GPU.*"
                                         r"--nproc_per_node=1"):
        distributed.Dist().init(torch.device("cuda"))


# -- out of memory, said before the first step --------------------------------------------------


GPT2_774M = {"vocab_size": 50257, "context_length": 1024, "emb_dim": 1280, "n_heads": 20,
             "n_layers": 36, "drop_rate": 0.0, "qkv_bias": True}
GPT2_1558M = dict(GPT2_774M, emb_dim=1600, n_heads=25, n_layers=48)


def test_the_estimate_counts_16_bytes_per_parameter_plus_activations():
    cfg = {"dtype": "float32", "batch_size": 1, "context_length": 256, "fast": False}
    weights, activations = memory_budget.training_bytes(774_030_080, GPT2_774M, cfg)
    assert weights == 774_030_080 * 16
    assert 0 < activations < weights
    bf16 = memory_budget.training_bytes(774_030_080, GPT2_774M, dict(cfg, dtype="bfloat16"))
    assert bf16[0] == 774_030_080 * 18 and bf16[1] < activations  # 16-bit copies, activations
    bigger = memory_budget.training_bytes(774_030_080, GPT2_774M, dict(cfg, batch_size=4))
    assert bigger[1] > 3.9 * activations
    fast = memory_budget.training_bytes(774_030_080, GPT2_774M, dict(cfg, fast=True))
    assert fast[1] < activations  # no (T, T) attention matrices kept


class MetaModel(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.w = torch.nn.Parameter(torch.empty(n, device="meta"))


def test_a_run_that_cannot_fit_is_refused_with_the_numbers(monkeypatch):
    monkeypatch.setattr(memory_budget, "free_bytes", lambda d: int(14.5 * 2**30))  # a T4
    cfg = {"dtype": "float32", "batch_size": 1, "context_length": 256, "fast": False}
    with pytest.raises(TrainError) as err:  # GPT-2 1558M's weights and AdamW alone: 23 GiB
        memory_budget.check_training_fits(MetaModel(1_557_611_200), GPT2_1558M, cfg, "cuda")
    msg = str(err.value)
    assert "\n" not in msg
    for fragment in ("14.5 GiB are free", "1558M parameters x 16 bytes", "= 23.2 GiB",
                     "--batch-size 1", "--grad-accum"):
        assert fragment in msg, msg
    # 774M: the weights fit, a long batch's activations do not
    long_batch = dict(cfg, batch_size=8, context_length=1024)
    memory_budget.check_training_fits(MetaModel(774_030_080), GPT2_774M, cfg, "cuda")
    with pytest.raises(TrainError, match="--batch-size 8 x --context-length 1024"):
        memory_budget.check_training_fits(MetaModel(774_030_080), GPT2_774M, long_batch,
                                          "cuda")
    monkeypatch.undo()  # the CPU (free memory unknown) is never refused
    memory_budget.check_training_fits(MetaModel(1_557_611_200), GPT2_1558M, cfg, "cpu")


def test_train_stops_before_the_first_step_when_memory_is_short(monkeypatch, tmp_path, capsys,
                                                               verdict):
    text = tmp_path / "verdict.txt"
    text.write_text(verdict, encoding="utf-8")
    monkeypatch.setattr(memory_budget, "free_bytes", lambda d: 1000)
    code = cli.main(["train", "--text", str(text), "--data-dir", str(tmp_path / "tok"),
                     "--out-dir", str(tmp_path / "out"), *TINY])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "GiB are free" in err, err
    assert not (tmp_path / "out" / "ckpt.pt").exists()


# -- torch.compile failures in one line ------------------------------------------------------


def test_a_compile_failure_at_the_first_step_is_one_line(monkeypatch, tmp_path, capsys, verdict):
    text = tmp_path / "verdict.txt"
    text.write_text(verdict, encoding="utf-8")

    class Broken(torch.nn.Module):  # what torch.compile returns when its backend fails
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, x):
            raise RuntimeError("backend='inductor' raised:\nptxas fatal: Value 'sm_75' is "
                               "not defined for option 'gpu-name'")

    monkeypatch.setattr(amp, "compile_model", Broken)
    code = cli.main(["train", "--text", str(text), "--data-dir", str(tmp_path / "tok"),
                     "--out-dir", str(tmp_path / "out"), "--compile", *TINY])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "torch.compile failed at the first step" in err and "without --compile" in err
    assert "ptxas fatal" in err


# -- the generate command's layout on a GPU -----------------------------------------------------


def test_fast_copy_keeps_the_cpu_layout_off_other_devices():
    from llms_from_scratch.ch04 import GPTModel

    model = GPTModel({"vocab_size": 11, "context_length": 8, "emb_dim": 8, "n_heads": 2,
                      "n_layers": 1, "drop_rate": 0.0, "qkv_bias": False})
    on_cpu = generate.fast_copy(model)
    elsewhere = generate.fast_copy(model, device="meta")  # any device but the CPU
    w_cpu = on_cpu.trf_blocks[0].ff.layers[0].weight
    w_other = elsewhere.trf_blocks[0].ff.layers[0].weight
    assert w_other.device.type == "meta"
    assert not w_cpu.is_contiguous() and w_other.is_contiguous()


def test_bench_builds_the_fast_model_for_the_device_it_times(monkeypatch):
    bench = bench_module()
    from llms_from_scratch_bench import generation

    devices = []
    real = generate.fast_copy
    monkeypatch.setattr(generate, "fast_copy",
                        lambda m, dtype=torch.float32, device=None:
                        devices.append(device) or real(m, dtype, device))
    monkeypatch.setattr(generation, "time_generation", lambda *a, **k: 1.0)
    cfg = dict(bench.QUICK_BENCH)
    generation._library_rows(cfg, torch.device("cpu"), 4, 1, 1e9, bench.book_model,
                                 lambda msg: None)
    assert devices == [torch.device("cpu")]


# -- GPT-2's weights without a second copy in memory --------------------------------------------


def _fake_gpt2_safetensors(path, n_layer=12, d=384, vocab=2048, ctx=256, seed=0):
    """A GPT-2-shaped ``model.safetensors`` in Hugging Face's layout (Conv1D: (in, out))."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)

    def r(*shape):
        return rng.standard_normal(shape, dtype=np.float32) * 0.02

    tensors = {"wte.weight": r(vocab, d), "wpe.weight": r(ctx, d),
               "ln_f.weight": np.ones(d, np.float32), "ln_f.bias": r(d)}
    for i in range(n_layer):
        h = f"h.{i}."
        tensors.update({
            h + "ln_1.weight": np.ones(d, np.float32), h + "ln_1.bias": r(d),
            h + "attn.c_attn.weight": r(d, 3 * d), h + "attn.c_attn.bias": r(3 * d),
            h + "attn.c_proj.weight": r(d, d), h + "attn.c_proj.bias": r(d),
            h + "ln_2.weight": np.ones(d, np.float32), h + "ln_2.bias": r(d),
            h + "mlp.c_fc.weight": r(d, 4 * d), h + "mlp.c_fc.bias": r(4 * d),
            h + "mlp.c_proj.weight": r(4 * d, d), h + "mlp.c_proj.bias": r(d)})
    save_file(tensors, str(path))
    return sum(t.nbytes for t in tensors.values())


PEAK_SCRIPT = textwrap.dedent("""
    import sys, threading, time
    import numpy as np
    import torch
    from llms_from_scratch import gpt2, model_builder
    from llms_from_scratch.ch04 import GPTModel
    from llms_from_scratch.ch05 import load_weights_into_gpt

    def anonymous_bytes():  # exact (a page walk), unlike VmRSS
        for line in open("/proc/self/smaps_rollup"):
            if line.startswith("Anonymous:"):
                return int(line.split()[1]) * 1024

    def own_copies(tree):
        if isinstance(tree, dict):
            return {k: own_copies(v) for k, v in tree.items()}
        if isinstance(tree, list):
            return [own_copies(v) for v in tree]
        return np.array(tree)

    def watch(state):
        while not state["done"]:
            state["peak"] = max(state["peak"], anonymous_bytes())
            time.sleep(0.001)

    def load(mode):
        # safetensors' arrays are views of the mapped file (pages the kernel may drop);
        # OpenAI's TensorFlow reader gives arrays in the process's own memory, as these.
        params = own_copies(gpt2.load_gpt2_params_from_safetensors(sys.argv[1]))
        cfg = gpt2.config_from_settings(gpt2.settings_from_params(params, n_head=4))
        with torch.device("meta"):  # the meta device's one-time set-up, outside the measure
            GPTModel(dict(cfg, n_layers=1))
        state = {"done": False, "peak": anonymous_bytes()}
        before = state["peak"]
        watcher = threading.Thread(target=watch, args=(state,), daemon=True)
        watcher.start()
        if mode == "lean":
            built = model_builder.build_model({"fast": False}, cfg, True, params)
        else:  # the former way: a random model, then the copies
            built = GPTModel(cfg)
            load_weights_into_gpt(built, params)
        state["done"] = True
        watcher.join()
        x = torch.randint(0, cfg["vocab_size"], (1, 8))
        assert torch.isfinite(built(x)).all()
        return max(state["peak"], anonymous_bytes()) - before

    print(load("lean"), load("former"))
""")


def _peak_bytes(path):
    """The most memory loading ``path`` took beyond the arrays already read: lean, former."""
    out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(path)],
                         capture_output=True, text=True, check=True, timeout=120)
    return [int(n) for n in out.stdout.split()[-2:]]


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux's smaps")
def test_loading_gpt2_weights_holds_about_one_copy(tmp_path):
    pytest.importorskip("safetensors")
    path = tmp_path / "model.safetensors"
    weight_bytes = _fake_gpt2_safetensors(path, n_layer=10, d=256)  # ~34 MB of float32
    lean, former = _peak_bytes(path)
    print(f"weights {weight_bytes / 2**20:.0f} MiB; memory beyond the arrays while "
          f"loading: lean {lean / 2**20:.0f} MiB, former {former / 2**20:.0f} MiB")
    assert former > 0.8 * weight_bytes  # the measurement sees the random model ...
    assert lean < 0.35 * weight_bytes   # ... which the lean loader never makes


def test_the_lean_model_equals_the_one_built_the_former_way(tmp_path):
    pytest.importorskip("safetensors")
    from llms_from_scratch import gpt2, model_builder
    from llms_from_scratch.ch04 import GPTModel
    from llms_from_scratch.ch05 import load_weights_into_gpt

    path = tmp_path / "model.safetensors"
    _fake_gpt2_safetensors(path, n_layer=2, d=32, vocab=64, ctx=16)
    params = gpt2.load_gpt2_params_from_safetensors(path)
    cfg = gpt2.config_from_settings(gpt2.settings_from_params(params, n_head=4))
    former = GPTModel(cfg)
    load_weights_into_gpt(former, params)
    for fast in (False, True):
        lean = model_builder.build_model({"fast": fast}, cfg, True,
                                         gpt2.load_gpt2_params_from_safetensors(path))
        assert lean.out_head.weight is lean.tok_emb.weight
        state, expected = lean.state_dict(), former.state_dict()
        assert state.keys() == expected.keys()
        assert all(torch.equal(state[k], expected[k]) for k in expected)
        if not fast:
            assert all(torch.equal(a, b) for a, b in zip(lean.buffers(), former.buffers(),
                                                         strict=True))
        x = torch.randint(0, 64, (2, 16))
        torch.testing.assert_close(lean.eval()(x), former.eval()(x))
