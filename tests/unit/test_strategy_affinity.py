"""The project's mitogen strategy leaves CPU placement to the kernel.

mitogen pins Ansible's controller, its workers and every command they start
to all CPUs but the multiplexer's: on a 2-core machine, one core for the
whole controller side (each ansible-playbook, its workers, and the commands
they run, such as the tests' load generator). plugins/strategy/mitogen_linear.py
turns that pinning off; a command run on localhost through it may use every
CPU this process may.
"""

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_a_command_the_controller_runs_may_use_every_cpu(tmp_path):
    playbook = tmp_path / "affinity.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.command: python3 -c "import os, json; print(json.dumps(sorted(os.sched_getaffinity(0))))"
      register: cpus
      changed_when: false
    - ansible.builtin.debug:
        msg: "CPUS {{ cpus.stdout }}"
""")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STRATEGY="mitogen_linear",
               PATH=str(pathlib.Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    run = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local",
                          "-e", "ansible_python_interpreter=" + sys.executable, str(playbook)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    line = next(x for x in run.stdout.splitlines() if "CPUS [" in x)
    assert json.loads(line.split("CPUS ", 1)[1].rstrip('"')) == sorted(os.sched_getaffinity(0))
