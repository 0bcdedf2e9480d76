"""Every command answers a bad command line with one line on stderr, no traceback.

Decision on argparse's usage errors: argparse normally prints the usage (for
``train`` a dozen lines) and then the error. The CLI's parser (``OneLineParser``)
prints one line instead, ``PROG CMD: error: MESSAGE (see PROG CMD --help)``,
with argparse's exit code 2; failures found while working exit with 1. The
tests below run the CLI in-process through ``cli.main`` and, for a few cases,
as a real process, where stderr must hold exactly one line.
"""

import argparse
import io
import os
import signal
import subprocess
import sys

import pytest
import torch

from llms_from_scratch import assets, ckpt, cli
from llms_from_scratch.ch04 import GPTModel

CHARS = "abcdefghijklmnop"
CFG = {"vocab_size": len(CHARS), "context_length": 8, "emb_dim": 8, "n_heads": 2,
       "n_layers": 1, "drop_rate": 0.0, "qkv_bias": False}


def run_main(capsys, argv):
    """``(exit code, stdout, stderr)`` of ``cli.main(argv)``, SystemExit included."""
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def paths(tmp_path):
    (tmp_path / "a-file").write_text("")
    (tmp_path / "text.txt").write_text("hello world\n" * 50)
    return tmp_path


USAGE = 2  # argparse's exit code for a bad command line
FAIL = 1  # a failure found while working

BAD_COMMAND_LINES = [  # (argv, exit code, fragment of the message); {tmp}: a temporary folder
    ([], USAGE, "the following arguments are required: COMMAND"),
    (["nope"], USAGE, "invalid choice: 'nope'"),
    (["--bogus", "download"], USAGE, "unrecognized arguments: --bogus"),
    (["download", "--bogus"], USAGE, "unrecognized arguments: --bogus"),
    (["download", "--all", "the-verdict"], FAIL, "give either --all or asset names, not both"),
    (["download", "nope"], FAIL, "unknown asset 'nope'"),
    (["generate", "--max-new-tokens", "abc"], USAGE, "invalid int value: 'abc'"),
    (["generate", "--temperature", "hot"], USAGE, "invalid float value: 'hot'"),
    (["generate", "--prompt"], USAGE, "expected one argument"),
    (["generate", "--prompt", "x", "--max-new-tokens", "-1"], FAIL,
     "--max-new-tokens must be >= 0"),
    (["generate", "--prompt", "x", "--top-k", "0"], FAIL, "--top-k must be at least 1"),
    (["generate", "--prompt", "x", "--top-p", "0"], FAIL, "--top-p must be in (0, 1]"),
    (["generate", "--prompt", "x", "--temperature", "-1"], FAIL, "--temperature must be"),
    (["generate", "--prompt", ""], FAIL, "the prompt is empty"),
    (["generate", "--prompt", "x", "--model", "7B"], FAIL, "not a GPT-2 size"),
    (["generate", "--prompt", "x", "--model", "{tmp}/missing.pth"], FAIL, "no such file"),
    (["generate", "--prompt", "x", "--model", "{tmp}/a-file"], FAIL, "is empty (0 bytes)"),
    (["generate", "--prompt", "x", "--model", "{tmp}"], FAIL, "a folder without a checkpoint"),
    (["generate", "--prompt", "x", "--device", "tpu"], FAIL, "unknown device 'tpu'"),
    (["generate", "--prompt", "x", "--model", "{tmp}/a-file", "--config", "7B"], FAIL,
     "is empty"),
    (["train", "--lr", "abc"], USAGE, "invalid float value: 'abc'"),
    (["train", "--dataset", "nope"], USAGE, "invalid choice: 'nope'"),
    (["train", "--batch-size", "0"], FAIL, "--batch-size must be positive"),
    (["train", "--eval-interval", "0"], FAIL, "--eval-interval must be positive"),
    (["train", "--max-iters", "-5"], FAIL, "--max-iters must be >= 0"),
    (["train", "--dropout", "1.5"], FAIL, "--dropout must be below 1"),
    (["train", "--n-embd", "10", "--n-head", "3"], FAIL, "must be divisible by --n-head"),
    (["train", "--text", "{tmp}/text.txt", "--dataset", "tinyshakespeare",
      "--out-dir", "{tmp}/out"], FAIL, "give either --dataset or --text, not both"),
    (["train", "--init-from", "gpt2-124M", "--n-layer", "2", "--out-dir", "{tmp}/out"], FAIL,
     "--n-layer cannot be set with --init-from"),
    (["train", "--init-from", "gpt2-7B"], FAIL, "--init-from must be scratch or a GPT-2 size"),
    (["train", "--resume", "--out-dir", "{tmp}/none"], FAIL, "no checkpoint at"),
    (["train", "--config", "{tmp}/missing.json"], FAIL, "no config file at"),
    (["train", "--config", "{tmp}/text.txt"], FAIL, "cannot read the config file"),
    (["train", "--text", "{tmp}/missing.txt", "--out-dir", "{tmp}/out"], FAIL,
     "check the path given to --text"),
    (["train", "--device", "tpu", "--out-dir", "{tmp}/out"], FAIL, "unknown device 'tpu'"),
    (["check", "--tolerance", "-1"], FAIL, "--tolerance must be a positive number"),
    (["check", "--tolerance", "nan"], FAIL, "--tolerance must be a positive number"),
    (["check", "--timeout", "0"], FAIL, "--timeout must be a positive number"),
    (["check", "--timeout", "soon"], USAGE, "invalid float value: 'soon'"),
    (["check", "--requirements", "{tmp}/missing.txt"], FAIL, "no requirements file at"),
    (["bench", "--reps", "0"], FAIL, "--reps must be at least 1"),
    (["bench", "--reps", "x"], USAGE, "invalid int value: 'x'"),
    (["bench", "--device", "tpu"], FAIL, "unknown device 'tpu'"),
    (["bench", "--json", "{tmp}"], FAIL, "is a folder"),
    (["bench", "--json", "{tmp}/a-file/out.json"], FAIL, "cannot write into"),
    (["previous-chapters"], USAGE, "the following arguments are required: chapter"),
    (["previous-chapters", "ch99"], USAGE, "invalid choice: 'ch99'"),
    (["previous-chapters", "ch05", "--out-dir", "{tmp}/a-file"], FAIL,
     "cannot write to --out-dir"),
]


@pytest.mark.parametrize("argv, expected_code, fragment", BAD_COMMAND_LINES,
                         ids=[" ".join(case[0]) or "(none)" for case in BAD_COMMAND_LINES])
def test_bad_command_lines_answer_in_one_line(capsys, paths, argv, expected_code, fragment):
    argv = [a.format(tmp=paths) for a in argv]
    code, out, err = run_main(capsys, argv)
    assert code == expected_code, err
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err and ": error: " in err
    assert fragment in err, err
    if expected_code == USAGE:
        assert err.rstrip().endswith("--help)")  # says where the flags are described


def test_bad_command_lines_as_real_processes(tmp_path):
    """Real stderr of `python -m llms_from_scratch`: one line, no traceback."""
    env = dict(os.environ, COLUMNS="80")
    cases = [  # (argv, stdin bytes, exit code, fragment)
        (["nope"], None, USAGE, "llms-from-scratch: error: argument COMMAND: invalid choice"),
        (["generate", "--max-new-tokens", "abc"], None, USAGE,
         "llms-from-scratch generate: error: argument --max-new-tokens: invalid int value"),
        (["train", "--bogus", "1"], None, USAGE, "unrecognized arguments: --bogus 1"),
        (["generate", "--prompt", "x", "--model", str(tmp_path / "missing.pth")], None, FAIL,
         "no such file, and not a GPT-2 size"),
        (["generate", "--model", str(tmp_path / "missing.pth")], b"\xff\xfe\x81 not UTF-8",
         FAIL, "the prompt on stdin is not UTF-8 text"),
        (["generate", "--model", str(tmp_path / "missing.pth"), "--prompt", b"caf\xe9"], None,
         FAIL, "the prompt given with --prompt is not UTF-8 text"),
        (["train", "--resume", "--out-dir", str(tmp_path / "none")], None, FAIL,
         "llms-from-scratch train: error: no checkpoint at"),
        (["check", "--tolerance", "-1"], None, FAIL, "--tolerance must be a positive number"),
    ]
    procs = [subprocess.Popen([sys.executable, "-m", "llms_from_scratch", *argv],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env)
             for argv, _, _, _ in cases]
    for proc, (argv, stdin, code, fragment) in zip(procs, cases):
        out, err = proc.communicate(stdin or b"", timeout=120)
        err = err.decode()
        assert proc.returncode == code, (argv, err)
        assert out == b"", argv
        assert err.count("\n") == 1 and err.endswith("\n"), (argv, err)
        assert "Traceback" not in err and fragment in err, (argv, err)


# -- --help --------------------------------------------------------------------------------


def _parsers():
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return parser, sub


def test_every_option_has_help_and_appears_in_the_help_text():
    parser, sub = _parsers()
    assert set(sub.choices) == {"download", "generate", "check", "bench", "train",
                                "previous-chapters"}
    top_help = parser.format_help()
    for choice in sub._choices_actions:  # the command list of the top-level --help
        assert choice.help and choice.help.strip(), choice.dest
        assert choice.dest in top_help
    for name, p in [("(top)", parser), *sub.choices.items()]:
        text = p.format_help()
        assert len(p._actions) > 1, name
        for action in p._actions:
            what = f"{name}: {action.option_strings or action.dest}"
            assert action.help not in (None, argparse.SUPPRESS), what
            assert action.help.strip(), what
            for option in action.option_strings:
                assert option in text, what
            if not action.option_strings:
                assert (action.metavar or action.dest) in text, what


@pytest.mark.parametrize("command", ["download", "generate", "check", "bench", "train",
                                     "previous-chapters"])
def test_help_of_every_command_lists_every_flag(capsys, command):
    _, sub = _parsers()
    code, out, err = run_main(capsys, [command, "--help"])
    assert (code, err) == (0, "")
    for action in sub.choices[command]._actions:
        for option in action.option_strings:
            assert option in out, option


def test_help_as_a_real_process():
    done = subprocess.run([sys.executable, "-m", "llms_from_scratch", "train", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    _, sub = _parsers()
    for action in sub.choices["train"]._actions:
        for option in action.option_strings:
            assert option in done.stdout, option


# -- Ctrl-C ---------------------------------------------------------------------------------


def test_ctrl_c_in_download_is_one_line_and_exit_130(capsys, monkeypatch):
    def interrupted(name, progress=True):
        raise KeyboardInterrupt

    monkeypatch.setattr(assets, "fetch", interrupted)
    code, out, err = run_main(capsys, ["download", "the-verdict"])
    assert code == 130 and out == ""
    assert err == ("llms-from-scratch download: interrupted; run it again to resume the "
                   "download\n")


def test_ctrl_c_while_reading_the_prompt(capsys, monkeypatch):
    class Stdin(io.StringIO):
        def isatty(self):
            return False

        def read(self, *args):
            raise KeyboardInterrupt

    monkeypatch.setattr(sys, "stdin", Stdin())
    code, out, err = run_main(capsys, ["generate", "--model", "124M"])
    assert (code, out, err) == (130, "", "llms-from-scratch generate: interrupted\n")


def test_undecodable_stdin_prompt_in_process(capsys, monkeypatch):
    raw = io.TextIOWrapper(io.BytesIO(b"caf\xe9 au lait\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", raw)
    code, out, err = run_main(capsys, ["generate", "--model", "124M"])
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "the prompt on stdin is not UTF-8 text" in err and "iconv" in err


def test_sigint_during_training_then_resume(tmp_path, capsys):
    """A real Ctrl-C (SIGINT) in the training loop: one line, 130, a usable checkpoint."""
    text = tmp_path / "text.txt"
    text.write_text("the quick brown fox jumps over the lazy dog\n" * 100)
    out_dir = tmp_path / "out"
    argv = ["--text", text, "--data-dir", tmp_path / "tok", "--out-dir", out_dir,
            "--n-layer", "1", "--n-head", "2", "--n-embd", "8", "--context-length", "8",
            "--batch-size", "2", "--eval-iters", "1", "--eval-interval", "1",
            "--sample-tokens", "0", "--no-progress", "--max-iters", "1000000",
            "--device", "cpu"]
    proc = subprocess.Popen([sys.executable, "-m", "llms_from_scratch", "train",
                             *map(str, argv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        for line in proc.stdout:  # each evaluation writes ckpt.pt before the next line
            if line.startswith("step 2:"):
                break
        else:
            pytest.fail(f"training ended early: {proc.wait()} {proc.stderr.read()}")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert err == ("llms-from-scratch train: interrupted; add --resume to continue from the "
                   "last checkpoint in --out-dir, if one was saved\n")
    assert not list(out_dir.glob("*.tmp*"))  # no half-written checkpoint is left
    step = ckpt.load_checkpoint(out_dir / "ckpt.pt")["step"]
    assert step >= 1
    code, _, err = run_main(capsys, ["train", "--out-dir", out_dir, "--resume",
                                     "--max-iters", step + 1])
    assert code == 0, err
    assert ckpt.load_checkpoint(out_dir / "ckpt.pt")["step"] == step + 1


# -- a closed stdout (| head) ----------------------------------------------------------------


@pytest.fixture
def char_checkpoint(tmp_path):
    """A tiny char-level model: no tokenizer files, and no end-of-text token to stop at."""
    torch.manual_seed(0)
    path = tmp_path / "char.pth"
    torch.save({"config": CFG, "model": GPTModel(CFG).state_dict(),
                "tokenizer": {"kind": "char", "chars": CHARS}}, path)
    return path


def test_generate_piped_to_head(char_checkpoint):
    generate = subprocess.Popen(
        [sys.executable, "-m", "llms_from_scratch", "generate", "--model", str(char_checkpoint),
         "--prompt", "abc", "--max-new-tokens", "1000000", "--seed", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = subprocess.Popen(["head", "-c", "20"], stdin=generate.stdout, stdout=subprocess.PIPE)
    generate.stdout.close()  # head alone reads it now, and closes it after 20 bytes
    try:
        shown, _ = head.communicate(timeout=120)
        err = generate.stderr.read()
        generate.wait(timeout=120)  # a million tokens would take far longer: it was cut off
    finally:
        for proc in (generate, head):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert len(shown) == 20 and set(shown.decode()) <= set(CHARS)
    assert generate.returncode == 0
    assert err == b""  # no traceback, no "Exception ignored ... BrokenPipeError"


def test_a_closed_stdout_ends_other_commands_quietly(capsys, monkeypatch):
    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    try:
        code = cli.main(["download"])
    finally:
        monkeypatch.undo()
    assert code == 141
    assert capsys.readouterr().err == ""
