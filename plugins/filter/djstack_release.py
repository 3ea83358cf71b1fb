"""What a django_stack host serves, read from the host itself
(roles/django_stack/tasks/reconcile.yml): the release record (releases.json)
repaired from the containers that run and the slot the running nginx routes
to, and what the last run that started the services started them from; and
the one-off commands a new release runs before it serves (prepare.yml).
Unit tests: tests/unit/test_filter_djstack_release.py.
"""

import json
import re
from datetime import UTC, datetime

from ansible.errors import AnsibleFilterError


def _empty():
    return {"current": "", "slots": {}, "history": []}


def _read_record(text):
    """(the record, '') from releases.json's text, or (an empty record, why) when it cannot be read."""
    if text is None:
        return _empty(), ""
    try:
        record = json.loads(text)
    except ValueError as error:
        return _empty(), "it is not valid JSON (%s)" % (getattr(error, "msg", None) or error)
    if not (isinstance(record, dict) and isinstance(record.get("current"), str)
            and isinstance(record.get("slots"), dict) and isinstance(record.get("history", []), list)):
        return _empty(), "it is not a release record (current, slots, history)"
    return dict(_empty(), **record), ""


def release_record(text, path):
    """releases.json's record for the operations playbooks ({} without a file); one that cannot be
    read stops them with what to do (a deploy rebuilds it from what the host serves)."""
    if text is None:
        return {}
    record, why = _read_record(text)
    if why:
        raise AnsibleFilterError(
            "%s, the release record, cannot be read: %s. Run deploy.yml: it rebuilds the record from what "
            "the host serves (the deploy history it held is lost)." % (path, why))
    return record


def _name(container):
    return (container.get("Names") or [""])[0]


def _labels(container):
    return container.get("Labels") or {}


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def reconcile(containers, record_text, applied_text, loaded, project, release, now=None):
    """The host as it is, for a stack named project deploying release.

    containers: docker_host_info's containers of the compose project (all
    states, verbose); record_text: releases.json (None when there is none);
    applied_text: .applied ('' when there is none; an older version wrote the
    files' digest alone); loaded: the health answer of the running nginx (a
    uri result, skipped when nginx does not run). Returns:

      state             the record repaired: each slot holds the release its
                        app container runs (the full commit where this host
                        knows it, else the image tag), current is the slot
                        the running nginx routes to when that slot has a
                        container, and a history entry says so when it moved
      recorded          the record as it was (with unreadable: why, when
                        releases.json could not be read)
      loaded_slot       the slot nginx routes to ('' without an answer)
      idle_running      app slots that run and do not serve
      running_services  compose services with a running container (one-off
                        runs left out)
      up                services running (whatever their health: see below)
      applied_digest    the digest of all the files the services started from
      applied_services  {service: digest of its definition}
    """
    containers = containers or []
    # A record that cannot be read is rebuilt from the host, as one that
    # disagrees with it (recorded says why: reconcile.yml shows it).
    record, unreadable = _read_record(record_text)
    applied_text = (applied_text or "").strip()
    try:
        applied = json.loads(applied_text) if applied_text.startswith("{") else {"files": applied_text}
    except ValueError:
        # Unreadable: no service counts as started from the current files.
        applied = {}
    app_re = re.compile("^/" + re.escape(project) + "-app-(blue|green)-1$")
    apps = {}
    for container in containers:
        match = app_re.match(_name(container))
        if match:
            apps[match.group(1)] = {"state": container.get("State"), "tag": str(container.get("Image")).split(":")[-1]}
    loaded = loaded or {}
    loaded_slot = "" if loaded.get("skipped") else loaded.get("x_djstack_slot", "")
    known = [release] + list(record["slots"].values()) + [h.get("release", "") for h in record["history"]]
    slots = dict(record["slots"])
    for slot, app in apps.items():
        # The image tag is the release's first 12 characters: a prefix, not a pattern.
        slots[slot] = next((k for k in known if k.startswith(app["tag"])), app["tag"])
    current = loaded_slot if loaded_slot in apps else record["current"]
    history = list(record["history"])
    if current and current != record["current"]:
        moment = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        history.append({"release": slots[current], "slot": current, "deployed_at": moment, "reconciled": True})
    running = [slot for slot, app in apps.items() if app["state"] == "running"]
    prefix = re.compile("^/" + re.escape(project) + "-")
    return {
        "state": {"current": current, "slots": slots, "history": history},
        "recorded": dict(record, unreadable=unreadable) if unreadable else record,
        "loaded_slot": loaded_slot,
        "idle_running": _unique(slot for slot in running if slot != current),
        "running_services": _unique(
            _labels(c).get("com.docker.compose.service", "") for c in containers
            if c.get("State") == "running" and _labels(c).get("com.docker.compose.oneoff", "False") != "True"),
        # The Jinja this replaces meant to leave out a container whose health
        # check failed or has not passed yet (Status "(unhealthy)", "(health:
        # starting)"), but its pattern, in a folded YAML block, reached the
        # regex with doubled backslashes and never matched: every running
        # container counted as up. Kept as it ran; making it true is a change
        # of its own.
        "up": [re.sub("-1$", "", prefix.sub("", _name(c))) for c in containers if c.get("State") == "running"],
        "applied_digest": applied.get("files", ""),
        "applied_services": applied.get("services", {}),
    }


# A release's look at its media bucket before it serves (S3 media).
STORAGE_PROBE = "from django.core.files.storage import default_storage; default_storage.listdir('')"


def release_steps(plan_program, check_deploy, migrates, serving, collectstatic, media_storage, refuse):
    """The steps of files/release-steps.py, [name, [manage.py arguments]]
    (a third item true: a failure stops the later steps), in the order they
    run: Django's deployment checklist, the look for unapplied migrations and
    (against a serving release) their plan (plan_program:
    files/migration_plan.py; refuse: django_stack_incompatible_migrations is
    refuse), collectstatic, and the media bucket."""
    steps = []
    if check_deploy:
        steps.append(["check", ["check", "--deploy"]])
    if migrates:
        steps.append(["migrate", ["migrate", "--check", "--noinput"]])
    if migrates and serving:
        steps.append(["plan", ["shell", "-c", plan_program], bool(refuse)])
    if collectstatic:
        steps.append(["collectstatic", ["collectstatic", "--noinput"]])
    if media_storage == "s3":
        steps.append(["storage", ["shell", "-c", STORAGE_PROBE]])
    return steps


class FilterModule:
    def filters(self):
        return {
            "djstack_reconcile": reconcile,
            "djstack_release_record": release_record,
            "djstack_release_steps": release_steps,
        }
