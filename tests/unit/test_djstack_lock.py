"""roles/deploy_lock/files/djstack-lock: the deploy lock of a stack, run as a program.

The lock files go to a temp directory (DJSTACK_LOCK_DIR). The waiting for a
held lock is Ansible's (roles/deploy_lock/tasks/wait.yml retries acquire
while it exits 3); whether a holder's controller process is gone (its PID
and that process's start time) is decided there too and passed as
--holder-gone. These tests cover what the program decides.
"""

import datetime
import fcntl
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO, last_json, run

LOCK = REPO / "roles/deploy_lock/files/djstack-lock"
NAME = "mysite"


@pytest.fixture
def lock(lock_env):
    """djstack-lock COMMAND ARGS... with the temp lock directory; returns (rc, JSON answer or None, result)."""

    def call(command, *args, env=None):
        done = run([sys.executable, str(LOCK), command, "--name", NAME, *args], env=env or lock_env)
        answer = last_json(done.stdout) if done.stdout.strip() else None
        return done.returncode, answer, done

    call.dir = Path(lock_env["DJSTACK_LOCK_DIR"])
    call.env = lock_env
    return call


def acquire(lock, run_id, *extra, step="deploy", lease="900"):
    return lock("acquire", "--run-id", run_id, "--user", "user-" + run_id, "--controller", "ctl",
                "--step", step, "--lease", lease, *extra)


def record_path(lock):
    return lock.dir / ("djstack-%s.json" % NAME)


def read_record(lock):
    return json.loads(record_path(lock).read_text())


def age_record(lock, seconds):
    """Make the holder's last renewal SECONDS old."""
    record = read_record(lock)
    then = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=seconds)
    record["renewed"] = then.strftime("%Y-%m-%dT%H:%M:%SZ")
    record_path(lock).write_text(json.dumps(record))
    return record


@pytest.fixture
def step_flock(lock):
    """Hold the step flock (as a running step does) in this process: exclusive or shared."""
    fds = []

    def hold(mode=fcntl.LOCK_EX):
        fd = os.open(lock.dir / ("djstack-%s.lock" % NAME), os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        fds.append(fd)

    yield hold
    for fd in fds:
        os.close(fd)


# --- acquire ---------------------------------------------------------------

def test_acquire_free_lock_writes_the_holder(lock):
    rc, answer, _ = acquire(lock, "ctl:100:5", step="rollback")
    assert rc == 0
    assert answer == {"acquired": True, "replaced": None, "stale": ""}
    record = read_record(lock)
    assert record["run_id"] == "ctl:100:5"
    assert record["user"] == "user-ctl:100:5"
    assert record["controller"] == "ctl"
    assert record["step"] == "rollback"
    assert record["unit"] == ""
    assert record["started"] == record["renewed"]


def test_acquire_again_by_the_holder_keeps_its_start(lock):
    acquire(lock, "ctl:100:5")
    aged = age_record(lock, 5000)
    rc, answer, _ = acquire(lock, "ctl:100:5", step="again")
    assert rc == 0 and answer["acquired"] is True and answer["replaced"] is None
    record = read_record(lock)
    assert record["started"] == aged["started"]
    assert record["step"] == "again"
    assert record["renewed"] > aged["renewed"]


def test_second_run_is_refused_with_the_holder(lock):
    acquire(lock, "ctl:100:5")
    holder = read_record(lock)
    rc, answer, _ = acquire(lock, "other:200:7")
    assert rc == 3
    assert answer == {"acquired": False, "holder": holder, "step_running": ""}
    assert read_record(lock) == holder


def test_lock_renewed_within_the_lease_is_not_stale(lock):
    acquire(lock, "ctl:100:5")
    age_record(lock, 890)
    rc, answer, _ = acquire(lock, "other:200:7", lease="900")
    assert rc == 3 and answer["acquired"] is False
    assert read_record(lock)["run_id"] == "ctl:100:5"


def test_lock_not_renewed_for_the_lease_is_taken_over(lock):
    acquire(lock, "ctl:100:5")
    old = age_record(lock, 960)
    rc, answer, _ = acquire(lock, "other:200:7", lease="900")
    assert rc == 0
    assert answer == {"acquired": True, "replaced": old, "stale": "not renewed for 900 s"}
    record = read_record(lock)
    assert record["run_id"] == "other:200:7"
    assert record["started"] == record["renewed"]


def test_holder_gone_takes_over_a_fresh_lock(lock):
    acquire(lock, "ctl:100:5")
    old = read_record(lock)
    rc, answer, _ = acquire(lock, "ctl:300:9", "--holder-gone", "ctl:100:5")
    assert rc == 0
    assert answer == {"acquired": True, "replaced": old, "stale": "its controller process is gone"}
    assert read_record(lock)["run_id"] == "ctl:300:9"


def test_holder_gone_naming_another_run_does_not_take_over(lock):
    # The holder changed between the check of its process and this call.
    acquire(lock, "ctl:100:5")
    rc, answer, _ = acquire(lock, "ctl:300:9", "--holder-gone", "ctl:999:1")
    assert rc == 3 and answer["acquired"] is False
    assert read_record(lock)["run_id"] == "ctl:100:5"


def test_unreadable_record_is_stale(lock):
    record_path(lock).write_text("{half a record")
    rc, answer, _ = acquire(lock, "other:200:7")
    assert rc == 0
    assert answer["replaced"]["run_id"] == "(unreadable record)"
    assert answer["stale"] == "not renewed for 900 s"
    assert read_record(lock)["run_id"] == "other:200:7"


def test_running_step_blocks_takeover_even_of_a_gone_holder(lock, step_flock):
    acquire(lock, "ctl:100:5")
    age_record(lock, 5000)
    step_flock()
    rc, answer, _ = acquire(lock, "ctl:300:9", "--holder-gone", "ctl:100:5")
    assert rc == 3
    assert answer["acquired"] is False
    assert answer["step_running"] == "a step of an earlier run"
    assert read_record(lock)["run_id"] == "ctl:100:5"


def test_running_step_of_an_earlier_run_blocks_a_free_lock(lock, step_flock):
    # The run lock was released (or force-released) while its step still runs.
    step_flock()
    rc, answer, _ = acquire(lock, "other:200:7")
    assert rc == 3 and answer == {"acquired": False, "holder": None, "step_running": "a step of an earlier run"}
    assert not record_path(lock).exists()


def test_scheduled_job_holding_the_step_lock_shared_does_not_block(lock, step_flock):
    step_flock(fcntl.LOCK_SH)
    rc, answer, _ = acquire(lock, "other:200:7")
    assert rc == 0 and answer["acquired"] is True


def test_concurrent_acquires_give_the_lock_to_exactly_one(lock):
    argv = [sys.executable, str(LOCK), "acquire", "--name", NAME, "--step", "deploy"]
    procs = [subprocess.Popen(argv + ["--run-id", "ctl:%d:1" % i], env=lock.env,
                              stdout=subprocess.PIPE, text=True) for i in range(8)]
    results = [(p.wait(timeout=10), json.loads(p.stdout.read())) for p in procs]
    for p in procs:
        p.stdout.close()
    winners = [answer for rc, answer in results if rc == 0]
    assert len(winners) == 1 and winners[0]["acquired"] is True
    assert sorted(rc for rc, _ in results) == [0] + [3] * 7
    holder = read_record(lock)
    assert all(answer["holder"] == holder for rc, answer in results if rc == 3)


# --- release ---------------------------------------------------------------

def test_release_by_the_holder_frees_the_lock(lock):
    acquire(lock, "ctl:100:5")
    holder = read_record(lock)
    rc, answer, _ = lock("release", "--run-id", "ctl:100:5")
    assert rc == 0 and answer == {"released": True, "holder": holder}
    assert not record_path(lock).exists()
    rc, answer, _ = acquire(lock, "other:200:7")
    assert rc == 0 and answer["replaced"] is None


def test_release_by_another_run_is_refused(lock):
    acquire(lock, "ctl:100:5")
    rc, answer, _ = lock("release", "--run-id", "other:200:7")
    assert rc == 3 and answer["released"] is False and answer["holder"]["run_id"] == "ctl:100:5"
    assert read_record(lock)["run_id"] == "ctl:100:5"


def test_forced_release_frees_another_runs_lock(lock):
    acquire(lock, "ctl:100:5")
    rc, answer, _ = lock("release", "--run-id", "unlock", "--force")
    assert rc == 0 and answer["released"] is True
    assert not record_path(lock).exists()


def test_release_of_a_free_lock_says_so(lock):
    rc, answer, _ = lock("release", "--run-id", "ctl:100:5")
    assert rc == 0 and answer == {"released": False, "holder": None}


def test_release_waits_for_a_running_step_even_forced(lock, step_flock):
    acquire(lock, "ctl:100:5")
    step_flock()
    for extra in ([], ["--force"]):
        rc, answer, _ = lock("release", "--run-id", "ctl:100:5", *extra)
        assert rc == 3 and answer["released"] is False and answer["step_running"]
    assert record_path(lock).exists()


# --- step, status ----------------------------------------------------------

def test_step_renews_the_holders_lease(lock):
    acquire(lock, "ctl:100:5")
    old = age_record(lock, 5000)
    rc, answer, _ = lock("step", "--run-id", "ctl:100:5", "--step", "drain")
    assert rc == 0 and answer == {"held": True}
    record = read_record(lock)
    assert record["step"] == "drain" and record["renewed"] > old["renewed"]
    # Renewed: a new run no longer finds it stale.
    assert acquire(lock, "other:200:7")[0] == 3


def test_step_of_another_run_is_refused_and_changes_nothing(lock):
    acquire(lock, "ctl:100:5")
    holder = read_record(lock)
    rc, answer, _ = lock("step", "--run-id", "other:200:7", "--step", "drain")
    assert rc == 4 and answer == {"held": False, "holder": holder}
    assert read_record(lock) == holder


def test_step_without_a_lock_is_refused(lock):
    rc, answer, _ = lock("step", "--run-id", "ctl:100:5", "--step", "drain")
    assert rc == 4 and answer["held"] is False
    assert not record_path(lock).exists()


def test_status_names_the_holder_and_the_running_step(lock, step_flock):
    assert lock("status")[:2] == (0, {"holder": None, "step_running": ""})
    acquire(lock, "ctl:100:5")
    record = read_record(lock)
    record["unit"] = "djstack-mysite-build-1"
    record_path(lock).write_text(json.dumps(record))
    step_flock()
    assert lock("status")[:2] == (0, {"holder": record, "step_running": "djstack-mysite-build-1"})


# --- run (systemd-run replaced by a stand-in that runs the command) --------

FAKE_SYSTEMD_RUN = textwrap.dedent("""\
    #!%s
    # Stands in for systemd-run --wait: records its arguments, then runs the
    # command with the unit's environment, directory and output file.
    import json, os, subprocess, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_SYSTEMD_RUN_LOG"], "a") as log:
        log.write(json.dumps(args) + "\\n")
    env, cwd, output = dict(os.environ), None, None
    while args[0] != "--":
        option = args.pop(0)
        if option in ("--unit", "--property", "--setenv", "--working-directory"):
            value = args.pop(0)
            if option == "--setenv":
                key, _, val = value.partition("=")
                env[key] = val
            elif option == "--working-directory":
                cwd = value
            elif value.startswith("StandardOutput=append:"):
                output = value.split(":", 1)[1]
    with open(output, "a") as out:
        sys.exit(subprocess.call(args[1:], env=env, cwd=cwd, stdout=out, stderr=out))
    """) % sys.executable


@pytest.fixture
def systemd_run(lock, tmp_path):
    """PATH with a fake systemd-run; returns (env, path of its call log)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "systemd-run"
    fake.write_text(FAKE_SYSTEMD_RUN)
    fake.chmod(0o755)
    calls = tmp_path / "systemd-run.calls"
    env = dict(lock.env, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), FAKE_SYSTEMD_RUN_LOG=str(calls))
    return env, calls


def test_run_executes_the_step_under_the_step_lock(lock, systemd_run, tmp_path):
    env, calls = systemd_run
    acquire(lock, "ctl:100:5")
    work = tmp_path / "work"
    work.mkdir()
    log = tmp_path / "logs" / "deploy.log"
    # The step asks the lock for its status while it runs, and another run
    # tries to take over: both see the step holding the step flock.
    probe = ("import os, subprocess, sys; print('cwd', os.getcwd()); print('held', os.environ['DJSTACK_LOCK_HELD']);"
             "sys.stdout.flush();"
             "subprocess.call([sys.executable, %r, 'status', '--name', %r]);"
             "subprocess.call([sys.executable, %r, 'acquire', '--name', %r, '--run-id', 'x:1:1', '--step', 's',"
             " '--holder-gone', 'ctl:100:5']);"
             "print('to stderr', file=sys.stderr); sys.exit(5)") % (str(LOCK), NAME, str(LOCK), NAME)
    done = run([sys.executable, str(LOCK), "run", "--name", NAME, "--run-id", "ctl:100:5", "--step", "build",
                "--timeout", "120", "--log", str(log), "--chdir", str(work),
                "--", sys.executable, "-c", probe], env=env)
    assert done.returncode == 5, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "cwd %s" % work
    assert lines[1] == "held %s" % (lock.dir / "djstack-mysite.lock")
    status, refused = json.loads(lines[2]), json.loads(lines[3])
    unit = status["step_running"]
    assert unit.startswith("djstack-mysite-build-")
    assert status["holder"]["step"] == "build" and status["holder"]["unit"] == unit
    assert refused["acquired"] is False and refused["step_running"] == unit
    assert lines[4] == "to stderr"
    # The log keeps a header per step; the output printed is this step's only.
    assert log.read_text().startswith("=== ") and "build: %s -c" % sys.executable in log.read_text()
    assert "===" not in done.stdout
    argv = json.loads(calls.read_text())
    assert argv[argv.index("--unit") + 1] == unit
    assert "RuntimeMaxSec=120" in argv
    assert argv[argv.index("--") + 1:argv.index("--") + 4] == ["/usr/bin/flock", "--exclusive",
                                                                str(lock.dir / "djstack-mysite.lock")]
    record = read_record(lock)
    assert record["step"] == "build (done)" and record["run_id"] == "ctl:100:5"
    # The step is over: its flock is free again.
    assert lock("status")[1]["step_running"] == ""


def test_run_output_starts_after_earlier_steps(lock, systemd_run, tmp_path):
    env, _ = systemd_run
    acquire(lock, "ctl:100:5")
    log = tmp_path / "deploy.log"
    base = [sys.executable, str(LOCK), "run", "--name", NAME, "--run-id", "ctl:100:5", "--log", str(log)]
    first = run(base + ["--step", "one", "--", "echo", "first"], env=env)
    second = run(base + ["--step", "two", "--", "echo", "second"], env=env)
    assert (first.returncode, first.stdout) == (0, "first\n")
    assert (second.returncode, second.stdout) == (0, "second\n")
    assert log.read_text().count("=== ") == 2


def test_run_without_the_run_lock_runs_nothing(lock, systemd_run, tmp_path):
    env, calls = systemd_run
    acquire(lock, "ctl:100:5")
    holder = read_record(lock)
    marker = tmp_path / "ran"
    done = run([sys.executable, str(LOCK), "run", "--name", NAME, "--run-id", "other:200:7", "--step", "build",
                "--log", str(tmp_path / "log"), "--", "touch", str(marker)], env=env)
    assert done.returncode == 4
    assert "not held by this run" in done.stderr
    assert not calls.exists() and not marker.exists()
    assert read_record(lock) == holder


def test_the_lock_directory_is_made_private(lock, tmp_path):
    env = dict(lock.env, DJSTACK_LOCK_DIR=str(tmp_path / "fresh"))
    rc, answer, done = lock("status", env=env)
    assert rc == 0, done.stderr
    assert (tmp_path / "fresh").stat().st_mode & 0o777 == 0o700


def test_a_lock_directory_others_can_write_is_refused(lock, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    rc, answer, done = lock("status", env=dict(lock.env, DJSTACK_LOCK_DIR=str(shared)))
    assert rc == 2
    assert "only it can write" in done.stderr
    assert not list(shared.iterdir())


def test_a_symlinked_lock_directory_is_refused(lock, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(target)
    rc, answer, done = lock("status", env=dict(lock.env, DJSTACK_LOCK_DIR=str(tmp_path / "link")))
    assert rc == 2
    assert not list(target.iterdir())
