"""Who this ansible-playbook run is, on the controller, for the deploy lock (roles/deploy_lock).

    lookup('djstack_controller')       {user, controller, pid, start}: the
        user, the controller's host name, the PID of the ansible-playbook
        process (the parent of the worker that runs the lookup) and its start
        time (clock ticks after boot, /proc/PID/stat), so that a PID the
        system gave to another process later is not taken for this run.
    lookup('djstack_controller', PID)  the start time of process PID on the
        controller, '' when no process has that PID.

A lock's holder that ran on this controller is gone when its PID no longer
has the start time it recorded. Unit tests: tests/unit/test_lookup_djstack_controller.py.
"""
import os
import pwd
import socket

from ansible.plugins.lookup import LookupBase

DOCUMENTATION = """
name: djstack_controller
short_description: This ansible-playbook run's identity on the controller, or a process's start time
description:
  - Without terms, the user, host name, ansible-playbook PID and its start time.
  - With a PID, that process's start time, or an empty string when it is gone.
options:
  _terms:
    description: A process ID (optional).
    required: false
"""


def started(pid):
    """The start time of process pid (field 22 of /proc/PID/stat), '' when there is none."""
    try:
        with open("/proc/%d/stat" % int(pid), encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except (OSError, ValueError):
        return ""
    # The command name (field 2, in parentheses) may hold spaces and ')'.
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[19] if len(fields) > 19 else ""


def this_run():
    pid = os.getppid()
    user = pwd.getpwuid(os.geteuid()).pw_name
    return {"user": user, "controller": socket.gethostname(), "pid": str(pid), "start": started(pid)}


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        if not terms:
            return [this_run()]
        return [started(term) for term in terms]
