"""The CI network guard (tools/netguard) refuses and records outside connections.

`.ci/run` runs the whole suite with it active (and, where the machine allows,
inside a network namespace that has only the loopback interface); these tests
prove the guard itself works, so an empty log at the end of CI means nothing
tried to leave 127.0.0.1.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

GUARD_DIR = Path(__file__).resolve().parents[2] / "tools" / "netguard"

pytestmark = pytest.mark.skipif(not GUARD_DIR.is_dir(), reason="needs the repository's tools/")

PROBE = r"""
import http.server, socket, sys, threading, urllib.request

server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]

def attempt(fn):
    try:
        fn()
        return "ok"
    except OSError as err:
        return type(err).__name__

url = f"http://127.0.0.1:{port}/"
print("local", attempt(lambda: urllib.request.urlopen(url, timeout=5).read()))
print("localhost", attempt(lambda: socket.create_connection(("localhost", port), 5).close()))
if sys.argv[1] == "local-only":   # without the guard, never try to go out for real
    raise SystemExit
print("ip", attempt(lambda: socket.create_connection(("192.0.2.1", 80), timeout=5)))
print("name", attempt(lambda: urllib.request.urlopen("https://example.com/", timeout=5)))
print("invalid", attempt(lambda: socket.getaddrinfo("nothing.invalid", 80)))
"""


def run_probe(tmp_path, guard_on):
    env = {**os.environ, "PYTHONPATH": str(GUARD_DIR)}
    log = tmp_path / "attempts.log"
    env.pop("LLMS_FROM_SCRATCH_NETGUARD", None)
    if guard_on:
        env["LLMS_FROM_SCRATCH_NETGUARD"] = str(log)
    mode = "all" if guard_on else "local-only"
    out = subprocess.run([sys.executable, "-c", PROBE, mode], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    results = dict(line.split() for line in out.stdout.splitlines())
    return results, (log.read_text() if log.exists() else "")


def test_guard_refuses_and_records_outside_connections(tmp_path):
    results, log = run_probe(tmp_path, guard_on=True)
    assert results["local"] == "ok" and results["localhost"] == "ok"
    assert results["ip"] == "OSError" and results["name"] != "ok"
    assert results["invalid"] == "gaierror"
    assert "192.0.2.1" in log and "example.com" in log
    assert "nothing.invalid" not in log      # answered locally, nothing went out
    assert len(log.splitlines()) == 2


def test_guard_is_inactive_without_its_variable(tmp_path):
    results, log = run_probe(tmp_path, guard_on=False)
    assert results == {"local": "ok", "localhost": "ok"} and log == ""
