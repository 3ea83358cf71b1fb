"""Which secrets a role uses and stores: `generated | djstack_settle_secrets(stored, given, rotate)`.

Given (from the vault) wins over stored (secrets.json on the host) wins over
generated (new random values, used only for a name neither has). With
rotate, a secret whose given value differs from the stored one keeps the
stored value as <name>_retiring (and an earlier <name>_retiring stays until
the rotation is done), so a run cut half-way can still log in with it.
Each role owns its names in the shared secrets.json: the keys of others are
stored as they were. `length | djstack_new_secret` draws a new random value
(the one alphabet of generated secrets). Unit tests:
tests/unit/test_filter_djstack_secrets.py.
"""
import secrets as _random
import string

from ansible.errors import AnsibleFilterError

# Safe unquoted in env files, URLs, SQL strings and shells.
ALPHABET = string.ascii_letters + string.digits


def settle_secrets(generated, stored, given, rotate=False):
    """{'secrets': what the role uses, 'store': the whole file to write}."""
    stored = dict(stored or {})
    names = list(generated)
    secrets = dict(generated)
    secrets.update({k: v for k, v in stored.items() if k in names})
    secrets.update({k: v for k, v in (given or {}).items() if k in names and v != ""})
    retiring = {}
    if rotate:
        for name in names:
            if name in stored and stored[name] != secrets[name]:
                value = stored[name]
            else:
                value = stored.get(name + "_retiring", "")
            if value != "":
                retiring[name + "_retiring"] = value
    store = {k: v for k, v in stored.items() if not (rotate and k in {n + "_retiring" for n in names})}
    store.update(secrets)
    store.update(retiring)
    return {"secrets": dict(secrets, **retiring), "store": store}


def new_secret(length):
    """A new random secret of `length` letters and digits (from the OS's CSPRNG)."""
    try:
        count = int(length)
    except (TypeError, ValueError):
        count = 0
    if count < 16:
        raise AnsibleFilterError("djstack_new_secret: a secret has at least 16 characters, not %r" % (length,))
    return "".join(_random.choice(ALPHABET) for _ in range(count))


class FilterModule:
    def filters(self):
        return {"djstack_settle_secrets": settle_secrets, "djstack_new_secret": new_secret}
