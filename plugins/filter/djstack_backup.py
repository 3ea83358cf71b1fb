"""Filters of the django_backup role's admin side (playbooks/backup-prune.yml;
tests/unit/test_filter_djstack_backup.py).

Binary log snapshots (tags "binlog", "binlog-gen=GEN", "binlog-file=NAME",
"binlog-last=ISO") are not in restic forget's keep policy: a log is worth
keeping exactly while a kept dump can be replayed through it. A dump (tag
"binlog-start=GEN:FILE:POS") needs every log of its generation from FILE
on, so a log is needed when a kept dump of its generation starts at or
before it. A log that no kept dump needs yet but that was shipped after the
newest kept dump belongs to the next dump's future (or to a rebuilt
server's new generation) and is kept too. Anything whose tags cannot be
read is kept: retention never removes what it does not understand.
"""

import re
from datetime import UTC, datetime

_FILE = re.compile(r"^.+\.(?P<seq>[0-9]+)$")


def _tags(snapshot):
    tags = {}
    for tag in snapshot.get("tags") or []:
        key, _, value = str(tag).partition("=")
        tags[key] = value
    return tags


def _seq(name):
    match = _FILE.match(name or "")
    return int(match.group("seq")) if match else None


def _time(text):
    """restic's snapshot time (RFC 3339 with nanoseconds and an offset) as
    an aware datetime, or None."""
    text = str(text or "")
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$", text)
    if not match:
        return None
    zone = match.group(2) or "Z"
    moment = datetime.fromisoformat(match.group(1) + ("+00:00" if zone == "Z" else zone))
    return moment.astimezone(UTC)


def binlogs_unneeded(binlog_snapshots, kept_dumps):
    """The IDs of the binary log snapshots that no kept dump needs.

    binlog_snapshots: restic snapshots --json of the host's binary logs.
    kept_dumps: the dumps restic forget keeps (its "keep" lists), each a
    snapshot with its tags. With no kept dump at all nothing is removed.
    """
    starts = {}
    newest = None
    for dump in kept_dumps or []:
        tags = _tags(dump)
        when = _time(dump.get("time"))
        if when is None:
            return []
        newest = when if newest is None or when > newest else newest
        gen, sep, rest = tags.get("binlog-start", "").partition(":")
        name = rest.rpartition(":")[0]
        if sep and _seq(name) is not None:
            starts[gen] = min(starts.get(gen, _seq(name)), _seq(name))
    if newest is None:
        return []
    unneeded = []
    for snap in binlog_snapshots or []:
        tags = _tags(snap)
        seq = _seq(tags.get("binlog-file"))
        when = _time(snap.get("time"))
        gen = tags.get("binlog-gen")
        if "binlog" not in tags or seq is None or when is None or not gen:
            continue
        if gen in starts and starts[gen] <= seq:
            continue
        if when > newest:
            continue
        unneeded.append(snap.get("id") or snap.get("short_id"))
    return [snap_id for snap_id in unneeded if snap_id]


class FilterModule:
    def filters(self):
        return {"djstack_binlogs_unneeded": binlogs_unneeded}
