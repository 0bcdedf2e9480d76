"""The work of the ``llms-from-scratch generate`` command.

``cli`` declares the flags; ``run`` checks the options, loads any model file
``model_files`` accepts, copies it into a ``fast.GPTModelFast`` in ``--dtype``
and streams the continuation through the KV cache. ``stream_text`` is also
what ``bench`` times. Every failure the reader can fix raises
``errors.UserError`` (one line).
"""

import codecs
import math
import sys
from pathlib import Path

import torch

from .amp import cuda_bf16_advice, cuda_bf16_native
from .errors import UserError, one_line
from .i18n import _

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
DEFAULT_TOP_K = 50


def check_options(args):
    """Refuse out-of-range sampling options before anything is loaded."""
    if args.max_new_tokens < 0:
        raise UserError(_("--max-new-tokens must be >= 0, got {max_new_tokens}")
                        .format(max_new_tokens=args.max_new_tokens))
    if not math.isfinite(args.temperature) or args.temperature < 0:
        raise UserError(_("--temperature must be a number >= 0 (0 = greedy), got {temperature}")
                        .format(temperature=args.temperature))
    if args.top_k is not None and args.top_k < 1:
        raise UserError(_("--top-k must be at least 1, got {top_k}")
                        .format(top_k=args.top_k))
    if args.top_p is not None and not 0.0 < args.top_p <= 1.0:
        raise UserError(_("--top-p must be in (0, 1], got {top_p}")
                        .format(top_p=args.top_p))


def _not_utf8(where, position):
    return UserError(_("the prompt {where} is not UTF-8 text ({position}); convert it first, "
                       "e.g. iconv -f SHIFT_JIS -t UTF-8")
                     .format(where=where, position=position))


def read_prompt(prompt, stdin=None):
    """``prompt``, or the text on ``stdin`` (one final newline dropped) when it is None."""
    stdin = stdin if stdin is not None else sys.stdin
    where = _("given with --prompt") if prompt is not None else _("on stdin")
    if prompt is None:
        if stdin.isatty():
            print(_("reading the prompt from stdin; end it with Ctrl-D (Ctrl-Z Enter on "
                    "Windows), or give --prompt"), file=sys.stderr)
        try:
            prompt = stdin.read()
        except UnicodeDecodeError as err:
            raise _not_utf8(where, _("{reason} at byte {start}").format(
                reason=err.reason, start=err.start)) from None
        if prompt.endswith("\n"):  # the newline that ends a line typed or echoed
            prompt = prompt[:-1]
    try:  # undecodable bytes in argv (or a stdin read leniently) arrive as surrogates
        prompt.encode("utf-8")
    except UnicodeEncodeError as err:
        raise _not_utf8(where, _("an undecodable byte at character {start}").format(
            start=err.start)) from None
    if not prompt.strip():
        raise UserError(_("the prompt is empty; give --prompt TEXT or pipe text to stdin"))
    return prompt


def check_dtype(name, device):
    """The torch dtype for ``--dtype name``, or a one-line error if ``device`` lacks it.

    bfloat16 counts as supported where a tiny bfloat16 matmul gives the exact
    result; on CUDA only where the GPU computes in it natively (Ampere or
    newer), not on a T4's emulation.
    """
    if name not in DTYPES:
        raise UserError(_("--dtype must be one of {dtypes}, got {name!r}")
                        .format(dtypes=', '.join(DTYPES), name=name))
    dtype = DTYPES[name]
    if dtype is torch.float32:
        return dtype
    device = torch.device(device)
    if device.type == "cuda" and not cuda_bf16_native(device):
        raise UserError(cuda_bf16_advice(device, float16=False))
    try:
        a = torch.full((4, 4), 1.5, dtype=dtype, device=device)
        ok = bool(((a @ a) == 9.0).all())
    except (RuntimeError, TypeError):
        ok = False
    if not ok:
        raise UserError(_("--dtype bfloat16 is not supported on {device}; use --dtype float32")
                        .format(device=device))
    return dtype


def cpu_has_native_bf16():
    """Whether this CPU has bfloat16 instructions (None where torch cannot tell)."""
    try:
        caps = torch._C._cpu._get_cpu_capability()
    except (AttributeError, RuntimeError):
        return None
    return bool(caps.get("avx512_bf16") or caps.get("amx_bf16"))


def model_tokenizer(spec, folder=None):
    """The tokenizer a model file names (``spec``), GPT-2's BPE when it names none.

    A tokenizer kept as a file (a run's ``tokenizer.json`` or ``spiece.model``)
    is looked for in ``folder``, the model file's own.
    """
    from . import assets

    if spec is None:
        return assets.gpt2_tokenizer()
    from .data import tokenizer_from_spec

    return tokenizer_from_spec(spec, folder)


def config_of_model(model):
    """The ``GPTModel`` config dict of a loaded model, read off its modules."""
    att = model.trf_blocks[0].att
    return {"vocab_size": model.tok_emb.num_embeddings,
            "context_length": model.pos_emb.num_embeddings,
            "emb_dim": model.tok_emb.embedding_dim, "n_heads": att.num_heads,
            "n_layers": len(model.trf_blocks), "drop_rate": 0.0,
            "qkv_bias": att.W_query.bias is not None}


def fast_copy(model, dtype=torch.float32, device=None):
    """A ``GPTModelFast`` in eval mode with ``model``'s weights in ``dtype`` on ``device``
    (default: where ``model`` is).

    The weights are taken over without a copy (``assign=True``); only
    ``.to(dtype)`` makes new ones. A tied output head stays one Parameter.
    For float32 on a CPU the blocks use ``decoding_layout``, which helps only
    CPUs, hence ``device`` (a CPU model moved to a GPU later keeps the strides).
    """
    from .fast import GPTModelFast

    tied = model.out_head.weight is model.tok_emb.weight
    with torch.device("meta"):  # no memory, no random initialisation
        fast = GPTModelFast(config_of_model(model), tie_weights=tied)
    fast.load_state_dict(model.state_dict(), assign=True)
    if tied:
        fast.out_head.weight = fast.tok_emb.weight
    device = model.tok_emb.weight.device if device is None else torch.device(device)
    fast = fast.to(device=device, dtype=dtype).eval()
    if fast.tok_emb.weight.device.type == "cpu" and dtype == torch.float32:
        decoding_layout(fast)
    return fast


def decoding_layout(model):
    """Store each ``nn.Linear`` weight of the blocks as the transpose of a contiguous
    (in, out) matrix; the shape stays (out, in), so nothing else changes.

    On CPUs one token's matrix-vector products stream an (in, out) matrix
    faster than ``nn.Linear``'s (out, in) layout (docs/performance.md). The
    output head has its own copy (``GPTModelFast.head_weight_t``).
    """
    with torch.no_grad():
        for block in model.trf_blocks:
            for linear in block.modules():
                if isinstance(linear, torch.nn.Linear):
                    linear.weight.data = linear.weight.data.t().contiguous().t()
    return model


def write_stream(tokenizer, token_ids, out):
    """Write the text of ``token_ids`` (ints) to ``out`` as it becomes whole.

    A token may end in the middle of a UTF-8 character (common for Japanese);
    such bytes wait until the character is whole. A newline ends the text.
    Returns the number of tokens.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    count = 0
    for token in token_ids:
        try:
            piece = tokenizer.decode_single_token_bytes(token)
        except KeyError:
            raise UserError(_("the model produced token ID {token}, which its tokenizer does not "
                              "know")
                            .format(token=token)) from None
        count += 1
        text = decoder.decode(piece)
        if text:
            out.write(text)
            out.flush()
    out.write(decoder.decode(b"", final=True) + "\n")
    out.flush()
    return count


def stream_text(model, tokenizer, ids, out, max_new_tokens, temperature=0.0, top_k=None,
                top_p=None, eos_id=None):
    """Continue the token IDs ``ids`` through the KV cache, writing text to ``out``.

    The sampling options are those of ``ch05.generate``; the context is the
    model's. Returns the number of tokens generated.
    """
    from .kvcache import stream_cached

    device = model.tok_emb.weight.device
    idx = torch.tensor([ids], device=device)
    steps = stream_cached(model, idx, max_new_tokens, model.pos_emb.num_embeddings,
                          temperature=temperature, top_k=top_k, top_p=top_p, eos_id=eos_id)
    return write_stream(tokenizer, (int(t) for t in steps), out)


def _load(args, device, dtype):
    from . import assets
    from .model_files import load_model_and_tokenizer

    try:
        model, spec = load_model_and_tokenizer(args.model, args.config, args.models_dir)
        tokenizer = model_tokenizer(spec, Path(args.model).expanduser().parent)
    except (assets.DownloadError, ImportError, OSError) as err:
        raise UserError(one_line(err)) from None
    return fast_copy(model.to(device), dtype), tokenizer


def _check_prompt_ids(ids, model):
    vocab_size = model.tok_emb.num_embeddings
    context = model.pos_emb.num_embeddings
    if len(ids) > context:
        raise UserError(_("the prompt is {n_ids} tokens long but the model's context holds "
                          "{context}; shorten the prompt")
                        .format(n_ids=len(ids), context=context))
    if max(ids) >= vocab_size:
        raise UserError(_("the prompt has token ID {ids} but the model's vocabulary has only "
                          "{vocab_size} tokens; it was not trained with this tokenizer")
                        .format(ids=max(ids), vocab_size=vocab_size))


def run(args, out=None):
    """The ``generate`` command on parsed arguments; the text goes to ``out`` (stdout)."""
    from .device import get_device

    out = out if out is not None else sys.stdout
    check_options(args)
    prompt = read_prompt(args.prompt)
    try:
        device = get_device(args.device)
    except (RuntimeError, ValueError) as err:
        raise UserError(one_line(err)) from None
    dtype = check_dtype(args.dtype, device)
    if dtype is torch.bfloat16 and device.type == "cpu" and cpu_has_native_bf16() is False:
        print(_("note: this CPU has no bfloat16 instructions (AVX-512 BF16, AMX); --dtype "
                "float32 is faster here"), file=sys.stderr)
    model, tokenizer = _load(args, device, dtype)
    ids = tokenizer.encode(prompt, allowed_special={"<|endoftext|>"})
    _check_prompt_ids(ids, model)
    vocab_size = model.tok_emb.num_embeddings
    top_k = args.top_k if args.top_k is not None else min(DEFAULT_TOP_K, vocab_size)
    if top_k > vocab_size:
        raise UserError(_("--top-k must be in 1..{vocab_size} (the model's vocabulary), got "
                          "{top_k}")
                        .format(vocab_size=vocab_size, top_k=top_k))
    eot = tokenizer.eot_token  # None for a char-level tokenizer
    if args.seed is not None:
        torch.manual_seed(args.seed)
    if args.echo_prompt:  # the continuation then reads on from where the prompt stops
        out.write(prompt)
        out.flush()
    stream_text(model, tokenizer, ids, out, args.max_new_tokens, args.temperature, top_k,
                args.top_p, eos_id=eot if eot is not None and eot < vocab_size else None)
    return 0


__all__ = ["DEFAULT_TOP_K", "DTYPES", "check_dtype", "check_options", "config_of_model",
           "cpu_has_native_bf16", "decoding_layout", "fast_copy", "model_tokenizer", "read_prompt",
           "run", "stream_text", "write_stream"]
