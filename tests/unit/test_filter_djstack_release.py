"""plugins/filter/djstack_release.py: the release record repaired from what
the host runs (roles/django_stack/tasks/reconcile.yml)."""

import json
from datetime import UTC, datetime

import pytest
from ansible.errors import AnsibleFilterError
from conftest import load

djstack_release = load("plugins/filter/djstack_release.py")
reconcile = djstack_release.reconcile

NEW = "0123456789abcdef0123456789abcdef01234567"
OLD = "fedcba9876543210fedcba9876543210fedcba98"
NOW = datetime(2026, 12, 5, 19, 0, 0, tzinfo=UTC)


def container(name, state="running", image="busybox", status="Up 2 minutes", **labels):
    return {"Names": ["/shop-" + name], "State": state, "Image": image, "Status": status,
            "Labels": {"com.docker.compose.service": name.rsplit("-", 1)[0], **labels}}


def seen(containers, record=None, applied="", loaded=None):
    return reconcile(containers, None if record is None else json.dumps(record), applied,
                     loaded or {"skipped": True}, "shop", NEW, now=NOW)


RECORD = {"current": "blue", "slots": {"blue": OLD}, "history": [{"release": OLD, "slot": "blue"}]}


def test_a_host_that_agrees_with_its_record_is_left_as_it_is():
    found = seen([container("app-blue-1", image="shop-app:" + OLD[:12]), container("nginx-1")], RECORD,
                 loaded={"status": 200, "x_djstack_slot": "blue"})
    assert found["state"] == found["recorded"] == RECORD
    assert found["loaded_slot"] == "blue" and found["idle_running"] == []
    assert found["running_services"] == ["app-blue", "nginx"] and found["up"] == ["app-blue", "nginx"]


def test_the_slot_nginx_routes_to_becomes_current_and_the_history_says_so():
    """A run cut between the switch and the record: nginx routes to green."""
    containers = [container("app-blue-1", image="shop-app:" + OLD[:12]),
                  container("app-green-1", image="shop-app:" + NEW[:12])]
    found = seen(containers, RECORD, loaded={"status": 200, "x_djstack_slot": "green"})
    assert found["state"] == {
        "current": "green",
        "slots": {"blue": OLD, "green": NEW},
        "history": RECORD["history"] + [
            {"release": NEW, "slot": "green", "deployed_at": "2026-12-05T19:00:00Z", "reconciled": True}]}
    assert found["recorded"] == RECORD
    assert found["idle_running"] == ["blue"]


def test_an_unknown_release_is_named_by_its_image_tag_and_nginx_without_a_container_is_ignored():
    found = seen([container("app-blue-1", image="shop-app:aaaaaaaaaaaa")], RECORD,
                 loaded={"status": 200, "x_djstack_slot": "green"})
    assert found["state"]["slots"] == {"blue": "aaaaaaaaaaaa"}
    assert found["state"]["current"] == "blue" and found["loaded_slot"] == "green"


def test_an_image_tag_names_a_known_release_by_prefix_only():
    """A tag is the release's first 12 characters, not a pattern: "0123456789a." names no known release."""
    found = seen([container("app-blue-1", image="shop-app:0123456789a.")], RECORD)
    assert found["state"]["slots"] == {"blue": "0123456789a."}
    found = seen([container("app-blue-1", image="shop-app:" + NEW[:12])], RECORD)
    assert found["state"]["slots"] == {"blue": NEW}


def test_no_record_and_no_answer_is_an_empty_record():
    found = seen([])
    assert found["state"] == found["recorded"] == {"current": "", "slots": {}, "history": []}
    assert found["loaded_slot"] == "" and found["up"] == [] and found["running_services"] == []


def test_one_off_runs_and_stopped_containers_are_not_running_services():
    containers = [container("app-blue-1"), container("app-green-1", state="exited"),
                  container("app-blue-run-1a2b", **{"com.docker.compose.oneoff": "True"}),
                  container("worker-blue-1"), container("worker-blue-1")]
    found = seen(containers)
    assert found["running_services"] == ["app-blue", "worker-blue"]
    assert found["up"] == ["app-blue", "app-blue-run-1a2b", "worker-blue", "worker-blue"]


def test_what_the_services_were_started_from():
    assert seen([], applied='{"files": "f1", "services": {"db": "d1"}}\n')["applied_services"] == {"db": "d1"}
    assert seen([], applied='{"files": "f1", "services": {"db": "d1"}}\n')["applied_digest"] == "f1"
    # An older version wrote the files' digest alone.
    assert seen([], applied="abc123\n")["applied_digest"] == "abc123"
    assert seen([], applied="abc123\n")["applied_services"] == {}
    assert seen([], applied="")["applied_digest"] == ""


def test_a_running_container_counts_as_up_whatever_its_health():
    """As reconcile.yml's Jinja ran (its health pattern never matched): see the filter."""
    found = seen([container("db-1", status="Up 1 second (health: starting)"),
                  container("nginx-1", status="Up (unhealthy)")])
    assert found["up"] == ["db", "nginx"]


# ---- the one-off commands of a new release (prepare.yml) ---------------------

release_steps = djstack_release.release_steps


def test_every_step_in_order_against_a_serving_release():
    assert release_steps("PLAN", True, True, "blue", True, "s3", True) == [
        ["check", ["check", "--deploy"]],
        ["migrate", ["migrate", "--check", "--noinput"]],
        ["plan", ["shell", "-c", "PLAN"], True],
        ["collectstatic", ["collectstatic", "--noinput"]],
        ["storage", ["shell", "-c", "from django.core.files.storage import default_storage; "
                                    "default_storage.listdir('')"]],
    ]


def test_a_first_deploy_has_no_plan_and_a_host_that_does_not_migrate_neither():
    assert [s[0] for s in release_steps("PLAN", True, True, "", True, "local", True)] == [
        "check", "migrate", "collectstatic"]
    assert [s[0] for s in release_steps("PLAN", False, False, "blue", False, "none", True)] == []


def test_the_plan_stops_the_later_steps_only_when_the_policy_refuses():
    assert release_steps("PLAN", False, True, "green", False, "local", False) == [
        ["migrate", ["migrate", "--check", "--noinput"]], ["plan", ["shell", "-c", "PLAN"], False]]


def test_a_record_that_cannot_be_read_is_rebuilt_from_the_host():
    containers = [container("app-green-1", image="shop-app:" + OLD[:12]), container("nginx-1")]
    for text, why in [("", "it is not valid JSON (Expecting value)"),
                      ('{"current": "blue", "slots": {"blue": "', "it is not valid JSON (Unterminated string"),
                      ('["blue"]', "it is not a release record"),
                      ('{"current": null, "slots": {}}', "it is not a release record")]:
        found = reconcile(containers, text, "", {"status": 200, "x_djstack_slot": "green"}, "shop", NEW, now=NOW)
        assert found["state"] == {
            "current": "green", "slots": {"green": OLD[:12]},
            "history": [{"release": OLD[:12], "slot": "green", "deployed_at": "2026-12-05T19:00:00Z",
                         "reconciled": True}]}
        assert found["recorded"]["unreadable"].startswith(why), text
        assert found["state"] != found["recorded"]


def test_a_record_without_history_reads_as_one_with_none():
    found = seen([], {"current": "", "slots": {}})
    assert found["state"] == found["recorded"] == {"current": "", "slots": {}, "history": []}


def test_an_applied_file_that_cannot_be_read_counts_as_nothing_applied():
    found = seen([], applied='{"files": "abc", "serv')
    assert found["applied_digest"] == "" and found["applied_services"] == {}


def test_the_operations_playbooks_read_the_record_or_stop_saying_what_to_do():
    release_record = djstack_release.release_record
    assert release_record(None, "/srv/shop/releases.json") == {}
    assert release_record(json.dumps(RECORD), "/srv/shop/releases.json") == RECORD
    with pytest.raises(AnsibleFilterError) as error:
        release_record('{"current": "bl', "/srv/shop/releases.json")
    assert str(error.value).startswith("/srv/shop/releases.json, the release record, cannot be read: it is not valid "
                                       "JSON (Unterminated string")
    assert "Run deploy.yml: it rebuilds the record" in str(error.value)
