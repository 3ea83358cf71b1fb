"""Filters of the preflight role: who holds the site's ports (host.yml).
Unit tests: tests/unit/test_filter_djstack_preflight.py.
"""

import json
import re

# ss -H -t -l -n -p: State Recv-Q Send-Q Local:Port Peer:Port users:(("name",pid=N,fd=M),...)
SS_LINE = re.compile(r':(\d+)\s+\S+\s*(?:users:\(\("([^"]*)",pid=(\d+))?')
# docker ps --format json, Ports: "0.0.0.0:80->80/tcp, [::]:80->80/tcp"
PUBLISHED = re.compile(r":([0-9]+)->")


def listeners(ss_lines):
    """Each listening socket of `ss` output: {port, name, pid} ('?' when ss
    could not name the process; port 0 for a line it did not understand)."""
    found = []
    for line in ss_lines or []:
        match = SS_LINE.search(line)
        port, name, pid = match.groups() if match else (0, None, None)
        found.append({"port": int(port), "name": name or "?", "pid": pid or "?"})
    return found


def foreign_listeners(ss_lines, published_lines=()):
    """The listeners on the site's ports that are not this stack's: any
    process but docker-proxy, and docker-proxy on a port that none of the
    stack's containers publishes (published_lines: `docker ps --format json`
    of its compose project, one JSON object a line)."""
    ours = set()
    for line in published_lines or []:
        ours.update(int(port) for port in PUBLISHED.findall(json.loads(line).get("Ports", "")))
    return [entry for entry in listeners(ss_lines)
            if entry["name"] != "docker-proxy" or entry["port"] not in ours]


class FilterModule:
    def filters(self):
        return {"djstack_foreign_listeners": foreign_listeners}
