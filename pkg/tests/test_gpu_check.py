"""tools/gpu_check.py on a CPU: the same logic as on a GPU, with tiny settings.

The end-to-end test runs nanoGPT's train.py beside ``llms-from-scratch train``
with a tiny recipe and one small notebook; the others check the pieces
(which notebooks train, time budgets, the bench table, the no-GPU message).
"""

import json
import sys
from pathlib import Path

import nbformat
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import gpu_check  # noqa: E402

needs_shared = pytest.mark.skipif(gpu_check.nanogpt_dir() is None
                                  or gpu_check.offline_dir() is None,
                                  reason="needs ../shared (nanoGPT and the offline data)")


def tiny_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nos.environ['LLMS_FROM_SCRATCH_DEVICE']"),
                nbformat.v4.new_code_cell("1 / 0"),
                nbformat.v4.new_code_cell("after = 'still runs'")]
    nbformat.write(nb, path)
    return path


@needs_shared
def test_tiny_run_writes_both_reports(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_check, "TINY_RECIPE", dict(gpu_check.TINY_RECIPE, max_iters=6,
                                                       eval_interval=6))
    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    code = gpu_check.main(["run", "--device", "cpu", "--tiny", "--out", str(tmp_path / "out"),
                           "--parts", "side_by_side", "notebooks", "--notebooks", str(nb)])
    assert code == 0
    report = json.loads((tmp_path / "out" / "gpu-check.json").read_text())
    sbs = report["parts"]["side_by_side"]
    for name in ("nanoGPT train.py", "llms-from-scratch train"):
        assert sbs[name]["status"] == "done", sbs[name]
        assert sbs[name]["last_eval_step"] == 6 and 0 < sbs[name]["val_loss"] < 10
    assert sbs["recipe"]["dtype"] == "float32" and sbs["wall_ratio_ours_to_nanogpt"] > 0
    notebook = report["parts"]["notebooks"][str(nb)]
    assert notebook["status"] == "done"
    assert notebook["errors"] == [{"cell": 1, "error": "ZeroDivisionError: division by zero"}]
    md = (tmp_path / "out" / "gpu-check.md").read_text()
    assert "| nanoGPT train.py | done |" in md and "ZeroDivisionError" in md


def test_without_a_gpu_it_says_so_in_one_line(capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_check.main(["run", "--out", "unused"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gpu-check: no CUDA GPU here") and err.count("\n") == 1
    assert "--device cpu --tiny" in err


def test_the_notebooks_are_the_main_ones_and_the_bonus_ones_that_train():
    found = gpu_check.training_notebooks()
    assert found[:len(gpu_check.MAIN_NOTEBOOKS)] == gpu_check.MAIN_NOTEBOOKS
    bonus = found[len(gpu_check.MAIN_NOTEBOOKS):]
    assert "ch05/pretraining-at-scale.ipynb" in bonus
    assert "appendix-D/mixed-precision-and-accumulation.ipynb" in bonus
    assert "ch02/bpe-from-scratch.ipynb" not in bonus  # no training there
    assert all((ROOT / p).is_file() for p in found)


def test_a_part_past_its_budget_is_stopped_and_the_spent_total_skips_the_rest(tmp_path):
    args = gpu_check.argparse.Namespace(device="cpu", tiny=True, out=str(tmp_path),
                                        budget=2.0)
    check = gpu_check.Check(args)
    seconds, finished, _ = gpu_check.run_timed(
        [sys.executable, "-c", "import time; time.sleep(30)"], check, 1, "sleep.log")
    assert finished is None and seconds < 10
    check.deadline = check.start  # the total is spent
    assert check.budget("bench") == 0
    report = gpu_check.notebooks(check, ["ch01/ch01.ipynb"])
    assert report["ch01/ch01.ipynb"]["status"].startswith("skipped")


def test_bench_rows_get_the_mfu_against_the_bf16_peak(tmp_path, monkeypatch):
    """The bench part reads bench's JSON (written here as bench writes it)."""
    def fake_bench(cmd, check, budget, log_name, cwd=None):
        path = Path(cmd[cmd.index("--json") + 1])
        path.write_text(json.dumps({
            "device_name": "NVIDIA H100", "peak_gflops": {"float32": 50_000, "bf16": 700_000},
            "train_flops_per_token": 1e9, "config": {}, "batch_size": 2,
            "train": [{"model": "GPTModelFast", "precision": "bf16", "tied": True,
                       "tokens_per_s": 140_000.0, "mfu": 0.2}],
            "generate": [{"model": "GPTModelFast", "method": "command", "precision": "bfloat16",
                          "tokens_per_s": 300.0}]}))
        return 12.0, True, ""

    monkeypatch.setattr(gpu_check, "run_timed", fake_bench)
    args = gpu_check.argparse.Namespace(device="cuda", tiny=False, out=str(tmp_path),
                                        budget=470)
    result = gpu_check.bench(gpu_check.Check(args))
    assert result["train"][0]["mfu_vs_bf16_peak"] == pytest.approx(0.2)
    md = "\n".join(gpu_check.bench_table(result))
    assert "| GPTModelFast | bf16 | True | 140000 | 20.0% | 20.0% |" in md
    assert "| GPTModelFast | command | bfloat16 | 300.0 |" in md
