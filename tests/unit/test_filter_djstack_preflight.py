"""plugins/filter/djstack_preflight.py: the listeners on the site's ports
that are not the stack's own (preflight's host.yml)."""

import json

from conftest import load

preflight = load("plugins/filter/djstack_preflight.py")

# ss -H -t -l -n -p '( sport = :80 or sport = :443 )' on a host running nginx
# on the host itself (v4 and v6) and the stack's published port 443.
SS = [
    'LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    users:(("nginx",pid=812,fd=6),("nginx",pid=811,fd=6))',
    'LISTEN 0      511             [::]:80           [::]:*    users:(("nginx",pid=812,fd=7))',
    'LISTEN 0      4096         0.0.0.0:443       0.0.0.0:*    users:(("docker-proxy",pid=2301,fd=7))',
    'LISTEN 0      4096            [::]:443          [::]:*    users:(("docker-proxy",pid=2308,fd=7))',
]
OURS = [json.dumps({"Names": "mysite-nginx-1", "Ports": "0.0.0.0:443->443/tcp, [::]:443->443/tcp"})]


def test_each_line_gives_port_process_and_pid():
    assert preflight.listeners(SS[:1] + SS[2:3]) == [
        {"port": 80, "name": "nginx", "pid": "812"}, {"port": 443, "name": "docker-proxy", "pid": "2301"}]
    # Without the process (ss run without the privilege to see it), and a line ss never writes.
    assert preflight.listeners(["LISTEN 0 511 0.0.0.0:8080 0.0.0.0:*", "garbage"]) == [
        {"port": 8080, "name": "?", "pid": "?"}, {"port": 0, "name": "?", "pid": "?"}]
    assert preflight.listeners(None) == []


def test_only_the_stacks_own_published_ports_are_allowed():
    foreign = preflight.foreign_listeners(SS, OURS)
    assert [(e["port"], e["name"]) for e in foreign] == [(80, "nginx"), (80, "nginx")]
    # Another project's container on 443: docker-proxy there is foreign too.
    assert [e["port"] for e in preflight.foreign_listeners(SS[2:], [])] == [443, 443]
    other = [json.dumps({"Ports": "0.0.0.0:8443->443/tcp"})]
    assert [e["port"] for e in preflight.foreign_listeners(SS[2:], other)] == [443, 443]
    # A free host, and a rerun of the stack on its own ports.
    assert preflight.foreign_listeners([], OURS) == []
    assert preflight.foreign_listeners(SS[2:], OURS) == []
