"""Least privilege in the stack's compose.yaml (issue 31), rendered from the real templates.

Every service drops all capabilities and sets no-new-privileges; nginx and
Redis add back only the sets found by starting the test images with them
(docs/security.md#containers) and have a read-only root; the database adds
its entrypoint's set and keeps a writable root; nginx mounts only its own
certificate's live/ and archive/ directories, never /etc/letsencrypt.
"""

import pytest
import yaml
from test_hostile_values import DATABASE, _render

NGINX_CAPS = ["CHOWN", "NET_BIND_SERVICE", "SETGID", "SETUID"]
DB_CAPS = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID"]
REDIS_CAPS = ["CHOWN", "DAC_READ_SEARCH", "SETGID", "SETUID"]


def _compose(https, **options):
    """compose.yaml of a single host with HTTPS (or not), Redis and a process."""
    values = {**options,
        "django_stack_name": "shop",
        "django_stack_https": https,
        "django_stack_redis": True,
        "django_stack_processes": [{"name": "worker", "command": ["celery", "-A", "shop", "worker"]}],
        "django_db_engine": {"image": "mariadb:11.8", "admin": "mariadb-admin", "client": "mariadb"},
        "django_db_mode": "stack",
        "_django_db_secret_names": ["db_root_password", "db_password"],
    }
    service = _render("django_db/templates/service.yaml.j2", values).rstrip()
    values["django_stack_database"] = dict(DATABASE, service=service)
    return yaml.safe_load(_render("django_stack/templates/compose.yaml.j2", values))["services"]


@pytest.fixture(scope="module", params=[True, False], ids=["https", "http"])
def services(request):
    return request.param, _compose(request.param)


def test_every_service_drops_all_capabilities(services):
    _, found = services
    assert set(found) == {"db", "redis", "nginx", "app-blue", "worker-blue"}
    for name, service in found.items():
        assert service["cap_drop"] == ["ALL"], name
        assert service["security_opt"] == ["no-new-privileges:true"], name


@pytest.mark.parametrize(
    ("name", "caps", "read_only"),
    [("nginx", NGINX_CAPS, True), ("redis", REDIS_CAPS, True), ("db", DB_CAPS, None),
     ("app-blue", None, True), ("worker-blue", None, True)],
)
def test_added_capabilities_and_root_file_system(services, name, caps, read_only):
    _, found = services
    assert found[name].get("cap_add") == caps
    assert found[name].get("read_only") == read_only


def test_nginx_writes_only_to_tmpfs(services):
    _, found = services
    assert found["nginx"]["tmpfs"] == ["/run", "/var/cache/nginx", "/var/lib/nginx", "/tmp"]


def test_nginx_mounts_only_its_own_certificate(services):
    https, found = services
    mounts = [v.rsplit(":", 1)[0] if v.endswith(":ro") else v for v in found["nginx"]["volumes"]]
    letsencrypt = [m for m in mounts if "/etc/letsencrypt" in m]
    expected = (
        ["/etc/letsencrypt/live/shop:/etc/letsencrypt/live/shop",
         "/etc/letsencrypt/archive/shop:/etc/letsencrypt/archive/shop"]
        if https else []
    )
    assert letsencrypt == expected


def test_the_opt_outs_render_the_services_as_before():
    """django_stack_container_hardening / django_db_container_hardening and
    django_db_binlog_enabled false: what the first deploy after an upgrade
    would otherwise change (CHANGELOG) stays as it was."""
    services = _compose(True, django_stack_container_hardening=False, django_db_container_hardening=False,
                        django_db_binlog_enabled=False)
    for name in ("nginx", "redis", "db"):
        assert "cap_drop" not in services[name] and "read_only" not in services[name], name
    assert "/etc/letsencrypt:/etc/letsencrypt:ro" in services["nginx"]["volumes"]
    assert services["redis"]["security_opt"] == ["no-new-privileges:true"]
    assert "command" not in services["db"]
    # The defaults: binary logs on.
    assert "--log-bin=binlog" in _compose(True)["db"]["command"]
