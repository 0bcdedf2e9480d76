"""The ``bench`` command's report: its targets (ratios side by side) and its table.

``check_targets(result)`` turns the rows that ``bench.run_benchmark`` measured
into the goals the README quotes (each a ratio of two rows of the same run);
``format_table(result)`` prints every row with those goals underneath.
"""

from . import bench_generate
from .bench_generate import gen_rate


def _train_row(result, model, precision, tied, adamw="fused"):
    for row in result["train"]:
        if row["model"] == model and row["precision"] == precision and row["tied"] == tied \
                and row.get("adamw", "fused") == adamw:
            return row
    return None


def _train_rate(result, model, precision, tied, adamw="fused"):
    row = _train_row(result, model, precision, tied, adamw)
    return None if row is None else row["tokens_per_s"]


def _gen_rate(result, model, cached):
    """float32 tokens/s of a library row (not the command's), by cached or not."""
    for row in result["generate"]:
        if row["model"] == model and row["cached"] == cached \
                and row.get("precision", "float32") == "float32" \
                and row.get("method") != bench_generate.COMMAND:
            return row["tokens_per_s"]
    return None


def check_targets(result):
    """The speed targets of the package, each with the measured value and a verdict."""
    targets = []

    def add(name, value, goal, applies=True):
        targets.append({"target": name, "value": value, "goal": goal if applies else None,
                        "met": None if value is None or not applies else value >= goal})

    def ratio(a, b):
        return None if a is None or b is None else a / b

    hf = "transformers GPT2LMHeadModel"
    # Without native bfloat16 arithmetic bf16 is emulated and slower, so its goals do not apply.
    bf16_goal = result.get("native_bf16", True)
    for tied in (False, True):
        tag = "tied" if tied else "untied"
        fast32 = _train_rate(result, "GPTModelFast", "float32", tied)
        add(f"train float32 GPTModelFast / GPTModel ({tag})",
            ratio(fast32, _train_rate(result, "GPTModel", "float32", tied)), 1.25)
        add(f"train float32 GPTModelFast / transformers ({tag})",
            ratio(fast32, _train_rate(result, hf, "float32", tied)), 1.15)
        row = _train_row(result, "GPTModelFast", "float32", tied)
        add(f"train float32 GPTModelFast MFU ({tag})", None if row is None else row["mfu"],
            0.70)
        add(f"train bf16 / float32 GPTModelFast ({tag})",
            ratio(_train_rate(result, "GPTModelFast", "bf16", tied), fast32), 1.8, bf16_goal)
    add("train float32 GPTModelFast / the book's step (GPTModel, foreach AdamW)",
        ratio(_train_rate(result, "GPTModelFast", "float32", False),
              _train_rate(result, "GPTModel", "float32", False, "foreach")), 1.25)
    cached = _gen_rate(result, "GPTModelFast", True)
    add("generate cached GPTModelFast / uncached GPTModel",
        ratio(cached, _gen_rate(result, "GPTModel", False)), 4.0)
    add("generate cached GPTModel / uncached GPTModel",
        ratio(_gen_rate(result, "GPTModel", True), _gen_rate(result, "GPTModel", False)), 4.0)
    add("generate cached GPTModelFast / transformers generate",
        ratio(cached, _gen_rate(result, hf, True)), 1.2)
    command = {p: gen_rate(result, "GPTModelFast", bench_generate.COMMAND, p)
               for p in ("float32", "bfloat16")}
    hf_gen = {p: gen_rate(result, hf, bench_generate.HF_GENERATE, p)
              for p in ("float32", "bfloat16")}
    add("generate command / transformers generate (float32, side by side)",
        ratio(command["float32"], hf_gen["float32"]), 1.3)
    add("generate command / transformers generate (bfloat16, side by side)",
        ratio(command["bfloat16"], hf_gen["bfloat16"]), 1.2, bf16_goal)
    add("generate command bfloat16 / transformers generate float32",
        ratio(command["bfloat16"], hf_gen["float32"]), 2.0, bf16_goal)
    return targets


def format_table(result):
    """The result as readable text tables."""
    lines = [f"device: {result['device']} - {result['device_name']}, torch {result['torch']}, "
             f"{result['threads']} threads, "
             f"THP_MEM_ALLOC_ENABLE={result.get('THP_MEM_ALLOC_ENABLE') or 'unset'}"]
    if "transformers" in result:
        lines[0] += (f", transformers {result['transformers']} "
                     f"(attn_implementation={result['transformers_attn_implementation']})")
    cfg = result["config"]
    lines.append(f"config: emb_dim {cfg['emb_dim']}, n_layers {cfg['n_layers']}, n_heads "
                 f"{cfg['n_heads']}, vocab {cfg['vocab_size']}, context {cfg['context_length']}, "
                 f"batch {result['batch_size']}, dropout 0, {result['optimizer']}; median of "
                 f"{result['repetitions']['train']} (train) / "
                 f"{result['repetitions']['generate']} (generate) runs after a warm-up")
    peaks = result["peak_gflops"]
    n = result["matmul_n"]
    if peaks:
        lines.append(f"matmul peak ({n}x{n}x{n}): " + ", ".join(
            f"{label} {gflops:.1f} GFLOP/s" for label, gflops in peaks.items()))
    lines.append(f"FLOPs: {result['flops_formula']} "
                 f"= {result['train_flops_per_token'] / 1e6:.1f} MFLOP/token")
    lines.append("")
    header = f"{'training step':<30} {'precision':<9} {'head':<7} {'AdamW':<8} " \
             f"{'s/step':>8} {'tokens/s':>9} {'MFU':>6}"
    lines += [header, "-" * len(header)]
    for row in result["train"]:
        lines.append(f"{row['model']:<30} {row['precision']:<9} "
                     f"{'tied' if row['tied'] else 'untied':<7} {row.get('adamw', 'fused'):<8} "
                     f"{row['seconds_per_step']:>8.3f} "
                     f"{row['tokens_per_s']:>9.1f} {row['mfu'] * 100:>5.1f}%")
    lines.append("")
    lines += bench_generate.format_rows(result)
    lines.append("")
    header = f"{'target':<70} {'value':>7} {'goal':>6}  met"
    lines += [header, "-" * len(header)]
    for t in result["targets"]:
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
        met = "-" if t["met"] is None else "yes" if t["met"] else "NO"
        goal = "n/a" if t["goal"] is None else f"{t['goal']:.2f}"
        lines.append(f"{t['target']:<70} {value:>7} {goal:>6}  {met}")
    if not result.get("native_bf16", True):
        lines.append("bf16 rows and goals n/a: this CPU has no native bfloat16 arithmetic "
                     "(AVX512_BF16 or AMX); emulated, it runs many times slower than float32")
    return "\n".join(lines)
