"""tests/faults.py's playbook runs through tests/lib: the no-op verdict from
the JSON recap, and a run cut when a task starts (local, in seconds)."""
import signal
import sys
import types

from conftest import kill_processes_of, load

faults = load("tests/faults.py")

PLAYBOOK = """
- name: A deploy stand-in
  hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: Change something when asked
      ansible.builtin.command: "true"
      changed_when: change | default(false) | bool
    - name: Apply migrations
      ansible.builtin.pause:
        seconds: "{{ wait | default(0) | int }}"
"""


def make_faults(tmp_path):
    (tmp_path / "ansible.cfg").write_text("[defaults]\nstrategy = linear\ninterpreter_python = %s\n" % sys.executable)
    (tmp_path / "deploy.yml").write_text(PLAYBOOK)
    args = types.SimpleNamespace(project=str(tmp_path), work=str(tmp_path), inventory="web1,db1,")
    return faults.Faults(args)


def test_noop_verdict_from_the_recap(tmp_path):
    runner = make_faults(tmp_path)
    done, cut = runner.play("deploy.yml", name="noop")
    assert not cut and done.rc == 0
    assert runner.noop_problem(done) is None
    assert (tmp_path / "faults-noop.log").read_text() == done.out

    changed, _ = runner.play("deploy.yml", extra=["-e", "change=true"], name="changed")
    problem = runner.noop_problem(changed)
    assert problem is not None and "'changed': 1" in problem and "Change something when asked" in problem


def test_a_cut_run(tmp_path):
    runner = make_faults(tmp_path)
    try:
        done, cut = runner.play("deploy.yml", extra=["-e", "wait=30"], kill_at=r"TASK \[Apply migrations",
                                delay=0.2, sig=signal.SIGKILL, name="cut")
        assert cut and done.rc == -signal.SIGKILL and done.recap is None
        assert runner.noop_problem(done) is not None  # no recap is no proof of changed=0
    finally:
        # The worker of the paused task would go on alone after the test.
        kill_processes_of(tmp_path)
