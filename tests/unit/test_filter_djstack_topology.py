"""plugins/filter/djstack_topology.py: one description of the inventory's layout."""


from conftest import load

djstack_topology = load("plugins/filter/djstack_topology.py")
topology = djstack_topology.topology


def test_single_hosts_are_sites_of_their_own():
    t = topology({"all": ["a", "b"], "ungrouped": [], "django": ["a", "b"]})
    assert t["fleet"] is False
    assert t["fleet_hosts"] == []
    assert t["hosts"] == ["a", "b"]
    assert t["pattern"] == "django"
    assert t["db"] == "" and t["db_hosts"] == [] and t["lb"] == []
    assert t["backup_group"] == "django"
    assert t["problems"] == []


def test_empty_groups_declared_are_still_single_hosts():
    t = topology({"django": ["a"], "django_db": [], "django_lb": []})
    assert t["fleet"] is False
    assert t["pattern"] == "django:django_db:django_lb"


def test_a_fleet():
    t = topology({"django": ["web1", "web2"], "django_db": ["db1"], "django_lb": ["lb1"]})
    assert t["fleet"] is True
    assert t["hosts"] == t["fleet_hosts"] == ["web1", "web2", "db1", "lb1"]
    assert t["db"] == "db1" and t["db_hosts"] == ["db1"] and t["lb"] == ["lb1"]
    assert t["builder"] == "web1"
    assert t["backup_group"] == "django_db"
    assert t["problems"] == []


def test_a_fleet_with_an_external_database_has_no_db_host():
    t = topology({"django": ["web1"], "django_lb": ["lb1"]})
    assert t["fleet"] is True and t["db"] == ""
    assert t["pattern"] == "django:django_lb"
    assert t["backup_group"] == "django"


def test_problems_name_what_to_change():
    assert "no host in the group \"django\"" in topology({})["problems"][0]
    assert "needs web hosts" in topology({"django_lb": ["lb1"]})["problems"][0]
    assert "has 2 hosts (db1, db2)" in topology({"django": ["w"], "django_db": ["db1", "db2"]})["problems"][0]
    (overlap,) = topology({"django": ["w", "x"], "django_db": ["x"], "django_lb": ["w"]})["problems"]
    assert overlap.startswith("w, x is in more than one")
