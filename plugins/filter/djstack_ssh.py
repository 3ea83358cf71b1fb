"""Whether the ssh_hardening role writes its sshd drop-in: `enabled | djstack_ssh_hardening_plan(...)`.

ssh_hardening_enabled is true (write the drop-in; preflight has refused a
password login and root with PermitRootLogin no), false (remove it) or auto
(the default): write it only where this run shows that key logins work for
Ansible, and otherwise leave sshd exactly as it is and say why. The evidence:
Ansible does not log in with a password, the SSH user is not root while
PermitRootLogin would be "no", and that user's ~/.ssh/authorized_keys holds a
key. Unit tests: tests/unit/test_filter_djstack_ssh.py.
"""
from ansible.errors import AnsibleFilterError

# The words ssh_hardening_enabled may be (a YAML bool arrives as True/False).
MODES = {"auto": "auto", "true": "on", "yes": "on", "false": "off", "no": "off"}


def mode(enabled, unknown=None):
    """'on', 'off' or 'auto' from ssh_hardening_enabled (a bool or a string).

    Another value raises, or returns `unknown` when one is given (the role's
    validate.yml asks that way, to stop with its own message).
    """
    chosen = MODES.get(str(enabled).strip().lower())
    if chosen is None:
        if unknown is not None:
            return unknown
        raise AnsibleFilterError("ssh_hardening_enabled must be auto, true or false; got %r" % (enabled,))
    return chosen


def plan(enabled, password_login=False, user="", permit_root_login="no", authorized_keys_bytes=0):
    """{'action': 'write'|'remove'|'leave', 'why': str}."""
    chosen = mode(enabled)
    if chosen == "on":
        return {"action": "write", "why": "ssh_hardening_enabled is true"}
    if chosen == "off":
        return {"action": "remove", "why": "ssh_hardening_enabled is false"}
    if password_login:
        why = "Ansible logs in with a password (ansible_password)"
    elif user == "root" and permit_root_login == "no":
        why = "Ansible logs in as root and ssh_hardening_permit_root_login is \"no\""
    elif not user:
        why = "the SSH user is not known (facts were not gathered)"
    elif int(authorized_keys_bytes or 0) <= 0:
        why = "%s has no key in ~/.ssh/authorized_keys" % user
    else:
        return {"action": "write", "why": "%s logs in with a key" % user}
    return {"action": "leave", "why": why}


class FilterModule:
    def filters(self):
        return {"djstack_ssh_hardening_plan": plan, "djstack_ssh_hardening_mode": mode}
