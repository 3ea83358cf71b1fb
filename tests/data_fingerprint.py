#!/usr/bin/env python3
"""A fingerprint of a site's data, compared whole to prove a restore exact.

Run on a stack's host (tests/tasks/data-fingerprint.yml copies it there with
ansible.builtin.script), it prints one JSON object:

    {"tables": {NAME: {"rows": N, "rows_sha256": HEX, "schema_sha256": HEX}},
     "files": {PATH: SHA256}}

- tables: every table of the app database (the db container's $MYSQL_DATABASE),
  from one `mysqldump --single-transaction` (one consistent moment), or from a
  backup's dump file (--dump-file: the moment of that dump). rows_sha256
  covers every byte of every row as mysqldump writes it, the rows sorted.
  This is exact where `CHECKSUM TABLE` is not: its value is a 32-bit CRC sum
  per row, and it depends on the row format and the server version. The
  dump's options are the backup's (no --hex-blob), so that a backup's dump
  and the live database write each value alike. schema_sha256 is the
  table's CREATE TABLE without the AUTO_INCREMENT counter (not a row: engines
  recompute it at start, so an exact copy of the rows may carry another one).
- files: the sha256 of every file under the media volume, by relative path.

With --compare, it reads {"expected": FP, "actual": FP} on stdin instead and
prints what differs, one line per table or file (nothing when equal).
"""

import argparse
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys

# The root password on stdin's first line (never on a command line), as the
# backup commands pass it.
_DUMP = (
    "IFS= read -r MYSQL_PWD; export MYSQL_PWD; exec mysqldump -uroot --single-transaction --skip-dump-date "
    '--skip-comments --order-by-primary --no-create-db "$MYSQL_DATABASE"'
)
_CREATE = re.compile(rb"^CREATE TABLE `((?:[^`]|``)+)` \(")
_INSERT = re.compile(rb"^INSERT INTO `((?:[^`]|``)+)` VALUES")
_AUTO_INCREMENT = re.compile(rb" AUTO_INCREMENT=[0-9]+")


def _name(raw):
    return raw.replace(b"``", b"`").decode()


# A VALUES list: quoted strings (with backslash escapes), parentheses, the rest.
_TOKEN = re.compile(rb"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[()]|[^'"()]+""", re.S)


def split_rows(values):
    """The rows of a VALUES list, b"(1,'a'),(2,'b');" -> [b"(1,'a')", b"(2,'b')"]."""
    rows = []
    depth = 0
    start = None
    for token in _TOKEN.finditer(values):
        if token.group() == b"(":
            if depth == 0:
                start = token.start()
            depth += 1
        elif token.group() == b")":
            depth -= 1
            if depth == 0:
                rows.append(values[start : token.end()])
            elif depth < 0:
                raise ValueError("unbalanced parentheses in %r" % values[:80])
    if depth != 0:
        raise ValueError("a row is cut off in %r" % values[-80:])
    return rows


def parse_dump(lines):
    """Fingerprint the tables of a mysqldump, given its lines as bytes (no newline).

    One row a line or many (extended INSERTs), in any order: a table's rows are
    hashed sorted (its primary key makes each one unique, so the sorted list
    is exact), so the live database and a backup's dump compare.
    """
    tables = {}
    rows = {}
    create = None
    lines = iter(lines)
    for line in lines:
        if create is not None:
            create[1].append(line)
            if line.startswith(b")") and line.endswith(b";"):
                name, body = create
                schema = _AUTO_INCREMENT.sub(b"", b"\n".join(body))
                tables[name] = {"rows": 0, "rows_sha256": None, "schema_sha256": hashlib.sha256(schema).hexdigest()}
                rows[name] = []
                create = None
            continue
        match = _CREATE.match(line)
        if match:
            name = _name(match.group(1))
            if name in tables:
                raise ValueError("table %s created twice in the dump" % name)
            create = (name, [line])
            continue
        match = _INSERT.match(line)
        if match:
            name = _name(match.group(1))
            if name not in rows:
                raise ValueError("rows of table %s before its CREATE TABLE" % name)
            # MariaDB's mysqldump puts each row of an INSERT on a line of its
            # own; a value holds no line break (it is written as \\n).
            statement = [line[match.end() :]]
            while not statement[-1].endswith(b";"):
                statement.append(next(lines, None))
                if statement[-1] is None:
                    raise ValueError("an INSERT of table %s is cut off: %r" % (name, statement[-2][-80:]))
            rows[name].extend(split_rows(b"\n".join(statement)[:-1]))
    if create is not None:
        raise ValueError("the dump ends inside CREATE TABLE %s" % create[0])
    for name, values in rows.items():
        digest = hashlib.sha256()
        for row in sorted(values):
            digest.update(row + b"\n")
        tables[name]["rows"] = len(values)
        tables[name]["rows_sha256"] = digest.hexdigest()
    return tables


def hash_files(root):
    """The sha256 of every file under root, by path relative to it."""
    files = {}
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in filenames:
            path = os.path.join(directory, filename)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(chunk)
            files[os.path.relpath(path, root)] = digest.hexdigest()
    return dict(sorted(files.items()))


def _short(table):
    return "%d rows (sha256 %s), schema %s" % (
        table["rows"],
        (table["rows_sha256"] or "")[:12],
        table["schema_sha256"][:12],
    )


def differences(expected, actual):
    """What differs between two fingerprints, one sentence per table or file."""
    out = []
    for kind, describe in (("tables", _short), ("files", lambda digest: "sha256 " + digest[:12])):
        want, got = expected.get(kind, {}), actual.get(kind, {})
        for name in sorted(set(want) | set(got)):
            if name not in got:
                out.append("%s %s: missing (expected %s)" % (kind[:-1], name, describe(want[name])))
            elif name not in want:
                out.append("%s %s: not expected, found %s" % (kind[:-1], name, describe(got[name])))
            elif want[name] != got[name]:
                out.append("%s %s: %s, expected %s" % (kind[:-1], name, describe(got[name]), describe(want[name])))
    return out


def _root_password(stack_dir):
    with open(os.path.join(stack_dir, "secrets.json")) as handle:
        return json.load(handle)["db_root_password"]


def fingerprint_dump_file(path):
    """The tables of a backup's dump (FILE.sql.gz or FILE.sql), no files."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        return {"tables": parse_dump(line.rstrip(b"\n") for line in handle), "files": {}}


def fingerprint(stack_dir, media_volume):
    """Dump the stack's database through its db container; hash the media volume."""
    dump = subprocess.run(
        ["docker", "compose", "exec", "-T", "db", "sh", "-c", _DUMP],
        cwd=stack_dir,
        input=(_root_password(stack_dir) + "\n").encode(),
        capture_output=True,
        check=False,
    )
    if dump.returncode != 0:
        raise RuntimeError("mysqldump failed (%d): %s" % (dump.returncode, dump.stderr.decode(errors="replace")[-500:]))
    result = {"tables": parse_dump(dump.stdout.split(b"\n")), "files": {}}
    if media_volume:
        mountpoint = subprocess.run(
            ["docker", "volume", "inspect", "--format", "{{ .Mountpoint }}", media_volume],
            stdout=subprocess.PIPE,
            check=True,
            text=True,
        ).stdout.strip()
        result["files"] = hash_files(mountpoint)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--stack-dir", default="/srv/mysite", help="the stack's directory (compose file, secrets.json)")
    parser.add_argument("--media-volume", default="", help="the Docker volume of the uploads (none: no files)")
    parser.add_argument(
        "--compare", action="store_true", help='read {"expected", "actual"} on stdin, print the differences'
    )
    parser.add_argument(
        "--dump-file", default="", help="fingerprint this dump (.sql or .sql.gz) instead of the database"
    )
    args = parser.parse_args(argv)
    if args.dump_file:
        json.dump(fingerprint_dump_file(args.dump_file), sys.stdout, sort_keys=True)
        print()
        return 0
    if args.compare:
        pair = json.load(sys.stdin)
        for line in differences(pair["expected"], pair["actual"]):
            print(line)
        return 0
    json.dump(fingerprint(args.stack_dir, args.media_volume), sys.stdout, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
