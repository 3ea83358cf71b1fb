"""The user the app runs as (issue 31): compose `user:` from the slot's image
USER and django_stack_app_user, through plugins/filter/djstack_stack.py and
the real compose.yaml.j2; the volume hand-over program
(roles/django_stack/files/volume-owner.py) run against a temp directory."""

import json
import os
import subprocess
import sys

import pytest
import yaml
from conftest import REPO
from test_compose_privileges import _compose
from test_filter_djstack_stack import djstack_stack

SLOTS = {"blue": "0123456789abcdef"}
IMAGE = "mysite-app"


def _image(user):
    return {"RepoTags": [IMAGE + ":0123456789ab"], "Config": {"User": user}}


def _services(image_user, explicit=""):
    users = djstack_stack.slot_users(SLOTS, [_image(image_user)], {}, explicit, IMAGE)
    return _compose(False, django_stack_app_image=IMAGE, _django_stack_slots=SLOTS, _django_stack_slot_users=users)


@pytest.mark.parametrize(
    ("image_user", "explicit", "expected"),
    [
        ("", "", "10001:10001"),
        ("root", "", "10001:10001"),
        ("0", "", "10001:10001"),
        ("0:0", "", "10001:10001"),
        ("root:staff", "", "10001:10001"),
        ("10001:10001", "", None),
        ("app", "", None),
        ("10001:10001", "2000:2000", "2000:2000"),
        ("", "2000", "2000"),
        ("", "0:0", "0:0"),
    ],
)
def test_app_and_processes_run_as(image_user, explicit, expected):
    services = _services(image_user, explicit)
    assert services["app-blue"].get("user") == expected
    assert services["worker-blue"].get("user") == expected
    for name in ("db", "redis", "nginx"):
        assert "user" not in services[name], name


def _text(**values):
    from test_hostile_values import _render

    return _render("django_stack/templates/compose.yaml.j2", {"django_stack_app_image": IMAGE, **values})


def test_an_image_with_a_non_root_user_renders_compose_yaml_as_before():
    """No `user:` at all: the file is byte for byte what a role without
    _django_stack_slot_users renders (existing inventories: changed=0)."""
    users = djstack_stack.slot_users(SLOTS, [_image("10001:10001")], {}, "", IMAGE)
    assert users["compose"] == {"blue": ""}
    assert _text(_django_stack_slot_users=users) == _text()
    assert "user:" not in _text(_django_stack_slot_users=users)
    assert "django_stack_app_user" not in _text(_django_stack_slot_users=users)


def test_the_user_is_quoted_for_yaml():
    """Unquoted, YAML 1.1 reads 10001:10001 as a base-60 number."""
    text = _text(_django_stack_slot_users={"compose": {"blue": "10001:10001"}})
    assert '    user: "10001:10001"\n' in text
    assert yaml.safe_load(text)["services"]["app-blue"]["user"] == "10001:10001"


def _run_owner(user, *dirs):
    program = (REPO / "roles/django_stack/files/volume-owner.py").read_text()
    done = subprocess.run([sys.executable, "-c", program, user, *dirs], capture_output=True, text=True, timeout=10)
    return done.returncode, done.stdout, done.stderr


def test_volume_owner_gives_only_what_is_not_the_users(tmp_path):
    (tmp_path / "static/admin").mkdir(parents=True)
    (tmp_path / "static/admin/base.css").write_text("x")
    (tmp_path / "media").mkdir()
    uid, gid = os.getuid(), os.getgid()
    # As the tests' own user: everything is already its own, nothing changes.
    rc, out, err = _run_owner("%d:%d" % (uid, gid), str(tmp_path / "static"), str(tmp_path / "media"),
                              str(tmp_path / "missing"))
    assert rc == 0, err
    assert json.loads(out) == {"uid": uid, "gid": gid, "changed": 0}


@pytest.mark.skipif(os.getuid() != 0, reason="chown to another user needs root")
def test_volume_owner_hands_over_root_files(tmp_path):
    (tmp_path / "media/documents").mkdir(parents=True)
    (tmp_path / "media/documents/a.txt").write_text("x")
    os.symlink("/etc/passwd", tmp_path / "media/link")
    rc, out, err = _run_owner("10001:10001", str(tmp_path / "media"))
    assert rc == 0, err
    assert json.loads(out) == {"uid": 10001, "gid": 10001, "changed": 4}
    assert os.stat("/etc/passwd").st_uid == 0
    assert all(os.lstat(p).st_uid == 10001 for p in [tmp_path / "media", tmp_path / "media/documents/a.txt",
                                                      tmp_path / "media/link"])
    rc, out, _ = _run_owner("10001:10001", str(tmp_path / "media"))
    assert json.loads(out)["changed"] == 0


def test_volume_owner_refuses_an_unknown_user_name(tmp_path):
    rc, _, err = _run_owner("no-such-user-here", str(tmp_path))
    assert rc != 0 and "not in the image's /etc/passwd" in err
