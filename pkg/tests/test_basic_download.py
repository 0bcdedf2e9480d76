"""The short download that the chapter folders' copies carry, against a local HTTP server."""

import hashlib
import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from llms_from_scratch import basic_download as bd
from llms_from_scratch.catalog import Asset, RemoteFile

TEXT = "吾輩は猫である。\n".encode("cp932") * 50
AOZORA = ("題\r\n作者\r\n" + "-" * 30 + "\r\n注記\r\n" + "-" * 30 + "\r\n"
          "吾輩《わがはい》は猫である。\r\n\r\n底本：どこか\r\n").encode("cp932")


def _zip(member, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"folder/{member}", data)
    return buf.getvalue()


# read_text treats Aozora Bunko's files (known by their URL) as Shift_JIS with markup.
BODIES = {"/plain.txt": TEXT, "/book.zip?www.aozora.gr.jp": _zip("book.txt", AOZORA)}


class _Handler(BaseHTTPRequestHandler):
    hits = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        body = BODIES.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    _Handler.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_is_verified_and_leaves_no_temporary_file(server, tmp_path):
    dest = bd.download_file(f"{server}/plain.txt", tmp_path / "a" / "plain.txt",
                            hashlib.sha256(TEXT).hexdigest())
    assert dest.read_bytes() == TEXT
    assert [p.name for p in dest.parent.iterdir()] == ["plain.txt"]


def test_wrong_digest_keeps_nothing(server, tmp_path):
    with pytest.raises(OSError, match="SHA-256") as err:
        bd.download_file(f"{server}/plain.txt", tmp_path / "plain.txt", "0" * 64)
    assert str(tmp_path / "plain.txt") in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_offline_message_names_the_url_and_the_path(tmp_path):
    url = "http://127.0.0.1:9/the-verdict.txt"
    with pytest.raises(OSError) as err:
        bd.download_file(url, tmp_path / "the-verdict.txt")
    message = str(err.value)
    assert url in message and str(tmp_path / "the-verdict.txt") in message
    assert "\n" not in message and "refused" in message


@pytest.fixture
def registry(server, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMS_FROM_SCRATCH_CACHE", str(tmp_path / "cache"))
    table = {
        "plain": Asset("plain", "t", (RemoteFile(f"{server}/plain.txt", "data/plain.txt",
                                                 hashlib.sha256(TEXT).hexdigest()),)),
        "aozora": Asset("aozora", "t", (RemoteFile(
            f"{server}/book.zip?www.aozora.gr.jp", "data/book.txt",
            hashlib.sha256(AOZORA).hexdigest(), zip_member="book.txt"),)),
    }
    monkeypatch.setattr(bd, "ASSETS", table)
    return tmp_path / "cache" / "data"


def test_fetch_once_then_from_the_cache(registry):
    path = bd.fetch("plain")
    assert path == registry / "plain.txt" and path.read_bytes() == TEXT
    assert bd.fetch("plain") == path
    assert _Handler.hits == ["/plain.txt"]


def test_zip_member_is_kept_and_the_archive_removed(registry):
    text = bd.read_text("aozora")
    assert text == "吾輩は猫である。\n"
    assert sorted(p.name for p in registry.iterdir()) == ["book.txt", "book.utf8.txt"]
    assert (registry / "book.txt").read_bytes() == AOZORA


def test_the_copies_and_the_package_share_the_cache(registry, monkeypatch):
    from llms_from_scratch import assets

    monkeypatch.setattr(assets, "ASSETS", bd.ASSETS)
    bd.fetch("plain")
    assert assets.is_cached("plain")
    assert assets.read_text("aozora") == bd.read_text("aozora")
