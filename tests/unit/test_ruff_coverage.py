"""ruff checks every Python program of the project, also those without a .py suffix.

A host program installed as a command (roles/*/files/djstack-lock) is Python
only by its first line; ruff finds such a file only when pyproject.toml's
extend-include names it. A new one that is not named would go unlinted.
"""

import shutil
import sys
from pathlib import Path

from conftest import REPO, run

RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))


def python_programs():
    """Every file of the repository that is Python by its shebang or its suffix."""
    found = set()
    for pattern in ("roles/*/files/*", "molecule/*/files/*", "playbooks/files/*", "scripts/*", "tests/*"):
        for path in REPO.glob(pattern):
            if not path.is_file():
                continue
            if path.suffix == ".py":
                found.add(path)
            elif not path.suffix:
                with path.open("rb") as handle:
                    first = handle.readline()
                if first.startswith(b"#!") and b"python" in first:
                    found.add(path)
    return found


def test_ruff_checks_every_python_program():
    done = run([RUFF, "check", "--show-files"], cwd=REPO)
    assert done.returncode == 0, done.stderr
    checked = {Path(line) for line in done.stdout.splitlines() if line.startswith("/")}
    programs = python_programs()
    assert REPO / "roles/deploy_lock/files/djstack-lock" in programs
    missing = sorted(str(path.relative_to(REPO)) for path in programs - checked)
    assert missing == [], "not checked by ruff (add them to extend-include in pyproject.toml): %s" % missing
