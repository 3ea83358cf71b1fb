"""Which secrets a role uses and stores: `generated | djstack_settle_secrets(stored, given, rotate)`.

Given (from the vault) wins over stored (secrets.json on the host) wins over
generated (new random values, used only for a name neither has). With
rotate, a secret whose given value differs from the stored one keeps the
stored value as <name>_retiring (and an earlier <name>_retiring stays until
the rotation is done), so a run cut half-way can still log in with it.
Each role owns its names in the shared secrets.json: the keys of others are
stored as they were. `length | djstack_new_secret` draws a new random value
(the one alphabet of generated secrets). `content | djstack_stored_secrets(path)`
reads the stored file as slurp returns it, and refuses one that is not a
JSON object of texts (cut short, edited by hand) without showing a value.
Unit tests: tests/unit/test_filter_djstack_secrets.py.
"""
import base64
import binascii
import json
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
    # The names drawn now: neither stored nor given. Where data already
    # depends on one (a database created with its password), the role stops.
    generated_now = sorted(name for name in names if name not in stored and (given or {}).get(name, "") == "")
    return {"secrets": dict(secrets, **retiring), "store": store, "generated": generated_now}


def stored_secrets(content, path):
    """The secrets of the file at `path` on the host, from slurp's base64 `content` (None: no file, {}).

    The messages name the file and what is wrong with it, never a value of it.
    """
    if content is None:
        return {}
    why = None
    try:
        text = base64.b64decode(content, validate=True).decode("utf-8")
        data = json.loads(text) if text.strip() else None
    except (binascii.Error, UnicodeDecodeError):
        why = "it is not UTF-8 text"
    except json.JSONDecodeError as error:
        why = "it is not valid JSON (%s at line %d, column %d)" % (error.msg, error.lineno, error.colno)
    else:
        if data is None:
            why = "it is empty" if not text.strip() else "it holds null, not an object of secrets"
        elif not isinstance(data, dict):
            kind = {list: "an array", str: "a string", bool: "a boolean"}.get(type(data), "a number")
            why = "it holds %s, not an object of secrets" % kind
        else:
            bad = sorted(str(key) for key, value in data.items() if not isinstance(value, str) or value == "")
            if bad:
                why = "the value of %s is not a text or is empty" % ", ".join(bad)
    if why:
        raise AnsibleFilterError(
            "%s, the secrets the earlier deploys stored, cannot be read: %s (a file cut short, or edited by hand). "
            "Nothing was changed. Put the file back from a copy, or give the secrets in the vault (see "
            "docs/operations.md, Troubleshooting: secrets.json); deleting it would make new passwords the "
            "database refuses." % (path, why))
    return data


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
        return {
            "djstack_settle_secrets": settle_secrets,
            "djstack_new_secret": new_secret,
            "djstack_stored_secrets": stored_secrets,
        }
