#!/usr/bin/env python3
"""Print HAProxy's view of its servers as JSON (status.yml, on a load balancer).

Asks the runtime API on the stats socket (argument 1) for `show stat` and
prints one object per server: backend, server, status (UP, DOWN, MAINT, ...),
check (the last health check's result) and seconds since the last change.
Only the standard library: it runs with the host's python3.
"""
import csv
import io
import json
import socket
import sys

with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
    sock.settimeout(10)
    sock.connect(sys.argv[1])
    sock.sendall(b"show stat\n")
    data = b""
    while chunk := sock.recv(65536):
        data += chunk

rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
print(json.dumps([
    {"backend": row["pxname"], "server": row["svname"], "status": row["status"],
     "check": row.get("check_status", ""), "since_s": int(row["lastchg"] or -1)}
    for row in rows if row["svname"] not in ("FRONTEND", "BACKEND")
]))
