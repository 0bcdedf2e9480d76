"""Refuse and record every network connection that leaves this machine.

CI puts this folder on PYTHONPATH and sets LLMS_FROM_SCRATCH_NETGUARD to a log
file while it runs the test suite; Python then imports this module at start-up
in every process (pytest, notebook kernels, subprocesses, torchrun workers).
A connection or name lookup for anything but the loopback interface raises
OSError and appends one line to the log, so a test that tried to go out fails
and `.ci/run` fails afterwards even if the error was caught somewhere.
Without the variable this module does nothing.
"""

import ipaddress
import os
import socket
import sys

LOG = os.environ.get("LLMS_FROM_SCRATCH_NETGUARD")
LOCAL_NAMES = {None, "", "localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host):
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what):
    with open(LOG, "a", encoding="utf-8") as log:
        test = os.environ.get("PYTEST_CURRENT_TEST")
        where = f" in {test}" if test else ""
        log.write(f"pid {os.getpid()} {' '.join(sys.argv)[:200]!r}{where}: {what}\n")
    raise OSError(f"network access outside 127.0.0.1 refused in the test run: {what}")


def install():
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            _refuse(f"connect to {address!r}")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.rstrip(".").endswith(".invalid"):
            # RFC 6761: .invalid never resolves; tests use it for "DNS failure".
            # Answer as a resolver would, without asking one.
            raise socket.gaierror(socket.EAI_NONAME, f"{host} does not resolve (.invalid)")
        if not _is_loopback(host):
            _refuse(f"name lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo


if LOG:
    install()
