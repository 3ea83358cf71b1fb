"""roles/django_stack/files/djstack-schedule: a scheduled manage.py job, run as a program.

`docker` is a stand-in on PATH that records its arguments and whether the
stack's step lock was free while it ran; the lock files go to a temp
directory (DJSTACK_LOCK_DIR).
"""

import fcntl
import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO, TIMEOUT, run

SCHEDULE = REPO / "roles/django_stack/files/djstack-schedule"
NAME = "mysite"

FAKE_DOCKER = textwrap.dedent("""\
    #!%s
    # Stands in for docker: records its arguments, its stdin and whether the
    # step lock could be taken exclusively (it cannot while the job holds it
    # shared), then exits with FAKE_DOCKER_RC.
    import fcntl, json, os, sys
    fd = os.open(os.environ["FAKE_DOCKER_LOCK"], os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock = "free"
    except BlockingIOError:
        lock = "held"
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(json.dumps({"argv": sys.argv[1:], "lock": lock, "stdin": sys.stdin.read()}) + "\\n")
    print("docker ran")
    sys.exit(int(os.environ.get("FAKE_DOCKER_RC", "0")))
    """) % sys.executable


@pytest.fixture
def stack(lock_env, tmp_path):
    """A stack directory, a fake docker, and the environment to run the job in."""
    directory = tmp_path / "srv" / NAME
    directory.mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "docker"
    fake.write_text(FAKE_DOCKER)
    fake.chmod(0o755)

    class Stack:
        dir = directory
        lock_file = os.path.join(lock_env["DJSTACK_LOCK_DIR"], "djstack-%s.lock" % NAME)
        calls = tmp_path / "docker.calls"
        env = dict(lock_env, PATH="%s:%s" % (bin_dir, os.environ["PATH"]),
                   FAKE_DOCKER_LOG=str(tmp_path / "docker.calls"))

        def write(self, schedules, releases=None):
            (directory / "schedules.json").write_text(json.dumps(schedules))
            if releases is not None:
                (directory / "releases.json").write_text(json.dumps(releases))

        def argv(self, schedule="nightly"):
            return [sys.executable, str(SCHEDULE), "--dir", str(directory), "--name", NAME, "--schedule", schedule]

        def docker_calls(self):
            if not self.calls.exists():
                return []
            return [json.loads(line) for line in self.calls.read_text().splitlines()]

    Stack.env["FAKE_DOCKER_LOCK"] = Stack.lock_file
    return Stack()


RELEASES = {"current": "blue", "slots": {"blue": "0123456789abcdef0123", "green": "fedcba9876543210fedc"}}


def compose_run(stack, slot, *command):
    return ["compose", "--project-directory", str(stack.dir), "--file", str(stack.dir / "compose.yaml"),
            "run", "--rm", "--no-deps", "--no-TTY", "app-" + slot, "python3", "manage.py", *command]


def test_runs_manage_py_in_the_serving_slot(stack):
    stack.write({"nightly": {"command": "clearsessions --verbosity '2' \"a b\""}}, RELEASES)
    done = run(stack.argv(), env=stack.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("manage.py clearsessions --verbosity '2' \"a b\" in release 0123456789ab (slot blue)\n"
                           "docker ran\n")
    [call] = stack.docker_calls()
    assert call["argv"] == compose_run(stack, "blue", "clearsessions", "--verbosity", "2", "a b")
    assert call["stdin"] == ""


def test_exit_status_is_manage_pys(stack):
    stack.write({"nightly": {"command": "fail"}}, RELEASES)
    done = run(stack.argv(), env=dict(stack.env, FAKE_DOCKER_RC="7"))
    assert done.returncode == 7


def test_holds_the_step_lock_shared_while_it_runs(stack):
    stack.write({"nightly": {"command": "clearsessions"}}, RELEASES)
    assert run(stack.argv(), env=stack.env).returncode == 0
    assert stack.docker_calls()[0]["lock"] == "held"


def test_without_wait_for_deploy_it_takes_no_lock(stack):
    stack.write({"nightly": {"command": "clearsessions", "wait_for_deploy": False}}, RELEASES)
    # A deploy step holds the lock: the job runs anyway.
    fd = os.open(stack.lock_file, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        done = run(stack.argv(), env=stack.env)
    finally:
        os.close(fd)
    assert done.returncode == 0
    assert "waiting" not in done.stdout
    assert stack.docker_calls()[0]["lock"] == "held"  # by the test's step, not by the job
    stack.calls.unlink()
    assert run(stack.argv(), env=stack.env).returncode == 0
    assert stack.docker_calls()[0]["lock"] == "free"


def test_waits_for_a_deploy_step_then_runs_in_the_new_release(stack):
    stack.write({"nightly": {"command": "clearsessions"}}, RELEASES)
    fd = os.open(stack.lock_file, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    job = subprocess.Popen(stack.argv(), env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = job.stdout.readline()
        assert first == "A deploy step (build, backup or migration) of %s runs; waiting for it.\n" % NAME
        assert job.poll() is None and stack.docker_calls() == []
        # The deploy switches to green while the job waits.
        (stack.dir / "releases.json").write_text(json.dumps(dict(RELEASES, current="green")))
    finally:
        os.close(fd)
    out, err = job.communicate(timeout=TIMEOUT)
    assert job.returncode == 0, err
    assert out.startswith("manage.py clearsessions in release fedcba987654 (slot green)")
    assert stack.docker_calls()[0]["argv"] == compose_run(stack, "green", "clearsessions")


def test_nothing_deployed_yet_is_not_an_error(stack):
    stack.write({"nightly": {"command": "clearsessions"}})
    done = run(stack.argv(), env=stack.env)
    assert done.returncode == 0
    assert done.stdout == "Nothing is deployed in %s yet; manage.py clearsessions skipped.\n" % stack.dir
    assert stack.docker_calls() == []


def test_no_current_slot_is_nothing_deployed(stack):
    stack.write({"nightly": {"command": "clearsessions"}}, {"current": "", "slots": {}})
    done = run(stack.argv(), env=stack.env)
    assert done.returncode == 0 and "Nothing is deployed" in done.stdout
    assert stack.docker_calls() == []


def test_unknown_schedule_stops_with_status_2(stack):
    stack.write({"nightly": {"command": "clearsessions"}}, RELEASES)
    done = run(stack.argv("weekly"), env=stack.env)
    assert done.returncode == 2
    assert done.stderr == "No schedule 'weekly' in %s/schedules.json.\n" % stack.dir
    assert stack.docker_calls() == []
