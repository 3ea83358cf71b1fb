"""The health endpoint's details (release, database status) only for the
clients nginx names (issue 31).

- plugins/filter/djstack_stack.py: django_stack_health_detail_from is
  checked strictly and turned into the geo entries of site.conf;
- roles/django_stack/templates/site.conf.j2, rendered with Ansible's
  templar: the geo lists the host (loopback, the web network's gateway) and
  the configured clients, and every location that passes requests to the
  app sets X-Djstack-Health-Detail from it (so a client's own is dropped);
- roles/django_stack/templates/overlay/djstack_health.py.j2, rendered and
  run with Django in a subprocess: status only without the header.
(app/config/health.py, the sample app's copy, is tested in app/notes/tests.py.)
"""

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stack = _load("djstack_stack", REPO / "plugins/filter/djstack_stack.py")
hostile = _load("hostile_values_helpers", REPO / "tests/unit/test_hostile_values.py")

SITE = "django_stack/templates/site.conf.j2"


# ---- the filter ------------------------------------------------------------


def test_default_is_the_host_only():
    assert stack.health_detail([]) == {"host": ["127.0.0.1", "::1"], "from": []}


def test_gateway_and_clients_canonical_sorted_once():
    got = stack.health_detail(
        ["192.0.2.7", "10.0.0.0/24", "2001:DB8::/32", "10.0.0.0/24", "127.0.0.1", "172.19.0.1"],
        ["172.19.0.1"],
    )
    assert got == {"host": ["127.0.0.1", "::1", "172.19.0.1"], "from": ["10.0.0.0/24", "192.0.2.7", "2001:db8::/32"]}


def test_everyone_as_before():
    assert stack.health_detail(["0.0.0.0/0", "::/0"])["from"] == ["0.0.0.0/0", "::/0"]


@pytest.mark.parametrize(
    "value",
    [
        "10.0.0.1/24",  # host bits set
        "web1.example.com",
        "10.0.0.300",
        "10.0.0.0/33",
        " 10.0.0.1",
        "10.0.0.1 1;\n    0.0.0.0/0",
        "10.0.0.1;",
        "",
        5,
    ],
)
def test_bad_entries_are_named(value):
    bad = stack.bad_networks(["10.0.0.1", value])
    assert len(bad) == 1 and repr(value) in bad[0]
    with pytest.raises(ValueError, match="not an IP address or CIDR network"):
        stack.health_detail([value])


def test_good_entries_pass():
    assert stack.bad_networks(["10.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32", "0.0.0.0/0"]) == []
    assert stack.bad_networks(None) == []


# ---- site.conf -------------------------------------------------------------


def _geo(tree):
    [block] = [c for n, a, c in tree if n == "geo" and a == ["$django_stack_health_detail"]]
    return {name: args for name, args, _ in block}


def _app_locations(tree):
    """(location args, its directives) of every location that passes requests to the app."""
    found = []
    for server in [c for n, a, c in tree if n == "server"]:
        for name, args, children in server:
            if name == "location" and any(d == "proxy_pass" for d, _, _ in children):
                found.append((tuple(args), [a for d, a, _ in children if d == "proxy_set_header"]))
    return found


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_site_sets_the_header_from_the_geo_everywhere_the_app_is_reached(https):
    overrides = {
        "django_stack_health_detail_from": ["10.0.0.0/24", "192.0.2.7"],
        "_django_stack_web_gateways": ["172.19.0.1"],
    }
    if https:
        overrides.update(django_stack_https=True, _django_stack_cert={"stat": {"exists": True}})
    tree = hostile.nginx_tree(hostile._render(SITE, overrides))
    assert _geo(tree) == {
        "default": [""],
        "127.0.0.1": ["1"],
        "::1": ["1"],
        "172.19.0.1": ["1"],
        "10.0.0.0/24": ["1"],
        "192.0.2.7": ["1"],
    }
    locations = _app_locations(tree)
    # The health location on port 80, and / (on 443 with HTTPS).
    assert {args for args, _ in locations} == {("=", "/healthz/"), ("/",)}
    for args, headers in locations:
        assert ["X-Djstack-Health-Detail", "$django_stack_health_detail"] in headers, args


def test_site_default_lets_only_the_host_see_details():
    text = hostile._render(SITE, {})
    assert _geo(hostile.nginx_tree(text)) == {"default": [""], "127.0.0.1": ["1"], "::1": ["1"]}
    assert "# django_stack_health_detail_from" not in text


# ---- the overlay's middleware ------------------------------------------------

_OVERLAY_RUN = textwrap.dedent(
    """
    import json, sys, types
    import django
    from django.conf import settings
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DJSTACK_HEALTH_PATH="/healthz/", APP_RELEASE="abc123", ALLOWED_HOSTS=["*"],
    )
    django.setup()
    from django.test import RequestFactory
    module = types.ModuleType("djstack_health")
    exec(sys.stdin.read(), module.__dict__)
    middleware = module.HealthCheckMiddleware(lambda request: None)
    out = []
    for headers in ({}, {"X-Djstack-Health-Detail": "yes"}, {"X-Djstack-Health-Detail": "1"}):
        response = middleware(RequestFactory().get("/healthz/", headers=headers))
        out.append([response.status_code, json.loads(response.content)])
    print(json.dumps(out))
    """
)


def test_overlay_middleware_gives_details_only_with_the_header():
    pytest.importorskip("django")
    code = hostile._render("django_stack/templates/overlay/djstack_health.py.j2", {})
    result = subprocess.run(
        [sys.executable, "-c", _OVERLAY_RUN], input=code, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        [200, {"status": "ok"}],
        [200, {"status": "ok"}],
        [200, {"status": "ok", "release": "abc123", "database": "ok"}],
    ]
