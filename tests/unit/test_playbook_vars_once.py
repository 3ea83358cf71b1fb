"""The project's playbooks read their wiring once per host, not per task.

ansible-core 2.19 parses a play's non-vaulted ``vars_files`` again in every
``get_vars`` (every task of every host): in the deploy play that was 8.9% of
the controller's busy time (py-spy, the default scenario's converge). The
plays read such files with a first ``include_vars`` task instead.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = [ROOT / "deploy.yml", *sorted((ROOT / "playbooks").glob("*.yml"))]


def plays_with_vars_files(path: Path) -> list[str]:
    plays = yaml.safe_load(path.read_text()) or []
    return [play.get("name", "?") for play in plays if isinstance(play, dict) and "vars_files" in play]


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_play_reads_vars_files(path):
    assert plays_with_vars_files(path) == []


def test_the_check_sees_vars_files(tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text("- name: A play\n  hosts: all\n  vars_files: [vars/x.yml]\n  tasks: []\n")
    assert plays_with_vars_files(playbook) == ["A play"]


@pytest.mark.parametrize("path", [ROOT / "deploy.yml", ROOT / "playbooks" / "rollback.yml"],
                         ids=["deploy.yml", "rollback.yml"])
def test_the_wiring_is_read_first_for_every_tag(path):
    plays = yaml.safe_load(path.read_text())
    play = next(p for p in plays if "Deploy the Django stack" in p["name"] or "Roll back" in p["name"])
    first = play["tasks"][0]
    assert "ansible.builtin.include_vars" in first
    assert first.get("tags") == ["always"]
