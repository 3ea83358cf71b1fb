#!/usr/bin/env python3
"""Render the saved benchmark figures into docs/performance.md (and a
headline of them into README.md).

The benchmarks (scripts/bench-rerun.py, bench-update.py, bench-fleet.py, and
the backup scenario for point-in-time recovery) save their figures as JSON
with the commit and the UTC date they were measured on
(build/bench/<kind>.json). A run worth keeping is copied to docs/bench/ and
committed; this script writes the tables between <!-- BEGIN_FIGURES --> and
<!-- END_FIGURES --> of docs/performance.md, each headed by its commit and
date, and README.md's lines between the same markers quote the headline
figures (an update under load, a no-op rerun). Nobody types a figure by hand, so none can go stale unnoticed.

  scripts/gen-figures.py                       rewrite docs/performance.md
  scripts/gen-figures.py --add build/bench/rerun.json
                                               copy a run into docs/bench/, then rewrite
  scripts/gen-figures.py --check               fail (exit 1) when the doc and
                                               docs/bench/*.json disagree (make lint)
"""
import argparse
import difflib
import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "docs" / "bench"
DOC = ROOT / "docs" / "performance.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- BEGIN_FIGURES -->", "<!-- END_FIGURES -->"
# The kinds in the order the doc shows them, with the script that saves each.
KINDS = {"update": "scripts/bench-update.py", "rerun": "scripts/bench-rerun.py", "fleet": "scripts/bench-fleet.py",
         "pitr": "molecule test -s backup (verify 04, 08 and 09)"}


class FigureError(ValueError):
    """A saved JSON file that cannot be rendered (named in the message)."""


def fmt(value, unit=""):
    if value is None or value == "":
        return "-"
    # As saved: the bench scripts round their figures themselves.
    return "%s%s" % (value, unit)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def provenance(data, name):
    """The line that says where and when the figures were measured."""
    commit, date = data.get("commit"), data.get("date")
    if not commit or not date:
        raise FigureError("%s has no commit or date: save it again with the benchmark script, "
                          "which records both (`git rev-parse --short HEAD`, UTC)" % name)
    dirty = " (with uncommitted changes)" if str(commit).endswith("-dirty") else ""
    machine = data.get("machine", {})
    if isinstance(machine, dict):
        machine = ", ".join(part for part in (
            "%s cores" % machine["cores"] if machine.get("cores") else "",
            "load average %s" % " / ".join(fmt(x) for x in machine["load_average"])
            if machine.get("load_average") else "") if part)
    where = "; %s" % machine if machine else ""
    return "Measured on commit `%s`%s, %s%s." % (commit, dirty, date, where)


def render_update(data):
    rows = [(s.get("step", "?"), fmt(s.get("wall_s")), fmt(s.get("new_version_serving_after_s")),
             fmt(s.get("requests")), fmt(s.get("failed_requests")), fmt(s.get("p50_ms")), fmt(s.get("p99_ms")))
            for s in data.get("steps", [])]
    intro = ["A new commit of app/ deployed, a no-op rerun and a rollback, each under %s requests/s over "
             "loopback, against a plain `docker compose up --force-recreate` of the serving app container."
             % fmt(data.get("rate_target"))]
    return intro + [""] + table(["step", "wall s", "new version serving after s", "requests", "failed",
                                 "p50 ms", "p99 ms"], rows)


def render_rerun(data):
    rows = []
    for name, figure in (data.get("noop") or {}).items():
        runs = ", ".join(fmt(r.get("wall_s")) for r in figure.get("runs", []))
        rows.append(("no-op, %s" % name, fmt(figure.get("median_wall_s")), runs))
    for name, figure in (data.get("update") or {}).items():
        rows.append(("update, %s" % name, "%s (serving after %s; %s failed requests)" % (
            fmt(figure.get("median_wall_s")), fmt(figure.get("median_serving_after_s")),
            fmt(figure.get("failed_requests"))),
            ", ".join(fmt(r.get("wall_s")) for r in figure.get("runs", []))))
    fresh = data.get("fresh")
    if fresh:
        rows.append(("fresh sandbox to a live site", fmt(fresh.get("median_deploy_s")),
                     ", ".join(fmt(r.get("wall_s")) for r in fresh.get("runs", []))))
    intro = ["Reruns of deploy.yml on the sandbox, the variants alternated, median of %s: `fast` is ansible.cfg as "
             "shipped (mitogen, fast path), `linear` plain Ansible, `full` with `-e full_run=true`."
             % fmt(data.get("runs"))]
    return intro + [""] + table(["rerun", "median wall s", "runs, s"], rows)


def render_fleet(data):
    noop, update = data.get("noop_median_s") or {}, data.get("update_median_s") or {}
    rows = [("no-op rerun, fleet", fmt(noop.get("fleet"), " s")),
            ("no-op rerun, sandbox (1 host)", fmt(noop.get("single"), " s")),
            ("fleet / single, no-op", fmt(data.get("noop_ratio_fleet_vs_single"))),
            ("update, fleet", fmt(update.get("fleet"), " s")),
            ("update, sandbox", fmt(update.get("single"), " s")),
            ("fleet / single, update", fmt(data.get("update_ratio_fleet_vs_single")))]
    for name, figure in (data.get("throughput") or {}).items():
        rows.append(("requests/s from the load balancer to %s" % name, "%s (p99 %s ms, %s errors)" % (
            fmt(figure.get("rps")), fmt(figure.get("p99_ms")), fmt(figure.get("errors")))))
    intro = ["The fleet scenario's hosts (load balancer, two web hosts, db host) beside the sandbox's single host, "
             "the runs alternated (median), then closed-loop requests/s from the load balancer."]
    return intro + [""] + table(["figure", "value"], rows)


def render_pitr(data):
    restore, lost = data.get("restore_to") or {}, data.get("lost_server") or {}
    rows = [("binary log shipment (the timer's unit, one run)", fmt(data.get("shipment_s"), " s")),
            ("restore.yml -e restore_to, same server (safety dump, offsite dump, logs replayed)",
             "%s (%s rows before the moment back, %s after it not)" % (
                 fmt(restore.get("seconds"), " s"), fmt(restore.get("rows_before")), fmt(restore.get("rows_after")))),
            ("a lost server: writes after the last shipment, lost with it",
             "%s of writes (%s rows of %s written back)" % (
                 fmt(lost.get("writes_lost_s"), " s"), fmt(lost.get("rows_back")), fmt(lost.get("rows_written")))),
            ("restore.yml -e restore_to onto the new server", fmt(lost.get("restore_s"), " s"))]
    drill = data.get("drill")
    if drill:
        rows.append(("a restore drill from its timer (restic check of a slice, the dump into a throw-away "
                     "container, row counts, logs replayed, migrate --check)",
                     "%s (%s of restore; %s tables, %s rows)" % (
                         fmt(drill.get("seconds"), " s"), fmt(drill.get("restore_seconds"), " s"),
                         fmt(drill.get("tables")), fmt(drill.get("rows")))))
    intro = ["The backup scenario's test host (its db data is small): restores to a moment from the dumps and "
             "binary logs in the offsite repository (a restic REST server test host)."]
    if data.get("conditions"):
        intro[0] += " Measured %s." % data["conditions"]
    return intro + [""] + table(["figure", "value"], rows)


RENDER = {"update": render_update, "rerun": render_rerun, "fleet": render_fleet, "pitr": render_pitr}


def figures_block(bench_dir):
    """The generated text between the markers, from every saved JSON file."""
    files = sorted(bench_dir.glob("*.json")) if bench_dir.is_dir() else []
    unknown = [f.name for f in files if f.stem not in KINDS]
    if unknown:
        raise FigureError("%s: unknown kind (expected %s)" % (", ".join(unknown), ", ".join(
            "%s.json" % kind for kind in KINDS)))
    lines = ["<!-- Generated by scripts/gen-figures.py from docs/bench/*.json: do not edit by hand. -->", ""]
    if not files:
        return "\n".join(lines + ["No figures are saved yet: docs/bench/ holds no JSON. Run a benchmark, then "
                                  "`scripts/gen-figures.py --add build/bench/<kind>.json` and commit both."]) + "\n"
    by_kind = {f.stem: f for f in files}
    for kind in KINDS:
        if kind not in by_kind:
            continue
        path = by_kind[kind]
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise FigureError("%s is not JSON: %s" % (path.name, error)) from error
        lines += ["### %s (`%s`)" % (kind, KINDS[kind]), "", provenance(data, path.name), ""]
        lines += RENDER[kind](data) + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def headline_block(bench_dir):
    """README's lines: the update under load and the no-op rerun, with their provenance."""
    lines = ["<!-- Generated by scripts/gen-figures.py from docs/bench/*.json: do not edit by hand. -->", ""]
    said = []
    update_file, rerun_file = bench_dir / "update.json", bench_dir / "rerun.json"
    if update_file.is_file():
        data = json.loads(update_file.read_text())
        steps = {s.get("step"): s for s in data.get("steps", [])}
        update = steps.get("update")
        if update:
            said.append("an update under %s requests/s on the sandbox (the home page and the page that reads and "
                        "writes rows): %s requests, %s failed, the new release "
                        "serving after %s s (%s)" % (
                            fmt(data.get("rate_target")), fmt(update.get("requests")),
                            fmt(update.get("failed_requests")), fmt(update.get("new_version_serving_after_s")),
                            provenance(data, update_file.name)[len("Measured on "):].rstrip(".")))
    if rerun_file.is_file():
        data = json.loads(rerun_file.read_text())
        fast = (data.get("noop") or {}).get("fast")
        if fast:
            said.append("a rerun with nothing new: %s s, changed=0 (median of %s; %s)" % (
                fmt(fast.get("median_wall_s")), fmt(data.get("runs")),
                provenance(data, rerun_file.name)[len("Measured on "):].rstrip(".")))
    pitr_file = bench_dir / "pitr.json"
    if pitr_file.is_file():
        data = json.loads(pitr_file.read_text())
        restore = data.get("restore_to") or {}
        if restore.get("seconds") is not None:
            said.append("a restore to a moment: %s s, the binary logs shipped every 5 min by default (one "
                        "shipment: %s s), so a lost server loses the writes after the last one (%s)" % (
                            fmt(restore.get("seconds")), fmt(data.get("shipment_s")),
                            provenance(data, pitr_file.name)[len("Measured on "):].rstrip(".")))
    if not said:
        return "\n".join(lines + ["No benchmark figures are saved yet (docs/performance.md says how)."]) + "\n"
    return "\n".join(lines + ["Measured: " + "; ".join(said) + ". More in [docs/performance.md]"
                              "(docs/performance.md)."]) + "\n"


def render_doc(text, block, name=DOC.name):
    if BEGIN not in text or END not in text:
        raise FigureError("%s lacks the markers %s and %s" % (name, BEGIN, END))
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + BEGIN + "\n" + block + END + tail


def main(argv=None, doc=DOC, bench_dir=BENCH_DIR, readme=README):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report whether the doc is current")
    parser.add_argument("--add", metavar="JSON", type=pathlib.Path,
                        help="copy a benchmark's saved JSON into docs/bench/ first")
    args = parser.parse_args(argv)
    try:
        if args.add:
            if args.add.stem not in KINDS:
                raise FigureError("%s: unknown kind (expected %s)" % (args.add.name, ", ".join(KINDS)))
            provenance(json.loads(args.add.read_text()), args.add.name)
            bench_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(args.add, bench_dir / args.add.name)
        targets = [(doc, figures_block(bench_dir))]
        if readme is not None:
            targets.append((readme, headline_block(bench_dir)))
        pending = []
        for path, block in targets:
            text = path.read_text()
            pending.append((path, text, render_doc(text, block, path.name)))
    except (FigureError, OSError) as error:
        print("gen-figures: %s" % error, file=sys.stderr)
        return 1
    stale = [(path, text, wanted) for path, text, wanted in pending if wanted != text]
    if args.check:
        for path, text, wanted in stale:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), wanted.splitlines(True),
                                                       str(path), str(path) + " (generated)", n=1))
            print("gen-figures: %s does not match docs/bench/*.json; run scripts/gen-figures.py and commit."
                  % path.name)
        if stale:
            return 1
        print("gen-figures: the figures in %s are current" % ", ".join(path.name for path, _, _ in pending))
        return 0
    for path, _, wanted in stale:
        path.write_text(wanted)
    return 0

if __name__ == "__main__":
    sys.exit(main())
