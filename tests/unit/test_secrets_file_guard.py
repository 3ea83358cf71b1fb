"""The roles stop, before writing anything, on a secrets.json they cannot trust.

A host's secrets.json holds the passwords its database was created with and
the SECRET_KEY its site serves with. When the file is lost (or a key is
taken out of it) on a host whose database or site already exists, drawing
new values would lock the deploy out of the database (and overwrite the
host's last copy in db-secrets/), or log every user out. When the file
cannot be read (cut short, edited by hand), the run must say so without
showing a value of it.

Each case is a host of one ansible-playbook run with a local connection
(django_db's and django_stack's secrets tasks, as deploy.yml and
rollback.yml run them), against a directory of its own; `docker` is a stub
that says which data volumes exist.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SECRET = "hunter2-0123456789abcdef"
DB_KEYS = {"db_password": SECRET + "-app", "db_root_password": SECRET + "-root"}
STACK_KEYS = {"secret_key": SECRET + "-key", "redis_password": SECRET + "-redis"}
CASES = {
    # name: (role, what the directory holds, does the db volume exist, vars)
    "db_lost": ("django_db", {}, True, {}),
    "db_key_taken_out": ("django_db", {"secrets.json": {"db_password": DB_KEYS["db_password"]}}, True, {}),
    "db_cut_short": ("django_db", {"secrets.json": '{"db_password": "' + SECRET}, True, {}),
    "db_new_host": ("django_db", {}, False, {}),
    "db_given_in_vault": ("django_db", {}, True,
                          {"django_db_password": DB_KEYS["db_password"],
                           "django_db_root_password": DB_KEYS["db_root_password"]}),
    "stack_lost": ("django_stack", {"releases.json": {}}, False, {}),
    "stack_cut_short": ("django_stack", {"secrets.json": "", "releases.json": {}}, False, {}),
    "stack_new_host": ("django_stack", {}, False, {}),
    "stack_given_in_vault": ("django_stack", {"releases.json": {}}, False,
                             {"django_stack_secret_key": STACK_KEYS["secret_key"]}),
    "stack_db_keys_only": ("django_stack", {"secrets.json": DB_KEYS, "releases.json": {}}, False, {}),
}
PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: "{{ case_role }}"
        tasks_from: secrets
"""
DOCKER_STUB = """#!/bin/sh
# docker volume inspect ... NAME: exists when NAME is listed in $VOLUMES_FILE.
for last; do :; done
grep -qx "$last" "$VOLUMES_FILE"
"""


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """Run every case once: (the run's output, {case: {file: content}}, the base directory)."""
    base = tmp_path_factory.mktemp("secrets")
    (base / "bin").mkdir()
    stub = base / "bin" / "docker"
    stub.write_text(DOCKER_STUB)
    stub.chmod(0o755)
    volumes = []
    hosts = {}
    for case, (role, files, volume, extra) in CASES.items():
        directory = base / case
        directory.mkdir()
        for name, content in files.items():
            (directory / name).write_text(content if isinstance(content, str) else json.dumps(content))
        if volume:
            volumes.append(case + "_db-data")
        prefix = "django_db" if role == "django_db" else "django_stack"
        hosts[case] = dict(extra, case_role=role, ansible_connection="local",
                           ansible_python_interpreter=sys.executable,
                           **{prefix + "_dir": str(directory),
                              ("django_db_project" if role == "django_db" else "django_stack_name"): case})
    (base / "volumes").write_text("\n".join(volumes) + "\n")
    (base / "inventory.json").write_text(json.dumps({"all": {"hosts": hosts}}))
    (base / "play.yml").write_text(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), VOLUMES_FILE=str(base / "volumes"),
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1",
               PATH=os.pathsep.join([str(base / "bin"), str(pathlib.Path(sys.executable).parent), os.environ["PATH"]]))
    run = subprocess.run(["ansible-playbook", "-i", str(base / "inventory.json"), str(base / "play.yml")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    output = " ".join((run.stdout + run.stderr).split())
    left = {case: {p.name: p.read_text() for p in (base / case).iterdir()} for case in CASES}
    return output, left, base


def _secrets(left, case):
    return json.loads(left[case]["secrets.json"]) if "secrets.json" in left[case] else None


def test_no_value_of_a_secret_is_shown(outcome):
    output, _, _ = outcome
    assert SECRET not in output


@pytest.mark.parametrize(("case", "names"), [("db_lost", "db_password, db_root_password"),
                                              ("db_key_taken_out", "db_root_password")])
def test_new_database_passwords_for_an_existing_database_stop_the_run(outcome, case, names):
    output, left, base = outcome
    assert "%s/%s/secrets.json on %s holds no %s" % (base, case, case, names) in output
    assert "the database's data volume %s_db-data exists" % case in output
    # Nothing was written: the file is as it was.
    before = CASES[case][1].get("secrets.json")
    assert left[case].get("secrets.json") == (json.dumps(before) if before is not None else None)


def test_a_secrets_file_cut_short_stops_the_run_and_stays(outcome):
    output, left, base = outcome
    assert ("%s/db_cut_short/secrets.json, the secrets the earlier deploys stored, cannot be read: it is not "
            "valid JSON (Unterminated string" % base) in output
    assert left["db_cut_short"]["secrets.json"] == CASES["db_cut_short"][1]["secrets.json"]
    assert ("%s/stack_cut_short/secrets.json, the secrets the earlier deploys stored, cannot be read: "
            "it is empty" % base) in output
    assert left["stack_cut_short"]["secrets.json"] == ""


def test_a_new_secret_key_for_a_host_that_served_stops_the_run(outcome):
    output, left, base = outcome
    for case in ("stack_lost", "stack_db_keys_only"):
        assert "%s/%s/secrets.json on %s holds no secret_key" % (base, case, case) in output
    assert "secrets.json" not in left["stack_lost"]
    assert _secrets(left, "stack_db_keys_only") == DB_KEYS


def test_a_new_host_gets_new_secrets(outcome):
    _, left, _ = outcome
    assert set(_secrets(left, "db_new_host")) == set(DB_KEYS)
    assert set(_secrets(left, "stack_new_host")) == set(STACK_KEYS)


def test_secrets_given_in_the_vault_let_the_run_go_on(outcome):
    _, left, _ = outcome
    assert _secrets(left, "db_given_in_vault") == DB_KEYS
    assert _secrets(left, "stack_given_in_vault")["secret_key"] == STACK_KEYS["secret_key"]
