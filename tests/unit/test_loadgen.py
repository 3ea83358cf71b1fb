"""tests/loadgen.py against throwaway servers on 127.0.0.1 that misbehave.

Each server answers every request the same way (well, truncated, reset, with
a bad status line, stalled, 500, slowly, from a forbidden release); the load
tool must count each outcome exactly, give the verdict with the right
reason, and keep its rate whatever the server does (open loop).
"""

import asyncio
import importlib.util
import json
import pathlib
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time

import pytest

LOADGEN = pathlib.Path(__file__).resolve().parents[1] / "loadgen.py"
_spec = importlib.util.spec_from_file_location("loadgen", LOADGEN)
loadgen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loadgen)

RATE, DURATION = 60, 0.5
EXPECTED = int(RATE * DURATION)  # request i is due at i/RATE, for every i/RATE < DURATION


def answer(status, body=b"ok", content_type="text/plain", extra=b""):
    head = "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n" % (
        status, content_type, len(body))
    return head.encode() + extra + b"\r\n" + body


def good(handler, method, path):
    handler.request.sendall(answer("200 OK"))


def truncated(handler, method, path):
    # Content-Length says 100, five bytes come, then the connection closes.
    handler.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nshort")


def reset(handler, method, path):
    # SO_LINGER 0: close() sends an RST instead of a FIN.
    handler.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.request.close()


def bad_status_line(handler, method, path):
    handler.request.sendall(b"HTPP/1.1 200 OK\r\n\r\n")


def stall(handler, method, path):
    time.sleep(1.5)  # far beyond the client's --timeout
    handler.request.sendall(answer("200 OK"))


def error_500(handler, method, path):
    handler.request.sendall(answer("500 Internal Server Error", b"boom"))


def slow(handler, method, path):
    time.sleep(0.15)
    handler.request.sendall(answer("200 OK"))


def released(handler, method, path):
    release = "v3" if path.startswith("/new") else "v2"
    status = "201 Created" if method == "POST" else "200 OK"
    body = json.dumps({"release": release, "notes": 1}).encode()
    handler.request.sendall(answer(status, body, "application/json"))


def redirect(handler, method, path):
    handler.request.sendall(answer("303 See Other", b"", extra=b"Location: /notes/\r\n"))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", 0))
        while len(body) < length:
            body += self.request.recv(65536)
        with self.server.lock:
            self.server.seen.append((method, path, headers.get("host"), body.decode()))
        try:
            self.server.behaviour(self, method, path)
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, behaviour):
        super().__init__(("127.0.0.1", 0), Handler)
        self.behaviour = behaviour
        self.seen = []
        self.lock = threading.Lock()


@pytest.fixture
def serve():
    servers = []

    def start(behaviour):
        server = Server(behaviour)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def run(tmp_path, server, *extra, rate=RATE, duration=DURATION, timeout=0.4):
    out = tmp_path / "result.json"
    argv = ["--url", "http://127.0.0.1:%d/" % server.server_address[1], "--host", "site.example.test",
            "--rate", str(rate), "--duration", str(duration), "--timeout", str(timeout), "--out", str(out)]
    rc = loadgen.main(argv + list(extra))
    result = json.loads(out.read_text())
    assert rc == (0 if result["ok"] else 1)
    return result


def test_good_server_is_ok(tmp_path, serve):
    server = serve(good)
    result = run(tmp_path, server, "--min-requests", str(EXPECTED), "--max-p99-ms", "300")
    assert result["ok"] is True, result["problems"]
    assert (result["sent"], result["failed"], result["statuses"]) == (EXPECTED, 0, {"200": EXPECTED})
    assert result["problems"] == [] and result["first_failures"] == []
    assert len(server.seen) == EXPECTED
    assert {host for _, _, host, _ in server.seen} == {"site.example.test"}
    assert result["p99_ms"] is not None and result["max_ms"] >= result["p99_ms"] >= result["p50_ms"]
    assert 0 <= result["send_lag_p99_ms"] < 100
    assert 0 <= result["client_stall_max_ms"] < 1000


@pytest.mark.parametrize("behaviour, outcome", [
    (truncated, "IncompleteRead"),
    (reset, "ConnectionResetError"),
    (bad_status_line, "BadStatusLine"),
    (error_500, "500"),
    (redirect, "303"),
])
def test_every_failure_is_counted(tmp_path, serve, behaviour, outcome):
    result = run(tmp_path, serve(behaviour))
    assert result["sent"] == EXPECTED
    assert result["failed"] == EXPECTED
    assert result["statuses"] == {outcome: EXPECTED}
    assert result["per_path"]["GET /"] == {"sent": EXPECTED, "failed": EXPECTED, "statuses": {outcome: EXPECTED},
                                           "p99_ms": result["p99_ms"]}
    assert result["ok"] is False
    assert result["problems"][0].startswith("%d of %d requests failed ({'%s': %d})"
                                            % (EXPECTED, EXPECTED, outcome, EXPECTED))
    assert len(result["first_failures"]) == loadgen.FIRST_FAILURES
    assert result["first_failures"][0]["outcome"] == outcome and result["first_failures"][0]["t"] == 0.0


def test_a_stalled_server_times_out_and_the_rate_holds(tmp_path, serve):
    started = time.monotonic()
    result = run(tmp_path, serve(stall), timeout=0.3)
    elapsed = time.monotonic() - started
    # Open loop: every due request went out although none was answered (a
    # closed loop of 8 workers would have sent about 8 * 0.5 s / 0.3 s = 13).
    assert result["sent"] == EXPECTED
    assert result["statuses"] == {"timeout": EXPECTED}
    assert result["failed"] == EXPECTED and result["ok"] is False
    assert result["rate"] >= RATE * 0.9
    # Each request ended at its own deadline, measured from its due time.
    assert 300 <= result["p99_ms"] < 1000
    assert elapsed < DURATION + 0.3 + 1


def test_more_outstanding_than_allowed_is_overload_not_skipped(tmp_path, serve):
    result = run(tmp_path, serve(stall), "--max-inflight", "5", timeout=0.3)
    assert result["sent"] == EXPECTED
    # 5 stall for 0.3 s each while 18 more fall due: most of them overload.
    assert result["statuses"]["timeout"] + result["statuses"]["overload"] == EXPECTED
    assert result["statuses"]["timeout"] >= 5 and result["statuses"]["overload"] >= EXPECTED // 2
    assert result["failed"] == EXPECTED and result["ok"] is False


def test_by_default_a_request_times_out_before_it_overloads(tmp_path, serve):
    # 300 due within 0.5 s, none answered within 1 s: more than 256 outstanding,
    # fewer than rate x timeout + 64, so each one is sent and times out.
    result = run(tmp_path, serve(stall), rate=600, timeout=1.0)
    assert result["statuses"] == {"timeout": 300} and result["ok"] is False


def test_slow_answers_break_the_p99_bound(tmp_path, serve):
    result = run(tmp_path, serve(slow), "--max-p99-ms", "100")
    assert (result["sent"], result["failed"], result["statuses"]) == (EXPECTED, 0, {"200": EXPECTED})
    assert result["p99_ms"] >= 150
    assert result["send_lag_p99_ms"] < 100  # the server was slow, not this client
    assert result["ok"] is False
    assert result["problems"] == ["p99 latency %s ms is over the bound of 100.0 ms" % result["p99_ms"]]


def test_a_forbidden_release_fails_the_check(tmp_path, serve):
    server = serve(released)
    result = run(tmp_path, server, "--path", "/old/", "--path", "/new/", "--forbid-release", "v3")
    half = EXPECTED // 2
    assert result["releases"] == {"v2": half, "v3": half}
    assert result["per_path"]["GET /old/"]["failed"] == 0
    assert result["per_path"]["GET /new/"]["statuses"] == {"forbidden-release": half}
    assert result["failed"] == half and result["ok"] is False
    assert "%d answers came from the forbidden release v3" % half in result["problems"]
    assert result["first_failures"][0]["detail"] == "200 from release v3"


def test_db_rotates_through_the_pages_that_use_the_database(tmp_path, serve):
    server = serve(released)
    result = run(tmp_path, server, "--db")
    assert result["ok"] is True, result["problems"]
    assert list(result["per_path"]) == ["GET /", "GET /notes/probe/", "POST /notes/probe/"]
    assert [p["sent"] for p in result["per_path"].values()] == [10, 10, 10]
    assert result["per_path"]["POST /notes/probe/"]["statuses"] == {"201": 10}
    posts = [body for method, path, _, body in server.seen if method == "POST"]
    assert len(posts) == 10 and all(body.startswith("text=loadgen+") for body in posts)
    assert result["releases"] == {"v2": 30}


def test_read_only_leaves_the_writes_out(tmp_path, serve):
    server = serve(released)
    result = run(tmp_path, server, "--db", "--read-only")
    assert list(result["per_path"]) == ["GET /", "GET /notes/probe/"]
    assert result["ok"] is True and {method for method, _, _, _ in server.seen} == {"GET"}


def test_a_path_may_name_the_one_status_that_succeeds(tmp_path, serve):
    result = run(tmp_path, serve(redirect), "--path", "POST /notes/ 303")
    assert result["ok"] is True and result["statuses"] == {"303": EXPECTED}
    with pytest.raises(ValueError):
        loadgen.parse_spec("POST notes", "/")
    assert loadgen.parse_spec("/x/?a=1", "/") == {"spec": "GET /x/?a=1", "method": "GET", "path": "/x/?a=1",
                                                   "expect": None}


def test_too_few_requests_is_not_ok(tmp_path, serve):
    result = run(tmp_path, serve(good), "--min-requests", str(EXPECTED + 1))
    assert result["failed"] == 0 and result["ok"] is False
    assert result["problems"] == ["only %d requests were sent, fewer than the %d required" % (EXPECTED, EXPECTED + 1)]


def test_the_stop_file_ends_the_run_early(tmp_path, serve):
    stop = tmp_path / "stop"
    stop.write_text("left by an earlier run\n")  # removed at the start
    threading.Timer(0.5, stop.touch).start()
    started = time.monotonic()
    result = run(tmp_path, serve(good), "--stop-file", str(stop), duration=30)
    assert time.monotonic() - started < 2
    assert RATE * 0.4 <= result["sent"] <= RATE * 0.7 and result["ok"] is True


def test_the_command_line_exit_status(tmp_path, serve):
    good_url = "http://127.0.0.1:%d/" % serve(good).server_address[1]
    bad_url = "http://127.0.0.1:%d/" % serve(error_500).server_address[1]
    common = [sys.executable, str(LOADGEN), "--rate", "20", "--duration", "0.3", "--workers", "8"]
    ok = subprocess.run(common + ["--url", good_url], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True
    bad = subprocess.run(common + ["--url", bad_url], capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "requests failed" in bad.stderr
    # Anything but loopback or a local test container is refused before any request.
    far = subprocess.run(common + ["--url", "http://192.0.2.1/"], capture_output=True, text=True, check=False)
    assert far.returncode == 2 and "neither loopback nor a local test container" in far.stderr


def maintenance_page(handler, method, path):
    handler.request.sendall(answer("503 Service Unavailable", b"<h1>Back in a moment</h1>", "text/html",
                                   extra=b"Retry-After: 30\r\n"))


def bare_503(handler, method, path):
    handler.request.sendall(answer("503 Service Unavailable", b"No server is available"))


def test_maintenance_counts_a_503_with_retry_after_apart_and_its_window(tmp_path, serve):
    result = run(tmp_path, serve(maintenance_page), "--maintenance")
    assert result["ok"] is True, result["problems"]
    assert (result["failed"], result["statuses"]) == (0, {"503 Retry-After": EXPECTED})
    assert result["maintenance"]["answers"] == EXPECTED
    assert result["maintenance"]["first_s"] == 0.0
    assert result["maintenance"]["window_s"] == round(result["maintenance"]["last_s"], 1) > 0


def test_without_maintenance_the_page_is_a_failure(tmp_path, serve):
    result = run(tmp_path, serve(maintenance_page))
    assert result["ok"] is False and result["statuses"] == {"503": EXPECTED}
    assert result["maintenance"] == {"answers": 0, "first_s": None, "last_s": None, "window_s": 0.0}


def test_maintenance_still_fails_a_503_without_retry_after(tmp_path, serve):
    result = run(tmp_path, serve(bare_503), "--maintenance")
    assert result["ok"] is False and result["failed"] == EXPECTED
    assert result["statuses"] == {"503": EXPECTED}


def stopped_run(tmp_path, serve, *extra):
    """A run of the slow server whose load generator is stopped (SIGSTOP)
    from 0.8 s to 2.0 s of its run: timed from its first request, not from
    its start (a busy machine may take most of a second to start Python)."""
    first = threading.Event()

    def slow_first_seen(handler, method, path):
        first.set()
        slow(handler, method, path)

    server = serve(slow_first_seen)
    url = "http://127.0.0.1:%d/" % server.server_address[1]
    out = tmp_path / "result.json"
    proc = subprocess.Popen([sys.executable, str(LOADGEN), "--url", url, "--rate", "20", "--duration", "3",
                             "--timeout", "0.5", "--out", str(out), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert first.wait(20), "the load generator sent no request"
    time.sleep(0.8)
    proc.send_signal(signal.SIGSTOP)
    time.sleep(1.2)
    proc.send_signal(signal.SIGCONT)
    rc = proc.wait(timeout=20)
    result = json.loads(out.read_text())
    assert rc == (0 if result["ok"] else 1)
    return result


def test_a_stall_of_this_client_is_its_own_not_the_sites(tmp_path, serve):
    # The load generator itself did not run for 1.2 s while the server
    # answered every request in 0.15 s: the requests in flight then had their
    # answers waiting, unread (not timeouts: a request's time runs only while
    # this client does), and the ones due meanwhile could not leave at their
    # time (unsent, not sent late in one burst). The stall is reported: when,
    # how long, and how much of it was waiting for a CPU (none: a stopped
    # process is not runnable).
    result = stopped_run(tmp_path, serve)
    assert result["failed"] == 0 and set(result["statuses"]) == {"200"}
    assert len(result["client_stalls"]) == 1
    at, seconds = result["client_stalls"][0]
    assert 0.5 <= at <= 1.2 and 1.0 <= seconds <= 2.0
    assert result["client_stall_max_ms"] >= 1000
    assert result["client_stall_cpu_wait_ms"] is not None and result["client_stall_cpu_wait_ms"] < 500
    assert 18 <= result["unsent"] <= 30 and result["sent"] + result["unsent"] == 60
    assert result["per_path"]["GET /"]["unsent"] == result["unsent"]
    assert result["p99_ms"] < 1000  # the stall is not the site's latency
    # Over a quarter of the requests unsent: the measurement is incomplete.
    assert result["ok"] is False
    assert result["problems"][0].startswith("this load generator stalled (")
    assert "the measurement is incomplete" in result["problems"][0]


def test_a_stall_that_just_ended_is_not_a_requests_latency():
    # The answer came while this client was stopped; it runs again and the
    # request is recorded before the ticker noticed the stall: the stall is
    # still taken out of the request's time.
    args = loadgen.parser().parse_args(["--url", "http://127.0.0.1:9/"])
    load = loadgen.Load(args, [loadgen.parse_spec("/", "/")])

    async def answered(number, spec, begin):
        return type("Answer", (), {"status": 200, "body": b"ok", "getheader": lambda self, name: None})()

    load.answer = answered
    now = time.monotonic()
    load.started = now - 3.0
    load.last_tick = now - 1.5  # stopped 1.5 s ago, not noted yet
    load.inflight = 1
    asyncio.run(load.request(1, load.specs[0], now - 1.6))
    (_, _, outcome, ok, latency, _), = load.records
    assert (outcome, ok) == ("200", True)
    assert latency < 0.5, latency
    assert len(load.stalls) == 1


def test_a_short_stall_of_this_client_passes_with_its_unsent_requests_named(tmp_path, serve):
    result = stopped_run(tmp_path, serve, "--max-unsent", "0.6")
    assert result["ok"] is True, result["problems"]
    assert result["failed"] == 0 and result["unsent"] >= 18


def test_the_timeline_splits_the_run_where_its_outcomes_change():
    records = [(0.1, "GET /", "200"), (0.9, "GET /", "200"), (1.2, "GET /", "200"),
               (2.0, "GET /", "503"), (2.5, "GET /", "timeout"), (3.4, "GET /", "timeout"),
               (3.5, "GET /", "503"), (4.1, "GET /", "200"), (7.0, "GET /", "200")]
    assert loadgen.timeline(records) == [
        {"from_s": 0, "to_s": 2, "outcomes": {"200": 3}},
        {"from_s": 2, "to_s": 4, "outcomes": {"503": 2, "timeout": 2}},
        {"from_s": 4, "to_s": 5, "outcomes": {"200": 1}},
        # A second without a request ends a segment.
        {"from_s": 7, "to_s": 8, "outcomes": {"200": 1}},
    ]
    assert loadgen.timeline([]) == []


def test_a_result_names_its_start_and_timeline(tmp_path, serve):
    before = time.time()
    result = run(tmp_path, serve(error_500))
    assert before - 1 <= result["started_at"] <= time.time()
    assert [seg["outcomes"] for seg in result["timeline"]] == [{"500": EXPECTED}]
    assert result["timeline"][0]["from_s"] == 0
