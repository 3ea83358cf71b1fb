#!/usr/bin/env python3
"""Closed-loop HTTP GET throughput: N connections, each sending its next
request when the previous answer arrived, for a fixed time. Prints one JSON
object: requests, errors, seconds, rps, p50_ms, p99_ms, statuses.

Used by scripts/bench-fleet.py, run on a fleet's load balancer test host to
compare requests/s through HAProxy with requests/s from one web host's nginx
at the same concurrency. Only for loopback or private addresses (the
project's own test hosts); bounded in time.

  tests/throughput.py --url http://172.20.0.3/ --host one.example.test \
      --concurrency 8 --seconds 15

An https URL needs --cafile (the chain is verified against it; the name is
not, since the URL names the host by address) or --insecure.
"""
import argparse
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
import urllib.parse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--host", help="Host header to send")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--cafile", help="https: verify the certificate chain against this CA")
    parser.add_argument("--insecure", action="store_true", help="https: do not verify the certificate")
    args = parser.parse_args()

    url = urllib.parse.urlsplit(args.url)
    address = ipaddress.ip_address(socket.gethostbyname(url.hostname))
    if not (address.is_loopback or address.is_private):
        parser.error(f"{url.hostname} is neither loopback nor a private address")
    if not 1 <= args.concurrency <= 64 or not 0 < args.seconds <= 300:
        parser.error("--concurrency is 1-64 and --seconds at most 300")

    context = None
    if url.scheme == "https":
        if args.cafile:
            context = ssl.create_default_context(cafile=args.cafile)
            context.check_hostname = False
        elif args.insecure:
            context = ssl._create_unverified_context()  # noqa: S323 - a bench against the project's own test host
        else:
            parser.error("an https URL needs --cafile or --insecure")

    path = url.path or "/"
    headers = {"Host": args.host or url.netloc}
    lock = threading.Lock()
    latencies, statuses, errors = [], {}, [0]
    deadline = time.monotonic() + args.seconds

    def client() -> None:
        conn = None
        while time.monotonic() < deadline:
            start = time.monotonic()
            try:
                if conn is None:
                    if context is not None:
                        conn = http.client.HTTPSConnection(url.hostname, url.port or 443, timeout=args.timeout,
                                                           context=context)
                    else:
                        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=args.timeout)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = str(response.status)
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                status = "error"
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == "200":
                    latencies.append(time.monotonic() - start)
                else:
                    errors[0] += 1
        if conn is not None:
            conn.close()

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - began

    latencies.sort()

    def percentile(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else -1

    print(json.dumps({"requests": sum(statuses.values()), "errors": errors[0], "seconds": round(took, 1),
                      "rps": round(len(latencies) / took, 1), "p50_ms": percentile(0.5), "p99_ms": percentile(0.99),
                      "concurrency": args.concurrency, "statuses": statuses}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
