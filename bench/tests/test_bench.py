import json

import pytest

# Without the benchmark (a pip install of ./pkg only) these tests are skipped;
# `make test` installs ./bench and runs them.
pytest.importorskip("llms_from_scratch_bench", reason="the benchmark (./bench) is not installed")

import torch  # noqa: E402

from llms_from_scratch.cli import main  # noqa: E402
from llms_from_scratch_bench import bench, generation  # noqa: E402


def test_quick_bench_command_writes_json_and_a_table(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--no-transformers", "--device", "cpu",
                 "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "tokens/s" in out and "GPTModelFast" in out and "generate_cached" in out
    result = json.loads(path.read_text())
    assert result["quick"] is True
    assert set(result["peak_gflops"]) == {"float32", "bf16"}
    assert all(v > 0 for v in result["peak_gflops"].values())
    trains = {(r["model"], r["precision"], r["tied"]) for r in result["train"]
              if r["adamw"] == "fused"}
    assert trains == {(m, p, t) for t in (False, True)
                      for m, p in (("GPTModel", "float32"), ("GPTModelFast", "float32"),
                                   ("GPTModelFast", "bf16"))}
    assert all(r["tokens_per_s"] > 0 and r["mfu"] > 0 for r in result["train"])
    methods = {(r["model"], r["method"]) for r in result["generate"]}
    assert ("GPTModel", "generate_text_simple") in methods
    assert ("GPTModelFast", "generate_cached") in methods
    assert all(r["tokens_per_s"] > 0 for r in result["generate"])
    assert {t["target"] for t in result["targets"]} >= {
        "train bf16 / float32 GPTModelFast (untied)",
        "generate cached GPTModelFast / uncached GPTModel"}


def test_flops_formula_for_gpt2_124m():
    cfg = bench.GPT2_124M_BENCH
    n = 12 * 12 * 768 ** 2 + 50257 * 768
    assert bench.matmul_params(cfg) == n
    assert bench.train_flops_per_token(cfg) == 6 * n + 12 * 12 * 768 * 256


def test_targets_are_judged_from_the_rows():
    result = {
        "train": [
            {"model": "GPTModel", "precision": "float32", "tied": False,
             "tokens_per_s": 100.0, "mfu": 0.5},
            {"model": "GPTModelFast", "precision": "float32", "tied": False,
             "tokens_per_s": 130.0, "mfu": 0.65},
            {"model": "GPTModelFast", "precision": "bf16", "tied": False,
             "tokens_per_s": 260.0, "mfu": 0.4},
        ],
        "generate": [
            {"model": "GPTModel", "cached": False, "tokens_per_s": 10.0},
            {"model": "GPTModelFast", "cached": True, "tokens_per_s": 50.0},
        ],
    }
    targets = {t["target"]: t for t in bench.check_targets(result)}
    assert targets["train float32 GPTModelFast / GPTModel (untied)"]["met"] is True
    assert targets["train float32 GPTModelFast MFU (untied)"]["met"] is False
    assert targets["train bf16 / float32 GPTModelFast (untied)"]["value"] == pytest.approx(2.0)
    assert targets["generate cached GPTModelFast / uncached GPTModel"]["met"] is True
    assert targets["train float32 GPTModelFast / transformers (untied)"]["met"] is None


def test_transformers_model_has_the_same_size_and_tying():
    pytest.importorskip("transformers")
    cfg = bench.QUICK_BENCH
    for tied in (False, True):
        hf = bench.hf_model(cfg, tied)
        ours = bench.fast_model(cfg, tied)
        n_hf = sum(p.numel() for p in hf.parameters())
        n_ours = sum(p.numel() for p in ours.parameters())
        assert n_hf == n_ours
    seconds = generation.time_generation("transformers", hf, cfg, torch.device("cpu"), 3, reps=1)
    assert seconds > 0


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="reps"):
        bench.run_benchmark("cpu", quick=True, reps=0)
    with pytest.raises(ValueError, match="kind"):
        generation.time_generation("nope", bench.fast_model(bench.QUICK_BENCH, False),
                              bench.QUICK_BENCH, torch.device("cpu"), 2, reps=1)
    assert main(["bench", "--quick", "--reps", "0"]) == 1


def test_time_train_step_runs_the_training_step_of_train(monkeypatch):
    from llms_from_scratch import amp
    from llms_from_scratch.ch04 import GPTModel

    calls = []

    def counting(*args, **kwargs):
        calls.append(args[3:5])  # device, precision
        return amp.train_step(*args, **kwargs)

    monkeypatch.setattr(bench, "train_step", counting)
    torch.manual_seed(0)
    model = GPTModel(bench.QUICK_BENCH)
    before = model.tok_emb.weight.detach().clone()
    seconds = bench.time_train_step(model, bench.QUICK_BENCH, torch.device("cpu"), "float32",
                                    batch_size=2, reps=2, warmup=1)
    assert seconds > 0 and len(calls) == 3
    assert calls[0] == (torch.device("cpu"), "float32")
    assert not torch.equal(model.tok_emb.weight, before)  # the optimizer stepped


def test_quick_sweep_prints_both_tables_and_writes_every_row(tmp_path, capsys):
    path = tmp_path / "sweep.json"
    assert main(["bench", "--sweep", "--quick", "--no-transformers", "--device", "cpu",
                 "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "training step, batch 1 (s)" in out and "one decoded token (ms)" in out
    assert "T=16" in out and "T=32" in out
    rows = json.loads(path.read_text())["sweep"]
    assert {(r["kind"], r["model"], r["context"]) for r in rows} == {
        (kind, model, c) for c in (16, 32)
        for kind, model in (("train", "GPTModel"), ("train", "GPTModelFast"),
                            ("decode", "GPTModel"), ("decode", "GPTModelFast"))}
    assert all(r.get("seconds", 1) > 0 and r.get("ms_per_token", 1) >= 0 for r in rows)


def test_a_written_sweep_loads_and_plots_one_line_per_model_and_size(tmp_path, capsys):
    import matplotlib

    matplotlib.use("Agg")
    from llms_from_scratch import bench_sweep

    path = tmp_path / "sweep.json"
    assert main(["bench", "--sweep", "--quick", "--no-transformers", "--device", "cpu",
                 "--json", str(path)]) == 0
    result = bench_sweep.load_sweep(path)
    fig = bench_sweep.plot_sweep(result["sweep"])
    train_ax, decode_ax = fig.axes
    assert [line.get_label() for line in train_ax.lines] == ["tiny GPTModel",
                                                             "tiny GPTModelFast"]
    assert [line.get_label() for line in decode_ax.lines] == [
        "tiny GPTModel（キャッシュなし）", "tiny GPTModelFast（KV キャッシュ）"]
    assert all(list(line.get_xdata()) == [16, 32] for line in fig.axes[0].lines)
    fast_decode = [r["ms_per_token"] for r in result["sweep"]
                   if r["kind"] == "decode" and r["model"] == "GPTModelFast"]
    assert list(decode_ax.lines[1].get_ydata()) == fast_decode


def test_the_books_stored_sweep_has_the_sizes_and_contexts_the_sweep_measures():
    # The package's own tests of bench_sweep are in pkg/tests/test_bench_sweep.py.
    from llms_from_scratch import bench_sweep
    from llms_from_scratch_bench import sweep

    rows = bench_sweep.load_sweep()["sweep"]
    assert {(r["size"], r["context"]) for r in rows} == {
        (size, c) for size in sweep.SIZES for c in sweep.CONTEXTS}


def test_sweep_refuses_only(capsys):
    assert main(["bench", "--sweep", "--only", "train", "--quick"]) == 1
    assert "leave out --only" in capsys.readouterr().err


def test_without_native_bf16_the_full_bench_leaves_the_bf16_rows_out(monkeypatch):
    """Only the rows are planned here: the timing functions are stand-ins."""
    monkeypatch.setattr(bench, "native_bf16", lambda device: False)
    monkeypatch.setattr(bench, "matmul_peak", lambda device, dtype, n: 100.0)
    monkeypatch.setattr(bench, "time_train_step", lambda *args, **kwargs: 1.0)
    monkeypatch.setattr(bench, "book_model", lambda cfg, tied: torch.nn.Linear(1, 1))
    monkeypatch.setattr(bench, "fast_model", lambda cfg, tied: torch.nn.Linear(1, 1))
    result = bench.run_benchmark("cpu", include_transformers=False, parts=("train",))
    assert {r["precision"] for r in result["train"]} == {"float32"}
    assert set(result["peak_gflops"]) == {"float32"}
    bf16 = [t for t in result["targets"] if "bf16" in t["target"] or "bfloat16" in t["target"]]
    assert bf16 and all(t["goal"] is None and t["met"] is None for t in bf16)
    assert "no native bfloat16" in bench.format_table(result)


def test_tied_rows_start_at_gpt2_scale_like_transformers():
    from llms_from_scratch.fast import GPTModelFast

    cfg = dict(bench.GPT2_124M_BENCH, n_layers=1, context_length=64)
    idx = torch.randint(0, cfg["vocab_size"], (2, 64), generator=torch.Generator().manual_seed(0))

    def logit_std(model):
        with torch.no_grad():
            return model(idx).std().item()

    torch.manual_seed(0)
    # nn.Embedding's N(0, 1) as the head: logits so large that the softmax underflows
    # and, a few steps in, the gradients fill with subnormal floats (the slow case).
    assert logit_std(GPTModelFast(cfg, tie_weights=True)) > 10
    for build in (bench.book_model, bench.fast_model):
        model = build(cfg, True)
        assert model.out_head.weight is model.tok_emb.weight
        assert abs(model.tok_emb.weight.std().item() - bench.TIED_INIT_STD) < 1e-3
        assert logit_std(model) < 1
    assert bench.fast_model(cfg, False).tok_emb.weight.std().item() > 0.9  # untied: as built
