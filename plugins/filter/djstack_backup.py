"""Filters of the django_backup role's admin side (playbooks/backup-prune.yml;
tests/unit/test_filter_djstack_backup.py).

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


class FilterModule:
    def filters(self):
        return {"djstack_binlogs_unneeded": binlogs_unneeded}
