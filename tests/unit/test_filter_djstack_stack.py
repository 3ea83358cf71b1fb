"""plugins/filter/djstack_stack.py: malformed django_stack_processes and
django_stack_schedules entries, named once per fault."""

import importlib.util

from conftest import REPO

_spec = importlib.util.spec_from_file_location("djstack_stack", REPO / "plugins/filter/djstack_stack.py")
djstack_stack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(djstack_stack)
processes, schedules = djstack_stack.bad_processes, djstack_stack.bad_schedules


def test_good_entries_pass():
    assert processes([{"name": "worker", "command": ["celery", "-A", "m", "worker"], "singleton": False,
                       "stop_grace_period": 30}, {"name": "beat", "command": "celery beat"}]) == []
    assert schedules([{"name": "clear", "command": "clearsessions", "on_calendar": "daily", "wait_for_deploy": True,
                       "timeout": 600}]) == []
    assert processes([]) == [] and schedules(None) == []


def test_process_faults_are_named():
    assert processes([{"command": "x"}]) == ["(an entry without a name)"]
    assert processes([{"name": "Worker", "command": "x"}]) == ["Worker"]
    assert processes([{"name": "x" * 41, "command": "x"}]) == ["x" * 41]
    assert processes([{"name": "db", "command": "x"}]) == ["db"]
    assert processes([{"name": "w"}]) == ["w"]
    assert processes([{"name": "w", "command": 5}]) == ["w"]
    assert processes([{"name": "w", "command": "  "}]) == ["w"]
    assert processes([{"name": "w", "command": []}]) == ["w"]
    assert processes([{"name": "w", "command": "x", "singleton": "yes"}]) == ["w"]
    assert processes([{"name": "w", "command": "x", "stop_grace_period": True}]) == ["w"]
    assert processes([{"name": "w", "command": "x", "stop_grace_period": "30"}]) == ["w"]


def test_every_fault_of_an_entry_counts():
    assert processes([{"name": "nginx", "singleton": 1}]) == ["nginx", "nginx", "nginx"]


def test_schedule_faults_are_named():
    assert schedules([{"command": "x", "on_calendar": "daily"}]) == ["(an entry without a name)"]
    assert schedules([{"name": "a_b", "command": "x", "on_calendar": "daily"}]) == ["a_b"]
    assert schedules([{"name": "s", "on_calendar": "daily"}]) == ["s"]
    assert schedules([{"name": "s", "command": ["clearsessions"], "on_calendar": "daily"}]) == ["s"]
    assert schedules([{"name": "s", "command": " ", "on_calendar": "daily"}]) == ["s"]
    assert schedules([{"name": "s", "command": "x"}]) == ["s"]
    assert schedules([{"name": "s", "command": "x", "on_calendar": "daily", "wait_for_deploy": "no"}]) == ["s"]
    assert schedules([{"name": "s", "command": "x", "on_calendar": "daily", "timeout": 1.5}]) == ["s"]
