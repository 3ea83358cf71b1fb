"""roles/fast_rerun: the code fingerprints cover the plugins the roles run.

A role's fingerprint (and the release's) is what a rerun compares to decide
whether it may leave the role alone. The roles run code from outside their
directories, the project's filter and lookup plugins (deploy.yml passes them
as fast_rerun_shared_files): an upgrade that changes only a plugin must make
the next run apply the roles again, while the same code in another checkout
must not.

One ansible-playbook run, a local host per case, renders the role's own
commands (vars/main.yml) and runs them on the controller, as the role does.
"""

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.include_vars: {vars}
    - ansible.builtin.debug:
        msg: "FINGERPRINT {{{{ {{'host': inventory_hostname,
                               'roles': lookup('ansible.builtin.pipe', _fast_rerun_code_cmd),
                               'release': lookup('ansible.builtin.pipe', _fast_rerun_release_code_cmd)}} | to_json }}}}"
"""


def _checkout(base, name, plugin):
    """A project tree: a role, a playbook file and one filter plugin."""
    tree = base / name
    (tree / "roles/web/tasks").mkdir(parents=True)
    (tree / "roles/web/tasks/main.yml").write_text("- ansible.builtin.debug: {msg: hi}\n")
    (tree / "plugins/filter").mkdir(parents=True)
    (tree / "plugins/filter/shape.py").write_text(plugin)
    (tree / "deploy.yml").write_text("- hosts: all\n")
    return tree


def test_a_changed_plugin_changes_every_fingerprint_and_another_checkout_does_not(tmp_path):
    trees = {
        "first": _checkout(tmp_path, "first", "def shape(value):\n    return value\n"),
        "moved": _checkout(tmp_path, "moved", "def shape(value):\n    return value\n"),
        "upgraded": _checkout(tmp_path, "upgraded", "def shape(value):\n    return value.strip()\n"),
    }
    hosts = {
        name: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
               "fast_rerun_roles_dir": str(tree / "roles"), "fast_rerun_roles": ["web"],
               "fast_rerun_release_roles": ["web"], "fast_rerun_release_files": [str(tree / "deploy.yml")],
               "fast_rerun_shared_files": [str(tree / "plugins/filter/shape.py")]}
        for name, tree in trees.items()}
    (tmp_path / "inventory.json").write_text(json.dumps({"all": {"hosts": hosts}}))
    (tmp_path / "play.yml").write_text(PLAYBOOK.format(vars=ROOT / "roles/fast_rerun/vars/main.yml"))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_CALLBACK_RESULT_FORMAT="json",
               PATH=str(pathlib.Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    run = subprocess.run(["ansible-playbook", "-i", str(tmp_path / "inventory.json"), str(tmp_path / "play.yml")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    seen = {}
    for line in run.stdout.splitlines():
        if '"msg": "FINGERPRINT ' in line:
            found = json.loads(json.loads(line.split('"msg": ', 1)[1])[len("FINGERPRINT "):])
            seen[found.pop("host")] = found
    first, moved, upgraded = seen["first"], seen["moved"], seen["upgraded"]
    assert first == moved
    assert first["roles"].split()[0] == "web" and first["roles"] != upgraded["roles"]
    assert len(first["release"]) == 64 and first["release"] != upgraded["release"]
