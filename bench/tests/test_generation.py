"""The generation rows of ``bench`` (numbers are measured, never asserted)."""

import pytest

# Without the benchmark (a pip install of ./pkg only) these tests are skipped;
# `make test` installs ./bench and runs them.
pytest.importorskip("llms_from_scratch_bench", reason="the benchmark (./bench) is not installed")

import torch  # noqa: E402

from llms_from_scratch.ch04 import GPTModel  # noqa: E402
from llms_from_scratch.fast import GPTModelFast  # noqa: E402
from llms_from_scratch_bench import bench, generation  # noqa: E402

CFG = bench.QUICK_BENCH


def test_weight_bytes_count_the_head_once_and_skip_looked_up_tables():
    model = GPTModel(CFG)
    d, v, c = CFG["emb_dim"], CFG["vocab_size"], CFG["context_length"]
    total = sum(p.numel() for p in model.parameters())
    untied = generation.weight_bytes_per_token(model)
    assert untied == 4 * (total - v * d - c * d)  # both embedding tables left out
    tied = GPTModelFast(CFG, tie_weights=True)
    # The tied table is read whole by the head: counted once; pos_emb still left out.
    assert generation.weight_bytes_per_token(tied) == untied
    half = tied.to(torch.bfloat16)
    assert generation.weight_bytes_per_token(half) == untied // 2


def test_copy_bandwidth_is_positive():
    assert generation.copy_bandwidth("cpu", megabytes=4, reps=1) > 0


def test_interleaved_runs_take_turns_and_check_the_count():
    calls = []

    def make(name, produce=None):
        def run(n):
            calls.append((name, n))
            return n if produce is None else produce
        return run

    seconds = generation.time_interleaved({"a": make("a"), "b": make("b")},
                                              torch.device("cpu"), 5, reps=2)
    assert set(seconds) == {"a", "b"} and all(s >= 0 for s in seconds.values())
    assert calls == [("a", 5), ("b", 5), ("a", 5), ("b", 5), ("a", 5), ("b", 5)]
    with pytest.raises(RuntimeError, match="generated 3 tokens, expected 5"):
        generation.time_interleaved({"c": make("c", 3)}, torch.device("cpu"), 5, reps=1)


def test_the_command_rows_time_stream_text_beside_transformers():
    pytest.importorskip("transformers")
    out = generation.generation_rows(CFG, "cpu", 4, 1, bench.book_model,
                                         hf_build=bench.hf_model)
    rows = {(r["model"], r["method"], r["precision"]): r for r in out["generate"]}
    for precision in ("float32", "bfloat16"):
        assert ("GPTModelFast", generation.COMMAND, precision) in rows
        assert (generation.HF_NAME, generation.HF_GENERATE, precision) in rows
    assert all(r["tokens_per_s"] > 0 and r["bandwidth_share"] > 0 for r in rows.values())
    assert out["copy_bandwidth"] > 0
    result = {"generate": out["generate"], "train": []}
    targets = {t["target"]: t for t in bench.check_targets(result)}
    ratio = targets["generate command / transformers generate (float32, side by side)"]
    command = rows[("GPTModelFast", generation.COMMAND, "float32")]["tokens_per_s"]
    hf = rows[(generation.HF_NAME, generation.HF_GENERATE, "float32")]["tokens_per_s"]
    assert ratio["value"] == pytest.approx(command / hf) and ratio["goal"] == 1.3
    text = "\n".join(generation.format_rows(dict(out, generate=out["generate"])))
    assert "command (stream_text)" in text and "copy bandwidth" in text


def test_only_generate_skips_the_training_rows():
    result = bench.run_benchmark("cpu", quick=True, include_transformers=False,
                                 parts=("generate",))
    assert result["train"] == [] and result["peak_gflops"] == {}
    assert {r["method"] for r in result["generate"]} == {
        "generate_text_simple", "generate_cached", generation.COMMAND}
    assert "command (stream_text)" in bench.format_table(result)
