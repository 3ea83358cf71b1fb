"""tests/lib/djstack_test.py: the recap read from the JSON callback, publishing
a commit, and the load tool started and stopped (all local, in seconds)."""
import http.server
import json
import os
import signal
import subprocess
import sys
import threading

import pytest
from conftest import REPO, kill_processes_of, load, run

lib = load("tests/lib/djstack_test.py")

PLAYBOOK = """
- name: A play of every outcome
  hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: A change
      ansible.builtin.command: "true"
    - name: Nothing
      ansible.builtin.debug:
        msg: hello
    - name: An ignored failure
      ansible.builtin.command: "false"
      changed_when: false
      ignore_errors: true
    - name: Fail on b only
      ansible.builtin.fail:
        msg: boom on b
      when: inventory_hostname == 'b'
    - name: Wait when asked
      ansible.builtin.pause:
        seconds: "{{ wait | default(0) | int }}"
"""

# ansible.posix.json's document, as djstack_recap writes it (a cut-down run).
DOCUMENT = {
    "stats": {
        "web1": {"ok": 12, "changed": 0, "unreachable": 0, "failures": 0, "skipped": 3, "rescued": 0, "ignored": 0},
        "db1": {"ok": 9, "changed": 2, "unreachable": 0, "failures": 1, "skipped": 0, "rescued": 1, "ignored": 1},
    },
    "plays": [{"play": {"name": "Deploy"}, "tasks": [
        {"task": {"name": "Render the site"}, "hosts": {
            "web1": {"changed": False}, "db1": {"changed": True}}},
        {"task": {"name": "Probe"}, "hosts": {
            "db1": {"changed": False, "failed": True, "ignored": True, "msg": "probe said no"}}},
        {"task": {"name": "Migrate"}, "hosts": {
            "db1": {"changed": True, "failed": True, "msg": "migration 0003 failed"}}},
        {"task": {"name": "Check the values"}, "hosts": {
            "web1": {"changed": False, "failed": True, "msg": "One or more items failed", "results": [
                {"failed": False, "msg": "All assertions passed"},
                {"failed": True, "msg": "port must be between 1 and 65535"},
                {"failed": True, "msg": "name must be lowercase"}]}}},
    ]}],
}


def ansible_env(tmp_path):
    """Plain Ansible on the controller itself, quickly (no mitogen, no project config)."""
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text("[defaults]\nstrategy = linear\ninterpreter_python = %s\n" % sys.executable)
    env = dict(os.environ, ANSIBLE_CONFIG=str(cfg))
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    return env


def test_recap_per_host_from_the_document():
    assert lib.recap(DOCUMENT) == {
        "web1": {"ok": 12, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 3, "rescued": 0, "ignored": 0},
        "db1": {"ok": 9, "changed": 2, "unreachable": 0, "failed": 1, "skipped": 0, "rescued": 1, "ignored": 1},
    }
    assert lib.changed_tasks(DOCUMENT) == {"db1": ["Render the site", "Migrate"]}
    # The ignored failure is not one.
    # A loop's failure is its failed items' messages.
    assert lib.failures(DOCUMENT) == [
        {"host": "db1", "task": "Migrate", "msg": "migration 0003 failed"},
        {"host": "web1", "task": "Check the values", "msg": "port must be between 1 and 65535\nname must be lowercase"}]


def test_a_failed_command_says_why():
    """ "non-zero return code" names no cause: the end of the command's stderr goes with it."""
    cause = "the shipped binary logs reach 11:44:08 UTC, before 11:44:09 UTC"
    result = {"failed": True, "msg": "non-zero return code", "rc": 3, "stderr": "x" * 2000 + "\n" + cause}
    said = lib.why(result)
    assert said.startswith("non-zero return code; rc 3, stderr: ...") and said.endswith(cause)
    assert len(said) < lib.STDERR_TAIL + 100
    # Said once when the message already holds it; a failure with no msg says its stdout.
    assert lib.why({"msg": "boom: " + cause, "stderr": cause}) == "boom: " + cause
    assert lib.why({"stdout": "only this"}) == "only this"
    assert lib.why({"stderr": "only that", "rc": 1}) == "rc 1, stderr: only that"
    # A loop's failed items say why, each.
    document = {"stats": {}, "plays": [{"play": {"name": "P"}, "tasks": [
        {"task": {"name": "Each"}, "hosts": {"h": {"failed": True, "msg": "One or more items failed", "results": [
            {"failed": True, "msg": "non-zero return code", "rc": 2, "stderr": "no such file"}]}}}]}]}
    assert lib.failures(document) == [
        {"host": "h", "task": "Each", "msg": "non-zero return code; rc 2, stderr: no such file"}]


def test_recap_report_and_verdict(tmp_path):
    assert lib.report(DOCUMENT) == [
        "web1: ok=12 changed=0 unreachable=0 failed=0 skipped=3 rescued=0 ignored=0",
        "db1: ok=9 changed=2 unreachable=0 failed=1 skipped=0 rescued=1 ignored=1",
        "  changed: Render the site",
        "  changed: Migrate",
        "  failed on db1: Migrate: migration 0003 failed",
        "  failed on web1: Check the values: port must be between 1 and 65535\nname must be lowercase"]
    path = tmp_path / "recap.json"
    assert lib.recap_verdict(path) == ([f"{path}: no recap (the run ended before it)"], 1)
    path.write_text(json.dumps(DOCUMENT))
    assert lib.recap_verdict(path)[1] == 1  # db1 failed
    quiet = {"stats": {"web1": DOCUMENT["stats"]["web1"]}, "plays": []}
    path.write_text(json.dumps(quiet))
    assert lib.recap_verdict(path, unchanged=True)[1] == 0
    busy = {"stats": {"web1": dict(DOCUMENT["stats"]["web1"], changed=1)}, "plays": []}
    path.write_text(json.dumps(busy))
    assert lib.recap_verdict(path)[1] == 0 and lib.recap_verdict(path, unchanged=True)[1] == 1
    path.write_text(json.dumps({"stats": {}, "plays": []}))
    assert lib.recap_verdict(path)[1] == 1  # no host ran


def test_run_verdicts():
    stats = lib.recap(DOCUMENT)
    done = lib.Run(rc=0, out="", seconds=1.0, recap=stats)
    assert done.unchanged(["web1"]) and not done.unchanged()
    assert done.converged(["web1"]) and not done.converged(["db1"])
    assert done.changed() == 2 and done.changed(["web1"]) == 0
    # A run cut before its recap proves nothing, nor does a failed rc.
    assert not lib.Run(rc=0, out="", seconds=1.0).unchanged()
    assert not lib.Run(rc=2, out="", seconds=1.0, recap={"web1": stats["web1"]}).unchanged()
    assert not done.unchanged(["web9"])


def test_a_real_run_recap_from_the_callback(tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    done = lib.run_playbook(playbook, "a,b,", cwd=tmp_path, env=ansible_env(tmp_path))
    assert done.rc == 2, done.out
    assert done.recap == {
        "a": {"ok": 4, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 1, "rescued": 0, "ignored": 1},
        "b": {"ok": 3, "changed": 1, "unreachable": 0, "failed": 1, "skipped": 0, "rescued": 0, "ignored": 1},
    }
    assert done.changed_tasks == {"a": ["A change"], "b": ["A change"]}
    assert done.failures == [{"host": "b", "task": "Fail on b only", "msg": "boom on b"}]
    assert done.converged(["a"]) is False  # rc 2: the run as a whole failed
    assert "PLAY RECAP" in done.out  # the text output is still the default one


def test_a_cut_run_has_no_recap(tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)

    def cut(line, proc):
        if "Wait when asked" in line:
            os.killpg(proc.pid, signal.SIGKILL)

    try:
        done = lib.run_playbook(playbook, "a,", ["-e", "wait=30"], cwd=tmp_path, env=ansible_env(tmp_path),
                                on_line=cut)
    finally:
        # The worker of the paused task would go on alone after the test.
        kill_processes_of(tmp_path)
    assert done.rc == -signal.SIGKILL
    assert done.recap is None and not done.unchanged() and done.changed() == 0


def test_cli_prints_the_run_as_json(tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    done = run([sys.executable, str(REPO / "tests/lib/djstack_test.py"), "run-playbook", "-i", "a,",
                "--cwd", str(tmp_path), "--log", str(tmp_path / "run.log"), str(playbook), "-e", "wait=0"],
               env=ansible_env(tmp_path), timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rc"] == 0 and result["recap"]["a"]["changed"] == 1 and result["recap"]["a"]["failed"] == 0
    assert "TASK [A change]" in result["out"]
    assert (tmp_path / "run.log").read_text() == result["out"]


def test_cli_recap_of_a_real_run(tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    env = lib.playbook_env(ansible_env(tmp_path), tmp_path / "recap.json")
    subprocess.run(["ansible-playbook", "-i", "a,", str(playbook)], cwd=tmp_path, env=env, capture_output=True,
                   timeout=60)
    cli = [sys.executable, str(REPO / "tests/lib/djstack_test.py"), "recap"]
    done = run(cli + [str(tmp_path / "recap.json")], timeout=30)
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines() == [
        "a: ok=4 changed=1 unreachable=0 failed=0 skipped=1 rescued=0 ignored=1", "  changed: A change"]
    assert run(cli + ["--unchanged", str(tmp_path / "recap.json")], timeout=30).returncode == 1
    summary = run(cli + ["--summary", str(tmp_path / "recap.json")], timeout=30)
    assert summary.stdout.splitlines() == [done.stdout.splitlines()[0]] and summary.returncode == 0


def _tree(repo, commit, tmp_path):
    clone = tmp_path / ("clone-" + commit[:8])
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", commit], check=True)
    return sorted(str(p.relative_to(clone)) for p in clone.rglob("*") if ".git" not in p.parts and p.is_file())


def test_publish_commits_only_what_changed(tmp_path):
    src = tmp_path / "src"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "pkg" / "views.py").write_text("v1\n")
    (src / "pkg" / "__pycache__" / "views.cpython-311.pyc").write_text("x")
    (src / "db.sqlite3").write_text("x")
    bare = tmp_path / "git" / "app.git"
    first = lib.publish(src, bare, "Release v1")
    assert len(first) == 40
    assert lib.publish(src, bare, "Release v1 again") == first  # nothing new: no commit
    (src / "pkg" / "views.py").write_text("v2\n")
    (src / "pkg" / "old.py").write_text("gone next\n")
    second = lib.publish(src, bare)
    assert second != first
    (src / "pkg" / "old.py").unlink()
    third = lib.publish(src, bare)
    assert _tree(bare, second, tmp_path) == ["pkg/old.py", "pkg/views.py"]
    assert _tree(bare, third, tmp_path) == ["pkg/views.py"]
    log = subprocess.run(["git", "--git-dir", str(bare), "log", "--format=%s", "main"], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert log[:3] == ["Publish src", "Publish src", "Release v1"]
    assert oct(bare.stat().st_mode & 0o005) == "0o5"  # world-readable for git-daemon


def test_publish_script_is_the_library(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a\n")
    done = run([str(REPO / "scripts/publish-app-repo.sh"), str(src), str(tmp_path / "r.git"), "Msg"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == lib.publish(src, tmp_path / "r.git")


def test_assemble_overlays_appends_and_files(tmp_path):
    app = tmp_path / "app"
    (app / "__pycache__").mkdir(parents=True)
    (app / "requirements.txt").write_text("Django\n")
    (app / "views.py").write_text("app\n")
    (app / "__pycache__" / "x.pyc").write_text("x")
    files, releases = tmp_path / "files", tmp_path / "releases"
    (files / "v2").mkdir(parents=True)
    (files / "v2" / "views.py").write_text("v2\n")
    (releases / "v2").mkdir(parents=True)
    (releases / "v2" / "ignored.py").write_text("the scenario's files/ come first\n")
    (releases / "extra").mkdir(parents=True)
    (releases / "extra" / "requirements.txt.append").write_text("redis\n")
    dest = lib.assemble(tmp_path / "out", app, ["v2", "extra"], [files, releases],
                        files={"notes/migrations/0002_x.py": "m\n"}, appends={"requirements.txt": "celery\n"})
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()) == [
        "notes/migrations/0002_x.py", "requirements.txt", "views.py"]
    assert (dest / "views.py").read_text() == "v2\n"
    assert (dest / "requirements.txt").read_text() == "Django\nredis\ncelery\n"
    with pytest.raises(FileNotFoundError):
        lib.assemble(tmp_path / "out2", app, ["nowhere"], [files])


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = b'{"release": "r1"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_load_runs_loadgen_and_returns_its_verdict(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        load = lib.Load("http://127.0.0.1:%d/" % server.server_port, "t.example.test", tmp_path, "t", rate=40,
                        duration=30, options=("--min-requests", "5")).start()
        threading.Event().wait(1.0)
        result = load.stop()
    finally:
        server.shutdown()
    assert result["ok"] and result["failed"] == 0 and result["sent"] >= 5, result


def test_cli_assemble_takes_overlays_after_the_options(tmp_path):
    app, releases = tmp_path / "app", tmp_path / "releases"
    app.mkdir()
    (app / "a.txt").write_text("app\n")
    (releases / "v2").mkdir(parents=True)
    (releases / "v2" / "a.txt.append").write_text("v2\n")
    done = run([sys.executable, str(REPO / "tests/lib/djstack_test.py"), "assemble", "--dest", str(tmp_path / "out"),
                "--app", str(app), "--search", str(tmp_path / "files"), "--search", str(releases), "v2"])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "a.txt").read_text() == "app\nv2\n"
