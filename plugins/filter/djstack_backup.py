"""Filters of the django_backup role: the restore command of each kind of
restore (tasks/restore.yml), and its admin side (playbooks/backup-prune.yml);
tests/unit/test_filter_djstack_backup.py.

What the offsite repository's snapshot tags mean ("dump",
"binlog-start=GEN:FILE:POS", "binlog", "binlog-gen=GEN", "binlog-file=NAME",
...) has one owner: the host program roles/django_backup/files/djstack-pitr,
which plans restores and drills on the host. The retention of binary log
snapshots reads the same tags on the controller, so this filter loads that
program's functions from its file (it stays one standalone file on the host)
rather than parsing them again: djstack_binlogs_unneeded is its
binlogs_unneeded.
"""

import importlib.machinery
import importlib.util
import os

PITR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                    "roles", "django_backup", "files", "djstack-pitr")


def _load_pitr():
    loader = importlib.machinery.SourceFileLoader("djstack_pitr", os.path.normpath(PITR))
    spec = importlib.util.spec_from_loader("djstack_pitr", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


pitr = _load_pitr()
binlogs_unneeded = pitr.binlogs_unneeded


def restore_command(command, source="local", to="", backup_dir="", local_file="", snapshot="latest"):
    """The restore's argv and what it restores, in words: {argv, what}.

    A moment (to, "2026-12-04 14:01:30") wins; else a local dump
    (source "local": local_file's name, in backup_dir) or an offsite
    snapshot (source "offsite": its ID, or latest)."""
    if to:
        return {"argv": [command, "--to", to], "what": "the moment %s" % to}
    if source == "local":
        name = os.path.basename(local_file or "")
        return {"argv": [command, "%s/%s" % (backup_dir, name)], "what": name}
    return {"argv": [command, "--offsite", snapshot], "what": "offsite snapshot %s" % snapshot}


class FilterModule:
    def filters(self):
        return {"djstack_binlogs_unneeded": binlogs_unneeded, "djstack_restore_command": restore_command}
