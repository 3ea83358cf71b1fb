"""Filters of the django_stack role: which entries of django_stack_processes
and django_stack_schedules are malformed (validate.yml names them in its
message). Unit tests: tests/unit/test_filter_djstack_stack.py.
"""

import re

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# The stack's own services: a process may not take their names.
RESERVED = ("app", "db", "nginx", "redis")
NO_NAME = "(an entry without a name)"


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _name_problems(entries):
    """(bad, named): NO_NAME per entry without a name, and the named entries."""
    bad = [NO_NAME for entry in entries if not isinstance(entry, dict) or "name" not in entry]
    named = [entry for entry in entries if isinstance(entry, dict) and "name" in entry]
    bad += [str(e["name"]) for e in named if not NAME_RE.match(str(e["name"]))]
    return bad, named


def _blank(command):
    return isinstance(command, str) and not command.strip()


def bad_processes(entries):
    """The names (or NO_NAME) of the processes that are malformed, once per fault."""
    bad, named = _name_problems(entries or [])
    bad += [e["name"] for e in named if e["name"] in RESERVED]
    bad += [e["name"] for e in named if "command" not in e]
    with_command = [e for e in named if "command" in e]
    bad += [e["name"] for e in with_command if not isinstance(e["command"], (str, list, tuple))]
    bad += [e["name"] for e in with_command if _blank(e["command"])]
    bad += [e["name"] for e in with_command if isinstance(e["command"], (list, tuple)) and not e["command"]]
    bad += [e["name"] for e in named if "singleton" in e and not isinstance(e["singleton"], bool)]
    bad += [e["name"] for e in named if "stop_grace_period" in e and not _is_int(e["stop_grace_period"])]
    return bad


def bad_schedules(entries):
    """The names (or NO_NAME) of the schedules that are malformed, once per fault."""
    bad, named = _name_problems(entries or [])
    bad += [e["name"] for e in named if "command" not in e]
    with_command = [e for e in named if "command" in e]
    bad += [e["name"] for e in with_command if not isinstance(e["command"], str)]
    bad += [e["name"] for e in with_command if _blank(e["command"])]
    bad += [e["name"] for e in named if "on_calendar" not in e]
    bad += [e["name"] for e in named if "wait_for_deploy" in e and not isinstance(e["wait_for_deploy"], bool)]
    bad += [e["name"] for e in named if "timeout" in e and not _is_int(e["timeout"])]
    return bad


class FilterModule:
    def filters(self):
        return {"djstack_bad_processes": bad_processes, "djstack_bad_schedules": bad_schedules}
