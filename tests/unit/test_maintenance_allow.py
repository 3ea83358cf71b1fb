"""plugins/filter/djstack_maintenance.py: the maintenance page's allowed addresses.

What it returns is written into nginx's geo file and HAProxy's ACL file
as is: only canonical addresses and networks may come out.
"""


import pytest
from conftest import load

plugin = load("plugins/filter/djstack_maintenance.py")


@pytest.mark.parametrize("given, expected", [
    ("203.0.113.7,10.0.0.0/8", ["10.0.0.0/8", "203.0.113.7"]),
    (" 203.0.113.7 , 203.0.113.7/32 ", ["203.0.113.7"]),
    (["2001:db8::/32", "192.0.2.1"], ["192.0.2.1", "2001:db8::/32"]),
    ("2001:DB8:0:0::1", ["2001:db8::1"]),
    ("", []),
    (None, []),
    ([], []),
])
def test_addresses_and_networks_come_out_canonical_and_sorted(given, expected):
    assert plugin.parse_allow_list(given) == expected


@pytest.mark.parametrize("given, named", [
    ("example.com", "'example.com'"),
    ("10.0.0.1/8", "'10.0.0.1/8'"),  # host bits set: a typo, not a network
    ("10.0.0.0/33", "'10.0.0.0/33'"),
    ("1.2.3.4;deny", "'1.2.3.4;deny'"),
    ("1.2.3.4\n} server {", "'}'"),
    ("203.0.113.7,bad,10.0.0.0/8", "'bad'"),
])
def test_anything_else_is_refused_by_name(given, named):
    with pytest.raises(ValueError, match="not an IP address or CIDR network") as error:
        plugin.parse_allow_list(given)
    assert named in str(error.value)


def test_every_bad_entry_is_named_at_once():
    with pytest.raises(ValueError) as error:
        plugin.parse_allow_list("one, 192.0.2.1, two")
    assert "'one'" in str(error.value) and "'two'" in str(error.value)


def test_the_filter_raises_ansibles_error():
    from ansible.errors import AnsibleFilterError

    with pytest.raises(AnsibleFilterError, match="Allowed addresses for the maintenance page"):
        plugin.FilterModule().filters()["djstack_maintenance_allow"]("nope")
