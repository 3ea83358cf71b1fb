"""roles/django_backup/files/djstack-pitr: which dump and binary logs restore a moment."""

import json

import pytest
from conftest import REPO, run

PITR = REPO / "roles/django_backup/files/djstack-pitr"


def dump(sid, time, start="g1:binlog.000003:120"):
    tags = ["dump", "label=daily"] + (["binlog-start=" + start] if start else [])
    return {"short_id": sid, "time": time, "tags": tags}


def binlog(sid, seq, first, last, gen="g1"):
    return {"short_id": sid, "time": last, "tags": ["binlog", "binlog-gen=" + gen, "binlog-file=binlog.%06d" % seq,
                                                     "binlog-first=" + first, "binlog-last=" + last]}


DAY = [
    dump("d1", "2026-12-04T03:15:00Z", start=None),
    dump("d2", "2026-12-04T12:00:00Z", start="g1:binlog.000003:120"),
    binlog("b3", 3, "2026-12-04T11:59:00Z", "2026-12-04T12:05:00Z"),
    binlog("b4", 4, "2026-12-04T12:05:00Z", "2026-12-04T12:10:00Z"),
    binlog("b4again", 4, "2026-12-04T12:05:00Z", "2026-12-04T12:10:00Z"),
    binlog("b5", 5, "2026-12-04T12:10:00Z", "2026-12-04T14:05:00Z"),
]


def plan(snapshots, to, tmp_path):
    path = tmp_path / "snapshots.json"
    path.write_text(json.dumps(snapshots))
    done = run(["python3", str(PITR), "plan", "--snapshots", str(path), "--to", to])
    return done.returncode, (json.loads(done.stdout) if done.returncode == 0 else done.stderr)


def test_the_last_dump_before_the_moment_and_the_logs_up_to_it(tmp_path):
    rc, result = plan(DAY, "2026-12-04 14:01:30", tmp_path)
    assert rc == 0, result
    assert result["dump"] == "d2"
    assert result["start_position"] == 120
    assert [b["file"] for b in result["binlogs"]] == ["binlog.000003", "binlog.000004", "binlog.000005"]
    assert [b["id"] for b in result["binlogs"]] == ["b3", "b4", "b5"]
    assert result["to"] == "2026-12-04 14:01:30"


def test_logs_stop_at_the_first_that_reaches_the_moment(tmp_path):
    rc, result = plan(DAY, "2026-12-04T12:07:00Z", tmp_path)
    assert rc == 0 and [b["file"] for b in result["binlogs"]] == ["binlog.000003", "binlog.000004"]


def test_a_moment_with_an_offset_is_converted_to_utc(tmp_path):
    rc, result = plan(DAY, "2026-12-04 15:01:30+01:00", tmp_path)
    assert rc == 0 and result["to"] == "2026-12-04 14:01:30"


def test_a_dump_moment_needs_no_logs(tmp_path):
    rc, result = plan(DAY, "2026-12-04 03:15:00", tmp_path)
    assert rc == 0 and result["dump"] == "d1" and result["binlogs"] == []


def test_no_dump_before_the_moment_is_refused(tmp_path):
    rc, message = plan(DAY, "2026-12-03 23:00:00", tmp_path)
    assert rc == 3
    assert "no dump was taken before 2026-12-03 23:00:00 UTC (the oldest is from 2026-12-04 03:15:00 UTC)" in message


def test_a_dump_without_a_log_position_restores_only_its_moment(tmp_path):
    rc, message = plan(DAY, "2026-12-04 05:00:00", tmp_path)
    assert rc == 3 and "d1" in message and "records no binary log position" in message


def test_a_gap_in_the_logs_is_named(tmp_path):
    gap = [s for s in DAY if s["short_id"] not in ("b4", "b4again")]
    rc, message = plan(gap, "2026-12-04 14:01:30", tmp_path)
    assert rc == 3
    assert "binlog.000004 is missing" in message
    assert "latest moment that can be restored after dump d2 is 2026-12-04 12:05:00 UTC" in message


def test_logs_that_do_not_reach_the_moment_yet(tmp_path):
    rc, message = plan(DAY, "2026-12-04 18:00:00", tmp_path)
    assert rc == 3 and "reach 2026-12-04 14:05:00 UTC, before 2026-12-04 18:00:00 UTC" in message


def test_logs_of_another_generation_never_follow(tmp_path):
    other = [s for s in DAY if s["short_id"] != "b5"] + [binlog("x5", 5, "2026-12-04T12:10:00Z",
                                                                "2026-12-04T14:05:00Z", gen="g2")]
    rc, message = plan(other, "2026-12-04 14:01:30", tmp_path)
    assert rc == 3 and "reach 2026-12-04 12:10:00 UTC" in message


@pytest.mark.parametrize("moment", ["yesterday", "2026-13-01 00:00:00", ""])
def test_a_moment_that_is_not_one(tmp_path, moment):
    rc, message = plan(DAY, moment, tmp_path)
    assert rc == 3 and "is not a moment" in message
