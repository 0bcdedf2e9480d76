"""Faults that are not bad input: several processes, file systems that refuse writes.

Real child processes download from a slow HTTP server on 127.0.0.1 at the
same time; a size-limited tmpfs or a read-only remount stands for a full or
read-only disk where the machine allows mounting, and patched writes stand
for them elsewhere (the test then says which it used). SIGKILL tests are in
``test_faults_kill.py``.
"""

import errno
import json
import os
import shutil
import sys
from pathlib import Path

import faultkit
import pytest
from faultkit import BODY, DIGEST

from llms_from_scratch import assets, fileio, http_download
from llms_from_scratch.catalog import ASSETS, local_path
from llms_from_scratch.texts import clean_aozora

DOWNLOAD = """
import sys
from llms_from_scratch.assets import download_file
download_file(sys.argv[1], sys.argv[2], sys.argv[3] or None, progress=False)
print("ok")
"""


@pytest.fixture
def server():
    srv = faultkit.SlowServer()
    yield srv
    srv.close()


@pytest.mark.parametrize("digest", [DIGEST, ""], ids=["with-sha256", "no-digest-like-gpt2-tf"])
def test_processes_downloading_one_file_at_once_all_end_with_it_downloaded_once(
        server, tmp_path, digest):
    dest = tmp_path / "cache" / "body.bin"
    children = [faultkit.python(DOWNLOAD, f"{server.base}/body.bin", dest, digest)
                for _ in range(4)]
    results = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == "ok"
    assert dest.read_bytes() == BODY
    assert server.hits["/body.bin"] == 1  # the others waited and kept its file
    assert faultkit.listing(dest.parent) == ["body.bin"]  # no .part, no lock file left


def test_lock_of_a_killed_process_is_released(tmp_path):
    holder = faultkit.python(
        "import sys, time\nfrom llms_from_scratch import fileio\n"
        "with fileio.file_lock(sys.argv[1]):\n    print('held', flush=True)\n"
        "    time.sleep(600)\n", tmp_path / "x")
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(fileio.LockHeldError), fileio.file_lock(tmp_path / "x", blocking=False):
        pass
    holder.kill()
    holder.wait()
    with fileio.file_lock(tmp_path / "x", timeout=30):
        pass  # the OS dropped the dead process's lock


def test_processes_preparing_one_token_folder_at_once_agree(tmp_path, verdict):
    text = tmp_path / "verdict.txt"
    text.write_text(verdict, encoding="utf-8")
    code = ("import sys, json\nfrom pathlib import Path\nfrom llms_from_scratch import data\n"
            "meta = data.prepare_tokens(Path(sys.argv[1]).read_text(), 'char', sys.argv[2])\n"
            "print(json.dumps(meta))\n")
    children = [faultkit.python(code, text, tmp_path / "tokens") for _ in range(2)]
    metas = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        metas.append(json.loads(out))
    assert metas[0] == metas[1]
    from llms_from_scratch import data

    assert not data.meta_problems(metas[0], tmp_path / "tokens")
    assert faultkit.listing(tmp_path / "tokens") == ["meta.json", "train.bin", "val.bin"]


# -- a cache that cannot be written ------------------------------------------------------------

@pytest.fixture
def read_only_cache(tmp_path, monkeypatch):
    """A cache holding every text and the tokenizer, then made read-only."""
    offline = os.environ.get("LLMS_FROM_SCRATCH_OFFLINE_DIR") or str(
        Path(__file__).resolve().parents[3] / "shared" / "offline")
    if not os.path.isdir(offline):
        pytest.skip("needs the offline copies (LLMS_FROM_SCRATCH_OFFLINE_DIR or ../shared)")
    cache = tmp_path / "ro"
    mounted = faultkit.small_tmpfs(cache, 16 << 20)
    try:
        for name in ("the-verdict", "tinyshakespeare", "wagahaiwa-nekodearu",
                     "gpt2-tokenizer"):
            for remote in ASSETS[name].files:
                rel = remote.relpath
                src = os.path.join(offline, rel)
                (cache / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, cache / rel)
        monkeypatch.setenv("LLMS_FROM_SCRATCH_CACHE", str(cache))
        monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache / "tiktoken"))
        before = faultkit.listing(cache)
        if mounted and faultkit.remount(cache, "ro"):
            how = "read-only tmpfs"
        else:
            faultkit.refuse_writes_under(monkeypatch, cache)
            how = "patched EROFS (mounting is not allowed here)"
        print(f"read-only cache: {how}", file=sys.stderr)
        yield cache, before
    finally:
        monkeypatch.undo()
        if mounted:
            faultkit.unmount(cache)


def test_read_only_cache_serves_every_text_and_the_tokenizer_without_writing(read_only_cache):
    cache, before = read_only_cache
    raw = local_path(ASSETS["wagahaiwa-nekodearu"].files[0]).read_bytes().decode("cp932")
    assert assets.read_text("wagahaiwa-nekodearu") == clean_aozora(raw)  # cleaned in memory
    assert assets.read_text("wagahaiwa-nekodearu") == clean_aozora(raw)
    assert assets.read_text("the-verdict").startswith("I HAD always")
    assert len(assets.read_text("tinyshakespeare")) == 1115394
    tok = assets.gpt2_tokenizer()
    assert tok.decode(tok.encode("Hello, world")) == "Hello, world"
    assert faultkit.listing(cache) == before  # nothing written, no lock file either


def test_read_only_cache_missing_a_file_is_one_line(read_only_cache, monkeypatch):
    cache, _ = read_only_cache
    remote = assets.RemoteFile("http://127.0.0.1:9/x.txt", "data/x.txt", DIGEST)
    monkeypatch.setitem(ASSETS, "x", assets.Asset("x", "a file not in the cache", (remote,)))
    with pytest.raises(assets.DownloadError) as err:
        assets.fetch("x", progress=False)
    message = str(err.value)
    assert "\n" not in message and str(cache / "data") in message
    assert "writable folder" in message


# -- a full disk while downloading --------------------------------------------------------------

def test_full_disk_while_downloading_is_one_line_and_the_next_call_resumes(
        server, tmp_path, monkeypatch):
    folder = tmp_path / "small"
    if faultkit.small_tmpfs(folder, 256 << 10):
        how = "tmpfs"
    else:
        how = "patched"
        print("full disk: patched ENOSPC (mounting is not allowed here)", file=sys.stderr)
        real_write = http_download._write_all
        written = []

        def write_until_full(f, chunk):
            if sum(written) >= 200_000:
                raise OSError(errno.ENOSPC, "No space left on device")
            written.append(len(chunk))
            real_write(f, chunk)
        monkeypatch.setattr(http_download, "_write_all", write_until_full)
    try:
        with pytest.raises(assets.DownloadError) as err:
            assets.download_file(f"{server.base}/body.bin", folder / "body.bin", DIGEST,
                                 progress=False)
        message = str(err.value)
        assert "\n" not in message and str(folder) in message, how
        assert "no space left" in message and "needs about 0.5 MB" in message
        assert not (folder / "body.bin").exists()
        if how == "tmpfs":
            assert faultkit.remount(folder, "size=2m")  # space freed
        else:
            monkeypatch.setattr(http_download, "_write_all", real_write)
        assets.download_file(f"{server.base}/body.bin", folder / "body.bin", DIGEST,
                             progress=False)
        assert (folder / "body.bin").read_bytes() == BODY
        assert server.hits["/body.bin"] == 2 and server.sent["/body.bin"] < 2 * len(BODY)
    finally:
        if how == "tmpfs":
            faultkit.unmount(folder)
