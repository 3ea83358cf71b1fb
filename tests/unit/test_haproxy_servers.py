"""playbooks/files/haproxy-servers.py: HAProxy's servers as JSON (status.yml), run as a program.

A thread plays HAProxy's runtime API on a Unix socket in a temp directory
and answers `show stat` with a CSV in HAProxy's format.
"""

import json
import socket
import sys
import threading
import time

import pytest
from conftest import REPO, run

PROGRAM = REPO / "playbooks/files/haproxy-servers.py"

# HAProxy's `show stat`: a "# " header line, one line per proxy/server, a blank line at the end.
HEADER = ("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,"
          "status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,"
          "type,rate,rate_lim,rate_max,check_status,check_code,check_duration,\n")


def row(pxname, svname, status, lastchg, check_status="", check_code=""):
    fields = [pxname, svname] + [""] * 15 + [status, "1", "1", "0", "0", "0", lastchg, "0", "", "1", "2", "1", "", "3",
                                             "", "2", "0", "", "0", check_status, check_code, "1", ""]
    return ",".join(fields) + "\n"


STAT = (HEADER
        + row("http", "FRONTEND", "OPEN", "")
        + row("web", "web1", "UP", "1234", "L7OK", "200")
        + row("web", "web2", "DOWN", "5", "L4CON")
        + row("web", "web3", "MAINT", "")
        + row("web", "BACKEND", "UP", "1234")
        + row("acme", "certbot", "no check", "99")
        + row("acme", "BACKEND", "UP", "99")
        + "\n")


@pytest.fixture
def haproxy(tmp_path):
    """A Unix socket that answers `show stat` with STAT; returns (path, commands received)."""
    path = str(tmp_path / "admin.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    received = []

    def serve():
        conn, _ = server.accept()
        with conn:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(1024)
                if not chunk:
                    break
                data += chunk
            received.append(data)
            # Sent in two pieces, the first ending inside a line: the
            # program must read until HAProxy closes the connection.
            payload = STAT.encode()
            conn.sendall(payload[:len(HEADER) + 50])
            time.sleep(0.1)
            conn.sendall(payload[len(HEADER) + 50:])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path, received
    thread.join(timeout=5)
    server.close()


def test_lists_every_server_but_the_proxies_totals(haproxy):
    path, received = haproxy
    done = run([sys.executable, str(PROGRAM), path])
    assert done.returncode == 0, done.stderr
    assert received == [b"show stat\n"]
    assert json.loads(done.stdout) == [
        {"backend": "web", "server": "web1", "status": "UP", "check": "L7OK", "since_s": 1234},
        {"backend": "web", "server": "web2", "status": "DOWN", "check": "L4CON", "since_s": 5},
        {"backend": "web", "server": "web3", "status": "MAINT", "check": "", "since_s": -1},
        {"backend": "acme", "server": "certbot", "status": "no check", "check": "", "since_s": 99},
    ]


def test_no_socket_fails_with_the_reason(tmp_path):
    done = run([sys.executable, str(PROGRAM), str(tmp_path / "missing.sock")])
    assert done.returncode != 0
    assert done.stdout == ""
    assert "FileNotFoundError" in done.stderr
