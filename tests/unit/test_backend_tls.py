"""TLS from the load balancers to the web hosts' nginx (issue 31,
django_fleet_backend_tls), in the real templates rendered with Ansible's
templar (test_hostile_values.py's _render):

- roles/django_stack/templates/site.conf.j2 and compose.yaml.j2: without
  django_stack_backend_tls_cert nothing of the listener is rendered (the
  single-host layout's files stay as they were); with it nginx serves the
  same site as port 80 on 8443 over TLS, the certificate and key mounted
  read-only into nginx only, the host port published;
- roles/django_lb/templates/haproxy.cfg.j2: a backend with tls and the CA
  gets `ssl verify required ca-file ... verifyhost <address>` (its health
  checks inherit the TLS); without them the server line is as before.
(The fleet scenario, molecule/fleet/tasks/backend-tls.yml, runs it.)
"""

from pathlib import Path

import pytest
import yaml
from conftest import load

REPO = Path(__file__).resolve().parents[2]
hostile = load("tests/unit/test_hostile_values.py", "hostile_values_helpers")

SITE = "django_stack/templates/site.conf.j2"
COMPOSE = "django_stack/templates/compose.yaml.j2"
HAPROXY = "django_lb/templates/haproxy.cfg.j2"

CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIEfake\n-----END PRIVATE KEY-----\n"
TLS = {"django_stack_backend_tls_cert": CERT, "django_stack_backend_tls_key": KEY}
FLEET = {
    "django_stack_trusted_proxies": ["10.0.0.5"],
    "django_stack_fleet_hosts": ["web1", "web2"],
    "django_stack_load_balancers": ["lb1"],
}
LAYOUTS = {
    "single": {},
    "https": {"django_stack_https": True, "_django_stack_cert": {"stat": {"exists": True}}},
    "fleet": FLEET,
}


def _servers(tree):
    return [children for name, _, children in tree if name == "server"]


def _listens(server):
    return [args for name, args, _ in server if name == "listen"]


def _without(server, names):
    return [d for d in server if d[0] not in names]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_nothing_of_the_listener_without_a_certificate(layout):
    site = hostile._render(SITE, LAYOUTS[layout])
    compose = hostile._render(COMPOSE, LAYOUTS[layout])
    for text in (site, compose):
        assert "8443" not in text
        assert "backend-tls" not in text


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_listener_adds_two_servers_and_changes_nothing_else(layout):
    before = hostile.nginx_tree(hostile._render(SITE, LAYOUTS[layout]))
    after = hostile.nginx_tree(hostile._render(SITE, {**LAYOUTS[layout], **TLS}))
    assert after[: len(before)] == before
    added = after[len(before) :]
    assert [name for name, _, _ in added] == ["server", "server"]
    default, site = [children for _, _, children in added]
    assert _listens(default) == [["8443", "ssl", "default_server"]]
    assert ("return", ["444"], None) in default
    assert _listens(site) == [["8443", "ssl"]]
    for server in (default, site):
        assert ("ssl_certificate", ["/etc/nginx/backend-tls/cert.pem"], None) in server
        assert ("ssl_certificate_key", ["/etc/nginx/backend-tls/key.pem"], None) in server
        assert ("ssl_protocols", ["TLSv1.2", "TLSv1.3"], None) in server


def test_the_listener_serves_what_port_80_serves_in_a_fleet():
    tree = hostile.nginx_tree(hostile._render(SITE, {**FLEET, **TLS}))
    port80 = [s for s in _servers(tree) if _listens(s) == [["80"]]]
    tls = [s for s in _servers(tree) if _listens(s) == [["8443", "ssl"]]]
    assert len(port80) == 1 and len(tls) == 1
    skip = {"listen", "ssl_certificate", "ssl_certificate_key", "ssl_protocols"}
    assert _without(tls[0], skip) == _without(port80[0], skip)
    # The load balancers' X-Forwarded-Proto is believed on it too.
    text = hostile._render(SITE, {**FLEET, **TLS})
    assert "set_real_ip_from 10.0.0.5;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme" not in text


def test_compose_publishes_the_port_and_mounts_the_files_into_nginx_only():
    compose = yaml.safe_load(hostile._render(COMPOSE, {**FLEET, **TLS, "django_stack_backend_tls_port": 9443}))
    nginx = compose["services"]["nginx"]
    assert "9443:8443" in nginx["ports"]
    mounts = [v for v in nginx["volumes"] if "backend-tls" in v]
    assert len(mounts) == 2
    assert all(m.startswith("/srv/django/backend-tls/") and m.endswith(":ro") for m in mounts)
    assert {m.split(":")[1] for m in mounts} == {"/etc/nginx/backend-tls/cert.pem", "/etc/nginx/backend-tls/key.pem"}
    others = [name for name, service in compose["services"].items() if name != "nginx"]
    for name in others:
        assert not any("backend-tls" in str(v) for v in compose["services"][name].get("volumes", [])), name


def test_a_new_certificate_changes_the_mounted_file_names():
    one = hostile._render(COMPOSE, {**FLEET, **TLS})
    two = hostile._render(COMPOSE, {**FLEET, **TLS, "django_stack_backend_tls_cert": CERT.replace("fake", "other")})
    assert one != two


BACKENDS = [
    {"name": "web1", "address": "10.0.0.11", "port": 8443, "tls": True, "domain": "www.example.com",
     "domains": ["www.example.com"], "health_path": "/healthz/"},
    {"name": "web2", "address": "10.0.0.12", "port": 8443, "tls": True, "domain": "www.example.com",
     "domains": ["www.example.com"], "health_path": "/healthz/"},
]


def _server_lines(text):
    return [line.strip() for line in text.splitlines() if line.strip().startswith("server web")]


def test_haproxy_verifies_each_web_host_with_the_fleet_ca():
    text = hostile._render(HAPROXY, {"django_lb_backends": BACKENDS, "django_lb_backend_ca": CERT})
    assert _server_lines(text) == [
        "server web1 10.0.0.11:8443 ssl verify required ca-file /etc/haproxy/backend-ca.pem verifyhost 10.0.0.11",
        "server web2 10.0.0.12:8443 ssl verify required ca-file /etc/haproxy/backend-ca.pem verifyhost 10.0.0.12",
    ]
    # The health checks inherit the server's TLS: no port or addr of their own.
    assert "check-ssl" not in text and " port " not in text.split("backend web")[1]


@pytest.mark.parametrize(
    "overrides",
    [
        {"django_lb_backends": [dict(b, port=80, tls=False) for b in BACKENDS], "django_lb_backend_ca": ""},
        {"django_lb_backends": [{k: v for k, v in b.items() if k != "tls"} | {"port": 80} for b in BACKENDS]},
        # tls without a CA (a check run before the fleet CA exists): never ssl without verification.
        {"django_lb_backends": [dict(b, port=80) for b in BACKENDS], "django_lb_backend_ca": ""},
    ],
    ids=["opt-out", "as-before", "no-ca"],
)
def test_haproxy_plain_server_lines_without_tls(overrides):
    text = hostile._render(HAPROXY, overrides)
    assert _server_lines(text) == ["server web1 10.0.0.11:80", "server web2 10.0.0.12:80"]
