"""plugins/lookup/djstack_controller.py: who this run is, for the deploy lock.

The lock names its holder <controller>:<ansible-playbook PID>:<its start
time>; a later run on the same controller takes the lock over when that PID
no longer has that start time (roles/deploy_lock/tasks/wait.yml).
"""

import json
import os
import shutil
import socket
import subprocess
import sys

from conftest import REPO, load

controller = load("plugins/lookup/djstack_controller.py")


def test_this_run_is_the_parent_of_the_process_that_asks():
    # The lookup runs in an Ansible worker, a child of ansible-playbook: here
    # the child is a python3 this test starts, and the test is the parent.
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import djstack_controller as c; "
            "print(json.dumps(c.this_run()))")
    child = subprocess.run([sys.executable, "-c", code, str(REPO / "plugins/lookup")],
                           capture_output=True, text=True, timeout=10, check=True)
    seen = json.loads(child.stdout)
    assert seen["pid"] == str(os.getpid())
    assert seen["start"] == controller.started(os.getpid()) != ""
    assert seen["controller"] == socket.gethostname()
    assert seen["user"] == subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()


def test_a_process_that_ended_has_no_start_time():
    child = subprocess.Popen(["true"])
    child.wait()
    assert controller.started(child.pid) == ""
    assert controller.started("not a pid") == ""


def test_a_command_name_with_spaces_and_a_parenthesis_is_read_past(tmp_path):
    # /proc/PID/stat: "PID (COMMAND) STATE PPID ...": a command named
    # "x) 1 2 ... 20" would shift every field for a reader that stops at the
    # first ")".
    name = tmp_path / ("x) " + " ".join(str(n) for n in range(1, 21)))
    shutil.copy(shutil.which("sleep"), name)
    child = subprocess.Popen([str(name), "5"])
    try:
        start = controller.started(child.pid)
        assert start.isdigit() and int(start) >= int(controller.started(os.getpid()))
    finally:
        child.kill()
        child.wait()


def test_the_lookup_answers_with_this_run_or_the_start_times_asked():
    lookup = controller.LookupModule()
    assert lookup.run([])[0]["pid"] == str(os.getppid())
    assert lookup.run([os.getpid(), 0]) == [controller.started(os.getpid()), ""]
