"""Every role entry point used from outside its role (include_role or
import_role with tasks_from, in another role, a playbook or deploy.yml) has
an argument spec of its own in the role's meta/argument_specs.yml (issue 30).
validate is the exception: preflight runs it for every role right after
checking the role's main spec (roles/preflight/tasks/types.yml), whose
options it checks further."""
import yaml
from conftest import REPO

ROLE_TASKS = ("ansible.builtin.include_role", "ansible.builtin.import_role", "include_role", "import_role")
CHECKED_AGAINST_MAIN = ("validate", "types")


def _role_calls(node):
    if isinstance(node, dict):
        for key in ROLE_TASKS:
            if isinstance(node.get(key), dict):
                yield node[key].get("name"), node[key].get("tasks_from", "main")
        for value in node.values():
            yield from _role_calls(value)
    elif isinstance(node, list):
        for value in node:
            yield from _role_calls(value)


def entry_points_used_from_outside():
    files = sorted(REPO.glob("roles/*/tasks/*.yml")) + sorted(REPO.glob("playbooks/**/*.yml"))
    files.append(REPO / "deploy.yml")
    used = set()
    for path in files:
        owner = path.relative_to(REPO).parts[1] if path.relative_to(REPO).parts[0] == "roles" else None
        for role, tasks_from in _role_calls(yaml.safe_load(path.read_text())):
            if role != owner and "{{" not in str(role) + str(tasks_from):
                used.add((role, tasks_from, str(path.relative_to(REPO))))
    return used


def test_the_search_finds_the_known_entry_points():
    found = {(role, tasks_from) for role, tasks_from, _ in entry_points_used_from_outside()}
    assert {("django_db", "engine"), ("django_stack", "serving"), ("django_image", "wait")} <= found


def test_every_entry_point_used_from_outside_has_a_spec():
    missing = []
    for role, tasks_from, path in sorted(entry_points_used_from_outside()):
        specs = yaml.safe_load((REPO / "roles" / role / "meta/argument_specs.yml").read_text())["argument_specs"]
        if tasks_from not in specs and tasks_from not in CHECKED_AGAINST_MAIN:
            missing.append(f"{role} tasks_from {tasks_from} (used in {path})")
    assert missing == []
