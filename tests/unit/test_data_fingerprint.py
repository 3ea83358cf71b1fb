"""tests/data_fingerprint.py: the exact comparison of a site's data."""

import gzip
import importlib.util
import io
import json
import pathlib

import pytest

_PATH = pathlib.Path(__file__).resolve().parents[1] / "data_fingerprint.py"
_SPEC = importlib.util.spec_from_file_location("data_fingerprint", _PATH)
fp = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fp)

# What mysqldump --skip-comments --skip-extended-insert --order-by-primary prints.
DUMP = b"""/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `notes_note`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `notes_note` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `text` varchar(200) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;
LOCK TABLES `notes_note` WRITE;
/*!40000 ALTER TABLE `notes_note` DISABLE KEYS */;
INSERT INTO `notes_note` VALUES (1,'row-1');
INSERT INTO `notes_note` VALUES (2,'a),(b\\nc;');
INSERT INTO `notes_note` VALUES (3,'row-3');
/*!40000 ALTER TABLE `notes_note` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `empty``one`;
CREATE TABLE `empty``one` (
  `id` int(11) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"""


def parse(text):
    return fp.parse_dump(text.split(b"\n"))


def test_every_table_with_its_rows():
    tables = parse(DUMP)
    assert sorted(tables) == ["empty`one", "notes_note"]
    assert tables["notes_note"]["rows"] == 3
    assert tables["empty`one"] == {
        "rows": 0,
        "rows_sha256": fp.hashlib.sha256().hexdigest(),
        "schema_sha256": tables["empty`one"]["schema_sha256"],
    }


def test_same_dump_same_fingerprint():
    assert parse(DUMP) == parse(DUMP)


@pytest.mark.parametrize(
    "old, new",
    [
        (b"(3,'row-3')", b"(3,'row-4')"),  # one byte of one row
        (b"INSERT INTO `notes_note` VALUES (3,'row-3');\n", b""),  # a row gone
        (b"(1,'row-1');\n", b"(1,'row-1');\nINSERT INTO `notes_note` VALUES (9,'later');\n"),  # a row more
        (b"`text` varchar(200)", b"`text` varchar(201)"),  # the schema
    ],
)
def test_any_change_shows(old, new):
    changed = DUMP.replace(old, new, 1)
    assert changed != DUMP
    assert parse(changed)["notes_note"] != parse(DUMP)["notes_note"]
    assert parse(changed)["empty`one"] == parse(DUMP)["empty`one"]


def test_auto_increment_counter_is_not_data():
    assert parse(DUMP.replace(b"AUTO_INCREMENT=4 ", b"AUTO_INCREMENT=9 ")) == parse(DUMP)


def test_a_table_more_shows():
    more = DUMP + b"CREATE TABLE `notes_v2_marker` (\n  `id` int(11) NOT NULL\n) ENGINE=InnoDB;\n"
    assert sorted(parse(more)) == ["empty`one", "notes_note", "notes_v2_marker"]


def test_extended_inserts_in_any_order_compare_with_one_row_a_line():
    # How the backup's dump writes the same rows: many a line, here in another order.
    extended = DUMP.replace(
        b"INSERT INTO `notes_note` VALUES (1,'row-1');\n"
        b"INSERT INTO `notes_note` VALUES (2,'a),(b\\nc;');\n"
        b"INSERT INTO `notes_note` VALUES (3,'row-3');\n",
        b"INSERT INTO `notes_note` VALUES (3,'row-3'),(1,'row-1');\n"
        b"INSERT INTO `notes_note` VALUES (2,'a),(b\\nc;');\n",
    )
    assert extended != DUMP
    assert parse(extended) == parse(DUMP)
    # MariaDB 11's mysqldump: a row a line after the INSERT's first line.
    multiline = DUMP.replace(
        b"INSERT INTO `notes_note` VALUES (1,'row-1');\n"
        b"INSERT INTO `notes_note` VALUES (2,'a),(b\\nc;');\n"
        b"INSERT INTO `notes_note` VALUES (3,'row-3');\n",
        b"INSERT INTO `notes_note` VALUES\n(1,'row-1'),\n(2,'a),(b\\nc;'),\n(3,'row-3');\n",
    )
    assert multiline != DUMP
    assert parse(multiline) == parse(DUMP)


@pytest.mark.parametrize(
    "values, rows",
    [
        (b"(1,'a')", [b"(1,'a')"]),
        (b"(1,'x\\')y'),(2,\"(\")", [b"(1,'x\\')y')", b'(2,"(")']),
        (b"(1,'it''s'),(2,NULL)", [b"(1,'it''s')", b"(2,NULL)"]),
    ],
)
def test_split_rows_skips_quoted_parentheses(values, rows):
    assert fp.split_rows(values) == rows


@pytest.mark.parametrize(
    "dump, error",
    [
        (b"INSERT INTO `t` VALUES (1);", "before its CREATE TABLE"),
        (b"CREATE TABLE `t` (\n  `id` int\n", "ends inside CREATE TABLE t"),
        (DUMP.replace(b"(3,'row-3');", b"(3,'row-3'),(4,"), "cut off"),
        (DUMP.replace(b"(3,'row-3');", b"(3,'row-3'),(4,'x'));"), "unbalanced"),
    ],
)
def test_unexpected_dumps_are_refused(dump, error):
    with pytest.raises(ValueError, match=error):
        parse(dump)


def test_a_backups_dump_file(tmp_path):
    path = tmp_path / "mysite-20261205T000000Z-manual.sql.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"CREATE DATABASE `mysite`;\nUSE `mysite`;\n" + DUMP)
    assert fp.fingerprint_dump_file(str(path)) == {"tables": parse(DUMP), "files": {}}


def test_files_by_relative_path(tmp_path):
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "a.bin").write_bytes(b"a")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "link").symlink_to(tmp_path / "b.txt")
    assert fp.hash_files(tmp_path) == {
        "b.txt": fp.hashlib.sha256(b"").hexdigest(),
        "uploads/a.bin": fp.hashlib.sha256(b"a").hexdigest(),
    }


def test_differences_name_each_table_and_file():
    tables = parse(DUMP)
    expected = {"tables": tables, "files": {"uploads/a.bin": "aa" * 32, "uploads/b.bin": "bb" * 32}}
    actual = {
        "tables": {**parse(DUMP.replace(b"row-3", b"row-X")), "later": tables["notes_note"]},
        "files": {"uploads/a.bin": "cc" * 32, "uploads/c.bin": "dd" * 32},
    }
    actual["tables"].pop("empty`one")
    lines = fp.differences(expected, actual)
    assert [line.split(":")[0] for line in lines] == [
        "table empty`one",
        "table later",
        "table notes_note",
        "file uploads/a.bin",
        "file uploads/b.bin",
        "file uploads/c.bin",
    ]
    assert lines[0].startswith("table empty`one: missing (expected 0 rows")
    assert lines[1].startswith("table later: not expected, found 3 rows")
    assert lines[2].startswith("table notes_note: 3 rows (sha256 ")
    assert lines[3] == "file uploads/a.bin: sha256 cccccccccccc, expected sha256 aaaaaaaaaaaa"
    assert fp.differences(expected, expected) == []


def test_compare_mode_prints_the_differences(monkeypatch, capsys):
    pair = {"expected": {"tables": {}, "files": {"x": "ab" * 32}}, "actual": {"tables": {}, "files": {}}}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(pair)))
    assert fp.main(["--compare"]) == 0
    assert capsys.readouterr().out == "file x: missing (expected sha256 abababababab)\n"
