"""Filters of the django_stack role: which entries of django_stack_processes
and django_stack_schedules are malformed (validate.yml names them in its
message), the user each slot's containers run as (compose `user:`), and
who sees the health endpoint's details (site.conf.j2).
Unit tests: tests/unit/test_filter_djstack_stack.py,
tests/unit/test_health_detail.py.
"""

import ipaddress
import re

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# The stack's own services: a process may not take their names.
RESERVED = ("app", "db", "nginx", "redis")
NO_NAME = "(an entry without a name)"


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _name_problems(entries):
    """(bad, named): NO_NAME per entry without a name, and the named entries."""
    bad = [NO_NAME for entry in entries if not isinstance(entry, dict) or "name" not in entry]
    named = [entry for entry in entries if isinstance(entry, dict) and "name" in entry]
    bad += [str(e["name"]) for e in named if not NAME_RE.match(str(e["name"]))]
    return bad, named


def _blank(command):
    return isinstance(command, str) and not command.strip()


def bad_processes(entries):
    """The names (or NO_NAME) of the processes that are malformed, once per fault."""
    bad, named = _name_problems(entries or [])
    bad += [e["name"] for e in named if e["name"] in RESERVED]
    bad += [e["name"] for e in named if "command" not in e]
    with_command = [e for e in named if "command" in e]
    bad += [e["name"] for e in with_command if not isinstance(e["command"], (str, list, tuple))]
    bad += [e["name"] for e in with_command if _blank(e["command"])]
    bad += [e["name"] for e in with_command if isinstance(e["command"], (list, tuple)) and not e["command"]]
    bad += [e["name"] for e in named if "singleton" in e and not isinstance(e["singleton"], bool)]
    bad += [e["name"] for e in named if "stop_grace_period" in e and not _is_int(e["stop_grace_period"])]
    return bad


def bad_schedules(entries):
    """The names (or NO_NAME) of the schedules that are malformed, once per fault."""
    bad, named = _name_problems(entries or [])
    bad += [e["name"] for e in named if "command" not in e]
    with_command = [e for e in named if "command" in e]
    bad += [e["name"] for e in with_command if not isinstance(e["command"], str)]
    bad += [e["name"] for e in with_command if _blank(e["command"])]
    bad += [e["name"] for e in named if "on_calendar" not in e]
    bad += [e["name"] for e in named if "wait_for_deploy" in e and not isinstance(e["wait_for_deploy"], bool)]
    bad += [e["name"] for e in named if "timeout" in e and not _is_int(e["timeout"])]
    return bad


# The user the app runs as when its image would run it as root (the
# built-in Dockerfile's and the sample app's USER).
DEFAULT_APP_USER = "10001:10001"


def _is_root(user):
    """True for an image USER that runs as root: none, root or uid 0 (any group)."""
    return str(user or "").strip().split(":", 1)[0] in ("", "root", "0")


def app_user(image_user, explicit=""):
    """The compose `user:` of a slot's app and process containers, '' for
    none (the image's own USER then applies).

    explicit (django_stack_app_user) always wins; left empty, an image whose
    USER is a non-root user keeps it (no `user:`, compose.yaml as before),
    and an image that would run as root (USER empty, root or 0) runs as
    DEFAULT_APP_USER."""
    explicit = str(explicit or "").strip()
    if explicit:
        return explicit
    return DEFAULT_APP_USER if _is_root(image_user) else ""


def slot_users(slots, images, image_result, explicit, repository):
    """The user of each slot {slot: release}, in one result that compose.yml
    publishes as _django_stack_slot_users:

      compose  {slot: compose `user:`} ('' = the image's own USER applies)
      runs_as  {slot: the user its containers run as} (the compose user,
               else the image's USER)
      root     {slot: True when runs_as is root} (_is_root: '', root or uid
               0); app-user.yml hands the volumes over only when it is not

    A slot's image user is django_image_result's (`user`) when it is the
    release django_image published and its build is over (`job` empty: the
    image as built), else the image's Config.User as the host holds it
    (images: docker_image_info's list), else django_image_result's
    prediction for a release still building (the Dockerfile's USER), else
    root."""
    result = image_result or {}
    by_tag = {}
    for image in images or []:
        for tag in image.get("RepoTags") or []:
            by_tag.setdefault(tag, image)
    out = {"compose": {}, "runs_as": {}, "root": {}}
    for slot, release in sorted((slots or {}).items()):
        ref = "%s:%s" % (repository, str(release)[:12])
        ours = "user" in result and str(result.get("release", ""))[:12] == str(release)[:12]
        if ours and not result.get("job"):
            user = result["user"]
        elif ref in by_tag:
            user = (by_tag[ref].get("Config") or {}).get("User") or ""
        else:
            user = result["user"] if ours else ""
        out["compose"][slot] = app_user(user, explicit)
        out["runs_as"][slot] = out["compose"][slot] or user
        out["root"][slot] = _is_root(out["runs_as"][slot])
    return out


# The host itself over loopback (a client inside the nginx container).
HEALTH_DETAIL_LOOPBACK = ("127.0.0.1", "::1")


def _network(item):
    """ip_network of an address or CIDR network; ValueError when it is neither
    (a host name, a network with host bits set, anything with more in it)."""
    if not isinstance(item, str) or item != item.strip():
        raise ValueError("not a string without spaces")
    if "/" in item:
        return ipaddress.ip_network(item, strict=True)
    return ipaddress.ip_network(ipaddress.ip_address(item))


def bad_networks(entries):
    """The entries of a list that are not an IP address or CIDR network, each
    with the reason (validate.yml: django_stack_health_detail_from)."""
    bad = []
    for item in entries or []:
        try:
            _network(item)
        except (TypeError, ValueError) as error:
            bad.append("%r (%s)" % (item, error))
    return bad


def _canonical(network):
    return str(network.network_address) if network.num_addresses == 1 else str(network)


def health_detail(detail_from, gateways=()):
    """nginx geo entries of the clients that get the health endpoint's
    release and database status: {"host": [...], "from": [...]}.

    host: loopback and the web network's gateways (where nginx sees a request
    to the published port from the host itself come from: Docker's proxy);
    from: django_stack_health_detail_from, canonical, sorted, without
    repeats and without what host already lists. A bad entry raises
    ValueError (validate.yml refuses it before any host changes)."""
    bad = bad_networks(detail_from) + bad_networks(gateways)
    if bad:
        raise ValueError("not an IP address or CIDR network: " + "; ".join(bad))
    host, seen = [], set()
    for item in list(HEALTH_DETAIL_LOOPBACK) + list(gateways or []):
        network = _network(item)
        if network not in seen:
            seen.add(network)
            host.append(_canonical(network))
    others = {_network(item) for item in detail_from or []} - seen
    ordered = sorted(others, key=lambda n: (n.version, n.network_address, n.prefixlen))
    return {"host": host, "from": [_canonical(n) for n in ordered]}


class FilterModule:
    def filters(self):
        return {
            "djstack_bad_processes": bad_processes,
            "djstack_bad_schedules": bad_schedules,
            "djstack_app_user": app_user,
            "djstack_slot_users": slot_users,
            "djstack_bad_networks": bad_networks,
            "djstack_health_detail": health_detail,
        }
