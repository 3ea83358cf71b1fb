"""tests/load_report.py: the stretches of a load run that failed, and the tasks that ran then."""
import importlib.util
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("load_report", ROOT / "tests" / "load_report.py")
load_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load_report)

# 2026-12-06 19:10:00 UTC
T0 = 1796584200.0

LOG = """
PLAY [Deploy] ******************************************************************

TASK [Gathering Facts] *********************************************************
Sunday 06 December 2026  19:09:58 +0000 (0:00:00.020)       0:00:00.020 *******
ok: [m1]

TASK [django_stack : Turn the maintenance page on] *****************************
Sunday 06 December 2026  19:10:03 +0000 (0:00:05.000)       0:00:05.020 *******
changed: [m1]

TASK [django_stack : Start nginx] **********************************************
Sunday 06 December 2026  20:10:08 +0100 (0:00:05.000)       0:00:10.020 *******
changed: [m1]

RUNNING HANDLER [django_stack : Reload nginx] **********************************
Sunday 06 December 2026  19:10:20 +0000 (0:00:12.000)       0:00:22.020 *******
changed: [m1]
"""

RESULT = {"started_at": T0, "timeline": [
    {"from_s": 0, "to_s": 4, "outcomes": {"200": 100}},
    {"from_s": 4, "to_s": 9, "outcomes": {"503": 120}},
    {"from_s": 9, "to_s": 12, "outcomes": {"503": 10, "timeout": 70}},
    {"from_s": 12, "to_s": 13, "outcomes": {"200": 30}},
    {"from_s": 40, "to_s": 41, "outcomes": {"502": 3}},
]}


def test_the_tasks_and_their_start_times_are_read_in_any_time_zone():
    assert load_report.tasks_of(LOG) == [
        (T0 - 2, "Gathering Facts"), (T0 + 3, "django_stack : Turn the maintenance page on"),
        (T0 + 8, "django_stack : Start nginx"), (T0 + 20, "django_stack : Reload nginx")]


def test_each_failed_stretch_names_its_clock_time_and_the_tasks_that_ran():
    assert load_report.report(RESULT, LOG, {"200", "201", "503"}) == [
        "9-12 s (19:10:09-19:10:12 UTC): 503 10, timeout 70; the run was at: django_stack : Start nginx",
        "40-41 s (19:10:40-19:10:41 UTC): 502 3; the run was at: django_stack : Reload nginx",
    ]


def test_without_a_log_only_the_stretches_and_with_no_failure_says_so(tmp_path, capsys):
    assert load_report.report(RESULT, None, {"200"})[0] == "4-9 s (19:10:04-19:10:09 UTC): 503 120"
    (tmp_path / "load.json").write_text(json.dumps(RESULT))
    assert load_report.main(["--load", str(tmp_path / "load.json"), "--ok", "200,201,503,502,timeout"]) == 0
    assert capsys.readouterr().out == "no stretch of the run saw a failure\n"


def test_a_long_stretch_lists_its_first_and_last_tasks():
    tasks = "".join(f"TASK [t{i}] ***\nSunday 06 December 2026  19:10:{i:02d} +0000 (0:00:01.000) 0:00:01 ***\n"
                    for i in range(10))
    lines = load_report.report({"started_at": T0, "timeline": [{"from_s": 0, "to_s": 20, "outcomes": {"500": 1}}]},
                               tasks, {"200"})
    assert lines == ["0-20 s (19:10:00-19:10:20 UTC): 500 1; the run was at: t0 | t1 | t2 | (4 more) | t7 | t8 | t9"]
