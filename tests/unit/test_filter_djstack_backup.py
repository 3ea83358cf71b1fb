"""The retention of binary log snapshots (plugins/filter/djstack_backup.py),
and the reading of the snapshots' tags it shares with the host program
roles/django_backup/files/djstack-pitr (their one owner)."""


import pytest
from conftest import load

djstack_backup = load("plugins/filter/djstack_backup.py")
binlogs_unneeded = djstack_backup.binlogs_unneeded


def dump(time, start=None):
    tags = ["mysite", "daily", "dump"] + (["binlog-start=" + start] if start else [])
    return {"id": "dump-" + time, "time": time, "tags": tags}


def log(snap_id, time, gen, seq):
    return {"id": snap_id, "time": time,
            "tags": ["mysite-binlog", "binlog", "binlog-gen=" + gen, "binlog-file=binlog.%06d" % seq,
                     "binlog-first=2026-12-01T00:00:00Z", "binlog-last=2026-12-01T00:05:00Z"]}


LOGS = [
    log("a1", "2026-12-01T01:00:00.5+00:00", "aaaa", 1),
    log("a2", "2026-12-02T01:00:00Z", "aaaa", 2),
    log("a3", "2026-12-03T01:00:00Z", "aaaa", 3),
    log("a4", "2026-12-04T01:00:00Z", "aaaa", 4),
]


def test_logs_before_the_oldest_kept_dump_go():
    kept = [dump("2026-12-02T03:15:00Z", "aaaa:binlog.000003:120")]
    assert binlogs_unneeded(LOGS, kept) == ["a1", "a2"]


def test_a_dump_needs_its_start_log_and_every_later_one():
    kept = [dump("2026-12-01T03:15:00Z", "aaaa:binlog.000002:4"), dump("2026-12-03T03:15:00Z", "aaaa:binlog.000004:4")]
    assert binlogs_unneeded(LOGS, kept) == ["a1"]


def test_no_kept_dump_removes_nothing():
    assert binlogs_unneeded(LOGS, []) == []


def test_a_dump_without_a_position_needs_no_log_but_newer_logs_stay():
    kept = [dump("2026-12-02T12:00:00Z")]
    assert binlogs_unneeded(LOGS, kept) == ["a1", "a2"]


def test_a_new_generation_after_the_newest_dump_stays():
    logs = LOGS + [log("b1", "2026-12-05T01:00:00Z", "bbbb", 1)]
    kept = [dump("2026-12-04T03:00:00Z", "aaaa:binlog.000004:4")]
    assert binlogs_unneeded(logs, kept) == ["a1", "a2", "a3"]


def test_an_old_generation_no_kept_dump_needs_goes():
    logs = [log("b1", "2026-11-01T01:00:00Z", "bbbb", 9)] + LOGS
    kept = [dump("2026-11-30T03:00:00Z", "aaaa:binlog.000001:4")]
    assert binlogs_unneeded(logs, kept) == ["b1"]


@pytest.mark.parametrize("snap", [
    {"id": "x1", "time": "2026-11-01T00:00:00Z", "tags": ["binlog", "binlog-gen=aaaa"]},
    {"id": "x2", "time": "yesterday", "tags": ["binlog", "binlog-gen=aaaa", "binlog-file=binlog.000001"]},
    {"id": "x3", "time": "2026-11-01T00:00:00Z", "tags": ["binlog", "binlog-file=binlog.000001"]},
])
def test_unreadable_snapshots_stay(snap):
    assert binlogs_unneeded([snap], [dump("2026-12-04T03:00:00Z", "aaaa:binlog.000004:4")]) == []


def test_a_dump_with_an_unreadable_time_removes_nothing():
    assert binlogs_unneeded(LOGS, [{"id": "d", "time": "?", "tags": ["dump"]}]) == []


# ---- one reader of the tags: the host program's ------------------------------

pitr = djstack_backup.pitr


def test_the_filter_is_the_host_programs_retention():
    assert binlogs_unneeded is pitr.binlogs_unneeded
    assert pitr.__file__.endswith("roles/django_backup/files/djstack-pitr")


def test_a_dump_start_is_generation_file_and_position():
    tags = pitr.snapshot_tags({"tags": ["mysite", "dump", "binlog-start=aaaa:binlog.000003:120"]})
    assert tags == {"mysite": "", "dump": "", "binlog-start": "aaaa:binlog.000003:120"}
    assert pitr.dump_start(tags) == {"gen": "aaaa", "file": "binlog.000003", "seq": 3, "pos": 120}
    assert pitr.dump_start({"dump": ""}) is None


@pytest.mark.parametrize("start", ["aaaa:binlog.000003", "aaaa:binlog:120", "aaaa:binlog.000003:x",
                                   ":binlog.000003:120", "binlog.000003"])
def test_a_dump_start_that_cannot_be_read_is_refused_and_protects_no_log(start):
    with pytest.raises(pitr.PlanError):
        pitr.dump_start({"binlog-start": start})
    # Retention: the dump still counts as the newest kept, its start does not.
    assert binlogs_unneeded(LOGS, [dump("2026-12-04T03:00:00Z", start)]) == ["a1", "a2", "a3", "a4"]


def test_a_log_is_its_generation_file_and_sequence():
    tags = pitr.snapshot_tags(log("a1", "2026-12-01T01:00:00Z", "aaaa", 7))
    assert pitr.log_file(tags) == ("aaaa", "binlog.000007", 7)
    for missing in ("binlog-gen", "binlog-file"):
        with pytest.raises(pitr.PlanError):
            pitr.log_file({k: v for k, v in tags.items() if k != missing})
    with pytest.raises(pitr.PlanError):
        pitr.log_file(dict(tags, **{"binlog-file": "binlog"}))


# ---- the restore command (tasks/restore.yml) -------------------------------------

restore = djstack_backup.restore_command
CMD = "/usr/local/sbin/mysite-restore"


@pytest.mark.parametrize(("kwargs", "argv", "what"), [
    ({"source": "local", "backup_dir": "/srv/mysite/backups", "local_file": "/tmp/x/mysite-20261204.sql.gz"},
     [CMD, "/srv/mysite/backups/mysite-20261204.sql.gz"], "mysite-20261204.sql.gz"),
    ({"source": "offsite", "snapshot": "1a2b3c4d"}, [CMD, "--offsite", "1a2b3c4d"], "offsite snapshot 1a2b3c4d"),
    ({"source": "offsite"}, [CMD, "--offsite", "latest"], "offsite snapshot latest"),
    # A moment wins over the source; it stays one argument, space and all.
    ({"source": "local", "to": "2026-12-04 14:01:30", "local_file": "x.sql.gz"},
     [CMD, "--to", "2026-12-04 14:01:30"], "the moment 2026-12-04 14:01:30"),
])
def test_restore_command(kwargs, argv, what):
    assert restore(CMD, **kwargs) == {"argv": argv, "what": what}
