"""SIGKILL at random (seeded) moments during a download, data preparation and checkpoint saves.

Each kill is followed by a run that completes, and a check that nothing is
lost (the work resumes: a download from the bytes kept, training from the
last checkpoint) and nothing is half-written (no final name holds a partial
file, no meta.json announces missing tokens, every log line is whole).
"""

import random
import signal

import faultkit
import pytest
from faultkit import BODY, DIGEST

from llms_from_scratch import assets, cli, data
from llms_from_scratch.ckpt import load_checkpoint
from llms_from_scratch.runlog import read_log

SEED = 18


def _kill_after(child, delay):
    import time

    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait()


@pytest.mark.parametrize("round_", range(2))
def test_download_killed_mid_transfer_resumes_and_ends_verified(tmp_path, round_):
    rng = random.Random(SEED + round_)
    server = faultkit.SlowServer()
    try:
        dest = tmp_path / "body.bin"
        child = faultkit.python("import sys\nfrom llms_from_scratch.assets import download_file\n"
                                "download_file(sys.argv[1], sys.argv[2], sys.argv[3], "
                                "progress=False)", f"{server.base}/body.bin", dest, DIGEST)
        faultkit.wait_for(lambda: server.sent["/body.bin"] > 0)
        _kill_after(child, rng.uniform(0.0, 0.2))
        assert not dest.exists() or dest.read_bytes() == BODY  # never a partial final file
        assets.download_file(f"{server.base}/body.bin", dest, DIGEST, progress=False)
        assert dest.read_bytes() == BODY
        assert server.sent["/body.bin"] < 2 * len(BODY)  # resumed, not restarted
        assert faultkit.listing(tmp_path) == ["body.bin"]
    finally:
        server.close()


def test_data_preparation_killed_at_a_random_moment_is_redone_whole(tmp_path):
    rng = random.Random(SEED)
    text = (faultkit.PKG / "llms_from_scratch" / "train.py").read_text(encoding="utf-8") * 40
    source = tmp_path / "text.txt"
    source.write_text(text, encoding="utf-8")
    reference = data.prepare_tokens(text, "char", tmp_path / "reference")
    folder = tmp_path / "tokens"
    child = faultkit.python(
        "import sys\nfrom pathlib import Path\nfrom llms_from_scratch import data\n"
        "text = Path(sys.argv[1]).read_text(encoding='utf-8')\nprint('start', flush=True)\n"
        "data.prepare_tokens(text, 'char', sys.argv[2])\n", source, folder)
    assert child.stdout.readline().strip() == "start"
    _kill_after(child, rng.uniform(0.0, 0.3))
    meta = data.read_meta(folder)
    assert meta is None or not data.meta_problems(meta, folder)  # no meta.json over partial files
    assert data.prepare_tokens(text, "char", folder) == reference
    for name in ("train.bin", "val.bin", "meta.json"):
        assert (folder / name).read_bytes() == (tmp_path / "reference" / name).read_bytes()


TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--context-length", "16",
        "--batch-size", "4", "--eval-iters", "1", "--sample-tokens", "0", "--no-progress",
        "--warmup-iters", "2", "--device", "cpu"]


def test_training_killed_while_saving_checkpoints_resumes_from_an_intact_one(
        tmp_path, verdict, capsys):
    rng = random.Random(SEED)
    text = tmp_path / "verdict.txt"
    text.write_text(verdict, encoding="utf-8")
    out = tmp_path / "out"
    common = ["--text", text, "--data-dir", tmp_path / "tokens", "--out-dir", out, *TINY]
    child = faultkit.python(
        "import sys\nfrom llms_from_scratch import cli\nsys.exit(cli.main(sys.argv[1:]))",
        "train", *common, "--max-iters", "1000000", "--eval-interval", "1")  # saves every step
    faultkit.wait_for(lambda: (out / "ckpt.pt").exists(), timeout=120)
    _kill_after(child, rng.uniform(0.0, 1.0))
    step = load_checkpoint(out / "ckpt.pt")["step"]  # whole, never half-written
    read_log(out)  # every line whole
    code = cli.main(["train", *map(str, common), "--resume", "--max-iters", str(step + 2)])
    assert code == 0, capsys.readouterr().err
    train_records, _ = read_log(out)
    assert [r["step"] for r in train_records] == list(range(step + 2))  # nothing lost
