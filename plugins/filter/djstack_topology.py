"""The one place that says what an inventory deploys: `groups | djstack_topology`.

Every playbook (deploy, rollback, status, unlock, backup, restore) and the
preflight role read this instead of computing "is this a fleet?", the host
pattern or the db host themselves. Unit tests:
tests/unit/test_filter_djstack_topology.py.

Groups: django (web hosts: each a site of its own unless the inventory has
django_db or django_lb hosts, then a fleet), django_db (a fleet's one
database host), django_lb (its load balancers).
"""

GROUPS = ("django", "django_db", "django_lb")


class TopologyError(ValueError):
    """An inventory the project cannot deploy (the message says what to change)."""


def topology(groups):
    """A dict describing the inventory's layout.

    fleet: bool; web, lb: host lists; db: the db host or "" (db_hosts: [it] or []); hosts: every
    host the deploy touches, in group order; pattern: the play host pattern
    naming only groups the inventory has (no warning for a missing group);
    builder: the web host that builds a fleet's image (the first);
    backup_group: where the database is backed up (django_db in a fleet
    with a db host, else django); problems: what is wrong with the groups
    (empty when deployable).
    """
    groups = groups or {}
    web, db, lb = (list(groups.get(name) or []) for name in GROUPS)
    fleet = bool(db or lb)
    problems = []
    if not web:
        problems.append(
            'The inventory has no host in the group "django". Add your servers under all.children.django.hosts in '
            "inventory/<name>/hosts.yml" + (
                ' (the groups django_db and django_lb have hosts: a load balancer or a db host needs web hosts in '
                '"django")' if fleet else "") + ".")
    if len(db) > 1:
        problems.append("The group django_db has %d hosts (%s): a fleet has one database host. Keep one in django_db "
                        "(replicas are not supported)." % (len(db), ", ".join(db)))
    overlap = [h for h in web if h in db or h in lb] + [h for h in db if h in lb]
    if overlap:
        problems.append("%s is in more than one of the groups django, django_db and django_lb: give each host one job "
                        "(the single-host layout has only the group django)." % ", ".join(overlap))
    present = [name for name in GROUPS if name in groups]
    hosts = []
    for host in web + db + lb:
        if host not in hosts:
            hosts.append(host)
    return {
        "fleet": fleet,
        "web": web,
        "db": db[0] if db else "",
        "db_hosts": db[:1],
        "lb": lb,
        "hosts": hosts,
        "fleet_hosts": hosts if fleet else [],
        "pattern": ":".join(present or ["django"]),
        "builder": web[0] if web else "",
        "backup_group": "django_db" if db else "django",
        "problems": problems,
    }


class FilterModule:
    def filters(self):
        return {"djstack_topology": topology}
