"""``llms-from-scratch check``: is this machine ready for the book?

Four groups of checks, each line marked OK, WARN, FAIL or INFO: (1) Python and
the requirements' versions (``versions``); (2) the devices; (3) a tiny GPT's
float32 forward and backward pass on every device against a float64 CPU
reference, which catches wrong kernels (as some MPS releases had); (4) the
book's downloads, cached or reachable, probed with short timeouts so the check
never hangs offline. Exit code 0 when nothing FAILed. Only the standard
library is imported at module level, so the command line starts fast.
"""

import argparse
import math
import os
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from .errors import UserError
from .i18n import _
from .versions import (
    FAIL,
    INFO,
    OK,
    WARN,
    Result,
    check_versions,
    find_requirements_file,
)

DEFAULT_TOLERANCE = 1e-3
PROBE_TIMEOUT = 3.0  # seconds, for all reachability probes together
# The assets every chapter may need; the GPT-2 weights are fetched in chapter 5 on demand.
BOOK_ASSETS = ("gpt2-tokenizer", "the-verdict", "tinyshakespeare", "wagahaiwa-nekodearu")


# -- 2. Devices ------------------------------------------------------------


def _bf16_matmul_works(torch):
    try:
        a = torch.ones(16, 16, dtype=torch.bfloat16)
        return bool((a @ a)[0, 0].item() == 16.0)
    except Exception:
        return False


def accelerators():
    """The devices to self-test besides the CPU: every CUDA GPU, then MPS."""
    import torch

    devices = [torch.device("cuda", i) for i in range(torch.cuda.device_count())] \
        if torch.cuda.is_available() else []
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append(torch.device("mps"))
    return devices


TORCH_INDEX = "https://download.pytorch.org/whl"


def torch_build(torch=None):
    """``(build, how to switch)`` of the installed torch: CPU, CUDA x.y, ROCm x.y or MPS."""
    if torch is None:
        import torch
    switch = "pip uninstall -y torch && pip install torch --index-url " + TORCH_INDEX
    if torch.version.cuda:
        return (f"CUDA {torch.version.cuda}",
                _("for the smaller CPU build: {switch} (setup/README.md)").format(
                    switch=f"{switch}/cpu"))
    if getattr(torch.version, "hip", None):
        how = _("for the CPU build: {switch} (setup/README.md)").format(switch=f"{switch}/cpu")
        return f"ROCm {torch.version.hip}", how
    mps = getattr(torch.backends, "mps", None)
    if sys.platform == "darwin" and mps is not None and mps.is_built():
        return _("MPS (the default macOS wheel)"), _("nothing to switch: macOS has no CUDA build")
    return "CPU", _("for an NVIDIA GPU: {switch} (pick the CUDA version that nvidia-smi allows, "
                    "setup/README.md)").format(switch=f"{switch}/cu126")


def check_devices():
    """One INFO line each for the torch build, the CPU, CUDA and MPS, and the device chosen."""
    import torch

    from .device import DEVICE_ENV_VAR, get_device

    build, switch = torch_build(torch)
    results = [Result(INFO, _("torch build"), _("{build}, torch {version}; {switch}")
                                           .format(build=build, version=torch.__version__,
                                                   switch=switch)),
               _cpu_result(torch), *_cuda_results(torch), _mps_result(torch)]
    try:
        chosen = get_device()
        env = os.environ.get(DEVICE_ENV_VAR)
        how = f"${DEVICE_ENV_VAR}={env}" if env else _("automatic choice")
        results.append(Result(OK, "get_device()", f"{chosen} ({how})"))
    except (RuntimeError, ValueError) as err:
        results.append(Result(FAIL, "get_device()", str(err)))
    return results


def _cpu_result(torch):
    from .generate import cpu_has_native_bf16

    getcap = getattr(torch.backends.cpu, "get_cpu_capability", None)
    capability = getcap() if getcap is not None else "unknown"
    bf16 = _("works") if _bf16_matmul_works(torch) else _("does not work")
    native = {True: _("native (AVX512_BF16 or AMX): --dtype bfloat16 pays off"),
              False: _("emulated (no AVX512_BF16 or AMX): keep float32 on this CPU"),
              None: _("native or emulated: unknown")}[cpu_has_native_bf16()]
    return Result(INFO, "CPU", _("{cpu_count} cores, torch uses {get_num_threads} threads, "
                                 "instruction set {capability}, bfloat16 matmul {bf16}, "
                                 "{native}")
                               .format(cpu_count=os.cpu_count(),
                                       get_num_threads=torch.get_num_threads(),
                                       capability=capability, bf16=bf16, native=native))


def _cuda_results(torch):
    from .amp import cuda_bf16_native

    if not torch.cuda.is_available():
        why = (_("this torch build has no CUDA (a CPU build); see setup/README.md")
               if torch.version.cuda is None else _("no NVIDIA GPU or driver found"))
        return [Result(INFO, "CUDA", _("not available ({why})").format(why=why))]
    results = []
    for i in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(i)
        bf16_gpu = (_("native") if cuda_bf16_native(i) else
                    _("emulated only (slow): use --dtype float16 on this GPU"))
        detail = _("{name}, {memory:.1f} GiB, CUDA {cuda}, bf16 {bf16_gpu}").format(
            name=props.name, memory=props.total_memory / 2**30, cuda=torch.version.cuda,
            bf16_gpu=bf16_gpu)
        results.append(Result(INFO, f"CUDA:{i}", detail))
    return results


def _mps_result(torch):
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return Result(INFO, "MPS", _("available (Apple silicon)"))
    if sys.platform == "darwin":
        return Result(INFO, "MPS", _("not available (needs Apple silicon and macOS 12.3+)"))
    return Result(INFO, "MPS", _("not available (macOS only)"))


# -- 3. Numerical self-test ------------------------------------------------

SELF_TEST_CFG = {
    "vocab_size": 97,
    "context_length": 16,
    "emb_dim": 32,
    "n_heads": 4,
    "n_layers": 2,
    "drop_rate": 0.0,
    "qkv_bias": True,
}


def _forward_backward(model, inputs, targets, device):
    """Logits and gradients of one cross-entropy step, returned on the CPU."""
    import torch

    model = model.to(device)
    model.zero_grad(set_to_none=True)
    logits = model(inputs.to(device))
    loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.to(device).flatten())
    loss.backward()
    # To the CPU first, then to float64: MPS has no float64, so casting there fails.
    grads = {name: p.grad.detach().cpu().double() for name, p in model.named_parameters()}
    return logits.detach().cpu().double(), grads


def self_test(device, tolerance=DEFAULT_TOLERANCE, seed=123):
    """Compare a tiny GPT's float32 forward/backward on ``device`` with float64 on the CPU.

    Returns a ``Result``: FAIL when the largest absolute difference of the
    logits or of any gradient exceeds ``tolerance``, or when the run raises.
    """
    import copy

    import torch

    from .ch04 import GPTModel

    device = torch.device(device)
    name = _("self-test {device}").format(device=device)
    torch.manual_seed(seed)
    model = GPTModel(SELF_TEST_CFG).eval()
    cfg = SELF_TEST_CFG
    inputs = torch.randint(0, cfg["vocab_size"], (2, cfg["context_length"]))
    targets = torch.randint(0, cfg["vocab_size"], (2, cfg["context_length"]))
    try:
        ref_logits, ref_grads = _forward_backward(copy.deepcopy(model).double(),
                                                  inputs, targets, torch.device("cpu"))
        logits, grads = _forward_backward(copy.deepcopy(model), inputs, targets, device)
    except Exception as err:
        text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        hint = _(" (on MPS, try PYTORCH_ENABLE_MPS_FALLBACK=1)") if device.type == "mps" else ""
        return Result(FAIL, name, _("the forward/backward pass raised: {text}{hint}")
                                  .format(text=text, hint=hint))
    logit_diff = (logits - ref_logits).abs().max().item()
    grad_diff = max((grads[k] - ref_grads[k]).abs().max().item() for k in ref_grads)
    finite = bool(torch.isfinite(logits).all()) and all(
        bool(torch.isfinite(g).all()) for g in grads.values())
    detail = _("max |logits diff| {logit_diff:.1e}, max |gradient diff| {grad_diff:.1e} "
               "(float32 on {device} vs float64 on cpu; tolerance {tolerance:.0e})").format(
        logit_diff=logit_diff, grad_diff=grad_diff, device=device, tolerance=tolerance)
    if not finite or not (logit_diff <= tolerance and grad_diff <= tolerance):
        hint = _("results on this device are wrong; update torch (and macOS for MPS) or run "
                 "the book on the CPU with LLMS_FROM_SCRATCH_DEVICE=cpu")
        return Result(FAIL, name, f"{detail}: {hint}")
    return Result(OK, name, detail)


def check_numerics(tolerance=DEFAULT_TOLERANCE):
    import torch

    return [self_test(device, tolerance) for device in [torch.device("cpu"), *accelerators()]]


# -- 4. Downloads ----------------------------------------------------------


def _probe_url(url, timeout):
    """HEAD ``url``; return None when it answers, else a short reason."""
    request = urllib.request.Request(url, method="HEAD", headers={
        "User-Agent": "llms-from-scratch check"})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError as err:
        return None if err.code in (403, 405) else f"HTTP {err.code}"  # some hosts refuse HEAD
    except Exception as err:
        from .http_download import describe_failure

        return describe_failure(err, url, timeout)[0]  # in the reader's language


def probe_urls(urls, timeout=PROBE_TIMEOUT):
    """Probe ``urls`` in parallel; ``{url: None | reason}``, within ``timeout`` seconds.

    Each probe runs in a daemon thread, so a name lookup that blocks (which a
    socket timeout does not cover) cannot hold the check up.
    """
    answers = {}

    def worker(url):
        answers[url] = _probe_url(url, timeout)

    threads = [threading.Thread(target=worker, args=(url,), daemon=True) for url in urls]
    for thread in threads:
        thread.start()
    deadline = timeout + 0.5
    for thread in threads:
        thread.join(deadline)
        deadline = 0.1  # the others had the same time to finish
    return {url: answers.get(url, _("no answer within {timeout:.0f} s").format(timeout=timeout))
            for url in urls}


def check_downloads(network=True, timeout=PROBE_TIMEOUT):
    from . import assets

    results, missing = [], {}
    for name in BOOK_ASSETS:
        asset = assets.ASSETS[name]
        if assets.is_cached(name):
            results.append(Result(OK, name, _("cached")))
        else:
            missing[name] = asset
    if missing and network:
        answers = probe_urls([f.url for a in missing.values() for f in a.files], timeout)
    for name, asset in missing.items():
        where = _("; ").join(
            _("extract {member} from {url} to {path}").format(
                member=f.zip_member, url=f.url, path=assets.local_path(f)) if f.zip_member
            else _("place {url} at {path}").format(url=f.url, path=assets.local_path(f))
            for f in asset.files if not assets.local_path(f).exists())
        if not network:
            results.append(Result(FAIL, name, _("not cached (network probe skipped); run "
                                                "`llms-from-scratch download --all`, or {where}")
                                              .format(where=where)))
            continue
        failures = [answers[f.url] for f in asset.files if answers[f.url] is not None]
        if failures:
            results.append(Result(FAIL, name, _("not cached and not reachable ({reason}); on a "
                                                "machine with internet run `llms-from-scratch "
                                                "download --all`, or {where}")
                                              .format(reason=failures[0], where=where)))
        else:
            results.append(Result(WARN, name, _("not cached yet; reachable, so it is downloaded "
                                                "on first use (or now: `llms-from-scratch "
                                                "download --all`)")))
    if assets.is_cached("gpt2-tokenizer"):
        try:
            tokenizer = assets.gpt2_tokenizer()
            ids = tokenizer.encode("Hello, world.")
            ok = tokenizer.decode(ids) == "Hello, world." and tokenizer.n_vocab == 50257
            results.append(Result(OK if ok else FAIL, "tokenizer",
                                  _("GPT-2 BPE loads ({n_vocab} tokens; 'Hello, world.' -> {ids})")
                                  .format(n_vocab=tokenizer.n_vocab, ids=ids)))
        except Exception as err:
            results.append(Result(FAIL, "tokenizer",
                                  _("cached files do not load: {err}").format(err=err)))
    weights = [s for s in ("124M", "355M", "774M", "1558M") if assets.is_cached(f"gpt2-{s}")]
    detail = (_("cached: {sizes}").format(sizes=", ".join(weights)) if weights
              else _("none cached (chapter 5 downloads them on demand)"))
    results.append(Result(INFO, _("GPT-2 weights"), detail))
    return results


# -- Running it all --------------------------------------------------------


def add_arguments(parser):
    parser.add_argument("--requirements", metavar="FILE",
                        help=_("the requirements file to compare with (default: the repository's "
                               "requirements.txt when run from a checkout, else the package's "
                               "own dependencies)"))
    parser.add_argument("--no-network", action="store_true",
                        help=_("never probe the download URLs (files that are not cached then "
                               "FAIL)"))
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                        help=_("largest allowed difference in the self-test (default: "
                               "{default_tolerance:g})")
                             .format(default_tolerance=DEFAULT_TOLERANCE))
    parser.add_argument("--timeout", type=float, default=PROBE_TIMEOUT,
                        help=_("seconds for the URL probes, at most {probe_timeout:g} (the "
                               "default)")
                             .format(probe_timeout=PROBE_TIMEOUT))
    return parser


def _print_section(title, results, out):
    print(title, file=out)
    for r in results:
        print(f"  {r.status:<5} {r.name}: {r.detail}" if r.detail else f"  {r.status:<5} {r.name}",
              file=out)
    print(file=out)


def check_arguments(args):
    """Raise ``UserError`` (a ``ValueError``) naming the flag if a flag's value cannot work."""
    if not math.isfinite(args.tolerance) or args.tolerance <= 0:
        raise UserError(_("--tolerance must be a positive number, got {tolerance}")
                        .format(tolerance=args.tolerance))
    if not math.isfinite(args.timeout) or args.timeout <= 0:
        raise UserError(_("--timeout must be a positive number of seconds, got {timeout}")
                        .format(timeout=args.timeout))
    if args.requirements:
        path = Path(args.requirements).expanduser()
        if not path.is_file():
            raise UserError(_("no requirements file at {path}; give an existing file, or leave "
                              "out --requirements")
                            .format(path=path))
        try:
            path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise UserError(_("cannot read the requirements file {path} ({err}); give a readable "
                              "UTF-8 file")
                            .format(path=path, err=err)) from None


def run(args, out=None):
    """Run every check and print the report; return the exit code (0 = ready).

    A flag that cannot work raises ``ValueError`` before anything runs.
    """
    out = out or sys.stdout
    check_arguments(args)
    requirements = (Path(args.requirements).expanduser() if args.requirements
                    else find_requirements_file())
    source, results = check_versions(requirements)
    _print_section(_("Python and packages (from {source})").format(source=source), results, out)
    try:
        import torch  # noqa: F401
    except ImportError:
        print(_("torch is not installed; the remaining checks need it."), file=out)
        return 1
    sections = [  # each runs when its turn comes, so the report appears as it goes
        (_("Devices"), check_devices),
        (_("Numerical self-test: a tiny GPT's forward and backward pass"),
         lambda: check_numerics(args.tolerance)),
        (_("Downloads"), lambda: check_downloads(network=not args.no_network,
                                              timeout=min(args.timeout, PROBE_TIMEOUT))),
    ]
    for title, run_section in sections:
        section = run_section()
        _print_section(title, section, out)
        results += section
    failed = [r for r in results if r.status == FAIL]
    warned = [r for r in results if r.status == WARN]
    if failed:
        print(_("{n_failed} check(s) FAILED: {failed}. See setup/README.md (troubleshooting).")
              .format(n_failed=len(failed), failed=', '.join(r.name for r in failed)), file=out)
        return 1
    note = _(" ({n_warned} warning(s))").format(n_warned=len(warned)) if warned else ""
    print(_("Everything the book needs is here{note}.").format(note=note), file=out)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="llms-from-scratch check",
        description=_("Check that this machine is ready for the book: package versions, devices, "
                      "a numerical self-test and the downloads."))
    args = add_arguments(parser).parse_args(argv)
    try:
        return run(args)
    except ValueError as err:
        print(_("{prog}: error: {err}").format(prog=parser.prog, err=err), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
