"""The download layer against a real HTTP server on 127.0.0.1."""

import hashlib
import io
import socket
import threading
import zipfile
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from llms_from_scratch import assets, http_download
from llms_from_scratch.assets import Asset, DownloadError, RemoteFile, download_file

BODY = bytes(range(256)) * 400  # 102,400 bytes
DIGEST = hashlib.sha256(BODY).hexdigest()


def _zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("folder/text.txt", BODY)
    return buf.getvalue()


class _Handler(BaseHTTPRequestHandler):
    hits = Counter()
    cut_first = set()  # paths whose first answer is cut in the middle

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        path = self.path
        type(self).hits[path] += 1
        if path == "/missing":
            self.send_error(404)
            return
        if path == "/error":
            self.send_error(503)
            return
        body = _zip_bytes() if path == "/archive.zip" else BODY
        start = 0
        rng = self.headers.get("Range")
        if rng and path != "/no-range":
            start = int(rng.split("=")[1].rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        cut = path.startswith("/always-cut") or (
            path in self.cut_first and self.hits[path] == 1)
        if cut:
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(payload)


@pytest.fixture
def server(monkeypatch):
    _Handler.hits = Counter()
    _Handler.cut_first = set()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(http_download.time, "sleep", lambda s: None)  # no back-off waits
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    httpd.shutdown()
    httpd.server_close()


def test_success_writes_verified_file_atomically(server, tmp_path):
    base, handler = server
    dest = download_file(f"{base}/ok.txt", tmp_path / "sub" / "ok.txt", DIGEST, progress=False)
    assert dest.read_bytes() == BODY
    assert sorted(p.name for p in dest.parent.iterdir()) == ["ok.txt"]  # no .part left


def test_404_is_not_retried_and_names_url_and_path(server, tmp_path):
    base, handler = server
    dest = tmp_path / "missing.txt"
    with pytest.raises(DownloadError) as err:
        download_file(f"{base}/missing", dest, progress=False)
    assert handler.hits["/missing"] == 1
    assert f"{base}/missing" in str(err.value) and str(dest) in str(err.value)
    assert not dest.exists() and not list(tmp_path.iterdir())


def test_server_errors_are_retried_then_reported(server, tmp_path):
    base, handler = server
    with pytest.raises(DownloadError, match="503|Unavailable"):
        download_file(f"{base}/error", tmp_path / "e.txt", retries=2, progress=False)
    assert handler.hits["/error"] == 3


def test_cut_body_is_resumed_with_range(server, tmp_path):
    base, handler = server
    handler.cut_first = {"/flaky.txt"}
    dest = download_file(f"{base}/flaky.txt", tmp_path / "f.txt", DIGEST, progress=False)
    assert dest.read_bytes() == BODY
    assert handler.hits["/flaky.txt"] == 2


def test_cut_body_every_time_leaves_no_final_file(server, tmp_path):
    base, handler = server
    dest = tmp_path / "cut.txt"
    with pytest.raises(DownloadError, match="could not download"):
        download_file(f"{base}/always-cut", dest, DIGEST, retries=1, progress=False)
    assert not dest.exists()
    part = tmp_path / "cut.txt.part"
    assert part.exists() and part.stat().st_size < len(BODY)  # kept for a later resume


def test_server_without_range_support_restarts_cleanly(server, tmp_path):
    base, handler = server
    dest = tmp_path / "nr.txt"
    (tmp_path / "nr.txt.part").write_bytes(b"garbage from an older attempt")
    download_file(f"{base}/no-range", dest, DIGEST, progress=False)
    assert dest.read_bytes() == BODY


def test_wrong_digest_deletes_the_download(server, tmp_path):
    base, _ = server
    dest = tmp_path / "bad.txt"
    with pytest.raises(DownloadError, match="expected 0{64}"):
        download_file(f"{base}/ok.txt", dest, "0" * 64, progress=False)
    assert not list(tmp_path.iterdir())


def test_offline_error_names_url_and_path(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now: connection refused, like no network
    url = f"http://127.0.0.1:{port}/the-verdict.txt"
    dest = tmp_path / "data" / "the-verdict.txt"
    with pytest.raises(DownloadError) as err:
        download_file(url, dest, DIGEST, retries=0, progress=False)
    message = str(err.value)
    assert url in message and str(dest) in message and DIGEST in message


@pytest.fixture
def local_assets(server, tmp_path, monkeypatch):
    base, handler = server
    monkeypatch.setenv("LLMS_FROM_SCRATCH_CACHE", str(tmp_path / "cache"))
    registry = {
        "plain": Asset("plain", "a test file", (RemoteFile(f"{base}/ok.txt", "data/ok.txt",
                                                            DIGEST),)),
        "zipped": Asset("zipped", "a zip member", (RemoteFile(
            f"{base}/archive.zip", "data/text.txt", DIGEST, zip_member="text.txt"),)),
    }
    monkeypatch.setattr(assets, "ASSETS", registry)
    return base, handler, tmp_path / "cache"


def test_second_fetch_uses_the_cache(local_assets):
    base, handler, cache = local_assets
    assert not assets.is_cached("plain")
    path = assets.fetch("plain", progress=False)
    assert path == cache / "data" / "ok.txt" and path.read_bytes() == BODY
    assert assets.fetch("plain", progress=False) == path
    assert handler.hits["/ok.txt"] == 1
    assert assets.is_cached("plain")


def test_zip_member_is_extracted_and_archive_removed(local_assets):
    _, handler, cache = local_assets
    path = assets.fetch("zipped", progress=False)
    assert path.read_bytes() == BODY
    assert sorted(p.name for p in path.parent.iterdir()) == ["text.txt"]


def test_tampered_cache_file_is_reported(local_assets):
    _, _, cache = local_assets
    path = assets.fetch("plain", progress=False)
    path.write_bytes(b"tampered")
    with pytest.raises(DownloadError, match="delete it"):
        assets.fetch("plain", progress=False)


def test_unknown_asset_lists_the_known_ones(local_assets):
    with pytest.raises(ValueError, match="plain, zipped"):
        assets.fetch("nope")


def test_clean_aozora_strips_markup():
    raw = ("吾輩は猫である\r\n夏目漱石\r\n\r\n" + "-" * 55
           + "\r\n【記号について】\r\n《》：ルビ\r\n" + "-" * 55
           + "\r\n\r\n［＃８字下げ］一［＃「一」は中見出し］\r\n\r\n"
           "　吾輩《わがはい》は猫である。一番｜獰悪《どうあく》な"
           "※［＃「言＋墟のつくり」、第4水準2-88-74］種族。\r\n"
           "\r\n\r\n\r\n底本：「夏目漱石全集1」\r\n入力：someone\r\n")
    assert assets.clean_aozora(raw) == "一\n\n　吾輩は猫である。一番獰悪な種族。\n"


def test_real_wagahai_text_is_clean_utf8():
    text = assets.read_text("wagahaiwa-nekodearu")
    assert text.startswith("一\n") and "吾輩は猫である。名前はまだ無い。" in text
    for mark in ("《", "》", "｜", "［＃", "底本", "\r"):
        assert mark not in text
    assert text.rstrip().endswith("ありがたいありがたい。")
