"""The maintenance page's allowed client addresses (playbooks/maintenance.yml -e allow=...).

djstack_maintenance_allow turns "203.0.113.7, 10.0.0.0/8" (or a list) into
["10.0.0.0/8", "203.0.113.7"]: each entry an IPv4 or IPv6 address or a CIDR
network, written back in Python's canonical form, sorted, without repeats.
Anything else (a host name, a network with host bits set, a stray ";")
stops the run with every bad entry named, before nginx's or HAProxy's
files are written: only canonical addresses ever reach them.
"""

import ipaddress

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # the unit tests import this file without Ansible's errors
    AnsibleFilterError = ValueError


def parse_allow_list(value) -> list:
    """Validate and normalise; raise ValueError naming every bad entry."""
    if value is None:
        return []
    if isinstance(value, str):
        items = value.replace(",", " ").split()
    elif isinstance(value, (list, tuple)):
        items = []
        for item in value:
            items.extend(str(item).replace(",", " ").split())
    else:
        raise ValueError(f"allowed addresses must be a string or a list, not {type(value).__name__}")
    networks, bad = set(), []
    for item in items:
        try:
            if "/" in item:
                networks.add(ipaddress.ip_network(item, strict=True))
            else:
                address = ipaddress.ip_address(item)
                networks.add(ipaddress.ip_network(address))
        except ValueError as error:
            bad.append(f"{item!r} ({error})")
    if bad:
        raise ValueError("not an IP address or CIDR network: " + "; ".join(bad))
    # Single addresses as addresses (nginx's geo and HAProxy take both forms).
    ordered = sorted(networks, key=lambda n: (n.version, n.network_address, n.prefixlen))
    return [str(n.network_address) if n.num_addresses == 1 else str(n) for n in ordered]


def djstack_maintenance_allow(value):
    try:
        return parse_allow_list(value)
    except ValueError as error:
        raise AnsibleFilterError(f"Allowed addresses for the maintenance page: {error}.") from None


class FilterModule:
    def filters(self):
        return {"djstack_maintenance_allow": djstack_maintenance_allow}
