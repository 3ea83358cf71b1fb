"""plugins/filter/djstack_stack.py: malformed django_stack_processes and
django_stack_schedules entries, named once per fault."""

import importlib.util

import pytest
from conftest import REPO

_spec = importlib.util.spec_from_file_location("djstack_stack", REPO / "plugins/filter/djstack_stack.py")
djstack_stack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(djstack_stack)
processes, schedules = djstack_stack.bad_processes, djstack_stack.bad_schedules


def test_good_entries_pass():
    assert processes([{"name": "worker", "command": ["celery", "-A", "m", "worker"], "singleton": False,
                       "stop_grace_period": 30}, {"name": "beat", "command": "celery beat"}]) == []
    assert schedules([{"name": "clear", "command": "clearsessions", "on_calendar": "daily", "wait_for_deploy": True,
                       "timeout": 600}]) == []
    assert processes([]) == [] and schedules(None) == []


def test_process_faults_are_named():
    assert processes([{"command": "x"}]) == ["(an entry without a name)"]
    assert processes([{"name": "Worker", "command": "x"}]) == ["Worker"]
    assert processes([{"name": "x" * 41, "command": "x"}]) == ["x" * 41]
    assert processes([{"name": "db", "command": "x"}]) == ["db"]
    assert processes([{"name": "w"}]) == ["w"]
    assert processes([{"name": "w", "command": 5}]) == ["w"]
    assert processes([{"name": "w", "command": "  "}]) == ["w"]
    assert processes([{"name": "w", "command": []}]) == ["w"]
    assert processes([{"name": "w", "command": "x", "singleton": "yes"}]) == ["w"]
    assert processes([{"name": "w", "command": "x", "stop_grace_period": True}]) == ["w"]
    assert processes([{"name": "w", "command": "x", "stop_grace_period": "30"}]) == ["w"]


def test_every_fault_of_an_entry_counts():
    assert processes([{"name": "nginx", "singleton": 1}]) == ["nginx", "nginx", "nginx"]


def test_schedule_faults_are_named():
    assert schedules([{"command": "x", "on_calendar": "daily"}]) == ["(an entry without a name)"]
    assert schedules([{"name": "a_b", "command": "x", "on_calendar": "daily"}]) == ["a_b"]
    assert schedules([{"name": "s", "on_calendar": "daily"}]) == ["s"]
    assert schedules([{"name": "s", "command": ["clearsessions"], "on_calendar": "daily"}]) == ["s"]
    assert schedules([{"name": "s", "command": " ", "on_calendar": "daily"}]) == ["s"]
    assert schedules([{"name": "s", "command": "x"}]) == ["s"]
    assert schedules([{"name": "s", "command": "x", "on_calendar": "daily", "wait_for_deploy": "no"}]) == ["s"]
    assert schedules([{"name": "s", "command": "x", "on_calendar": "daily", "timeout": 1.5}]) == ["s"]


# ---- the user each slot runs as (compose user:) -------------------------------

app_user, slot_users = djstack_stack.app_user, djstack_stack.slot_users
IMAGES = [
    {"RepoTags": ["shop-app:aaaaaaaaaaaa"], "Config": {"User": "10001:10001"}},
    {"RepoTags": ["shop-app:bbbbbbbbbbbb"], "Config": {"User": ""}},
]


def test_an_image_that_would_run_as_root_gets_the_default_user():
    for root in ("", None, "root", "0", "0:0", "root:root", " 0 "):
        assert app_user(root) == "10001:10001", root


def test_a_non_root_image_user_is_kept_and_an_explicit_value_wins():
    assert app_user("10001:10001") == "" and app_user("app") == "" and app_user("1000") == ""
    assert app_user("app", "2000:3000") == "2000:3000"
    assert app_user("", "0:0") == "0:0"


def compose_users(*args):
    return slot_users(*args)["compose"]


def test_each_slot_from_its_own_image():
    slots = {"blue": "a" * 40, "green": "b" * 40}
    assert slot_users(slots, IMAGES, {}, "", "shop-app") == {
        "compose": {"blue": "", "green": "10001:10001"},
        "runs_as": {"blue": "10001:10001", "green": "10001:10001"},
        "root": {"blue": False, "green": False}}
    assert compose_users(slots, IMAGES, {}, "7:7", "shop-app") == {"blue": "7:7", "green": "7:7"}


def test_a_release_still_building_takes_the_dockerfiles_user_and_then_the_built_images():
    slots = {"blue": "a" * 40, "green": "c" * 40}
    building = {"release": "c" * 40, "user": "app", "job": "123.456"}
    assert compose_users(slots, IMAGES, building, "", "shop-app") == {"blue": "", "green": ""}
    # Built: its base image ran as root after all.
    built = dict(building, job="", user="")
    assert compose_users(slots, IMAGES, built, "", "shop-app") == {"blue": "", "green": "10001:10001"}
    # The host held an older image of the same tag while it was rebuilt: the new one counts.
    rebuilt = {"release": "a" * 40, "user": "", "job": ""}
    assert compose_users({"blue": "a" * 40}, IMAGES, rebuilt, "", "shop-app") == {"blue": "10001:10001"}
    # While it is rebuilt, the image the host holds counts, not the prediction.
    rebuilding = {"release": "b" * 40, "user": "app", "job": "1.2"}
    assert compose_users({"green": "b" * 40}, IMAGES, rebuilding, "", "shop-app") == {"green": "10001:10001"}
    # No image and no result (a rollback reads the host only): root, so the default.
    assert compose_users({"blue": "d" * 40}, IMAGES, {}, "", "shop-app") == {"blue": "10001:10001"}


# app-user.yml reads .root in both of its checks (the volume check and the
# hand-over): one decision, the same one app_user makes for the image.
@pytest.mark.parametrize(
    ("image_user", "explicit", "runs_as", "root"),
    [
        ("app", "", "app", False),
        ("1000:1000", "", "1000:1000", False),
        ("00:0", "", "00:0", False),
        ("", "", "10001:10001", False),
        ("root", "", "10001:10001", False),
        ("app", "0:0", "0:0", True),
        ("app", "0", "0", True),
        ("app", "root", "root", True),
        ("app", "root:staff", "root:staff", True),
        ("app", "2000:0", "2000:0", False),
    ],
)
def test_each_slot_says_whether_it_runs_as_root(image_user, explicit, runs_as, root):
    images = [{"RepoTags": ["shop-app:aaaaaaaaaaaa"], "Config": {"User": image_user}}]
    users = slot_users({"blue": "a" * 40}, images, {}, explicit, "shop-app")
    assert users["runs_as"] == {"blue": runs_as}
    assert users["root"] == {"blue": root}
