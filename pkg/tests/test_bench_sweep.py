"""``bench_sweep``: the book's stored ``bench --sweep`` run, read, formatted and drawn.

These run without the benchmark package (``bench/``): the rows below are written
by hand in the layout ``bench --sweep --json`` writes (bench/tests check that the
benchmark's own output loads and plots the same way).
"""

import json

import matplotlib
import pytest

from llms_from_scratch import bench_sweep

matplotlib.use("Agg")


def _rows():
    """Two sizes, two contexts: a training and a decoding row per model."""
    rows = []
    for size, scale in (("tiny", 1.0), ("small", 3.0)):
        for context in (16, 32):
            rows += [
                {"size": size, "context": context, "kind": "train", "model": "GPTModel",
                 "seconds": 0.02 * scale * context},
                {"size": size, "context": context, "kind": "train", "model": "GPTModelFast",
                 "seconds": 0.01 * scale * context},
                {"size": size, "context": context, "kind": "decode", "model": "GPTModel",
                 "method": "no cache (forward over T)", "ms_per_token": 0.5 * scale * context},
                {"size": size, "context": context, "kind": "decode", "model": "GPTModelFast",
                 "method": "generate_cached", "ms_per_token": 2.0 * scale},
            ]
    return rows


def test_a_sweep_file_loads_and_plots_one_line_per_model_and_size(tmp_path):
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps({"device": "cpu", "sweep": _rows()}), encoding="utf-8")
    rows = bench_sweep.load_sweep(path)["sweep"]
    assert rows == _rows()
    fig = bench_sweep.plot_sweep(rows)
    train_ax, decode_ax = fig.axes
    assert [line.get_label() for line in train_ax.lines] == [
        "tiny GPTModel", "tiny GPTModelFast", "small GPTModel", "small GPTModelFast"]
    assert [line.get_label() for line in decode_ax.lines] == [
        "tiny GPTModel（キャッシュなし）", "tiny GPTModelFast（KV キャッシュ）",
        "small GPTModel（キャッシュなし）", "small GPTModelFast（KV キャッシュ）"]
    assert all(list(line.get_xdata()) == [16, 32] for line in fig.axes[0].lines)
    assert list(decode_ax.lines[0].get_ydata()) == [8.0, 16.0]
    assert decode_ax.get_yscale() == "log"


def test_format_sweep_gives_one_table_per_kind_with_a_column_per_context():
    rows = _rows()
    rows.remove(rows[-1])  # the last cell (small, T=32, cached decode) missing
    lines = bench_sweep.format_sweep(rows)
    train_header = lines.index(next(line for line in lines if line.startswith("training step")))
    decode_header = lines.index(next(line for line in lines if line.startswith("one decoded")))
    assert train_header == 0 and lines[0].split()[-2:] == ["T=16", "T=32"]
    assert lines[2].split() == ["tiny", "GPTModel", "0.32", "0.64"]
    assert lines[decode_header + 3].split() == ["tiny", "GPTModelFast,", "generate_cached",
                                                "2.0", "2.0"]
    assert lines[decode_header + 5].split()[-2:] == ["6.0", "n/a"]
    assert bench_sweep.format_sweep([r for r in rows if r["kind"] == "decode"])[0].startswith(
        "one decoded token (ms)")


def test_the_books_sweep_is_in_the_package_and_covers_both_sizes():
    rows = bench_sweep.load_sweep()["sweep"]  # measurements/, shipped in the wheel
    assert {(r["size"], r["context"]) for r in rows} == {
        (size, c) for size in ("124M", "355M") for c in (128, 256, 512, 1024)}
    assert {r["model"] for r in rows} >= {"GPTModel", "GPTModelFast",
                                          "transformers GPT2LMHeadModel"}


def test_load_sweep_refuses_other_files(tmp_path):
    with pytest.raises(ValueError, match="cannot read .*bench --sweep --json"):
        bench_sweep.load_sweep(tmp_path / "missing.json")
    other = tmp_path / "bench.json"
    other.write_text(json.dumps({"train": []}))
    with pytest.raises(ValueError, match="is not the JSON of"):
        bench_sweep.load_sweep(other)
