#!/usr/bin/env python3
"""Where in a run the requests failed, and what the playbook was doing then.

Reads a tests/loadgen.py result (its "started_at" and "timeline") and,
optionally, the output of the ansible-playbook run it measured, printed
with the ansible.posix.profile_tasks callback (each task's start time, as
molecule's config enables it). Prints one line per stretch of the timeline
that saw an outcome outside --ok, with the wall-clock times and the tasks
that ran meanwhile: what a failed zero-downtime check needs to say in CI,
where the molecule directory with both files is gone.

  tests/load_report.py --load load.json --log run.log --ok 200,201,503
"""
import argparse
import datetime
import json
import re
import sys

# profile_tasks: "TASK [role : name] ****" then "Sunday 06 December 2026  19:10:01 +0000 (0:00:01.234) ..."
TASK_RE = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(?P<name>.*)\] \**\s*$")
STAMP_RE = re.compile(r"^\w+ (?P<stamp>\d{2} \w+ \d{4} +\d{2}:\d{2}:\d{2} [+-]\d{4}) \(")
MAX_STRETCHES = 8
MAX_TASKS = 6


def tasks_of(log: str) -> list:
    """[(start, name)] of each task in a profile_tasks log, in order (epoch seconds)."""
    tasks, name = [], None
    for line in log.splitlines():
        match = TASK_RE.match(line.strip())
        if match:
            name = match["name"]
            continue
        match = STAMP_RE.match(line.strip())
        if match and name is not None:
            stamp = datetime.datetime.strptime(re.sub(" +", " ", match["stamp"]), "%d %B %Y %H:%M:%S %z")
            tasks.append((stamp.timestamp(), name))
            name = None
    return tasks


def running(tasks: list, start: float, end: float) -> list:
    """The names of the tasks that ran at some time in [start, end)."""
    names = []
    for index, (began, name) in enumerate(tasks):
        ended = tasks[index + 1][0] if index + 1 < len(tasks) else float("inf")
        if began < end and ended > start:
            names.append(name)
    return names


def clock(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%H:%M:%S")


def report(result: dict, log: str | None, ok: set) -> list:
    """One line per stretch of the timeline with an outcome outside ok."""
    started = result.get("started_at") or 0.0
    tasks = tasks_of(log) if log else []
    lines, stretches = [], [s for s in result.get("timeline", []) if set(s["outcomes"]) - ok]
    for stretch in stretches[:MAX_STRETCHES]:
        begin, end = started + stretch["from_s"], started + stretch["to_s"]
        outcomes = ", ".join(f"{name} {count}" for name, count in stretch["outcomes"].items())
        line = f"{stretch['from_s']:g}-{stretch['to_s']:g} s ({clock(begin)}-{clock(end)} UTC): {outcomes}"
        if log is not None:
            names = running(tasks, begin, end)
            if len(names) > MAX_TASKS:
                half = MAX_TASKS // 2
                names = names[:half] + [f"({len(names) - 2 * half} more)"] + names[-half:]
            line += "; the run was at: " + (" | ".join(names) if names else "(no task: before or after it)")
        lines.append(line)
    if len(stretches) > MAX_STRETCHES:
        lines.append(f"... and {len(stretches) - MAX_STRETCHES} more stretches with failures")
    return lines


def main(argv: list | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--load", required=True, help="tests/loadgen.py's --out file")
    p.add_argument("--log", help="the measured run's output (profile_tasks)")
    p.add_argument("--ok", default="200,201", help="outcomes that are not failures, comma-separated")
    args = p.parse_args(argv)
    with open(args.load, encoding="utf-8") as load:
        result = json.load(load)
    log = None
    if args.log:
        with open(args.log, encoding="utf-8", errors="replace") as run:
            log = run.read()
    lines = report(result, log, {o for o in args.ok.split(",") if o})
    print("\n".join(lines) if lines else "no stretch of the run saw a failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
