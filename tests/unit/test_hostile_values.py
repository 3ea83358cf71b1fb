"""Hostile inventory values: each is refused by validation, or written harmlessly.

The variables come from every role's meta/argument_specs.yml (a new string
variable is covered without editing this file). Each string variable must
be one of:
- shaped: its role's tasks/validate.yml (preflight: tasks/types.yml) lists
  it in the `_shapes` of the task "Check the shape of the values the role
  writes into files", which runs plugins/filter/djstack_values.py;
- constrained by `choices` in the spec (preflight's type check);
- wired: set by deploy.yml from shaped inputs (preflight's
  `_preflight_wired`, or an option only of a role's other entry points,
  which the playbooks call with computed values).
Each shaped variable gets values with a newline, quotes, a `;` and a `{`
(and the cases of issue 31). A value the shape accepts must be written
harmlessly: the real template, rendered with Ansible's templar, parses to
the same structure as with an ordinary value, with the value intact
(ENCODED), or the variable reaches no template at all (NOT_IN_TEMPLATES).
"""

import json
import shlex
from pathlib import Path

import pytest
import yaml
from conftest import load

REPO = Path(__file__).resolve().parents[2]
ROLES = REPO / "roles"
SHAPE_TASK = "Check the shape of the values the role writes into files"

djstack_values = load("plugins/filter/djstack_values.py")

HOSTILE = [
    "x\ny",
    'x"y',
    "x'y",
    "x;y",
    "x{y",
    "x}y",
    "x y",
    "ok\nDJANGO_DEBUG='true'",
    'x"; } server { listen 81; include /etc/passwd; #',
    "/healthz/ {\n return 200; }\nlocation /x",
    "web1\nExecStartPost=/bin/sh -c id",
]


def _role_files():
    for spec in sorted(ROLES.glob("*/meta/argument_specs.yml")):
        yield spec.parts[-3], spec


def _shapes(role):
    path = ROLES / role / "tasks" / ("types.yml" if role == "preflight" else "validate.yml")
    tasks = yaml.safe_load(path.read_text()) if path.exists() else []
    found = [t for t in tasks if t.get("name") == SHAPE_TASK]
    return found[0]["vars"]["_shapes"] if found else {}


def _wired():
    return {
        name
        for names in yaml.safe_load((ROLES / "preflight/vars/main.yml").read_text())["_preflight_wired"].values()
        for name in names
    }


def _is_string_option(option):
    kind = option.get("type", "str")
    return kind in ("str", "path", "raw", "dict") or (kind == "list" and option.get("elements", "str") != "int")


def string_variables():
    """(role, variable, option, main) for every string-bearing option of every spec."""
    out = {}
    for role, path in _role_files():
        specs = yaml.safe_load(path.read_text())["argument_specs"]
        main = (specs.get("main") or {}).get("options") or {}
        for spec in specs.values():
            for name, option in (spec.get("options") or {}).items():
                if _is_string_option(option) and (role, name) not in out:
                    out[(role, name)] = (option, name in main)
    return sorted((role, name, option, main) for (role, name), (option, main) in out.items())


ALL_SHAPES = {role: _shapes(role) for role, _ in _role_files()}
WIRED = _wired()


def classify(role, name, option, main):
    if name in ALL_SHAPES[role]:
        return "shaped"
    if "choices" in option:
        return "choices"
    if name in WIRED or not main:
        return "wired"
    return None


@pytest.mark.parametrize(
    ("role", "name", "option", "main"), string_variables(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_string_variable_is_covered(role, name, option, main):
    assert classify(role, name, option, main), (
        f"{name} (roles/{role}/meta/argument_specs.yml) is a string variable without a shape: add it to the "
        f"_shapes of '{SHAPE_TASK}' in roles/{role}/tasks/validate.yml"
    )


def test_every_shaped_variable_is_in_the_spec():
    names = {(role, name) for role, name, _, _ in string_variables()}
    extra = [f"{role}: {name}" for role, shapes in ALL_SHAPES.items() for name in shapes if (role, name) not in names]
    assert not extra, f"shapes of variables no argument spec has: {extra}"


# ---- rendering the real templates ------------------------------------------

_PLUGINS = []
# What django_db publishes (django_db_result) and the playbook passes to
# django_stack as django_stack_database.
DATABASE = {
    "local": True, "address": "db", "port": 3306, "name": "django", "user": "django", "password": "dp",
    "image": "mysql:8.4", "dir": "/srv/django", "rotating": False, "service": "", "env": "",
    "secrets": [{"name": "db_root_password", "file": "/srv/django/db-secrets/db_root_password"},
                {"name": "db_password", "file": "/srv/django/db-secrets/db_password"}],
}


def _render(template, overrides):
    """The rendered text of roles/<template> with every role's defaults and vars."""
    from ansible._internal._datatag._tags import TrustedAsTemplate
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import filter_loader, init_plugin_loader
    from ansible.template import Templar

    if not _PLUGINS:
        init_plugin_loader()
        filter_loader.add_directory(str(REPO / "plugins/filter"))
        _PLUGINS.append(True)
    loader = DataLoader()
    variables = {}
    for role in ("django_stack", "django_db", "django_backup", "django_lb", "ssh_hardening", "unattended_upgrades"):
        for part in ("defaults", "vars"):
            path = ROLES / role / part / "main.yml"
            if path.exists():
                variables.update(loader.load_from_file(str(path), trusted_as_template=True) or {})
    variables.update(
        inventory_hostname="web1",
        ansible_managed="Ansible managed",
        groups={"all": ["web1"], "django": ["web1"]},
        group_names=["django"],
        django_stack_domains=["www.example.com"],
        django_stack_release="0123456789abcdef",
        _django_stack_upstream_slot="blue",
        _django_stack_cert={"stat": {"exists": False}},
        _django_stack_secrets={
            "secret_key": "sk",
            "db_password": "dp",
            "redis_password": "rp",
            "db_root_password": "rootp",
            "db_password_retiring": "old",
        },
        _django_db_secrets={
            "db_password": "dp",
            "db_root_password": "rootp",
            "db_password_retiring": "old",
        },
        _django_db_rotate_phase="start",
        _django_db_access={"flavour": "mysql", "root": "old", "app": "refused", "retiring": "gone"},
        django_db_result={"user": "django"},
        # What django_db publishes and the playbook passes in (django_db_result).
        django_stack_database=DATABASE,
        django_backup_restic_repository="sftp:backup@backup.example.com:/srv/restic",
        django_lb_backends=[
            {
                "name": "web1",
                "address": "10.0.0.11",
                "port": 80,
                "domain": "www.example.com",
                "domains": ["www.example.com"],
                "health_path": "/healthz/",
            }
        ],
        _django_lb_tls=False,
        _django_stack_slots={"blue": "0123456789abcdef"},
        _django_stack_gunicorn_slots=["blue"],
    )
    variables.update(overrides)
    templar = Templar(loader=loader, variables=variables)
    return templar.template(TrustedAsTemplate().tag((ROLES / template).read_text()))


def nginx_tree(text):
    """nginx's own tokens (quotes, escapes, ; { } #) as nested (directive, args, block)."""
    tokens, i = [], 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif c in ";{}":
            tokens.append(c)
            i += 1
        elif c in "\"'":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            tokens.append(("str", text[i + 1 : j]))
            i = j + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in ";{}\"'":
                j += 1
            tokens.append(("str", text[i:j]))
            i = j

    def block(pos):
        out, words = [], []
        while pos < len(tokens):
            token = tokens[pos]
            pos += 1
            if token == ";":
                out.append((words[0][1], [w[1] for w in words[1:]], None))
                words = []
            elif token == "{":
                children, pos = block(pos)
                out.append((words[0][1], [w[1] for w in words[1:]], children))
                words = []
            elif token == "}":
                assert not words, f"words before }}: {words}"
                return out, pos
            else:
                words.append(token)
        assert not words, f"unterminated directive: {words}"
        return out, pos

    return block(0)[0]


def _shape_of(tree):
    return [(name, len(args), _shape_of(children) if children is not None else None) for name, args, children in tree]


def compose_env(text):
    """An env file as docker compose reads it (single quotes: literal, may span lines)."""
    env, i = {}, 0
    lines = text.split("\n")
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition("=")
        if value.startswith("'"):
            rest = value[1:]
            while True:
                end = next((k for k, ch in enumerate(rest) if ch == "'" and (k == 0 or rest[k - 1] != "\\")), -1)
                if end >= 0:
                    assert rest[end + 1 :].strip() == "", f"text after the closing quote of {key}"
                    value = rest[:end]
                    break
                assert i < len(lines), f"unterminated quote in {key}"
                rest += "\n" + lines[i]
                i += 1
        env[key] = value
    return env


def shell_env(text):
    env = {}
    for word in shlex.split(text, comments=True):
        key, _, value = word.partition("=")
        env[key] = value
    return env


def _same_nginx(name, value):
    base = nginx_tree(_render("django_stack/templates/site.conf.j2", {name: "default-src 'self'"}))
    tree = nginx_tree(_render("django_stack/templates/site.conf.j2", {name: value}))
    maps = [d for d in tree if d[0] == "map" and d[1][1] == "$django_stack_csp"]
    return _shape_of(tree) == _shape_of(base) and maps[0][2][0][1] == [value]


def _app_env(overrides):
    return compose_env(_render("django_stack/templates/app.env.j2", overrides))


def _same_app_env_value(value):
    env = _app_env({"django_stack_app_env": {"MY_SETTING": value}})
    return (
        env["MY_SETTING"] == value and env["DJANGO_DEBUG"] == "false" and set(env) == set(_app_env({})) | {"MY_SETTING"}
    )


def _same_secret(key):
    def check(value):
        secrets = {
            "secret_key": "sk",
            "db_password": "dp",
            "redis_password": "rp",
            "db_root_password": "rootp",
            "db_password_retiring": "old",
        } | {key: value}
        database = DATABASE | {"password": secrets["db_password"]}
        env = _app_env(
            {"_django_stack_secrets": secrets, "django_stack_database": database, "django_stack_redis": True}
        )
        redis = _render("django_stack/templates/redis.conf.j2", {"_django_stack_secrets": secrets})
        sql = _render("django_db/templates/rotate.sql.j2", {"_django_db_secrets": secrets})
        statements = [s for s in _sql_statements(sql) if s.strip()]
        base_sql = _render("django_db/templates/rotate.sql.j2", {})
        return (
            set(env) == set(_app_env({"django_stack_redis": True}))
            and env["DJANGO_DEBUG"] == "false"
            and [line.split()[0] for line in redis.splitlines() if line and not line.startswith("#")]
            == ["bind", "port", "protected-mode", "requirepass", "dir", "appendonly", "appendfsync"]
            and len([line for line in redis.splitlines() if line.startswith("requirepass ")][0].split()) == 2
            and len(statements) == len([s for s in _sql_statements(base_sql) if s.strip()])
            and (any(value in v for v in env.values()) or "'%s'" % value.replace("'", "''") in sql)
        )

    return check


def _sql_statements(sql):
    """Statements split at ; outside MySQL's single-quoted strings ('' and \\ escapes)."""
    out, current, quoted, i = [], "", False, 0
    text = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    while i < len(text):
        c = text[i]
        if quoted and c == "\\":
            current += text[i : i + 2]
            i += 2
            continue
        if c == "'":
            quoted = not quoted
        if c == ";" and not quoted:
            out.append(current)
            current = ""
        else:
            current += c
        i += 1
    assert not quoted, "unterminated string"
    return out + [current]


def _same_restic_env(value):
    base = shell_env(_render("django_backup/templates/restic.env.j2", {}))
    env = shell_env(_render("django_backup/templates/restic.env.j2", {"django_backup_restic_env": {"AWS_X": value}}))
    return env["AWS_X"] == value and set(env) == set(base) | {"AWS_X"}


def _admin_env(overrides):
    return shell_env(_render("django_backup/templates/restic-admin.env.j2", overrides))


def _same_admin_env(value):
    env = _admin_env({"django_backup_admin_env": {"AWS_X": value}})
    return env["AWS_X"] == value and set(env) == set(_admin_env({})) | {"AWS_X"}


def _same_admin_password(value):
    env = _admin_env({"django_backup_admin_password": value})
    return env["RESTIC_PASSWORD"] == value and set(env) == set(_admin_env({}))


def systemd_unit(text):
    """(section, key, value) of each line of a unit file (no continuation lines)."""
    out, section = [], None
    for line in text.splitlines():
        if not line.strip() or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line!r}"
        out.append((section, key, value))
    return out


def _same_calendar(name, template):
    def check(value):
        base = systemd_unit(_render(template, {}))
        unit = systemd_unit(_render(template, {name: value}))
        return [e[:2] for e in unit] == [e[:2] for e in base] and ("[Timer]", "OnCalendar", value) in unit

    return check


def _same_origins(value):
    text = _render(
        "unattended_upgrades/templates/unattended-upgrades.conf.j2", {"unattended_upgrades_origins": [value]}
    )
    lines = [line.strip() for line in text.splitlines() if line.strip().endswith(";") and line.strip().startswith('"')]
    return [json.loads(line[:-1]) for line in lines] == [value]


def _same_sshd(value):
    text = _render("ssh_hardening/templates/sshd-hardening.conf.j2", {"ssh_hardening_extra_options": {"Banner": value}})
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    base = [
        line
        for line in _render("ssh_hardening/templates/sshd-hardening.conf.j2", {}).splitlines()
        if line and not line.startswith("#")
    ]
    return len(lines) == len(base) + 1 and f"Banner {value}" in lines


def _same_maintenance(value):
    text = _render(
        "django_stack/templates/maintenance.html.j2",
        {"django_stack_maintenance_message": value, "_django_stack_primary_domain": "www.example.com"},
    )
    return len(text.splitlines()) == len(
        _render(
            "django_stack/templates/maintenance.html.j2",
            {"django_stack_maintenance_message": "m", "_django_stack_primary_domain": "www.example.com"},
        ).splitlines()
    )


# A value these accept is rendered through the real template and parsed.
ENCODED = {
    "django_stack_content_security_policy": lambda v: _same_nginx("django_stack_content_security_policy", v),
    "django_stack_app_env": _same_app_env_value,
    "django_stack_secret_key": _same_secret("secret_key"),
    "django_stack_db_password": _same_secret("db_password"),
    "django_stack_db_root_password": _same_secret("db_root_password"),
    "django_stack_redis_password": _same_secret("redis_password"),
    "django_backup_restic_env": _same_restic_env,
    "django_backup_admin_env": _same_admin_env,
    "django_backup_admin_password": _same_admin_password,
    "django_backup_on_calendar": _same_calendar("django_backup_on_calendar", "django_backup/templates/backup.timer.j2"),
    "django_backup_restic_prune_on_calendar": _same_calendar(
        "django_backup_restic_prune_on_calendar", "django_backup/templates/backup-prune.timer.j2"
    ),
    "django_backup_restic_check_on_calendar": _same_calendar(
        "django_backup_restic_check_on_calendar", "django_backup/templates/backup-check.timer.j2"
    ),
    "django_backup_drill_on_calendar": _same_calendar(
        "django_backup_drill_on_calendar", "django_backup/templates/drill.timer.j2"
    ),
    "unattended_upgrades_origins": _same_origins,
    "ssh_hardening_extra_options": _same_sshd,
    # The page's own text (HTML the operator writes), one line.
    "django_stack_maintenance_message": _same_maintenance,
}

# A value these accept is written by no template (a template that names the
# variable is rendered with it, and the value must not be in it): it goes to
# a file of its own (copy content), a JSON record (to_nice_json), or argv.
NOT_IN_TEMPLATES = {
    "deploy_lock_step": "djstack-lock's argv (kept as JSON in the lock), e.g. manage.py clearsessions",
    "app_source_known_hosts": "each entry one line of its own known_hosts file",
    "app_source_https_token": "the git credential file (copy content), one line",
    "app_source_https_username": "the git credential file (copy content), one line",
    "django_backup_restic_password": "restic's password file (copy content), one line",
    "django_backup_restic_sftp_known_hosts": "each entry one line of its own known_hosts file",
    "django_backup_restore_to": "the restore command's argv (--to MOMENT), parsed by djstack-pitr",
    "django_image_build_args": "docker build argv and build-inputs.json (to_nice_json)",
    "django_image_registry_username": "docker login's argv",
    "django_image_registry_password": "docker login's stdin",
    "django_stack_schedules": "the command goes to schedules.json (to_nice_json), read by djstack-schedule",
    "django_fleet_pki_dir": "a directory on the controller, a module argument (role django_fleet, tasks/pki.yml)",
}


def _hostile_forms(shape):
    """(label, value) pairs: the hostile strings in the places the shape checks."""
    if isinstance(shape, dict) and "fields" in shape:
        return [(f"{field}={v!r}", [{field: v}]) for field in shape["fields"] for v in HOSTILE]
    if isinstance(shape, dict):
        forms = []
        if "keys" in shape:
            forms += [(f"key {v!r}", {v: "value"}) for v in HOSTILE]
        if "values" in shape:
            forms += [(f"value {v!r}", {"MY_SETTING": v}) for v in HOSTILE]
        return forms
    return [(repr(v), v) for v in HOSTILE] + [(f"[{v!r}]", [v]) for v in HOSTILE]


def _cases():
    for role, shapes in ALL_SHAPES.items():
        for name, shape in shapes.items():
            for label, value in _hostile_forms(shape):
                yield pytest.param(role, name, shape, value, id=f"{name}:{label}")


@pytest.mark.parametrize(("role", "name", "shape", "value"), list(_cases()))
def test_hostile_value_is_refused_or_harmless(role, name, shape, value):
    errors = djstack_values.djstack_check_values({name: shape}, [value])
    if errors:
        assert all(e.startswith(name) for e in errors), errors
        return
    # Accepted: it must be shown harmless where it is written.
    if name in ENCODED:
        inner = value
        if isinstance(value, dict):
            if list(value) != ["MY_SETTING"]:
                pytest.fail(f"{name} accepts the key {list(value)} (only values are rendered by this test)")
            inner = value["MY_SETTING"]
        elif isinstance(value, list):
            inner = value[0]
        assert ENCODED[name](inner), f"{name}={value!r} passes validation and changes the structure of its file"
        return
    if name in NOT_IN_TEMPLATES:
        for path in ROLES.glob("*/templates/**/*.j2"):
            if name in path.read_text():
                overrides = {name: value}
                if name == "django_stack_schedules":
                    overrides["_schedule"] = {"name": "clear", "on_calendar": "daily"} | value[0]
                text = _render(str(path.relative_to(ROLES)), overrides)
                for part in value if isinstance(value, list) else [value]:
                    assert str(part) not in text, f"{name} is said to reach no template, but {path} writes it"
        return
    pytest.fail(f"{name}={value!r} passes validation (shape {shape}) and no test shows it is written harmlessly")


# ---- the injections of issue 31, through the real templates -----------------


def _refused(name, shape_owner, value):
    shapes = ALL_SHAPES[shape_owner]
    return djstack_values.djstack_check_values({name: shapes[name]}, [value])


def test_csp_with_a_quote_adds_nginx_blocks_and_is_refused():
    value = "default-src 'self'\"; } server { listen 81; include /etc/passwd; location / { return 200 \"x"
    base = _shape_of(
        nginx_tree(
            _render(
                "django_stack/templates/site.conf.j2", {"django_stack_content_security_policy": "default-src 'self'"}
            )
        )
    )
    assert (
        _shape_of(
            nginx_tree(_render("django_stack/templates/site.conf.j2", {"django_stack_content_security_policy": value}))
        )
        != base
    )
    assert _refused("django_stack_content_security_policy", "django_stack", value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("django_stack_client_max_body_size", "10m; include /etc/passwd"),
        ("django_stack_health_path", "/healthz/ { return 200; } location /x"),
    ],
)
def test_nginx_values_add_blocks_and_are_refused(name, value):
    base = _shape_of(nginx_tree(_render("django_stack/templates/site.conf.j2", {})))
    assert _shape_of(nginx_tree(_render("django_stack/templates/site.conf.j2", {name: value}))) != base
    assert _refused(name, "django_stack", value)


def test_trusted_proxy_adds_an_include_and_is_refused():
    value = "10.0.0.5; include /etc/passwd"
    base = nginx_tree(_render("django_stack/templates/site.conf.j2", {"django_stack_trusted_proxies": ["10.0.0.5"]}))
    tree = nginx_tree(_render("django_stack/templates/site.conf.j2", {"django_stack_trusted_proxies": [value]}))
    assert "include" in [d[0] for d in tree] and _shape_of(tree) != _shape_of(base)
    assert _refused("django_stack_trusted_proxies", "django_stack", [value])


def test_app_env_newline_adds_a_line_and_is_refused():
    value = "ok'\nDJANGO_DEBUG='true"
    text = _render("django_stack/templates/app.env.j2", {"django_stack_app_env": {"A_SETTING": value}})
    assert text.count("DJANGO_DEBUG=") == 2
    assert _refused("django_stack_app_env", "django_stack", {"A_SETTING": value})


def test_image_with_a_newline_adds_compose_keys_and_is_refused():
    value = "nginx:1.28\n    privileged: true\n    pid: host"
    text = _render("django_stack/templates/compose.yaml.j2", {"django_stack_nginx_image": value})
    assert yaml.safe_load(text)["services"]["nginx"].get("privileged") is True
    assert _refused("django_stack_nginx_image", "django_stack", value)


def test_health_path_adds_a_haproxy_line_and_is_refused():
    value = "/healthz/\n    http-request return status 200"
    backend = {
        "name": "web1",
        "address": "10.0.0.11",
        "port": 80,
        "domain": "www.example.com",
        "domains": ["www.example.com"],
        "health_path": value,
    }
    text = _render("django_lb/templates/haproxy.cfg.j2", {"django_lb_backends": [backend]})
    assert "\n    http-request return status 200" in text
    assert _refused("django_stack_health_path", "django_stack", value)


def test_restic_host_adds_an_exec_line_and_is_refused():
    value = "web1\nExecStartPost=/bin/sh -c id"
    text = _render("django_backup/templates/backup-prune.service.j2", {"django_backup_restic_host": value})
    assert "\nExecStartPost=" not in text  # encoded (systemd quoting) ...
    assert _refused("django_backup_restic_host", "django_backup", value)  # ... and refused


@pytest.mark.parametrize(
    "name",
    [
        "django_backup_on_calendar",
        "django_backup_restic_prune_on_calendar",
        "django_backup_restic_check_on_calendar",
        "django_backup_drill_on_calendar",
    ],
)
def test_backup_calendar_with_a_newline_is_refused(name):
    assert _refused(name, "django_backup", "daily\nExecStart=/bin/sh")


def test_db_user_name_is_refused_unless_an_identifier():
    assert _refused("django_stack_db_user", "django_stack", "django'@'%'; DROP DATABASE django; --")
    assert not _refused("django_stack_db_user", "django_stack", "django")


def test_restic_env_quotes_every_value():
    value = "x'; rm -rf / #"
    env = shell_env(_render("django_backup/templates/restic.env.j2", {"django_backup_restic_env": {"AWS_X": value}}))
    assert env["AWS_X"] == value


# ---- the filter itself ------------------------------------------------------


def test_ordinary_values_pass():
    shapes = ALL_SHAPES["django_stack"]
    values = {
        "django_stack_name": "mysite",
        "django_stack_dir": "/srv/mysite",
        "django_stack_domains": ["www.example.com"],
        "django_stack_client_max_body_size": "10m",
        "django_stack_content_security_policy": "default-src 'self'; frame-ancestors 'none'",
        "django_stack_app_image": "mysite-app",
        "django_stack_db_image": "mysql:8.4",
        "django_stack_nginx_image": "nginx:1.28",
        "django_stack_redis_image": "registry.example.com:5000/lib/redis:8@sha256:" + "a" * 64,
        "django_stack_project_module": "",
        "django_stack_db_name": "django",
        "django_stack_db_user": "django",
        "django_stack_secret_key": "k9$!x(#)+=@^&*-_",
        "django_stack_app_env": {"DJANGO_X": 'a "b" {c};'},
        "django_stack_health_path": "/healthz/",
        "django_stack_trusted_proxies": ["10.0.0.0/24", "fd00::1"],
        "django_stack_schedules": [{"name": "clear", "command": "clearsessions", "on_calendar": "*:0/15"}],
        "django_stack_maintenance_template": "maintenance.html.j2",
        "django_stack_check_deploy_ignore": ["security.W004"],
    }
    assert djstack_values.djstack_check_values(shapes, values) == []


def test_message_names_the_variable_and_what_to_write():
    [message] = djstack_values.djstack_check_values({"django_stack_health_path": "url_path"}, ["/a b"])
    assert message.startswith("django_stack_health_path must be a URL path such as /healthz/")
    [message] = djstack_values.djstack_check_values(
        {"django_stack_app_env": {"keys": "env_name", "values": "env_value"}}, [{"X": "it's"}]
    )
    assert message.startswith("django_stack_app_env.X must be one line without '")


def test_unknown_shape_is_an_error():
    with pytest.raises(ValueError, match="unknown shape"):
        djstack_values.djstack_check_values({"x": "nonsense"}, ["v"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("web1", "web1"),
        ("/usr/local/sbin/django-restic", "/usr/local/sbin/django-restic"),
        ("a b", '"a b"'),
        ('a"b\nc%d$e', '"a\\"b\\nc%%d$$e"'),
    ],
)
def test_systemd_arg(value, expected):
    assert djstack_values.djstack_systemd_arg(value) == expected
