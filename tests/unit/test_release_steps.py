"""roles/django_stack/files/release-steps.py: a release's manage.py commands in one container.

Run the way roles/django_stack/tasks/prepare.yml runs it (`python3 -c
"<the file>" '<steps>'`), in a directory whose manage.py is a stand-in that
reports its arguments.
"""

import json
import sys
import textwrap

import pytest
from conftest import REPO, run

SOURCE = (REPO / "roles/django_stack/files/release-steps.py").read_text()
MARKER = "@@django_stack release steps@@"

MANAGE_PY = textwrap.dedent("""\
    # Stands in for a project's manage.py: appends its arguments to calls.log,
    # writes one line to stdout and one to stderr, and exits with the number
    # given by "--exit N" (0 without).
    import json, sys
    args = sys.argv[1:]
    with open("calls.log", "a") as log:
        log.write(json.dumps([sys.executable] + args) + "\\n")
    if args[:1] == ["bytes"]:
        sys.stdout.buffer.write(b"caf\\xe9\\n")
    print("out " + " ".join(args))
    print("err " + args[0], file=sys.stderr)
    sys.exit(int(args[args.index("--exit") + 1]) if "--exit" in args else 0)
    """)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "manage.py").write_text(MANAGE_PY)
    return tmp_path


def release_steps(project, steps):
    done = run([sys.executable, "-c", SOURCE, json.dumps(steps)], cwd=project)
    assert done.returncode == 0, done.stderr
    last = done.stdout.splitlines()[-1]
    assert last.startswith(MARKER)
    calls = [json.loads(line) for line in (project / "calls.log").read_text().splitlines()]
    return json.loads(last[len(MARKER):]), calls


def test_each_step_runs_in_turn_with_its_arguments(project):
    results, calls = release_steps(project, [["check", ["check", "--deploy"]], ["migrate", ["migrate", "--noinput"]]])
    assert calls == [[sys.executable, "check", "--deploy"], [sys.executable, "migrate", "--noinput"]]
    assert results == {
        "check": {"rc": 0, "stdout": "out check --deploy\n", "stderr": "err check\n"},
        "migrate": {"rc": 0, "stdout": "out migrate --noinput\n", "stderr": "err migrate\n"},
    }


def test_a_failed_step_does_not_stop_the_next(project):
    steps = [["check", ["check", "--exit", "3"]], ["showmigrations", ["showmigrations"]]]
    results, calls = release_steps(project, steps)
    assert [call[1] for call in calls] == ["check", "showmigrations"]
    assert results["check"]["rc"] == 3
    assert results["showmigrations"] == {"rc": 0, "stdout": "out showmigrations\n", "stderr": "err showmigrations\n"}


def test_a_failed_step_marked_to_stop_skips_the_later_steps(project):
    # The migration plan refused: collectstatic and the rest do not run.
    steps = [["plan", ["plan", "--exit", "1"], True], ["collectstatic", ["collectstatic"]]]
    results, calls = release_steps(project, steps)
    assert [call[1] for call in calls] == ["plan"]
    assert list(results) == ["plan"] and results["plan"]["rc"] == 1


def test_a_step_marked_to_stop_that_succeeds_lets_the_rest_run(project):
    steps = [["plan", ["plan"], True], ["check", ["check", "--exit", "2"], False], ["collectstatic", ["collectstatic"]]]
    results, calls = release_steps(project, steps)
    assert [call[1] for call in calls] == ["plan", "check", "collectstatic"]
    assert [results[name]["rc"] for name in ("plan", "check", "collectstatic")] == [0, 2, 0]


def test_undecodable_output_is_replaced_not_fatal(project):
    results, _ = release_steps(project, [["bytes", ["bytes"]]])
    assert results["bytes"]["stdout"] == "caf\ufffd\nout bytes\n"


def test_no_steps_prints_an_empty_result(project):
    done = run([sys.executable, "-c", SOURCE, "[]"], cwd=project)
    assert done.returncode == 0
    assert done.stdout == MARKER + "{}\n"
