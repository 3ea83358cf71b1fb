"""roles/django_backup/files/djstack-pitr: which dump and binary logs restore a moment."""

import json

import pytest
from conftest import REPO, run

PITR = REPO / "roles/django_backup/files/djstack-pitr"


def dump(sid, time, start="g1:binlog.000003:120"):
    tags = ["dump", "label=daily"] + (["binlog-start=" + start] if start else [])
    return {"short_id": sid, "time": time, "tags": tags}


def binlog(sid, seq, first, last, gen="g1"):
    return {
        "short_id": sid,
        "time": last,
        "tags": [
            "binlog",
            "binlog-gen=" + gen,
            "binlog-file=binlog.%06d" % seq,
            "binlog-first=" + first,
            "binlog-last=" + last,
        ],
    }


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


@pytest.mark.parametrize(("snapshot", "said"), [
    (dump("dx", "2026-12-04T13:00:00Z", start="g1:binlog.000004"), "is not a binary log position"),
    ({"short_id": "bx", "time": "2026-12-04T13:00:00Z", "tags": ["binlog", "binlog-gen=g1"]},
     "needs the tags binlog-gen and binlog-file"),
])
def test_tags_that_cannot_be_read_are_named(tmp_path, snapshot, said):
    rc, message = plan(DAY + [snapshot], "2026-12-04 14:01:30", tmp_path)
    assert rc == 3 and said in message, message


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
    other = [s for s in DAY if s["short_id"] != "b5"] + [
        binlog("x5", 5, "2026-12-04T12:10:00Z", "2026-12-04T14:05:00Z", gen="g2")
    ]
    rc, message = plan(other, "2026-12-04 14:01:30", tmp_path)
    assert rc == 3 and "reach 2026-12-04 12:10:00 UTC" in message


@pytest.mark.parametrize("moment", ["yesterday", "2026-13-01 00:00:00", ""])
def test_a_moment_that_is_not_one(tmp_path, moment):
    rc, message = plan(DAY, moment, tmp_path)
    assert rc == 3 and "is not a moment" in message


# What mariadb-binlog prints (TZ=UTC): one header line per event; the hour is
# not zero-padded, and MySQL stamps some events 0 (1970-01-01).
BINLOG_TEXT = """\
/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/;
# at 4
#261205  8:04:01 server id 1  end_log_pos 256 CRC32 0x1b2c3d4e 	Start: binlog v 4, server v 11.8.3-MariaDB
# at 256
#700101  0:00:00 server id 1  end_log_pos 285 CRC32 0x00000000 	Gtid list []
#261205  8:25:05 server id 1  end_log_pos 400 CRC32 0x5a6b7c8d 	GTID 0-1-7 trans
### INSERT INTO `app`.`t`
#261205 08:25:14 server id 1  end_log_pos 440 CRC32 0x9e8f7a6b 	Rotate to binlog.000002  pos: 4
# End of log file
"""


def pitr_stdin(args, text):
    import subprocess

    return subprocess.run(["python3", str(PITR), *args], input=text, capture_output=True, text=True, check=False)


def test_binlog_times_are_the_first_and_last_event_in_utc():
    done = pitr_stdin(["times"], BINLOG_TEXT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2026-12-05T08:04:01Z", "2026-12-05T08:25:14Z"]


def test_a_binlog_without_events_has_no_times():
    done = pitr_stdin(["times"], "/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/;\n# End of log file\n")
    assert done.returncode == 3 and "no events" in done.stderr


def test_select_keeps_the_stack_s_dumps_and_logs_and_marks_old_dumps():
    snapshots = [
        {"short_id": "old", "time": "2026-12-01T03:15:00Z", "tags": ["mysite", "daily"]},
        {
            "short_id": "new",
            "time": "2026-12-04T03:15:00Z",
            "tags": ["mysite", "daily", "dump", "binlog-start=g:binlog.000001:4"],
        },
        {"short_id": "log", "time": "2026-12-04T03:20:00Z", "tags": ["mysite-binlog", "binlog", "binlog-gen=g"]},
        {"short_id": "other", "time": "2026-12-04T03:15:00Z", "tags": ["othersite", "daily", "dump"]},
    ]
    done = pitr_stdin(["select", "--name", "mysite"], json.dumps(snapshots))
    assert done.returncode == 0, done.stderr
    chosen = json.loads(done.stdout)
    assert [s["short_id"] for s in chosen] == ["old", "new", "log"]
    assert chosen[0]["tags"] == ["mysite", "daily", "dump"]
    assert chosen[1]["tags"].count("dump") == 1 and "dump" not in chosen[2]["tags"]


# Restore drills: the newest dump and every log after it.
def test_a_drill_takes_the_newest_dump_and_every_log_after_its_start():
    done = pitr_stdin(["drill"], json.dumps(DAY))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["dump"] == "d2" and result["start_position"] == 120
    assert [b["id"] for b in result["binlogs"]] == ["b3", "b4", "b5"]
    assert result["covered_to"] == "2026-12-04 14:05:00"


def test_a_drill_stops_at_a_gap_and_names_it():
    gap = [s for s in DAY if s["short_id"] not in ("b4", "b4again")]
    done = pitr_stdin(["drill"], json.dumps(gap))
    assert done.returncode == 3
    assert "a gap in the binary logs after dump d2: binlog.000004 is missing (then binlog.000005" in done.stderr


def test_a_drill_of_a_dump_without_a_log_position_replays_nothing():
    done = pitr_stdin(["drill"], json.dumps(DAY[:1]))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["dump"] == "d1" and result["binlogs"] == [] and result["start_position"] is None


def test_a_drill_without_a_dump_fails():
    done = pitr_stdin(["drill"], json.dumps([s for s in DAY if "dump" not in s["tags"]]))
    assert done.returncode == 3 and "holds no dump" in done.stderr


# mariadb-dump 11.8's output (a row per line; quotes, backslashes and a
# binary value escaped) and mysqldump's (one line per statement).
MARIADB_DUMP = b"""\
-- CHANGE MASTER TO MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=1212;
CREATE DATABASE /*!32312 IF NOT EXISTS*/ `mysite` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
USE `mysite`;
DROP TABLE IF EXISTS `empty_t`;
CREATE TABLE `empty_t` (
  `id` int(11) DEFAULT NULL
) ENGINE=InnoDB;
LOCK TABLES `empty_t` WRITE;
UNLOCK TABLES;
CREATE TABLE `t` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;
INSERT INTO `t` VALUES
(1,'a(b),(c)','x'),
(2,'it\\'s \\\\ ) (',NULL),
(3,NULL,'\\0\\xff();');
UNLOCK TABLES;
/*!50001 CREATE VIEW `v` AS SELECT
 NULL AS `id` */;
"""
MYSQL_DUMP = b"""\
CREATE DATABASE /*!32312 IF NOT EXISTS*/ `my``db` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
CREATE TABLE `notes_note` (
  `id` bigint NOT NULL AUTO_INCREMENT
);
INSERT INTO `notes_note` VALUES (1,'row-00001 (x)'),(2,'row-00002;'),(3,'\\'),(');
INSERT INTO `notes_note` VALUES (4,'row-00004');
"""


@pytest.mark.parametrize(
    ("dump", "expected"),
    [
        (MARIADB_DUMP, {"database": "mysite", "tables": {"empty_t": 0, "t": 3}}),
        (MYSQL_DUMP, {"database": "my`db", "tables": {"notes_note": 4}}),
    ],
)
def test_counts_are_the_rows_of_the_dump_s_insert_statements(dump, expected):
    import subprocess

    done = subprocess.run(["python3", str(PITR), "counts"], input=dump, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected


def compare(recorded, restored, tmp_path):
    path = tmp_path / "dump.counts"
    path.write_text(json.dumps({"database": "mysite", "tables": recorded}))
    text = "".join("%s\t%d\n" % item for item in restored.items())
    return pitr_stdin(["compare", "--recorded", str(path)], text)


def test_compare_accepts_exactly_the_recorded_rows(tmp_path):
    done = compare({"a": 3, "b": 0}, {"b": 0, "a": 3}, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"tables": 2, "rows": 3}


def test_compare_names_every_difference(tmp_path):
    done = compare({"a": 3, "b": 0, "gone": 1}, {"a": 2, "b": 0, "new": 5}, tmp_path)
    assert done.returncode == 1
    assert "table a: 3 rows in the dump, 2 restored" in done.stderr
    assert "table gone (1 rows in the dump) is missing" in done.stderr
    assert "table new (5 rows) is not in the dump" in done.stderr


def test_drill_result_is_a_private_file_with_time_duration_and_ok(tmp_path):
    import os
    import time

    out = tmp_path / "drill.json"
    started = time.time() - 38.04
    args = ["drill-result", "--out", str(out), "--started", str(started), "--set", "snapshot=12345678"]
    done = pitr_stdin([*args, "--number", "rows=1234", "--number", "tables=5"], "")
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert result["ok"] is True and result["error"] == ""
    assert result["snapshot"] == "12345678" and result["rows"] == 1234 and result["tables"] == 5
    assert 38 <= result["seconds"] < 40
    assert result["at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))
    failed = pitr_stdin([*args, "--error", "restic check: pack damaged"], "")
    assert failed.returncode == 0 and json.loads(out.read_text())["ok"] is False
