#!/usr/bin/env python3
"""Send HTTP GET requests at a steady rate and report how many failed.

Used by the update tests (zero failed requests during a deploy) and by
scripts/bench-update.sh. Only for loopback or the project's own test hosts:
it refuses any other address. Bounded in time and count; stops by itself,
or early when the STOP_FILE appears.

  tests/loadgen.py --url http://172.20.0.3/ --host one.example.test \
      --rate 60 --duration 120 --stop-file /tmp/stop --out result.json
"""
import argparse
import ipaddress
import json
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--host", help="Host header to send")
    parser.add_argument("--rate", type=float, default=60.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=60.0, help="maximum seconds")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--stop-file", help="stop early when this file exists")
    parser.add_argument(
        "--cafile",
        help="for an https URL: the CA its certificate chain must verify against (the name is not"
        " checked, since the URL names the test host by address)",
    )
    parser.add_argument("--out", help="write the JSON result here")
    args = parser.parse_args()

    target = urllib.parse.urlsplit(args.url).hostname
    if not allowed(target):
        parser.error(f"{target} is neither loopback nor a local test container")
    # The caller creates the stop file once it is done; one that exists now
    # was left by an earlier, interrupted run (molecule prunes its directory
    # only when a test ends), and would stop this run after one request.
    if args.stop_file:
        try:
            os.unlink(args.stop_file)
        except FileNotFoundError:
            pass

    handlers = []
    if args.cafile:
        context = ssl.create_default_context(cafile=args.cafile)
        context.check_hostname = False
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)

    lock = threading.Lock()
    latencies, failures, statuses = [], [], {}
    stop = threading.Event()
    interval = 1.0 / args.rate
    started = time.monotonic()
    next_slot = [started]

    def worker() -> None:
        headers = {"Host": args.host} if args.host else {}
        while not stop.is_set():
            with lock:
                slot = next_slot[0]
                next_slot[0] += interval
            delay = slot - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if stop.is_set():
                return
            begin = time.monotonic()
            try:
                request = urllib.request.Request(args.url, headers=headers)
                with opener.open(request, timeout=args.timeout) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError as error:
                status = type(error).__name__
            elapsed = time.monotonic() - begin
            with lock:
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if status == 200:
                    latencies.append(elapsed)
                else:
                    failures.append({"t": round(begin - started, 3), "status": str(status)})

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    for thread in threads:
        thread.start()
    while time.monotonic() - started < args.duration:
        if args.stop_file and os.path.exists(args.stop_file):
            break
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(args.timeout + 1)
    wall = time.monotonic() - started

    latencies.sort()

    def percentile(p: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    sent = len(latencies) + len(failures)
    result = {
        "url": args.url,
        "host": args.host,
        "seconds": round(wall, 1),
        "sent": sent,
        "failed": len(failures),
        "rate": round(sent / wall, 1) if wall else 0,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "statuses": statuses,
        "first_failures": failures[:20],
    }
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
