import pytest
import torch

TINY_CFG = {
    "vocab_size": 50257,
    "context_length": 32,
    "emb_dim": 32,
    "n_heads": 4,
    "n_layers": 2,
    "drop_rate": 0.0,
    "qkv_bias": False,
}


@pytest.fixture
def tiny_cfg():
    return dict(TINY_CFG)


@pytest.fixture(scope="session")
def tokenizer():
    from llms_from_scratch.assets import gpt2_tokenizer

    return gpt2_tokenizer()


@pytest.fixture(scope="session")
def verdict():
    from llms_from_scratch.assets import read_text

    return read_text("the-verdict")


@pytest.fixture
def verdict_file(tmp_path, verdict):
    """The Verdict as a UTF-8 file, for ``train --text``."""
    path = tmp_path / "verdict.txt"
    path.write_text(verdict, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


HUB_COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _hub_client_at(monkeypatch, tmp_path):
    """The Hub client's cache in tmp_path, and no request of its own beyond the test's.
    huggingface_hub >= 2.4 builds its user-agent header from a registry of agent
    harnesses that it fetches from huggingface.co (``constants.ENDPOINT``, fixed at
    import, not ``HF_ENDPOINT`` set later) unless a copy under HF_HOME is under a day
    old; an empty copy in tmp_path stands in for it."""
    import json

    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    registry = tmp_path / "hf-home" / ".agent_harnesses.json"
    registry.parent.mkdir(parents=True, exist_ok=True)
    registry.write_text(json.dumps({"standardEnvVars": [], "harnesses": {}}))
    monkeypatch.setattr("huggingface_hub.constants.AGENT_HARNESSES_PATH", str(registry),
                        raising=False)


@pytest.fixture
def fake_hub(tmp_path, monkeypatch):
    """A local Hugging Face Hub: yields (folder it serves, list of requests). It answers
    ``/{repo}/resolve/{revision}/{file}`` (HEAD and GET) from ``folder/{repo}/{file}`` with
    the headers huggingface_hub needs; ``HF_ENDPOINT`` points at it, the Hub client's
    back-off waits are skipped and its cache is in tmp_path."""
    import hashlib
    import http.server
    import threading

    import huggingface_hub.utils._http as hub_http

    root = tmp_path / "hub-srv"
    root.mkdir()
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, send_body):
            hits.append((self.command, self.path))
            repo, sep, rest = self.path.lstrip("/").partition("/resolve/")
            path = root / repo / rest.partition("/")[2]
            if not sep or not path.is_file():
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("X-Repo-Commit", HUB_COMMIT)
            self.send_header("ETag", f'"{hashlib.sha256(body).hexdigest()}"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def do_HEAD(self):  # noqa: N802
            self._answer(False)

        def do_GET(self):  # noqa: N802
            self._answer(True)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    _hub_client_at(monkeypatch, tmp_path)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setattr(hub_http.time, "sleep", lambda s: None)
    try:
        yield root, hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def unreachable_hub(tmp_path, monkeypatch):
    """``HF_ENDPOINT`` points at a closed port; no back-off waits; an empty Hub cache."""
    import huggingface_hub.utils._http as hub_http

    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    _hub_client_at(monkeypatch, tmp_path)
    monkeypatch.setattr(hub_http.time, "sleep", lambda s: None)
    return "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch):
    """The tests read the command's English messages (test_i18n sets its own locale)."""
    from llms_from_scratch.i18n import LOCALE_VARIABLES

    for variable in LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
