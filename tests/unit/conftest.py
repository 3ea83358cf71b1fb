"""Shared helpers of the fast test layer (make unit).

The programs that run on the hosts are tested as programs: each test runs
the file from the repository with the controller's python3, against a temp
directory, with a timeout so that a lock that is never given back fails the
test instead of hanging `make test`.
"""

import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# A test's subprocess that runs longer than this has hung.
TIMEOUT = 10


def load(path, name=None):
    """The Python file at path (relative to the repository) as a module: a
    filter plugin, a script or a host program that is not a package."""
    path = REPO / path
    spec = importlib.util.spec_from_file_location(name or path.stem.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kill_processes_of(path):
    """SIGKILL every process whose command line names path (what a test's
    cut ansible-playbook run left: Ansible's workers run in sessions of their
    own, os.setsid, so the run's SIGKILL reaches its main process only)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if str(path).encode() in Path("/proc", pid, "cmdline").read_bytes():
                os.kill(int(pid), signal.SIGKILL)
        except OSError:
            continue


def run(argv, env=None, timeout=TIMEOUT, **kwargs):
    """Run argv (text mode, output captured) and return the CompletedProcess."""
    return subprocess.run(argv, env=env, timeout=timeout, capture_output=True, text=True, check=False, **kwargs)


def last_json(stdout):
    """The JSON object printed on the last line of a program's output."""
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.fixture
def python():
    """The interpreter the programs run with (the venv's python3 here)."""
    return sys.executable


@pytest.fixture
def lock_env(tmp_path):
    """An environment whose DJSTACK_LOCK_DIR is a fresh temp directory."""
    lock_dir = tmp_path / "lock"
    lock_dir.mkdir()
    return dict(os.environ, DJSTACK_LOCK_DIR=str(lock_dir))
