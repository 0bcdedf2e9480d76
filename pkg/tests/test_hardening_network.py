"""The download layer under a bad network, against HTTP servers on 127.0.0.1.

No network, a name that does not resolve, a server that stalls, a body cut
short, a wrong digest, a redirect loop and Ctrl-C in the middle of a
transfer: ``download_file`` raises ``DownloadError`` with one line that says
what to do, never leaves a partial file under the final name, and the next
call resumes (HTTP Range) or restarts cleanly. The commands that download
(``download``, ``generate``, ``train --init-from``) answer in one line.
"""

import hashlib
import http.client
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from llms_from_scratch import assets, cli, gpt2, http_download
from llms_from_scratch.assets import Asset, DownloadError, RemoteFile, download_file

BODY = bytes(range(256)) * 1200  # 307,200 bytes: several 64 KiB chunks
DIGEST = hashlib.sha256(BODY).hexdigest()
STALL_AT = 2 * 65536  # whole chunks of the client's reads arrive, then nothing
ADVICE = ("run the command again", "place it at")  # every message says what to do


class _Handler(BaseHTTPRequestHandler):
    hits = Counter()
    ranges = []  # (path, Range header or None) of every request
    release = threading.Event()  # set at teardown: stalled answers end

    def log_message(self, *args):
        pass

    def _send_body(self, body, start=0, length=None, close_after=None):
        if start:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(length if length is not None else len(payload)))
        self.end_headers()
        self.wfile.write(payload[:close_after])
        self.wfile.flush()
        if close_after is not None:
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_GET(self):  # noqa: N802
        path = self.path
        handler = type(self)
        handler.hits[path] += 1
        first = handler.hits[path] == 1
        rng = self.headers.get("Range")
        handler.ranges.append((path, rng))
        start = int(rng.split("=")[1].rstrip("-")) if rng else 0
        try:
            if path == "/loop":
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/stall-head":
                handler.release.wait(10)
            elif path == "/stall-body" and first:
                self.send_response(200)
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY[:STALL_AT])
                self.wfile.flush()
                handler.release.wait(10)
            elif path == "/short" and first:  # announces the whole file, sends half
                self._send_body(BODY, close_after=len(BODY) // 2)
            elif path == "/overlong" and first:  # announces more than the file
                self._send_body(BODY, length=len(BODY) + 1000, close_after=len(BODY))
            elif start >= len(BODY):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(BODY)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send_body(BODY, start)
        except OSError:  # the client gave up (timeout, Ctrl-C): nothing to do
            pass


@pytest.fixture
def server(monkeypatch):
    _Handler.hits = Counter()
    _Handler.ranges = []
    _Handler.release = threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(http_download.time, "sleep", lambda s: None)  # no back-off waits
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    _Handler.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now: connection refused, as with no network
    return port


@pytest.fixture
def no_dns(monkeypatch):
    """Names under .invalid fail to resolve at once (no waiting for a real DNS)."""
    real = socket.getaddrinfo
    asked = []

    def getaddrinfo(host, *args, **kwargs):
        if str(host).endswith(".invalid"):
            asked.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(http_download.time, "sleep", lambda s: None)
    return asked


def assert_clear(err, *fragments):
    """A DownloadError of one line that says what to do."""
    message = str(err)
    assert isinstance(err, DownloadError)
    assert "\n" not in message, message
    assert any(advice in message for advice in ADVICE), message
    for fragment in fragments:
        assert fragment in message, message


def assert_nothing_final(dest):
    assert not dest.exists(), "a partial or unverified file lies under the final name"


# -- download_file -------------------------------------------------------------------------


def test_no_network_connection_refused(tmp_path, closed_port, monkeypatch):
    monkeypatch.setattr(http_download.time, "sleep", lambda s: None)
    url = f"http://127.0.0.1:{closed_port}/file"
    dest = tmp_path / "data" / "file.bin"
    with pytest.raises(DownloadError) as err:
        download_file(url, dest, DIGEST, retries=2, progress=False)
    assert_clear(err.value, url, str(dest), DIGEST, "connection was refused",
                 "Check the internet connection")
    assert_nothing_final(dest)
    assert not (tmp_path / "data" / "file.bin.part").exists()


def test_dns_failure(tmp_path, no_dns):
    url = "http://nonexistent.invalid/gpt2/model.safetensors"
    dest = tmp_path / "model.safetensors"
    started = time.monotonic()
    with pytest.raises(DownloadError) as err:
        download_file(url, dest, retries=1, progress=False)
    assert time.monotonic() - started < 5
    assert no_dns == ["nonexistent.invalid"] * 2  # the lookup failed, and was retried once
    assert_clear(err.value, "host name nonexistent.invalid cannot be resolved", str(dest))
    assert_nothing_final(dest)


def test_server_that_never_answers_times_out(server, tmp_path):
    base, handler = server
    dest = tmp_path / "stall.bin"
    started = time.monotonic()
    with pytest.raises(DownloadError) as err:
        download_file(f"{base}/stall-head", dest, timeout=0.3, retries=1, progress=False)
    assert time.monotonic() - started < 5
    assert handler.hits["/stall-head"] == 2
    assert_clear(err.value, "did not answer within 0.3 s")
    assert_nothing_final(dest)


def test_stall_in_the_body_times_out_and_the_next_call_resumes(server, tmp_path):
    base, handler = server
    dest = tmp_path / "stall.bin"
    with pytest.raises(DownloadError) as err:
        download_file(f"{base}/stall-body", dest, DIGEST, timeout=0.3, retries=0,
                      progress=False)
    assert_clear(err.value, "timed out", f"{STALL_AT:,} bytes received so far are kept")
    assert_nothing_final(dest)
    part = tmp_path / "stall.bin.part"
    assert part.stat().st_size == STALL_AT

    assert download_file(f"{base}/stall-body", dest, DIGEST, progress=False) == dest
    assert dest.read_bytes() == BODY and not part.exists()
    assert handler.ranges[-1] == ("/stall-body", f"bytes={STALL_AT}-")


def test_body_cut_short_then_resumed_by_the_next_call(server, tmp_path):
    base, handler = server
    dest = tmp_path / "short.bin"
    with pytest.raises(DownloadError) as err:
        download_file(f"{base}/short", dest, DIGEST, retries=0, progress=False)
    assert_clear(err.value, f"{len(BODY) - len(BODY) // 2} more bytes were expected")
    assert_nothing_final(dest)

    download_file(f"{base}/short", dest, DIGEST, retries=0, progress=False)
    assert dest.read_bytes() == BODY
    assert handler.ranges == [("/short", None), ("/short", f"bytes={len(BODY) // 2}-")]


def test_content_length_larger_than_the_file_restarts_cleanly(server, tmp_path):
    base, handler = server
    dest = tmp_path / "overlong.bin"
    with pytest.raises(DownloadError) as err:
        download_file(f"{base}/overlong", dest, DIGEST, retries=0, progress=False)
    assert_clear(err.value, "1000 more bytes were expected")
    assert_nothing_final(dest)
    # The next call asks for the rest, gets 416 (there is none) and starts over.
    download_file(f"{base}/overlong", dest, DIGEST, retries=0, progress=False)
    assert dest.read_bytes() == BODY
    assert [r for _, r in handler.ranges] == [None, f"bytes={len(BODY)}-", None]


def test_wrong_digest_deletes_everything_and_says_to_retry(server, tmp_path):
    base, _ = server
    dest = tmp_path / "bad.bin"
    with pytest.raises(DownloadError) as err:
        download_file(f"{base}/file", dest, "0" * 64, progress=False)
    assert_clear(err.value, f"arrived with SHA-256 {DIGEST}, expected {'0' * 64}",
                 "run the command again")
    assert list(tmp_path.iterdir()) == []


def test_redirect_loop_is_reported_and_not_retried(server, tmp_path):
    base, handler = server
    dest = tmp_path / "loop.bin"
    with pytest.raises(DownloadError) as err:
        download_file(f"{base}/loop", dest, retries=3, progress=False)
    assert_clear(err.value, "redirects in a loop")
    one_attempt = handler.hits["/loop"]
    assert 1 < one_attempt <= 11  # urllib follows at most 10 redirects, and no retry
    assert list(tmp_path.iterdir()) == []


class _InterruptingBar:
    """A stand-in for tqdm whose update() is where Ctrl-C strikes."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n):
        raise KeyboardInterrupt


@pytest.mark.parametrize("where", ["progress-callback", "socket-read"])
def test_ctrl_c_mid_transfer_leaves_no_final_file_and_the_next_call_resumes(
        server, tmp_path, monkeypatch, where):
    base, handler = server
    dest = tmp_path / "big.bin"
    with monkeypatch.context() as patch:
        if where == "progress-callback":
            patch.setattr(http_download, "tqdm", _InterruptingBar)
        else:
            real_read = http.client.HTTPResponse.read
            calls = []

            def read(self, *args):
                calls.append(1)
                if len(calls) == 3:
                    raise KeyboardInterrupt
                return real_read(self, *args)

            patch.setattr(http.client.HTTPResponse, "read", read)
        with pytest.raises(KeyboardInterrupt):
            download_file(f"{base}/file", dest, DIGEST, progress=True)
    assert_nothing_final(dest)
    part = tmp_path / "big.bin.part"
    kept = part.stat().st_size
    assert 0 < kept < len(BODY)

    assert download_file(f"{base}/file", dest, DIGEST, progress=False) == dest
    assert dest.read_bytes() == BODY and not part.exists()
    assert handler.ranges[-1] == ("/file", f"bytes={kept}-")


def test_invalid_url_and_unwritable_folder(tmp_path, server):
    base, _ = server
    with pytest.raises(DownloadError, match="not a valid http"):
        download_file("not a url", tmp_path / "x", progress=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(DownloadError, match="cannot create the folder") as err:
        download_file(f"{base}/file", blocker / "x.bin", progress=False)
    assert "\n" not in str(err.value) and "writable folder" in str(err.value)
    (tmp_path / "y.bin.part").mkdir()  # the partial file cannot be written
    with pytest.raises(DownloadError, match="could not save") as err:
        download_file(f"{base}/file", tmp_path / "y.bin", progress=False)
    assert not (tmp_path / "y.bin").exists()


# -- what calls download_file --------------------------------------------------------------


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """Point the asset list at URLs given by each test, the cache at tmp_path."""
    monkeypatch.setenv("LLMS_FROM_SCRATCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(http_download.time, "sleep", lambda s: None)

    def use(url, zip_member=None):
        remote = RemoteFile(url, "data/file.bin", DIGEST, zip_member=zip_member)
        monkeypatch.setattr(assets, "ASSETS", {"thing": Asset("thing", "a test file",
                                                              (remote,))})
        return tmp_path / "cache" / "data" / "file.bin"

    return use


def test_fetch_of_a_zip_asset_that_is_not_a_zip(registry, server):
    base, _ = server
    dest = registry(f"{base}/file", zip_member="file.bin")
    with pytest.raises(DownloadError) as err:
        assets.fetch("thing", progress=False)
    assert_clear(err.value, "not a readable zip archive", "extract file.bin from the zip")
    assert list(dest.parent.iterdir()) == []  # neither the archive nor a member is left


def test_fetch_of_a_zip_asset_offline_names_the_member(registry, closed_port):
    url = f"http://127.0.0.1:{closed_port}/archive.zip"
    dest = registry(url, zip_member="file.bin")
    with pytest.raises(DownloadError) as err:
        assets.fetch("thing", progress=False)
    assert_clear(err.value, url, "extract file.bin from the zip", str(dest))


def test_offline_error_of_a_several_file_asset_lists_every_missing_file(tmp_path, monkeypatch,
                                                                         closed_port):
    """GPT-2's TensorFlow checkpoint is seven files: the hint names them all, not the first."""
    monkeypatch.setenv("LLMS_FROM_SCRATCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(http_download.time, "sleep", lambda s: None)
    base = f"http://127.0.0.1:{closed_port}"
    files = tuple(RemoteFile(f"{base}/{name}", f"gpt2/x/{name}", DIGEST)
                  for name in ("checkpoint", "hparams.json", "model.ckpt.index"))
    monkeypatch.setattr(assets, "ASSETS", {"three": Asset("three", "three files", files)})
    with pytest.raises(DownloadError) as err:
        assets.fetch("three", progress=False)
    message = str(err.value)
    assert "\n" not in message and "needs all of its 3 files" in message
    for remote in files:
        assert f"{remote.url} -> {tmp_path / 'cache' / remote.relpath}" in message


def _cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line(code, out, err, command, *fragments):
    assert code == 1 and out == "", (code, out, err)
    assert err.startswith(f"llms-from-scratch {command}: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def test_download_command_offline(capsys, registry, closed_port):
    url = f"http://127.0.0.1:{closed_port}/file.bin"
    dest = registry(url)
    code, out, err = _cli(capsys, "download", "thing")
    assert_one_line(code, out, err, "download", url, str(dest), "connection was refused",
                    "run the command again")


def test_download_command_with_a_dns_failure(capsys, registry, no_dns):
    dest = registry("http://nonexistent.invalid/file.bin")
    code, out, err = _cli(capsys, "download", "thing")
    assert_one_line(code, out, err, "download", "nonexistent.invalid cannot be resolved",
                    str(dest))


def test_download_command_with_a_wrong_digest(capsys, registry, server):
    base, _ = server
    dest = registry(f"{base}/file")
    assets.ASSETS["thing"] = Asset("thing", "t", (RemoteFile(f"{base}/file", "data/file.bin",
                                                             "1" * 64),))
    code, out, err = _cli(capsys, "download", "thing")
    assert_one_line(code, out, err, "download", "expected " + "1" * 64, "run the command again")
    assert not dest.exists()


def test_generate_gpt2_size_with_a_dns_failure(capsys, tmp_path, unreachable_hub, monkeypatch,
                                               no_dns):
    monkeypatch.setenv("HF_ENDPOINT", "http://nonexistent.invalid")
    code, out, err = _cli(capsys, "generate", "--model", "124M", "--models-dir", tmp_path,
                          "--prompt", "x")
    assert_one_line(code, out, err, "generate", "nonexistent.invalid cannot be resolved",
                    str(tmp_path / "124M" / "model.safetensors"))


def test_gpt2_downloads_offline(tmp_path, closed_port, monkeypatch):
    monkeypatch.setattr(http_download.time, "sleep", lambda s: None)
    base = f"http://127.0.0.1:{closed_port}"
    with pytest.raises(DownloadError) as err:
        gpt2.download_gpt2_safetensors("124M", tmp_path, url=f"{base}/m.safetensors",
                                       progress=False)
    assert_clear(err.value, str(tmp_path / "124M" / "model.safetensors"))
    with pytest.raises(DownloadError) as err:
        gpt2.download_gpt2_files("124M", tmp_path, base_url=base, progress=False)
    assert_clear(err.value, str(tmp_path / "124M" / "checkpoint"))
    # the offline hint names every file the size needs, not only the one that failed
    assert all(name in str(err.value) for name in gpt2.GPT2_MODEL_FILES), err.value
    assert list((tmp_path / "124M").iterdir()) == []


def test_train_init_from_gpt2_offline(capsys, tmp_path, closed_port, monkeypatch,
                                      unreachable_hub):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{closed_port}")
    text = tmp_path / "text.txt"
    text.write_text("Every effort moves you. " * 200, encoding="utf-8")
    code, out, err = _cli(capsys, "train", "--text", text, "--data-dir", tmp_path / "tok",
                          "--out-dir", tmp_path / "out", "--models-dir", tmp_path / "models",
                          "--init-from", "gpt2-124M", "--context-length", 16,
                          "--no-progress", "--max-iters", 0)
    assert code == 1, err
    assert err.startswith("llms-from-scratch train: error: could not download")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(tmp_path / "models" / "124M" / "model.safetensors") in err
    assert not (tmp_path / "out" / "ckpt.pt").exists()
