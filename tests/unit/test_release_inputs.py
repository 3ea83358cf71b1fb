"""The fast rerun's release inputs cover what an unchanged release leaves alone.

deploy.yml skips the release roles when nothing they were deployed from
changed (roles/fast_rerun, tasks/release.yml): the roles' files and
argument spec variables named by fast_rerun_release_roles and the files of
fast_rerun_release_files (playbooks/tasks/deploy/image.yml). A role the
deploy steps skip with the release but that is not among those inputs is
never applied again by a rerun: an upgrade that changes it, or an inventory
value of its own, reports changed=0 and changes nothing.
"""

import re

import yaml
from conftest import REPO

DEPLOY_STEPS = REPO / "playbooks/tasks/deploy"
UNCHANGED = "not fast_rerun_release_unchanged"
# Roles skipped with the release that render nothing: their entry point
# only checks (django_fleet's database: the db host answers).
CHECKS_ONLY = {"django_fleet"}


def release_check():
    """The vars of the task of image.yml that decides whether the release is unchanged."""
    tasks = yaml.safe_load((DEPLOY_STEPS / "image.yml").read_text())
    (task,) = [t for t in tasks if t.get("ansible.builtin.import_role", {}).get("tasks_from") == "release"]
    return task["vars"]


def roles_skipped_with_the_release():
    """Each role a deploy step imports or includes only when the release changed."""
    found = set()
    for path in sorted(DEPLOY_STEPS.glob("*.yml")):
        for task in yaml.safe_load(path.read_text()) or []:
            when = task.get("when", [])
            when = [when] if isinstance(when, str) else when
            role = task.get("ansible.builtin.import_role") or task.get("ansible.builtin.include_role")
            if role and any(UNCHANGED in str(condition) for condition in when):
                found.add(role["name"])
    return found


def test_every_role_skipped_with_the_release_is_one_of_its_inputs():
    skipped = roles_skipped_with_the_release()
    assert {"django_stack", "django_db"} <= skipped
    inputs = set(release_check()["fast_rerun_release_roles"])
    missing = sorted(skipped - inputs - CHECKS_ONLY)
    assert missing == [], "skipped with an unchanged release but not in fast_rerun_release_roles: %s" % missing


def test_release_files_glob_file_names_only():
    # ansible.builtin.fileglob expands the last path component only: a '*'
    # in a directory finds nothing (a warning, and the files are no input).
    expression = release_check()["fast_rerun_release_files"]
    patterns = [p for p in re.findall(r"'([^']*)'", expression) if "*" in p]
    assert patterns
    in_directory = [p for p in patterns if "*" in p.rsplit("/", 1)[0]]
    assert in_directory == [], "fileglob matches nothing for a wildcard directory: %s" % in_directory
