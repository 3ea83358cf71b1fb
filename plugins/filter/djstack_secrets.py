"""Which secrets a role uses and stores: `generated | djstack_settle_secrets(stored, given, rotate)`.

Given (from the vault) wins over stored (secrets.json on the host) wins over
generated (new random values, used only for a name neither has). With
rotate, a secret whose given value differs from the stored one keeps the
stored value as <name>_retiring (and an earlier <name>_retiring stays until
the rotation is done), so a run cut half-way can still log in with it.
Each role owns its names in the shared secrets.json: the keys of others are
stored as they were. Unit tests: tests/unit/test_filter_djstack_secrets.py.
"""


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


class FilterModule:
    def filters(self):
        return {"djstack_settle_secrets": settle_secrets}
