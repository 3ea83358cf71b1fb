#!/usr/bin/env python3
"""Send HTTP requests at a fixed rate (open loop) and count every outcome.

Used by every zero-downtime check (tests/tasks/run-under-load.yml, the
fleet's and the backup's verify, tests/faults.py) and by
scripts/bench-update.py. Only for loopback or the project's own test hosts:
it refuses any other address. Bounded in time; stops by itself, or early
when the STOP_FILE appears.

Open loop: request i is due at start + i/rate whatever happened to the
requests before it, and its latency is counted from that due time, so a
stalled server shows up as latency and failures, never as a slower sender.
When more than --max-inflight requests are outstanding, the due request is
counted as failed ("overload"), not skipped. By default that is as many as
can be outstanding before the first of them times out (rate x timeout), so
a slow server shows as latency and timeouts, and overload only when this
client cannot hold more.

This client's own stalls (its process not running for over --stall-limit,
1 s: a starved or blocked controller) are not the site's: a request's time
runs only while this client runs (the answer may be there, unread), and the
requests due meanwhile are counted as unsent instead of leaving late in one
burst. Each stall is reported (when, how long, how much of it waiting for a
CPU); more than --max-unsent (a quarter) of the due requests unsent fails the
verdict as an incomplete measurement.

Every request is recorded: any exception (a truncated body, a reset, a bad
status line, a timeout, a TLS error) and any answer that is not 2xx (or not
the status its --path names) is a failure, except, with --maintenance, a
503 with Retry-After (a planned stop's page), counted apart with its window. The verdict ("ok", exit status 0,
else 1) also fails on p99 latency over --max-p99-ms, fewer requests than
--min-requests, and any JSON answer whose "release" is a --forbid-release.

  tests/loadgen.py --url http://172.20.0.3/ --host one.example.test --db \\
      --rate 60 --duration 120 --stop-file /tmp/stop --out result.json
"""
import argparse
import asyncio
import http.client
import io
import ipaddress
import json
import math
import os
import socket
import ssl
import sys
import time
import traceback
import urllib.parse

# --db: the home page (a template only) and the sample app's page that reads
# and writes rows (app/notes/views.py probe()).
DB_PATHS = ("GET /", "GET /notes/probe/", "POST /notes/probe/")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
FIRST_FAILURES = 20
# --maintenance: the outcome of a 503 that carries Retry-After.
MAINTENANCE = "503 Retry-After"
CHUNK = 65536


def allowed(host: str) -> bool:
    """Loopback, or a private address of a local test container (docker bridge)."""
    addr = ipaddress.ip_address(socket.gethostbyname(host))
    if addr.is_loopback:
        return True
    # The project's own test containers live on local docker bridges, which this
    # machine routes directly (no gateway): the most specific route to the
    # address must be on-link through such a bridge.
    packed = int.from_bytes(addr.packed, "little")  # /proc/net/route's byte order
    best = None
    with open("/proc/net/route", encoding="ascii") as routes:
        next(routes)
        for line in routes:
            fields = line.split()
            dest, gateway, mask = (int(fields[i], 16) for i in (1, 2, 7))
            if packed & mask == dest and (best is None or mask.bit_count() > best[0]):
                best = (mask.bit_count(), fields[0], gateway)
    return best is not None and best[2] == 0 and best[1].startswith(("docker", "br-"))


def parse_spec(spec: str, default_path: str) -> dict:
    """'/x/', 'POST /x/' or 'POST /x/ 201' -> {spec, method, path, expect}.

    expect is the one status that counts as success (None: any 2xx).
    """
    words = spec.split()
    method, expect = "GET", None
    if words and words[0].upper() in METHODS:
        method = words.pop(0).upper()
    if words and words[-1].isdigit() and len(words[-1]) == 3:
        expect = int(words.pop())
    if len(words) > 1 or (words and not words[0].startswith("/")):
        raise ValueError(f"--path {spec!r}: expected [METHOD] /PATH [STATUS]")
    path = words[0] if words else default_path
    name = f"{method} {path}" + (f" {expect}" if expect else "")
    return {"spec": name, "method": method, "path": path, "expect": expect}


def percentile(values: list, p: float) -> float | None:
    """Nearest-rank percentile of sorted seconds, in ms."""
    if not values:
        return None
    return round(values[max(0, math.ceil(p * len(values)) - 1)] * 1000, 1)


def run_delay() -> float | None:
    """Seconds this process's main thread has waited for a CPU (Linux schedstat)."""
    try:
        with open("/proc/self/schedstat", encoding="ascii") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def timeline(records: list, width: float = 1.0) -> list:
    """The run in segments: consecutive seconds that saw the same outcomes.

    records: (t, spec, outcome, ...) tuples, t in seconds from the start.
    Each segment is {"from_s", "to_s", "outcomes": {outcome: count}}: where
    in the run a failure began and ended, and what answered around it (a
    failed check names its window, not only its totals). A second with no
    request ends a segment.
    """
    seconds = {}
    for t, _spec, outcome, *_rest in records:
        bucket = seconds.setdefault(math.floor(t / width), {})
        bucket[outcome] = bucket.get(outcome, 0) + 1
    segments = []
    for index in sorted(seconds):
        outcomes = seconds[index]
        last = segments[-1] if segments else None
        if last is not None and last["to"] == index and set(last["outcomes"]) == set(outcomes):
            for outcome, count in outcomes.items():
                last["outcomes"][outcome] += count
            last["to"] = index + 1
        else:
            segments.append({"from": index, "to": index + 1, "outcomes": dict(outcomes)})
    return [{"from_s": round(seg["from"] * width, 3), "to_s": round(seg["to"] * width, 3),
             "outcomes": dict(sorted(seg["outcomes"].items()))} for seg in segments]


def outcome_of(error: BaseException) -> str:
    """The name a failed request is counted under."""
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timeout"
    return type(error).__name__


class _Received:
    """The bytes of one whole answer, read by http.client's own parser."""

    def __init__(self, data: bytes):
        self.data = data

    def makefile(self, *_args, **_kwargs):
        return io.BytesIO(self.data)


class Load:
    """One run: the dispatcher, the requests and their records.

    One thread and one asyncio loop: each due request is a task, so a busy
    machine delays neither the dispatch (no thread to start per request) nor
    the answers (no lock to win between hundreds of threads).
    """

    def __init__(self, args: argparse.Namespace, specs: list):
        self.args = args
        self.specs = specs
        url = urllib.parse.urlsplit(args.url)
        self.https = url.scheme == "https"
        self.target = (url.hostname, url.port or (443 if self.https else 80))
        self.host_header = args.host or url.netloc
        self.context = None
        if self.https:
            self.context = ssl.create_default_context(cafile=args.cafile)
            if args.cafile:
                # The URL names the test host by address: check the chain only.
                self.context.check_hostname = False
        self.forbidden = set(args.forbid_release or ())
        self.records = []  # (t, spec, outcome, ok, latency or None, detail)
        self.releases = {}
        self.lags = []  # how late each request left this client (its own CPU starvation)
        self.inflight = 0
        self.started = 0.0
        self.started_at = 0.0  # time.time() at the start
        self.stall = 0.0  # the longest this client went without running
        self.stall_waiting = None  # of which waiting for a CPU (None: unknown)
        self.stall_at = None  # when it began, in seconds from the start
        self.waited = None  # seconds the main thread waited for a CPU over the run
        # Times this client did not run for longer than --stall-limit (its
        # own stalls, not the site's): [(from, to)], monotonic seconds.
        self.stalls = []
        self.last_tick = 0.0
        self.last_waited = None  # run_delay() at the last tick
        self.unsent = {}  # per path: requests due while this client stalled

    # --- one request ------------------------------------------------------
    def encode(self, number: int, spec: dict) -> bytes:
        body = b""
        lines = [f"{spec['method']} {spec['path']} HTTP/1.1", f"Host: {self.host_header}",
                 "Connection: close", "User-Agent: djstack-loadgen", "Accept-Encoding: identity"]
        if spec["method"] in ("POST", "PUT", "PATCH"):
            body = urllib.parse.urlencode({"text": f"loadgen {number}"}).encode()
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def exchange(self, number: int, spec: dict) -> http.client.HTTPResponse:
        """Send the request, read until the server closes, parse the answer."""
        host, port = self.target
        reader, writer = await asyncio.open_connection(host, port, ssl=self.context)
        try:
            writer.write(self.encode(number, spec))
            await writer.drain()
            data = await reader.read()  # Connection: close: the answer ends at EOF
        finally:
            writer.close()
        response = http.client.HTTPResponse(_Received(data), method=spec["method"])
        response.begin()  # BadStatusLine, RemoteDisconnected (nothing came)...
        response.body = response.read()  # IncompleteRead: fewer bytes than promised
        return response

    # --- this client's own stalls -------------------------------------------
    def tick(self, now: float) -> None:
        """Note that this client runs now (the ticker makes sure it is asked every
        0.05 s): the longest gap is its longest stall, and a gap over
        --stall-limit was a stall of its own."""
        gap = now - self.last_tick
        if gap <= 0:
            return
        waited = run_delay()
        if gap > self.stall:
            self.stall, self.stall_at = gap, round(self.last_tick - self.started, 3)
            self.stall_waiting = None if waited is None or self.last_waited is None else waited - self.last_waited
        if gap > self.args.stall_limit:
            self.stalls.append((self.last_tick, now))
        self.last_tick, self.last_waited = now, waited

    def stalled(self, start: float, end: float) -> float:
        """Seconds of this client's stalls between start and end."""
        return sum(max(0.0, min(b, end) - max(a, start)) for a, b in self.stalls)

    async def ticker(self) -> None:
        while True:
            self.tick(time.monotonic())
            await asyncio.sleep(0.05)

    async def answer(self, number: int, spec: dict, begin: float) -> http.client.HTTPResponse:
        """The exchange, within --timeout of the time this client ran since begin.

        A stall of this client (its process not running) does not use up a
        request's time: the answer may have been there all along, unread.
        """
        exchange = asyncio.ensure_future(self.exchange(number, spec))
        try:
            while True:
                now = time.monotonic()
                self.tick(now)
                remaining = begin + self.args.timeout + self.stalled(begin, now) - now
                if remaining <= 0:
                    raise TimeoutError
                done, _ = await asyncio.wait({exchange}, timeout=remaining)
                if done:
                    return exchange.result()
        finally:
            exchange.cancel()  # no-op once done; else its finally closes the connection

    async def request(self, number: int, spec: dict, due: float) -> None:
        """Send one request and record it; never raises."""
        begin = time.monotonic()
        self.lags.append(begin - due)
        outcome, ok, detail, release = "?", False, "", None
        try:
            response = await self.answer(number, spec, begin)
            data = response.body
            outcome = str(response.status)
            ok = response.status == spec["expect"] if spec["expect"] else 200 <= response.status < 300
            if self.args.maintenance and response.status == 503 and response.getheader("Retry-After"):
                # A planned stop's page (--maintenance): an answer, counted apart.
                outcome, ok = MAINTENANCE, True
            if not ok:
                detail = data[:200].decode("utf-8", "replace")
            if "json" in (response.getheader("Content-Type") or ""):
                try:
                    release = json.loads(data).get("release")
                except (ValueError, AttributeError):
                    release = None
        except TimeoutError:
            outcome, detail = "timeout", f"no complete answer within {self.args.timeout} s"
        except Exception as error:  # every exception is a failed request
            outcome, ok, detail = outcome_of(error), False, f"{type(error).__name__}: {error}"[:300]
        finally:
            self.inflight -= 1
        if ok and release is not None and release in self.forbidden:
            outcome, ok, detail = "forbidden-release", False, f"{outcome} from release {release}"
        end = time.monotonic()
        # A stall that ended just now is noted before it is taken out of this
        # request's time (the ticker may not have run since).
        self.tick(end)
        self.record(due, spec["spec"], outcome, ok, end - due - self.stalled(due, end), detail, release)

    def record(self, due, spec, outcome, ok, latency, detail, release=None):
        self.records.append((round(due - self.started, 3), spec, outcome, ok, latency, detail))
        if release is not None:
            self.releases[release] = self.releases.get(release, 0) + 1

    # --- the run ------------------------------------------------------------
    def stopped(self) -> bool:
        return bool(self.args.stop_file) and os.path.exists(self.args.stop_file)

    def run(self) -> dict:
        return asyncio.run(self.dispatch())

    async def dispatch(self) -> dict:
        args = self.args
        tasks = set()
        self.started = time.monotonic()
        self.started_at = time.time()
        end = self.started + args.duration
        next_stop_check = self.last_tick = self.started
        self.last_waited = begin_waited = run_delay()
        stop_check = None
        ticker = asyncio.create_task(self.ticker())
        skipped_stalls = 0
        number = 0
        while True:
            due = self.started + number / args.rate
            if due >= end:
                break
            now = time.monotonic()
            self.tick(now)
            # Requests due while this client stalled could not leave at their
            # time: counted apart (unsent), not sent late in one burst.
            while skipped_stalls < len(self.stalls):
                stall_from, stall_to = self.stalls[skipped_stalls]
                while stall_from <= self.started + number / args.rate < min(stall_to, end):
                    spec = self.specs[number % len(self.specs)]["spec"]
                    self.unsent[spec] = self.unsent.get(spec, 0) + 1
                    number += 1
                skipped_stalls += 1
            due = self.started + number / args.rate
            if due >= end:
                break
            if stop_check is None and now >= next_stop_check:
                # In a thread: a file system that blocks a lookup for a while
                # (a busy disk) must not stop the dispatch with it.
                stop_check = asyncio.ensure_future(asyncio.to_thread(self.stopped))
            if stop_check is not None and stop_check.done():
                if stop_check.result():
                    break
                stop_check, next_stop_check = None, now + 0.1
            if due > now:
                await asyncio.sleep(min(due - now, 0.1))
                continue
            spec = self.specs[number % len(self.specs)]
            if self.inflight >= args.max_inflight:
                self.record(due, spec["spec"], "overload", False, None,
                            f"{args.max_inflight} requests still outstanding")
            else:
                self.inflight += 1
                task = asyncio.create_task(self.request(number, spec, due))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            number += 1
            if number % 64 == 0:
                await asyncio.sleep(0)  # let answers in while many requests fall due at once
        dispatched = time.monotonic() - self.started
        # Each request ends by its own deadline (--timeout); wait a little longer.
        pending = set()
        if tasks:
            _, pending = await asyncio.wait(set(tasks), timeout=args.timeout + 5)
        for task in pending:
            # Not expected: a request that outlived its deadline still counts.
            task.cancel()
            self.record(time.monotonic(), "?", "unfinished", False, None, "still running at the end")
        ticker.cancel()
        end_waited = run_delay()
        self.waited = None if begin_waited is None or end_waited is None else end_waited - begin_waited
        return self.result(dispatched, time.monotonic() - self.started)

    def result(self, dispatched: float, wall: float) -> dict:
        args = self.args
        records = sorted(self.records, key=lambda r: r[0])
        releases = dict(self.releases)
        lags = sorted(self.lags)
        statuses, per_path, failures = {}, {}, []
        latencies = sorted(r[4] for r in records if r[4] is not None)
        for spec in self.specs:
            per_path.setdefault(spec["spec"], {"sent": 0, "failed": 0, "statuses": {}, "latencies": []})
        for t, spec, outcome, ok, latency, detail in records:
            statuses[outcome] = statuses.get(outcome, 0) + 1
            path = per_path.setdefault(spec, {"sent": 0, "failed": 0, "statuses": {}, "latencies": []})
            path["sent"] += 1
            path["statuses"][outcome] = path["statuses"].get(outcome, 0) + 1
            if latency is not None:
                path["latencies"].append(latency)
            if not ok:
                path["failed"] += 1
                if len(failures) < FIRST_FAILURES:
                    failures.append({"t": t, "path": spec, "outcome": outcome, "status": outcome,
                                     "detail": detail})
        for path in per_path.values():
            path["p99_ms"] = percentile(sorted(path.pop("latencies")), 0.99)
        sent = len(records)
        failed = sum(1 for r in records if not r[3])
        p99 = percentile(latencies, 0.99)
        problems = []
        if failed:
            bad = {}
            for record in records:
                if not record[3]:
                    bad[record[2]] = bad.get(record[2], 0) + 1
            first = failures[0]
            problems.append(f"{failed} of {sent} requests failed ({bad}); the first at {first['t']} s: "
                            f"{first['path']} -> {first['detail'] or first['outcome']}")
        if sent < max(1, args.min_requests):
            problems.append(f"only {sent} requests were sent, fewer than the {max(1, args.min_requests)} required")
        if args.max_p99_ms is not None and (p99 is None or p99 > args.max_p99_ms):
            problems.append(f"p99 latency {p99} ms is over the bound of {args.max_p99_ms} ms")
        # The window in which the maintenance page answered (--maintenance).
        paged = [r[0] for r in records if r[2] == MAINTENANCE]
        maintenance = {"answers": len(paged), "first_s": min(paged, default=None), "last_s": max(paged, default=None),
                       "window_s": round(max(paged) - min(paged), 1) if paged else 0.0}
        for release in sorted(self.forbidden & set(releases)):
            problems.append(f"{releases[release]} answers came from the forbidden release {release}")
        # This client's own stalls: the requests due meanwhile are not the
        # site's failures, but what they would have shown is unknown.
        unsent = sum(self.unsent.values())
        stalls = [[round(a - self.started, 3), round(b - a, 3)] for a, b in self.stalls]
        if unsent > args.max_unsent * (sent + unsent):
            problems.append(
                f"this load generator stalled ({sum(b for _, b in stalls):.1f} s in all: "
                + ", ".join(f"{b:.1f} s at {a} s" for a, b in stalls[:5])
                + f") and could not send {unsent} of {sent + unsent} requests at their time, more than"
                f" {args.max_unsent:.0%}: the measurement is incomplete")
        for name, count in self.unsent.items():
            per_path.setdefault(name, {"sent": 0, "failed": 0, "statuses": {}, "p99_ms": None})["unsent"] = count
        return {
            "url": args.url,
            "host": args.host,
            # When the run began (UTC, seconds since the epoch): to set the
            # timeline beside the log of what ran meanwhile.
            "started_at": round(self.started_at, 3),
            "seconds": round(wall, 1),
            "sent": sent,
            "failed": failed,
            "rate": round(sent / dispatched, 1) if dispatched else 0,
            "p50_ms": percentile(latencies, 0.50),
            "p99_ms": p99,
            "max_ms": percentile(latencies, 1.0),
            # Part of the latency spent in this client before sending (a busy
            # controller, not the server): high here means the machine, not the site.
            "send_lag_p99_ms": percentile(lags, 0.99),
            # The longest this client did not run (it ticks every 0.05 s):
            # over a second or so, this machine stalled, not the site.
            "client_stall_max_ms": round(self.stall * 1000, 1),
            "client_stall_at_s": self.stall_at,
            # Of that stall, and of the whole run, the time this client's
            # main thread was runnable but waited for a CPU (the scheduler);
            # the rest of a stall it was blocked in the kernel.
            "client_stall_cpu_wait_ms": None if self.stall_waiting is None else round(self.stall_waiting * 1000, 1),
            "client_cpu_wait_s": None if self.waited is None else round(self.waited, 2),
            # Each stall over --stall-limit ([start s, seconds]) and the
            # requests due meanwhile, not sent (neither answered nor failed).
            "client_stalls": stalls,
            "unsent": unsent,
            "statuses": statuses,
            "per_path": per_path,
            "releases": releases,
            "first_failures": failures,
            "timeline": timeline(records),
            "maintenance": maintenance,
            "ok": not problems,
            "problems": problems,
        }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="scheme://host[:port]/path; --path specs are relative to it")
    p.add_argument("--host", help="Host header to send")
    p.add_argument("--path", action="append", metavar="SPEC",
                   help="'[METHOD] /path [STATUS]', repeatable; requests rotate through them"
                   " (default: GET of the --url's path; STATUS: the one status that succeeds, else any 2xx)")
    p.add_argument("--db", action="store_true",
                   help="add " + ", ".join(repr(s) for s in DB_PATHS) + " (pages that use the database)")
    p.add_argument("--read-only", action="store_true",
                   help="send only the GET and HEAD requests (with --db: no note added, for checks that compare"
                   " the data before and after)")
    p.add_argument("--rate", type=float, default=60.0, help="requests per second (fixed: open loop)")
    p.add_argument("--duration", type=float, default=60.0, help="maximum seconds")
    p.add_argument("--workers", type=int, default=8,
                   help="ignored (kept for old callers): every request is a task of one event loop")
    p.add_argument("--max-inflight", type=int,
                   help="outstanding requests at most; a request due beyond it fails as 'overload'"
                   " (default: rate x timeout + 64, at least 256)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds for a whole request and its answer")
    p.add_argument("--stop-file", help="stop early when this file exists")
    p.add_argument("--cafile",
                   help="for an https URL: the CA its certificate chain must verify against (the name is not"
                   " checked, since the URL names the test host by address)")
    p.add_argument("--max-p99-ms", type=float, help="fail when the p99 latency is over this")
    p.add_argument("--min-requests", type=int, default=1, help="fail when fewer requests were sent")
    p.add_argument("--stall-limit", type=float, default=1.0,
                   help="seconds this client may go without running before it counts as its own stall: a request's"
                   " time does not run meanwhile, and the requests due meanwhile are not sent (unsent)")
    p.add_argument("--max-unsent", type=float, default=0.25,
                   help="fail when more than this share of the due requests could not be sent (default 0.25)")
    p.add_argument("--forbid-release", action="append", metavar="RELEASE",
                   help="fail when a JSON answer names this release (repeatable)")
    p.add_argument("--maintenance", action="store_true",
                   help="a 503 with Retry-After (a maintenance page) is an answer, counted as '503 Retry-After';"
                        " a 503 without it still fails")
    p.add_argument("--out", help="write the JSON result here")
    return p


def main(argv: list | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    url = urllib.parse.urlsplit(args.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        p.error(f"--url {args.url}: expected http(s)://host[:port]/path")
    if args.max_inflight is None:
        args.max_inflight = max(256, math.ceil(args.rate * args.timeout) + 64)
    if args.rate <= 0 or args.duration <= 0 or args.timeout <= 0 or args.max_inflight < 1:
        p.error("--rate, --duration, --timeout and --max-inflight must be positive")
    try:
        specs = [parse_spec(s, url.path or "/") for s in (args.path or [])]
    except ValueError as error:
        p.error(str(error))
    specs += [parse_spec(s, "/") for s in DB_PATHS] if args.db else []
    if not specs:
        specs = [parse_spec(url.path or "/", "/")]
    if args.read_only:
        specs = [s for s in specs if s["method"] in ("GET", "HEAD")]
        if not specs:
            p.error("--read-only leaves no request to send")
    if url.query and not args.path and not args.db:
        specs[0]["path"] += "?" + url.query
    if not allowed(url.hostname):
        p.error(f"{url.hostname} is neither loopback nor a local test container")
    # The caller creates the stop file once it is done; one that exists now
    # was left by an earlier, interrupted run (molecule prunes its directory
    # only when a test ends), and would stop this run at once. An old result
    # would be read as this run's if this one died.
    for stale in (args.stop_file, args.out):
        if stale:
            try:
                os.unlink(stale)
            except FileNotFoundError:
                pass
    try:
        result = Load(args, specs).run()
    except Exception:  # a crash is not a verdict: exit 3, no result file
        traceback.print_exc()
        return 3
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out + ".tmp", "w", encoding="utf-8") as out:
            out.write(text + "\n")
        os.replace(args.out + ".tmp", args.out)
    print(text)
    if not result["ok"]:
        print("loadgen: " + "; ".join(result["problems"]), file=sys.stderr)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
