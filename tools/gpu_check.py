"""The book on one NVIDIA GPU, in one command of at most 8 minutes (``make gpu-check``).

Three parts, each with a time budget inside the total (``--budget``, 470 s);
a part that runs past its budget is stopped and noted, and the next one
still gets its own:

1. ``side_by_side``: nanoGPT's GPU Tiny Shakespeare recipe (6 layers x 384,
   context 256, batch 64, dropout 0.2, 5000 steps) with nanoGPT's own
   ``train.py`` (unmodified) and with ``llms-from-scratch train`` (``--fast``),
   each with ``torch.compile`` and bfloat16 where the GPU has it (float16
   before Ampere): wall time and final validation loss of both, and the ratio.
2. ``bench``: ``llms-from-scratch bench`` on the GPU (124M training step:
   tokens/s and MFU against its measured matmul peaks for GPTModel,
   GPTModelFast and transformers; the generate command against transformers'
   cached ``generate``).
3. ``notebooks``: every main chapter notebook and the bonus notebooks that
   train, top to bottom with ``LLMS_FROM_SCRATCH_DEVICE`` set to the device,
   each cell error reported (stored outputs are not compared).

It writes ``gpu-check.json`` and ``gpu-check.md`` into ``--out`` (default:
``$OUT`` when set, else ``gpu-check-out``). Without a CUDA GPU it stops with
a one-line message; ``--device cpu --tiny`` runs the same logic with a tiny
recipe on a CPU (the test in pkg/tests/test_gpu_check.py).

The GPU machine gets only this working tree, without internet:
``python tools/gpu_check.py prepare`` copies nanoGPT and the offline data
from ``../shared`` into ``.gpu-check/`` (ignored by git; carry it along).
See docs/gpu-check.md.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARRIED = ROOT / ".gpu-check"
SHARED = ROOT.parent / "shared"
BUDGETS = {"side_by_side": 300, "bench": 70, "notebooks": 100}  # seconds, in this order
MAIN_NOTEBOOKS = ["ch01/ch01.ipynb", "ch02/ch02.ipynb", "ch03/ch03.ipynb", "ch04/ch04.ipynb",
                  "ch05/ch05.ipynb", "appendix-D/appendix-D.ipynb"]
TRAINS = re.compile(r"\.backward\(|train_step\(|train_model|optimizer\.step\(|"
                    r"llms-from-scratch train|\"train\"")

# What the GPU machine's image ('cuda', /work/.library/device/KINDS.md) lacks: the notebooks'
# runner and kernel with those of their dependencies it lacks, and the package's font
# (numpy, matplotlib, pyzmq's peers psutil and pygments, tiktoken and transformers are there).
WHEELS = ["nbclient", "nbformat", "jupyter-client", "jupyter-core", "traitlets",
          "fastjsonschema", "jsonschema", "jsonschema-specifications", "referencing", "rpds-py",
          "ipykernel", "comm", "debugpy", "ipython", "ipython-pygments-lexers",
          "matplotlib-inline", "nest-asyncio2", "pyzmq", "tornado", "jedi", "parso", "pexpect",
          "ptyprocess", "prompt-toolkit", "wcwidth", "stack-data", "asttokens", "executing",
          "pure-eval", "platformdirs", "decorator", "matplotlib-fontja"]
WHEEL_PYTHON = "3.12"  # the image's python3

# nanoGPT's config/train_shakespeare_char.py, and a tiny version for CPUs.
GPU_RECIPE = {"n_layer": 6, "n_head": 6, "n_embd": 384, "block_size": 256, "batch_size": 64,
              "dropout": 0.2, "max_iters": 5000, "eval_interval": 250, "eval_iters": 200,
              "compile": True}
TINY_RECIPE = {"n_layer": 1, "n_head": 2, "n_embd": 32, "block_size": 32, "batch_size": 4,
               "dropout": 0.0, "max_iters": 20, "eval_interval": 10, "eval_iters": 2,
               "compile": False}


class Check:
    """Where the run stands: settings, the deadline, what each part found."""

    def __init__(self, args):
        self.device, self.tiny = args.device, args.tiny
        self.out = Path(args.out or os.environ.get("OUT") or "gpu-check-out").resolve()
        self.start = time.monotonic()
        self.deadline = self.start + args.budget
        self.scale = args.budget / sum(BUDGETS.values())
        self.work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
        self.env = dict(os.environ, LLMS_FROM_SCRATCH_DEVICE=self.device)
        self.notes = []

    def budget(self, part):
        """Seconds this part may take: its share, and never past the total deadline."""
        return max(0.0, min(BUDGETS[part] * self.scale, self.deadline - time.monotonic()))

    def log_path(self, name):
        (self.out / "logs").mkdir(parents=True, exist_ok=True)
        return self.out / "logs" / name


def first_existing(*paths):
    return next((p for p in paths if p is not None and Path(p).exists()), None)


def offline_dir():
    env = os.environ.get("LLMS_FROM_SCRATCH_OFFLINE_DIR")
    return first_existing(env, CARRIED / "offline", SHARED / "offline")


def nanogpt_dir():
    return first_existing(CARRIED / "nanoGPT", SHARED / "peers" / "nanoGPT")


def point_caches_at_offline_copies(check):
    """Like conftest.py: tiktoken's files in place, the book's texts in a writable copy."""
    offline = offline_dir()
    if offline is None:
        check.notes.append("no offline data (.gpu-check/offline): downloads need the internet")
        return
    check.env.setdefault("TIKTOKEN_CACHE_DIR", str(Path(offline) / "tiktoken"))
    cache = check.work / "cache"
    shutil.copytree(Path(offline) / "data", cache / "data")
    check.env.setdefault("LLMS_FROM_SCRATCH_CACHE", str(cache))


def run_timed(cmd, check, budget, log_name, cwd=None):
    """Run ``cmd`` with a time limit; ``(seconds, finished, output)``, output also logged."""
    start = time.monotonic()
    log = check.log_path(log_name)
    with open(log, "w", encoding="utf-8") as f:
        try:
            proc = subprocess.run(cmd, check=False, cwd=cwd, env=check.env, stdout=f,
                                  stderr=subprocess.STDOUT, timeout=max(budget, 1))
            finished = proc.returncode == 0
        except subprocess.TimeoutExpired:
            finished = None  # stopped at the budget
    return time.monotonic() - start, finished, log.read_text(encoding="utf-8", errors="replace")


def tail(text, lines=3):
    return " | ".join(text.strip().splitlines()[-lines:])


# -- 1. the train recipe beside nanoGPT's train.py ----------------------------------------


def precision(check):
    """bfloat16 where the GPU computes in it, float16 before Ampere, float32 on a CPU."""
    if check.device == "cpu":
        return "float32"
    import torch
    from llms_from_scratch.amp import cuda_bf16_native

    return "bfloat16" if cuda_bf16_native(torch.device(check.device)) else "float16"


def recipe(check):
    return dict(TINY_RECIPE if check.tiny else GPU_RECIPE, dtype=precision(check))


def nanogpt_command(r, device, out_dir):
    flags = {"device": device, "dtype": r["dtype"], "compile": r["compile"],
             "lr_decay_iters": r["max_iters"], "log_interval": max(1, r["eval_interval"] // 2),
             "out_dir": out_dir, **{k: r[k] for k in ("n_layer", "n_head", "n_embd",
                                                      "block_size", "batch_size", "dropout",
                                                      "max_iters", "eval_interval",
                                                      "eval_iters")}}
    return [sys.executable, "train.py", "config/train_shakespeare_char.py",
            *(f"--{k}={v}" for k, v in flags.items())]


def ours_command(r, device, out_dir):
    cmd = [sys.executable, "-m", "llms_from_scratch", "train", "--device", device, "--fast",
           "--n-layer", r["n_layer"], "--n-head", r["n_head"], "--n-embd", r["n_embd"],
           "--context-length", r["block_size"], "--batch-size", r["batch_size"],
           "--dropout", r["dropout"], "--max-iters", r["max_iters"], "--beta2", 0.99,
           "--eval-interval", r["eval_interval"], "--eval-iters", r["eval_iters"],
           "--dtype", r["dtype"], "--sample-tokens", 0, "--no-progress", "--out-dir", out_dir]
    return [str(c) for c in cmd] + (["--compile"] if r["compile"] else [])


def prepare_nanogpt(check):
    """A scratch copy of nanoGPT with Tiny Shakespeare prepared by its own prepare.py."""
    source, offline = nanogpt_dir(), offline_dir()
    if source is None or offline is None:
        raise RuntimeError("nanoGPT or the offline Tiny Shakespeare is missing: run "
                           "`python tools/gpu_check.py prepare` where ../shared exists")
    nano = check.work / "nanoGPT"
    shutil.copytree(source, nano)
    data = nano / "data" / "shakespeare_char"
    shutil.copy(Path(offline) / "data" / "tinyshakespeare.txt", data / "input.txt")
    subprocess.run([sys.executable, "prepare.py"], cwd=data, check=True,
                   stdout=subprocess.DEVNULL)
    return nano


def last_val_loss(text):
    found = re.findall(r"step (\d+): train loss [0-9.]+, val loss ([0-9.]+)", text)
    return (int(found[-1][0]), float(found[-1][1])) if found else (None, None)


def side_by_side(check):
    """nanoGPT's train.py, then ours, each with half of the part's budget."""
    r = recipe(check)
    nano = prepare_nanogpt(check)
    total, spent = check.budget("side_by_side"), 0.0
    result = {"recipe": r}
    runs = (("nanoGPT train.py", nanogpt_command(r, check.device, "out"), nano, "nanogpt.log"),
            ("llms-from-scratch train", ours_command(r, check.device, check.work / "ours"),
             None, "ours.log"))
    for i, (name, cmd, cwd, log) in enumerate(runs):
        share = total / 2 if i == 0 else total - spent  # the second gets what is left
        seconds, finished, output = run_timed(cmd, check, share, log, cwd)
        spent += seconds
        step, val = last_val_loss(output)
        result[name] = {"wall_s": round(seconds, 1), "val_loss": val, "last_eval_step": step,
                        "status": {True: "done", False: "failed", None: "over budget"}[finished]}
        if finished is False:
            result[name]["error"] = tail(output)
    ours, theirs = result["llms-from-scratch train"], result["nanoGPT train.py"]
    if ours["status"] == theirs["status"] == "done":
        result["wall_ratio_ours_to_nanogpt"] = round(ours["wall_s"] / theirs["wall_s"], 3)
    return result


# -- 2. bench on the GPU --------------------------------------------------------------------


def bench(check):
    """``llms-from-scratch bench``; its rows, with the MFU against the bf16 matmul peak too."""
    path = check.work / "bench.json"
    cmd = [sys.executable, "-m", "llms_from_scratch", "bench", "--device", check.device,
           "--json", str(path), *(["--quick"] if check.tiny else [])]
    seconds, finished, output = run_timed(cmd, check, check.budget("bench"), "bench.log")
    if not finished:
        return {"status": "over budget" if finished is None else "failed",
                "wall_s": round(seconds, 1), "error": tail(output)}
    data = json.loads(path.read_text(encoding="utf-8"))
    peaks = data["peak_gflops"]
    bf16_peak = peaks.get("bf16")
    train = [dict(row, mfu_vs_bf16_peak=(row["tokens_per_s"] * data["train_flops_per_token"]
                                         / (bf16_peak * 1e9) if bf16_peak else None))
             for row in data["train"]]
    return {"status": "done", "wall_s": round(seconds, 1), "device_name": data["device_name"],
            "peak_gflops": peaks, "config": data["config"], "batch_size": data["batch_size"],
            "train": train, "generate": data["generate"]}


# -- 3. the notebooks ------------------------------------------------------------------------


def training_notebooks(root=ROOT):
    """The main notebooks, then every bonus notebook whose code trains."""
    bonus = []
    for path in sorted(root.glob("*/*.ipynb")):
        rel = path.relative_to(root).as_posix()
        if rel in MAIN_NOTEBOOKS or path.parent.name.startswith("."):
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if TRAINS.search(code):
            bonus.append(rel)
    return MAIN_NOTEBOOKS + bonus


def cell_errors(nb):
    """``[(cell index, 'Name: message')]`` of the error outputs in an executed notebook."""
    return [(i, f"{out.get('ename')}: {' '.join(str(out.get('evalue', '')).split())[:200]}")
            for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.get("output_type") == "error"]


def run_notebook(path, check, budget):
    """Execute ``path`` in its folder (errors do not stop it); its cell errors and time."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    start = time.monotonic()
    client = NotebookClient(nb, timeout=max(int(budget), 1), allow_errors=True,
                            kernel_name="python3", resources={"metadata": {"path": path.parent}})
    status = "done"
    os.environ.update(check.env)  # the kernel inherits this process's environment
    try:
        client.execute()
    except CellTimeoutError:
        status = "over budget"
    except DeadKernelError as err:
        status = f"kernel died: {' '.join(str(err).split())[:200]}"
    return {"status": status, "wall_s": round(time.monotonic() - start, 1),
            "errors": [{"cell": i, "error": e} for i, e in cell_errors(nb)]}


def notebooks(check, paths):
    results, total, start = {}, check.budget("notebooks"), time.monotonic()
    for rel in paths:
        left = total - (time.monotonic() - start)
        if left < 5:
            results[rel] = {"status": "skipped: the part's time budget is spent"}
            continue
        results[rel] = run_notebook((ROOT / rel) if not Path(rel).is_absolute() else Path(rel),
                                    check, left)
    return results


# -- the report -------------------------------------------------------------------------------


def fmt(value, pattern="{:.4f}"):
    return "-" if value is None else pattern.format(value)


def side_by_side_table(result):
    rows = ["| run | status | wall time [s] | val loss (step) |", "| --- | --- | --- | --- |"]
    for name in ("nanoGPT train.py", "llms-from-scratch train"):
        r = result.get(name, {})
        rows.append(f"| {name} | {r.get('status', '-')} | {fmt(r.get('wall_s'), '{:.1f}')} | "
                    f"{fmt(r.get('val_loss'))} ({r.get('last_eval_step', '-')}) |")
    if "wall_ratio_ours_to_nanogpt" in result:
        rows.append(f"\nwall time ours / nanoGPT: {result['wall_ratio_ours_to_nanogpt']:.2f}")
    return rows


def bench_table(result):
    rows = [f"matmul peaks [GFLOP/s]: {result['peak_gflops']}", "",
            "| model | precision | tied | tokens/s | MFU | MFU vs bf16 peak |",
            "| --- | --- | --- | --- | --- | --- |"]
    for r in result["train"]:
        rows.append(f"| {r['model']} | {r['precision']} | {r['tied']} | "
                    f"{r['tokens_per_s']:.0f} | {r['mfu'] * 100:.1f}% | "
                    f"{fmt(r['mfu_vs_bf16_peak'] and r['mfu_vs_bf16_peak'] * 100, '{:.1f}%')} |")
    rows += ["", "| generation | method | precision | tokens/s |", "| --- | --- | --- | --- |"]
    rows += [f"| {r['model']} | {r['method']} | {r['precision']} | {r['tokens_per_s']:.1f} |"
             for r in result["generate"]]
    return rows


def notebook_table(result):
    rows = ["| notebook | status | wall time [s] | cell errors |", "| --- | --- | --- | --- |"]
    for name, r in result.items():
        errors = "; ".join(f"cell {e['cell']}: {e['error']}" for e in r.get("errors", []))
        rows.append(f"| {name} | {r['status']} | {fmt(r.get('wall_s'), '{:.1f}')} | "
                    f"{errors.replace('|', '/') or 'none'} |")
    return rows


def markdown(report):
    lines = [f"# GPU check: {report['device_name']}", "",
             f"torch {report['torch']}, device {report['device']}, "
             f"{report['wall_s']:.0f} s in all (budget {report['budget_s']:.0f} s)"
             + (", tiny settings" if report["tiny"] else ""), ""]
    tables = {"side_by_side": side_by_side_table, "bench": bench_table,
              "notebooks": notebook_table}
    titles = {"side_by_side": "Tiny Shakespeare: nanoGPT's recipe, side by side",
              "bench": "bench (GPT-2 124M)", "notebooks": "Notebooks"}
    for part, result in report["parts"].items():
        lines += [f"## {titles[part]}", ""]
        if "status" in result and result["status"] != "done":
            lines.append(f"{result['status']}: {result.get('error', '')}")
        else:
            lines += tables[part](result)
        lines.append("")
    lines += [f"- {note}" for note in report["notes"]]
    return "\n".join(lines).rstrip() + "\n"


# -- the command --------------------------------------------------------------------------------


def device_name(device):
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    import platform

    return platform.processor() or platform.machine()


def no_gpu_message(device):
    """The one-line reason why ``device`` cannot run here, or None."""
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        why = "a CPU build of torch" if torch.version.cuda is None else "no GPU or driver"
        return (f"gpu-check: no CUDA GPU here ({why}, torch {torch.__version__}); run it on a "
                "machine with one NVIDIA GPU, or test the script with --device cpu --tiny")
    return None


def run(args):
    message = no_gpu_message(args.device)
    if message:
        print(message, file=sys.stderr)
        return 2
    import torch

    install_carried_wheels()
    check = Check(args)
    point_caches_at_offline_copies(check)
    parts = {"side_by_side": side_by_side, "bench": bench,
             "notebooks": lambda c: notebooks(c, args.notebooks or training_notebooks())}
    report = {"device": args.device, "device_name": device_name(args.device),
              "torch": torch.__version__, "tiny": args.tiny, "budget_s": args.budget,
              "parts": {}, "notes": check.notes}
    for part in args.parts:
        if check.budget(part) < 1:
            report["parts"][part] = {"status": "skipped: the total time budget is spent"}
            continue
        print(f"gpu-check: {part} (budget {check.budget(part):.0f} s) ...", flush=True)
        try:
            report["parts"][part] = parts[part](check)
        except (OSError, RuntimeError, ValueError, KeyError, ImportError,
                subprocess.CalledProcessError) as err:  # keep the other parts' numbers
            report["parts"][part] = {"status": "failed",
                                     "error": f"{type(err).__name__}: {err}"[:300]}
    report["wall_s"] = time.monotonic() - check.start
    check.out.mkdir(parents=True, exist_ok=True)
    (check.out / "gpu-check.json").write_text(json.dumps(report, indent=1) + "\n")
    (check.out / "gpu-check.md").write_text(markdown(report), encoding="utf-8")
    shutil.rmtree(check.work, ignore_errors=True)
    print(f"gpu-check: wrote {check.out / 'gpu-check.md'} and gpu-check.json "
          f"({report['wall_s']:.0f} s)")
    return 0


def download_wheels(folder):
    """The wheels the GPU machine's image lacks, for its Python 3.12 on x86-64 Linux."""
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
           "--python-version", WHEEL_PYTHON, "--platform", "manylinux_2_28_x86_64",
           "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
           "--dest", str(folder), *WHEELS]
    return subprocess.run(cmd, check=False).returncode == 0


def install_carried_wheels():
    """Install the carried wheels where the notebooks' kernel or matplotlib-fontja is missing."""
    import importlib.util

    missing = [m for m in ("nbclient", "ipykernel", "matplotlib_fontja")
               if importlib.util.find_spec(m) is None]
    folder = CARRIED / "wheels"
    if missing and folder.is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index",
                        "--no-deps", *map(str, sorted(folder.glob("*.whl")))], check=False)


def prepare(args):
    """Copy nanoGPT and the offline data from ../shared, and the missing wheels, into
    .gpu-check/ (to carry)."""
    for name, source in (("nanoGPT", SHARED / "peers" / "nanoGPT"),
                         ("offline", SHARED / "offline")):
        if not source.is_dir():
            print(f"gpu-check prepare: {source} is missing; run it where ../shared exists",
                  file=sys.stderr)
            return 1
        shutil.rmtree(CARRIED / name, ignore_errors=True)
        shutil.copytree(source, CARRIED / name)
    if not download_wheels(CARRIED / "wheels"):
        print("gpu-check prepare: pip could not download the wheels; the notebooks part "
              "needs nbclient and ipykernel on the GPU machine", file=sys.stderr)
    print(f"gpu-check prepare: {CARRIED} holds nanoGPT, the offline data and the wheels; "
          "carry '.gpu-check' to the GPU machine")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("prepare", help="copy nanoGPT and the offline data into .gpu-check/")
    p = sub.add_parser("run", help="run the check (the default)")
    p.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    p.add_argument("--tiny", action="store_true",
                   help="a tiny recipe (20 steps), bench --quick: tests the logic on a CPU")
    p.add_argument("--out", default=None, help="output folder (default: $OUT, else "
                                               "gpu-check-out)")
    p.add_argument("--budget", type=float, default=sum(BUDGETS.values()),
                   help="seconds for all parts (default %(default)s)")
    p.add_argument("--parts", nargs="+", choices=list(BUDGETS), default=list(BUDGETS))
    p.add_argument("--notebooks", nargs="+", default=None,
                   help="these notebooks instead of the main and training ones")
    args = parser.parse_args(["run", *(argv or [])] if not argv or argv[0] not in
                             ("prepare", "run") else argv)
    return prepare(args) if args.command == "prepare" else run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
