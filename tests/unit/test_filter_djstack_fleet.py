"""plugins/filter/djstack_fleet.py: what is wrong with a web host's settings
in a fleet (roles/django_fleet/tasks/validate.yml), one message per fault."""

import pytest
import yaml
from conftest import REPO, load

djstack_fleet = load("plugins/filter/djstack_fleet.py")
problems = djstack_fleet.fleet_problems

VALIDATE = REPO / "roles/django_fleet/tasks/validate.yml"
GROUPS = {"django": ["web1", "web2"], "django_db": ["db1"], "django_lb": ["lb1"]}
PLAY = ["lb1", "web1", "web2", "db1"]


def _defaults(role):
    return yaml.safe_load((REPO / "roles" / role / "defaults/main.yml").read_text())


def good_values(**changes):
    """A web host of the usual fleet: the role defaults, media in S3."""
    values = {"django_stack_db_host": "", "django_stack_secret_key": "", "django_stack_db_password": "",
              "django_stack_media_storage": "s3", "django_stack_https": False, "django_fleet_singleton_host": "web1"}
    values.update({name if name.startswith("django_fleet_") else "django_stack_" + name: value
                   for name, value in changes.items()})
    return values


def faults(groups=None, play=None, keys=("", ""), singletons=("web1", "web1"), **changes):
    return problems(good_values(**changes), "web2", GROUPS if groups is None else groups,
                    PLAY if play is None else play, list(keys), list(singletons))


def test_a_good_fleet_passes_and_validate_passes_every_input():
    # validate.yml passes every django_stack_/django_fleet_ variable defined:
    # each input has a role default, so it is always among them.
    defaults = {**_defaults("django_stack"), **_defaults("django_fleet")}
    assert [name for name in djstack_fleet.INPUTS if name not in defaults] == []
    task = next(t for t in yaml.safe_load(VALIDATE.read_text()) if t["name"] == "Check the web host's fleet settings")
    assert task["vars"]["_names"] == "{{ query('ansible.builtin.varnames', '^django_(stack|fleet)_') }}"
    assert faults() == []
    # An external database with shared secrets, no db host.
    assert faults(groups={"django": ["web1", "web2"]}, play=["web1", "web2"], keys=("k", "k"), db_host="10.0.0.5",
                  secret_key="k", db_password="p") == []
    with pytest.raises(KeyError):
        problems({k: v for k, v in good_values().items() if k != "django_stack_https"}, "web2", GROUPS, PLAY)


NO_DB = {"django": ["web1", "web2"], "django_lb": ["lb1"]}


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"db_host": "10.0.0.5"}, "web2 sets django_stack_db_host (10.0.0.5, an external database) and the inventory has "
                              "a django_db host (db1): use one database. Remove django_stack_db_host"),
    ({"groups": NO_DB, "secret_key": "k", "db_password": "p"}, "The web hosts of a fleet share one database, and web2 "
                                                               "has none: add one host to the group django_db"),
    ({"groups": NO_DB, "db_host": "10.0.0.5", "secret_key": "k"}, "The web hosts of a fleet must share their secrets"),
    ({"keys": ("k1", "k2")}, "The web hosts of a fleet set different django_stack_secret_key values (web1, web2)"),
    ({"media_storage": "local"}, "web2 keeps uploaded media on local volumes (django_stack_media_storage: local)"),
    ({"https": True}, "web2 sets django_stack_https (nginx on the web host terminates TLS), but the fleet's load "
                      "balancers send it plain HTTP: set django_lb_https: true on the load balancers instead"),
    ({"django_fleet_singleton_host": "web9"}, 'django_fleet_singleton_host of web2 is "web9", which is not a web '
                                              "host of the fleet (web1, web2)"),
    ({"singletons": ("web1", "web2")}, "The web hosts name different django_fleet_singleton_host values"),
    ({"play": ["web1", "db1", "lb1"]}, "This run deploys only some web hosts of the fleet (web1 of web1, web2): the "
                                       "web hosts are updated together, all or nothing."),
])
def test_each_fault_is_named(kwargs, expected):
    found = faults(**kwargs)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_every_fault_counts_and_https_needs_load_balancers():
    # No database at all: no db host, no external one, no shared secrets.
    assert len(faults(groups={"django": ["web1", "web2"]}, play=["web1", "web2"], media_storage="local")) == 3
    # django_stack_https is the web host's own TLS: fine without load balancers in front.
    assert faults(groups={"django": ["web1", "web2"], "django_db": ["db1"]}, play=["web1", "web2", "db1"],
                  https=True) == []
