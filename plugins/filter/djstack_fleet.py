"""Filters of the django_fleet role: what is wrong with a web host's settings
in a fleet (validate.yml: fleet_problems), one message per fault naming
the variable and the fix.
Unit tests: tests/unit/test_filter_djstack_fleet.py.
"""

# The web host's own inputs fleet_problems reads (django_stack's, validated
# for their types first, and this role's).
INPUTS = ("django_stack_db_host", "django_stack_secret_key", "django_stack_db_password",
          "django_stack_media_storage", "django_stack_https", "django_fleet_singleton_host")


def _hosts(names):
    return ", ".join(names)


def fleet_problems(values, host, groups, play_hosts, secret_keys=(), singleton_hosts=()):
    """What is wrong with web host `host`'s fleet settings ([] when nothing is).

    values: {variable: value} of INPUTS for this host (a missing one is a KeyError);
    groups: the inventory's groups (django, django_db, django_lb; absent ones are empty);
    play_hosts: every host of this run (ansible_play_hosts_all);
    secret_keys, singleton_hosts: each web host's django_stack_secret_key and
    django_fleet_singleton_host, as its host variables set them ("" and the
    first web host when they do not)."""
    v = {name: values[name] for name in INPUTS}
    web, db, lb = (list(groups.get(name) or []) for name in ("django", "django_db", "django_lb"))
    external = v["django_stack_db_host"] or ""
    found = []
    if db and external:
        found.append("%s sets django_stack_db_host (%s, an external database) and the inventory has a django_db host "
                     "(%s): use one database. Remove django_stack_db_host to use the db host, or the django_db group "
                     "to use the external database." % (host, external, _hosts(db)))
    if not db and not external:
        found.append("The web hosts of a fleet share one database, and %s has none: add one host to the group "
                     "django_db (MySQL in its own compose project there), or set django_stack_db_host (and "
                     "django_stack_db_password) to an external MySQL." % host)
    if not db and not (v["django_stack_secret_key"] and v["django_stack_db_password"]):
        found.append("The web hosts of a fleet must share their secrets, and without a django_db host nothing "
                     "generates them once for all: set django_stack_secret_key and django_stack_db_password (from "
                     "a vault) in the group_vars of django.")
    if len(set(secret_keys)) > 1:
        found.append("The web hosts of a fleet set different django_stack_secret_key values (%s): a session made on "
                     "one would be refused by another. Set it once, in the group_vars of django." % _hosts(web))
    if v["django_stack_media_storage"] == "local":
        found.append("%s keeps uploaded media on local volumes (django_stack_media_storage: local), which the web "
                     "hosts of a fleet would split between them: set django_stack_media_storage: s3 (with "
                     "django_stack_s3_bucket) to share them through object storage, or none when the app stores no "
                     "uploads." % host)
    if v["django_stack_https"] and lb:
        found.append("%s sets django_stack_https (nginx on the web host terminates TLS), but the fleet's load "
                     "balancers send it plain HTTP: set django_lb_https: true on the load balancers instead (HTTPS "
                     "there, with the ACME certificate), and leave django_stack_https off on the web hosts." % host)
    if v["django_fleet_singleton_host"] not in web:
        found.append('django_fleet_singleton_host of %s is "%s", which is not a web host of the fleet (%s): name the '
                     "web host that runs the schedules and singleton processes."
                     % (host, v["django_fleet_singleton_host"], _hosts(web)))
    if len(set(singleton_hosts)) > 1:
        found.append("The web hosts name different django_fleet_singleton_host values: set it once, in the "
                     "group_vars of django, so that one host runs the schedules.")
    missing = [name for name in web if name not in play_hosts]
    if missing:
        found.append("This run deploys only some web hosts of the fleet (%s of %s): the web hosts are updated "
                     "together, all or nothing. Run without --limit, or with a limit that includes every host of "
                     "the groups django, django_db and django_lb."
                     % (_hosts(name for name in web if name in play_hosts), _hosts(web)))
    return found


class FilterModule:
    def filters(self):
        return {"djstack_fleet_problems": fleet_problems}
