"""The settings of ``llms-from-scratch train``: one table, read by everything else.

Each ``Setting`` in ``SETTINGS`` holds a name, default, type, range, help text
and whether it may change on ``--resume``. From that table come the flags,
the checks of a configuration, the merging of defaults, ``--config`` file and
flags, and the rules of ``--resume`` (data, model, optimizer and seed come
from the checkpoint). The defaults are the small CPU recipe for Tiny Shakespeare.
"""

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError
from .i18n import N_, _

DATASETS = ("tinyshakespeare", "wagahaiwa-nekodearu")
TOKENIZERS = ("char", "gpt2")
DTYPES = ("float32", "bfloat16", "float16")
GPT2_SIZES_TEXT = "gpt2-124M, gpt2-355M, gpt2-774M, gpt2-1558M"


class TrainError(UserError):
    """A training failure to report in one line (bad configuration, data or checkpoint)."""


@dataclass(frozen=True)
class Setting:
    """One training setting.

    ``minimum``: the smallest allowed number; ``below``: an exclusive upper
    bound; ``nullable``: None is allowed (and then means ``default_text``);
    ``resumable``: it may change when a run is resumed.
    """

    name: str
    default: object
    type: type
    help: str
    group: str
    minimum: float = None
    below: float = None
    choices: tuple = None
    nullable: bool = False
    resumable: bool = False
    metavar: str = None
    default_text: str = None
    nargs: str = None  # "+": one or more values (a list)

    @property
    def flag(self):
        return flag(self.name)

    def shown_default(self):
        if self.default_text is not None:
            return self.default_text
        if self.type is bool:
            return N_("on") if self.default else N_("off")
        return str(self.default)


def _s(name, default, kind, group, help_text, **extra):
    return Setting(name, default, kind, help_text, group, **extra)


_DATA, _MODEL, _OPT, _EVAL = (N_("data"), N_("model"), N_("optimisation"),
                               N_("evaluation, samples and files"))

SETTINGS = (
    _s("dataset", "tinyshakespeare", str, _DATA, N_("a built-in text"), choices=DATASETS),
    _s("text", None, str, _DATA, N_("train on these UTF-8 text files or folders of .txt files "
       "(Aozora Bunko's files, also in Shift_JIS, are cleaned)"), nullable=True,
       metavar="PATH", default_text="", nargs="+"),
    _s("documents", None, str, _DATA, N_("train on separate documents: FILE.jsonl with one "
       '{"text": ...} per line, or a folder of .txt files; the separator token is placed '
       "between them by the code"), nullable=True, metavar="PATH", default_text=""),
    _s("tokenizer", None, str, _DATA, N_("char: one token per character; gpt2: GPT-2's BPE; "
       "bpe:SIZE: a byte-level BPE of SIZE tokens learned from the training split; or a "
       "tokenizer file (tokenizer.json, SentencePiece .model); model: the --init-from "
       "Japanese GPT-2's own"), nullable=True,
       metavar="TOKENIZER", default_text=N_("char; gpt2 with --init-from a GPT-2 size; the "
       "model's own with --init-from a Japanese GPT-2")),
    _s("val_fraction", 0.1, float, _DATA, N_("the last F of the text is the validation split"),
       minimum=0, metavar="F"),
    _s("data_dir", None, str, _DATA, N_("where the token files go"), nullable=True,
       resumable=True, metavar="DIR", default_text=N_("the cache's tokens folder")),
    _s("init_from", "scratch", str, _MODEL,
       N_("scratch, a GPT-2 size to fine-tune OpenAI's weights ({gpt2_sizes}), or a "
          "Japanese GPT-2 to fine-tune with its own tokenizer: a Hub repository such as "
          "rinna/japanese-gpt2-small or a folder in its layout"),
       metavar="FROM"),
    _s("models_dir", None, str, _MODEL, N_("where GPT-2 weights are stored"), nullable=True,
       resumable=True, metavar="DIR", default_text=N_("the cache's gpt2 folder")),
    _s("n_layer", 4, int, _MODEL, N_("transformer blocks"), minimum=1),
    _s("n_head", 4, int, _MODEL, N_("attention heads"), minimum=1),
    _s("n_embd", 128, int, _MODEL, N_("embedding width"), minimum=1),
    _s("context_length", 64, int, _MODEL, N_("tokens per training window"), minimum=1),
    _s("dropout", 0.0, float, _MODEL, N_("dropout rate"), minimum=0, below=1),
    _s("qkv_bias", False, bool, _MODEL, N_("biases in the query/key/value projections")),
    _s("fast", False, bool, _MODEL, N_("use GPTModelFast (fused kernels, the same weights) "
       "instead of GPTModel"), resumable=True),
    _s("batch_size", 12, int, _OPT, N_("windows per micro-batch and process"), minimum=1),
    _s("grad_accum", 1, int, _OPT, N_("micro-batches per optimizer step"), minimum=1,
       metavar="N"),
    _s("max_iters", 2000, int, _OPT, N_("optimizer steps"), minimum=0, resumable=True),
    _s("lr", 1e-3, float, _OPT, N_("peak learning rate"), minimum=0),
    _s("min_lr", 1e-4, float, _OPT, N_("learning rate at the end of the decay"), minimum=0),
    _s("warmup_iters", 100, int, _OPT, N_("steps of linear warm-up"), minimum=0),
    _s("lr_decay_iters", None, int, _OPT, N_("step where the cosine decay reaches --min-lr"),
       minimum=1, nullable=True, default_text="--max-iters"),
    _s("weight_decay", 0.1, float, _OPT, N_("AdamW weight decay of the weight matrices"),
       minimum=0),
    _s("beta1", 0.9, float, _OPT, N_("AdamW beta1"), minimum=0, below=1),
    _s("beta2", 0.95, float, _OPT, N_("AdamW beta2"), minimum=0, below=1),
    _s("grad_clip", 1.0, float, _OPT, N_("clip the gradient norm to this value, 0 = off"),
       minimum=0),
    _s("dtype", "float32", str, _OPT, N_("autocast precision: bfloat16 on recent CPUs and "
       "GPUs, float16 on CUDA only"), choices=DTYPES, resumable=True),
    _s("compile", False, bool, _OPT, N_("torch.compile the model"), resumable=True),
    _s("device", None, str, _OPT, N_("auto, cpu, cuda, cuda:N or mps"), nullable=True,
       resumable=True, default_text=N_("auto, or $LLMS_FROM_SCRATCH_DEVICE")),
    _s("seed", 1337, int, _OPT, N_("random seed"), minimum=0),
    _s("eval_interval", 250, int, _EVAL, N_("evaluate, sample and save every N steps"),
       minimum=1, resumable=True),
    _s("eval_iters", 20, int, _EVAL, N_("batches per split in an evaluation"), minimum=1,
       resumable=True),
    _s("sample_tokens", 200, int, _EVAL, N_("tokens in each sample, 0 = no samples"),
       minimum=0, resumable=True),
    _s("sample_prompt", None, str, _EVAL, N_("the samples' prompt"), nullable=True,
       resumable=True, default_text=N_("a newline, or <|endoftext|>")),
    _s("temperature", 0.8, float, _EVAL, N_("sampling temperature, 0 = greedy"), minimum=0,
       resumable=True),
    _s("top_k", None, int, _EVAL, N_("sample among the top K tokens"), minimum=1, nullable=True,
       resumable=True, default_text=N_("all")),
    _s("progress", True, bool, _EVAL, N_("show a progress bar on stderr"), resumable=True),
    _s("out_dir", "out", str, _EVAL, N_("where ckpt.pt, config.json, log.jsonl and "
       "summary.json go"), resumable=True, metavar="DIR"),
)

BY_NAME = {s.name: s for s in SETTINGS}
DEFAULTS = {s.name: s.default for s in SETTINGS}
RESUMABLE_CHANGES = frozenset(s.name for s in SETTINGS if s.resumable)


def flag(name):
    """``n_layer`` -> ``--n-layer``."""
    return "--" + name.replace("_", "-")


# -- the command line ----------------------------------------------------------------------


def _help(setting):
    shown = setting.shown_default()
    # {gpt2_sizes} is the one placeholder of the help texts (replaced, not .format()ted:
    # --documents' help shows the braces of {"text": ...}).
    text = _(setting.help).replace("{gpt2_sizes}", GPT2_SIZES_TEXT)
    return _("{help} (default: {default})").format(help=text, default=_(shown)) if shown else text


def add_arguments(parser):
    """The ``train`` flags, one per setting, plus ``--resume`` and ``--config``.

    A flag that is not given stays unset (``argparse.SUPPRESS``), so that a
    config file can fill it; the defaults are applied by ``resolve_config``.
    """
    groups = {}
    for setting in SETTINGS:
        if setting.group not in groups:
            groups[setting.group] = parser.add_argument_group(_(setting.group))
        kwargs = {"default": argparse.SUPPRESS, "help": _help(setting)}
        if setting.type is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = setting.type
            if setting.choices:
                kwargs["choices"] = setting.choices
            if setting.metavar:
                kwargs["metavar"] = setting.metavar
            if setting.nargs:
                kwargs["nargs"] = setting.nargs
        groups[setting.group].add_argument(setting.flag, **kwargs)
    groups[_EVAL].add_argument("--resume", action="store_true", default=argparse.SUPPRESS,
                               help=_("continue the run whose ckpt.pt is in --out-dir"))
    parser.add_argument("--config", metavar="JSON", default=None,
                        help=_("a JSON file of settings (keys as the flags' names); flags win"))


# The examples under ``train --help`` (cli builds the parser from here, without importing
# train and torch).
EPILOG = N_("""\
examples:
  llms-from-scratch train --out-dir out-shakespeare            # CPU recipe, ~1 minute
  llms-from-scratch train --dataset wagahaiwa-nekodearu --out-dir out-neko
  llms-from-scratch train --text my.txt --tokenizer gpt2 --out-dir out-mine
  llms-from-scratch train --dataset wagahaiwa-nekodearu --tokenizer bpe:1000 --out-dir out-neko
      (a byte-level BPE of 1,000 tokens learned from the text, kept as out-neko/tokenizer.json)
  llms-from-scratch train --text works/ more.txt --tokenizer bpe:4000 --out-dir out-works
  llms-from-scratch train --init-from rinna/japanese-gpt2-small --dataset wagahaiwa-nekodearu \\
      --max-iters 200 --out-dir out-rinna   (fine-tuning with the model's own tokenizer)
  llms-from-scratch train --out-dir out-shakespeare --resume --max-iters 2500
      (the learning rate stays at --min-lr after --lr-decay-iters)
  llms-from-scratch generate --model out-shakespeare/ckpt.pt --prompt "ROMEO:"

  nanoGPT's GPU recipe (it reports a validation loss of about 1.47 after about
  3 minutes on one A100):
  llms-from-scratch train --n-layer 6 --n-head 6 --n-embd 384 --context-length 256 \\
      --batch-size 64 --dropout 0.2 --max-iters 5000 --beta2 0.99 --eval-iters 200 \\
      --dtype bfloat16 --compile --out-dir out-shakespeare-gpu
  (--dtype bfloat16 needs an Ampere or newer GPU, e.g. A100, L4, RTX 30xx/40xx;
  on older ones, e.g. Colab's T4 or a V100, use --dtype float16)

several processes (DistributedDataParallel; NCCL on GPUs, Gloo on CPUs):
  torchrun --standalone --nproc_per_node=4 -m llms_from_scratch train --out-dir out
  Each process samples its own batches; only rank 0 prints and writes files.
  --batch-size and --grad-accum are per process.

several machines (run on every node, node_rank 0..nnodes-1):
  torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --rdzv_backend=c10d \\
      --rdzv_endpoint=HOST:29500 -m llms_from_scratch train --out-dir out
  HOST is an address of the first node that all nodes reach. --out-dir must be
  a folder of rank 0's machine; each node prepares the token files in its own
  cache (set --data-dir to a shared folder to prepare them once).
""")


# -- checks --------------------------------------------------------------------------------


def _check_setting(setting, value):
    name = setting.flag
    if value is None and setting.nullable:
        return
    if setting.type is bool:
        if not isinstance(value, bool):
            raise TrainError(_("{name} must be true or false, got {value!r}")
                             .format(name=setting.name, value=value))
        return
    if setting.type is str:
        several = setting.nargs and isinstance(value, list) and value \
            and all(isinstance(v, str) for v in value)
        if not setting.choices and not isinstance(value, str) and not several:
            message = (_("{name} must be a string or a list of strings, got {value!r}")
                       if setting.nargs else _("{name} must be a string, got {value!r}"))
            raise TrainError(message.format(name=name, value=value))
        return
    if setting.type is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise TrainError(_("{name} must be an integer, got {value!r}")
                         .format(name=name, value=value))
    if setting.type is float and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value < 0):
        raise TrainError(_("{name} must be a number >= 0, got {value!r}")
                         .format(name=name, value=value))
    if value < setting.minimum:
        raise TrainError(_("{name} must be {bound}, got {value}")
                         .format(name=name,
                                 bound=_("positive") if setting.minimum else ">= 0",
                                 value=value))
    if setting.below is not None and not value < setting.below:
        raise TrainError(_("{name} must be below {below:g}, got {value}")
                         .format(name=name, below=setting.below, value=value))


def _check_choices(cfg):
    if cfg["text"] is not None and cfg["documents"] is not None:
        raise TrainError(_("give either --text or --documents, not both"))
    if cfg["dataset"] not in DATASETS:
        raise TrainError(_("unknown --dataset {dataset!r}; use {datasets} or --text PATH")
                         .format(dataset=cfg["dataset"], datasets=", ".join(DATASETS)))
    if cfg["tokenizer"] not in (None, "model"):
        from .tokenizer_choice import parse_tokenizer

        parse_tokenizer(cfg["tokenizer"])
    if cfg["dtype"] not in DTYPES:
        raise TrainError(_("unknown --dtype {dtype!r}; use {dtypes}")
                         .format(dtype=cfg["dtype"], dtypes=", ".join(DTYPES)))
    if cfg["init_from"] != "scratch" and not is_japanese_init(cfg["init_from"]):
        from . import gpt2

        try:
            gpt2.normalize_gpt2_size(cfg["init_from"])
        except ValueError:
            raise TrainError(_("--init-from must be scratch or a GPT-2 size ({gpt2_sizes_text}), "
                               "or a Japanese GPT-2 (a Hub repository owner/name, or a model "
                               "folder), got {init_from!r}")
                             .format(gpt2_sizes_text=GPT2_SIZES_TEXT,
                                     init_from=cfg["init_from"])) from None


def is_japanese_init(value):
    """Whether ``--init-from`` names a Japanese GPT-2: a Hub repository or a model folder."""
    from .japanese_gpt2 import is_repo_id

    # Any folder: its loader says what it lacks (config.json, weights, spiece.model).
    return isinstance(value, str) and (is_repo_id(value) or Path(value).expanduser().is_dir())


def check_config(cfg):
    """Raise ``TrainError`` naming the flag if a setting has the wrong type or range."""
    for setting in SETTINGS:
        _check_setting(setting, cfg[setting.name])
    if cfg["lr"] == 0:
        raise TrainError(_("--lr must be positive"))
    if cfg["min_lr"] > cfg["lr"]:
        raise TrainError(_("--min-lr ({min_lr}) must not exceed --lr ({lr})")
                         .format(min_lr=cfg['min_lr'], lr=cfg['lr']))
    if not 0 < cfg["val_fraction"] < 1:
        raise TrainError(_("--val-fraction must be in (0, 1), got {val_fraction}")
                         .format(val_fraction=cfg['val_fraction']))
    if cfg["n_embd"] % cfg["n_head"]:
        raise TrainError(_("--n-embd ({n_embd}) must be divisible by --n-head ({n_head})")
                         .format(n_embd=cfg['n_embd'], n_head=cfg['n_head']))
    _check_choices(cfg)


# -- merging defaults, file and flags ------------------------------------------------------


def read_config_file(path):
    """The settings of a JSON config file (keys as flag names, - or _ alike)."""
    path = Path(path).expanduser()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainError(_("no config file at {path}; check the path given to --config")
                         .format(path=path)) from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise TrainError(_("cannot read the config file {path}: {err}")
                         .format(path=path, err=err)) from None
    if not isinstance(raw, dict):
        raise TrainError(_("the config file {path} must hold a JSON object of settings")
                         .format(path=path))
    settings = {}
    for key, value in raw.items():
        name = str(key).lstrip("-").replace("-", "_")
        if name not in BY_NAME:
            raise TrainError(_("the config file {path} has an unknown setting {key!r}; known: "
                               "{by_name}")
                             .format(path=path, key=key, by_name=', '.join(BY_NAME)))
        settings[name] = value
    return settings


def resolve_config(overrides=None, config_file=None):
    """Defaults, then the config file, then ``overrides`` (the flags given)."""
    cfg = dict(DEFAULTS)
    if config_file is not None:
        cfg.update(read_config_file(config_file))
    cfg.update(overrides or {})
    unknown = sorted(set(cfg) - set(DEFAULTS))
    if unknown:
        raise TrainError(_("unknown settings {unknown}")
                         .format(unknown=', '.join(unknown)))
    check_config(cfg)
    return cfg


def resumed_config(saved, cfg, explicit):
    """The checkpoint's settings ``saved``, with the changes allowed on resume applied.

    ``explicit`` names the settings given by flag or config file; changing
    one that is not resumable is refused.
    """
    clash = [k for k in explicit
             if k not in RESUMABLE_CHANGES and k in saved and cfg[k] != saved[k]]
    if clash:
        details = ", ".join(_("{flag} {value} (checkpoint: {saved})")
                            .format(flag=flag(k), value=repr(cfg[k]), saved=repr(saved[k]))
                            for k in clash)
        raise TrainError(_("cannot change {details} when resuming; start a new run in another "
                           "--out-dir instead")
                         .format(details=details))
    merged = dict(saved)
    for key in RESUMABLE_CHANGES:
        if key in explicit or key not in merged:
            merged[key] = cfg[key]
    check_config({**DEFAULTS, **{k: v for k, v in merged.items() if k in DEFAULTS}})
    return merged


def saved_settings(cfg):
    """The settings a checkpoint keeps (those of the table, ``lr_decay_iters`` resolved)."""
    return {k: cfg[k] for k in DEFAULTS if k in cfg}


__all__ = ["DATASETS", "DEFAULTS", "DTYPES", "RESUMABLE_CHANGES", "SETTINGS", "Setting",
           "EPILOG", "TOKENIZERS", "TrainError", "add_arguments", "check_config", "flag",
           "read_config_file", "resolve_config", "resumed_config"]
