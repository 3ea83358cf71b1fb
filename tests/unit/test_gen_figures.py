"""scripts/gen-figures.py and scripts/bench_record.py: benchmark figures
rendered from saved JSON with their commit and date, and a check that fails
when the doc and the JSON disagree. Hand-made JSON stands in for a run."""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import load

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import bench_record  # noqa: E402

gen_figures = load("scripts/gen-figures.py")

DOC = """# Performance

Text above the figures stays.

<!-- BEGIN_FIGURES -->
<!-- END_FIGURES -->

Text below stays too.
"""

README = """# django-stack

<!-- BEGIN_FIGURES -->
<!-- END_FIGURES -->
"""

RERUN = {
    "commit": "abc1234",
    "date": "2026-12-04 21:10 UTC",
    "machine": {"cores": 2, "load_average": [1.5, 1.2, 0.9]},
    "runs": 3,
    "noop": {
        "fast": {"median_wall_s": 10.5, "runs": [{"wall_s": 12.8}, {"wall_s": 10.2}, {"wall_s": 10.5}]},
        "linear": {"median_wall_s": 13.1, "runs": [{"wall_s": 15.8}, {"wall_s": 11.6}, {"wall_s": 13.1}]},
    },
    "update": {"fast": {"median_wall_s": 32.2, "median_serving_after_s": 25.0, "failed_requests": 0,
                        "runs": [{"wall_s": 32.2}]}},
    "fresh": None,
}
UPDATE = {
    "commit": "def5678-dirty",
    "date": "2026-12-04 22:00 UTC",
    "rate_target": 60,
    "steps": [{"step": "update", "wall_s": 35.0, "new_version_serving_after_s": 26.5, "requests": 2344,
               "failed_requests": 0, "p50_ms": 3.4, "p99_ms": 13.9},
              {"step": "plain-compose-recreate", "wall_s": 3.8, "new_version_serving_after_s": None,
               "requests": 469, "failed_requests": 20, "p50_ms": 3.1, "p99_ms": 1027.5}],
}


@pytest.fixture
def site(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(DOC)
    bench = tmp_path / "bench"
    bench.mkdir()
    readme = tmp_path / "README.md"
    readme.write_text(README)
    return doc, bench, readme


def save(bench, kind, data):
    (bench / f"{kind}.json").write_text(json.dumps(data))


def gen(site, *argv):
    doc, bench, readme = site
    return gen_figures.main(list(argv), doc=doc, bench_dir=bench, readme=readme)


def test_no_saved_json_says_so_and_is_current(site):
    assert gen(site) == 0
    text = site[0].read_text()
    assert "No figures are saved yet" in text
    assert text.startswith("# Performance\n\nText above the figures stays.")
    assert text.endswith("<!-- END_FIGURES -->\n\nText below stays too.\n")
    assert gen(site, "--check") == 0


def test_figures_are_rendered_with_commit_and_date(site):
    save(site[1], "rerun", RERUN)
    save(site[1], "update", UPDATE)
    assert gen(site) == 0
    text = site[0].read_text()
    assert "No figures are saved yet" not in text
    assert "Measured on commit `abc1234`, 2026-12-04 21:10 UTC; 2 cores, load average 1.5 / 1.2 / 0.9." in text
    assert "commit `def5678-dirty` (with uncommitted changes), 2026-12-04 22:00 UTC" in text
    assert "| no-op, fast | 10.5 | 12.8, 10.2, 10.5 |" in text
    assert "| update, fast | 32.2 (serving after 25.0; 0 failed requests) | 32.2 |" in text
    assert "| update | 35.0 | 26.5 | 2344 | 0 | 3.4 | 13.9 |" in text
    assert "| plain-compose-recreate | 3.8 | - | 469 | 20 | 3.1 | 1027.5 |" in text
    # The update section comes before the rerun section (KINDS order), whatever the file names sort to.
    assert text.index("### update") < text.index("### rerun")
    assert gen(site, "--check") == 0


def test_check_fails_when_the_json_changed_after_rendering(site, capsys):
    save(site[1], "rerun", RERUN)
    assert gen(site) == 0
    save(site[1], "rerun", dict(RERUN, commit="0000000", noop={"fast": {"median_wall_s": 9.9, "runs": []}}))
    assert gen(site, "--check") == 1
    out = capsys.readouterr().out
    assert "+Measured on commit `0000000`" in out
    assert "does not match docs/bench/*.json" in out


def test_check_fails_on_a_figure_typed_by_hand(site):
    save(site[1], "update", UPDATE)
    assert gen(site) == 0
    doc = site[0]
    doc.write_text(doc.read_text().replace("| 2344 |", "| 2345 |"))
    assert gen(site, "--check") == 1
    assert gen(site) == 0
    assert "| 2344 |" in doc.read_text()


def test_check_fails_when_a_saved_run_is_deleted(site):
    save(site[1], "update", UPDATE)
    assert gen(site) == 0
    (site[1] / "update.json").unlink()
    assert gen(site, "--check") == 1


@pytest.mark.parametrize("missing", ["commit", "date"])
def test_json_without_provenance_is_refused(site, capsys, missing):
    data = dict(RERUN)
    del data[missing]
    save(site[1], "rerun", data)
    assert gen(site) == 1
    assert "rerun.json has no commit or date" in capsys.readouterr().err
    assert site[0].read_text() == DOC


def test_unknown_kind_is_refused(site, capsys):
    save(site[1], "latency", RERUN)
    assert gen(site, "--check") == 1
    assert "latency.json: unknown kind" in capsys.readouterr().err


def test_missing_markers_are_refused(site, capsys):
    site[0].write_text("# Performance\n")
    assert gen(site) == 1
    assert "lacks the markers" in capsys.readouterr().err


def test_add_copies_a_run_and_renders_it(site, tmp_path):
    run = tmp_path / "build" / "fleet.json"
    run.parent.mkdir()
    run.write_text(json.dumps({"commit": "fee1234", "date": "2026-12-04 23:00 UTC",
                               "noop_median_s": {"fleet": 33.1, "single": 10.8}, "noop_ratio_fleet_vs_single": 3.06,
                               "throughput": {"lb": {"rps": 594, "p99_ms": 48, "errors": 0}}}))
    assert gen(site, "--add", str(run)) == 0
    assert (site[1] / "fleet.json").read_text() == run.read_text()
    text = site[0].read_text()
    assert "| no-op rerun, fleet | 33.1 s |" in text
    assert "| fleet / single, no-op | 3.06 |" in text
    assert "| update, fleet | - |" in text
    assert "| requests/s from the load balancer to lb | 594 (p99 48 ms, 0 errors) |" in text


def test_readme_quotes_the_headline_figures_with_their_provenance(site):
    save(site[1], "update", UPDATE)
    save(site[1], "rerun", RERUN)
    assert gen(site) == 0
    text = site[2].read_text()
    assert "2344 requests, 0 failed, the new release serving after 26.5 s (commit `def5678-dirty`" in text
    assert "2026-12-04 22:00 UTC" in text
    assert "a rerun with nothing new: 10.5 s" in text
    assert gen(site, "--check") == 0
    # A figure typed into the README by hand is caught.
    site[2].write_text(text.replace("0 failed", "1 failed"))
    assert gen(site, "--check") == 1


def test_add_refuses_a_run_without_provenance(site, tmp_path):
    run = tmp_path / "update.json"
    run.write_text(json.dumps({"steps": []}))
    assert gen(site, "--add", str(run)) == 1
    assert not (site[1] / "update.json").exists()
    assert site[0].read_text() == DOC


def git(repo, *argv):
    subprocess.run(["git", "-C", str(repo), *argv], check=True, capture_output=True)


def test_bench_record_names_the_commit_and_a_dirty_tree(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "f").write_text("1\n")
    git(repo, "add", "f")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "one")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    assert bench_record.git_commit(repo) == head
    (repo / "f").write_text("2\n")
    assert bench_record.git_commit(repo) == head + "-dirty"

    now = datetime.datetime(2026, 12, 5, 3, 4, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    record = bench_record.provenance(repo, now)
    assert record["commit"] == head + "-dirty"
    assert record["date"] == "2026-12-05 01:04 UTC"
    assert record["machine"]["cores"] >= 1

    path = bench_record.save("rerun", {"runs": 3}, out=tmp_path / "out", root=repo)
    saved = json.loads(path.read_text())
    assert path.name == "rerun.json"
    assert saved["runs"] == 3 and saved["commit"] == head + "-dirty"
    # What a bench script saves is what gen-figures accepts.
    assert gen_figures.provenance(saved, path.name).startswith("Measured on commit `%s-dirty`" % head)


PITR = {
    "commit": "0a1b2c3",
    "date": "2026-12-05 12:40 UTC",
    "shipment_s": 1.8,
    "restore_to": {"seconds": 38.2, "rows_before": 31, "rows_after": 22},
    "lost_server": {"writes_lost_s": 9, "rows_back": 12, "rows_written": 29, "restore_s": 41.0},
    "drill": {"seconds": 10.3, "restore_seconds": 6.7, "tables": 12, "rows": 12296},
}


def test_pitr_figures_from_the_backup_scenario(site):
    save(site[1], "pitr", PITR)
    assert gen(site) == 0
    doc, readme = site[0].read_text(), site[2].read_text()
    assert "### pitr (`molecule test -s backup (verify 04, 08 and 09)`)" in doc
    assert "| binary log shipment (the timer's unit, one run) | 1.8 s |" in doc
    assert "38.2 s (31 rows before the moment back, 22 after it not)" in doc
    assert "9 s of writes (12 rows of 29 written back)" in doc
    assert "| 10.3 s (6.7 s of restore; 12 tables, 12296 rows) |" in doc
    assert "Measured during make test." not in doc
    save(site[1], "pitr", dict(PITR, conditions="during make test"))
    assert gen(site) == 0 and "Measured during make test." in site[0].read_text()
    assert "a restore to a moment: 38.2 s" in readme and "commit `0a1b2c3`" in readme
    assert gen(site, "--check") == 0
