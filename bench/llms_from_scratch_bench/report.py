"""The ``bench`` command's report, and the package's speed goals.

``format_table(result)`` writes what ``bench.run_benchmark`` measured for a
reader: on what, the tables, and what the ratios mean. ``check_targets(result)``
turns the rows into the package's speed goals (each a ratio of two rows of the
same run), which go only into the JSON for the developers.
"""

from llms_from_scratch.i18n import _, display_width, ljust, rjust

from . import generation
from .generation import gen_rate


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
                and row.get("method") != generation.COMMAND:
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
    command = {p: gen_rate(result, "GPTModelFast", generation.COMMAND, p)
               for p in ("float32", "bfloat16")}
    hf_gen = {p: gen_rate(result, hf, generation.HF_GENERATE, p)
              for p in ("float32", "bfloat16")}
    add("generate command / transformers generate (float32, side by side)",
        ratio(command["float32"], hf_gen["float32"]), 1.3)
    add("generate command / transformers generate (bfloat16, side by side)",
        ratio(command["bfloat16"], hf_gen["bfloat16"]), 1.2, bf16_goal)
    add("generate command bfloat16 / transformers generate float32",
        ratio(command["bfloat16"], hf_gen["float32"]), 2.0, bf16_goal)
    return targets


def format_table(result):
    """The result as a report for a reader: what was measured, the tables, what they mean.

    The speed goals of ``check_targets`` stay in the JSON (``--json``) for the
    package's developers; the report shows the measurements and plain ratios.
    """
    lines = _introduction(result)
    if result["train"]:
        lines += ["", *_train_table(result)]
    if result["generate"]:
        lines += ["", *generation.format_rows(result)]
    meaning = _meaning(result)
    if meaning:
        lines += ["", _("What the numbers mean:"), *(f"- {line}" for line in meaning)]
    return "\n".join(lines)


def _introduction(result):
    cfg = result["config"]
    lines = [
        _("Measured on {device} ({device_name}), torch {torch}, {threads} threads.").format(
            device=result["device"], device_name=result["device_name"], torch=result["torch"],
            threads=result["threads"]),
        _("The model has GPT-2's shape ({n_layers} layers, width {emb_dim}, vocabulary "
          "{vocab_size}) with random weights; a training step takes {batch} windows of "
          "{context} tokens (forward, backward, AdamW with lr 1e-4 and weight decay 0.1: "
          "fused, or in the rows marked foreach PyTorch's default as in chapter 5's loop); "
          "generation is greedy, one text at a time. Each time is the median of {train_reps} "
          "(training) / {gen_reps} (generation) runs after a warm-up run.").format(
            n_layers=cfg["n_layers"], emb_dim=cfg["emb_dim"], vocab_size=cfg["vocab_size"],
            batch=result["batch_size"], context=cfg["context_length"],
            train_reps=result["repetitions"]["train"],
            gen_reps=result["repetitions"]["generate"]),
    ]
    if result.get("quick"):
        lines.append(_("--quick: a tiny model and one run each; the numbers only show that "
                       "everything works, not how fast this machine is."))
    return lines


def _train_table(result):
    header = " ".join([ljust(_("training step"), 30), ljust(_("precision"), 9),
                       ljust(_("head"), 7), ljust("AdamW", 8), rjust(_("s/step"), 8),
                       rjust(_("tokens/s"), 9), rjust(_("vs GPTModel"), 11)])
    lines = [header, "-" * display_width(header)]
    for row in result["train"]:
        book = _train_rate(result, "GPTModel", "float32", row["tied"])
        versus = f"{row['tokens_per_s'] / book:.2f}x" if book else ""
        head = _("tied") if row["tied"] else _("untied")
        lines.append(f"{row['model']:<30} {row['precision']:<9} {ljust(head, 7)} "
                     f"{row.get('adamw', 'fused'):<8} {row['seconds_per_step']:>8.3f} "
                     f"{row['tokens_per_s']:>9.1f} {versus:>11}")
    lines.append(_("vs GPTModel: tokens/s divided by that of the book's GPTModel (float32, "
                   "fused AdamW) with the same head; tied: the output head shares the token "
                   "embedding's weights."))
    return lines


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def _meaning(result):
    """Sentences about the ratios that this run measured (none for rows it lacks)."""
    lines = []
    fast = _ratio(_train_rate(result, "GPTModelFast", "float32", False),
                  _train_rate(result, "GPTModel", "float32", False))
    if fast is not None:
        lines.append(_("GPTModelFast trains {ratio:.2f}x as fast as the book's GPTModel: the "
                       "same computation and weights, with fused kernels.").format(ratio=fast))
    bf16 = _ratio(_train_rate(result, "GPTModelFast", "bf16", False),
                  _train_rate(result, "GPTModelFast", "float32", False))
    if bf16 is not None:
        lines.append(_("bfloat16 autocast changes GPTModelFast's training speed by {ratio:.2f}x "
                       "against float32 on this device.").format(ratio=bf16))
    hf = _ratio(_train_rate(result, "GPTModelFast", "float32", False),
                _train_rate(result, "transformers GPT2LMHeadModel", "float32", False))
    if hf is not None:
        lines.append(_("GPTModelFast trains {ratio:.2f}x as fast as Hugging Face's GPT-2 "
                       "(transformers).").format(ratio=hf))
    cache = _ratio(_gen_rate(result, "GPTModel", True), _gen_rate(result, "GPTModel", False))
    if cache is not None:
        lines.append(_("The KV cache makes generation {ratio:.1f}x as fast: each step runs only "
                       "the new token instead of the whole text so far.").format(ratio=cache))
    if result.get("transformers_missing"):
        lines.append(_("transformers is not installed, so Hugging Face's GPT-2 is missing from "
                       "the tables; to compare with it: pip install transformers"))
    if not result.get("native_bf16", True):
        lines.append(_("bf16 rows left out: this CPU has no native bfloat16 arithmetic "
                       "(AVX512_BF16 or AMX); emulated, it runs many times slower than "
                       "float32"))
    return lines
