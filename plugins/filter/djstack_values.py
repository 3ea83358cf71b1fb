"""Shapes of the values the roles write into files, and their encodings.

Every string an inventory gives a role ends up in a file of some format
(nginx, env, systemd, YAML, SQL, HAProxy). A value that leaves its field
there (a newline, a quote, a `;` or `{`) adds configuration of its own. Each
role's tasks/validate.yml names the shape of each such variable, and
djstack_check_values returns one message per value that does not fit,
naming the variable and saying what to write instead:

    _shapes:
      django_stack_health_path: url_path
      django_stack_trusted_proxies: cidr                  # a list: each element
      django_stack_app_env: {keys: env_name, values: env_value}
      django_stack_schedules: {fields: {name: name, on_calendar: calendar}}
    _errors: "{{ _shapes | djstack_check_values(query('ansible.builtin.vars', *_shapes, default=None)) }}"

A shape is a name of SHAPES, `optional:NAME` (also "" allowed) or a dict:
keys/values (a mapping's), fields (each mapping of a list, by key). A list
value is checked element by element. tests/unit/test_hostile_values.py
feeds every string variable of every argument spec hostile values.
"""

import re

# name: (regex, what to write). No shape lets a control character through
# except pem (the newlines of a PEM block).
_HOST = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
_IP6 = r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*"
_IMAGE_PATH = r"[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*"
_IMAGE_REPO = r"(" + _HOST + r"(:[0-9]{1,5})?/)?" + _IMAGE_PATH
SHAPES = {
    "name": (r"[a-z0-9][a-z0-9_-]*", "lowercase letters, digits, '-' and '_', for example mysite"),
    "word": (r"[A-Za-z0-9][A-Za-z0-9._-]*", "letters, digits, '.', '_' and '-'"),
    "db_name": (r"[A-Za-z0-9_]{1,64}", "letters, digits and '_' (at most 64), for example django"),
    "db_user": (r"[A-Za-z0-9_]{1,32}", "letters, digits and '_' (at most 32), for example django"),
    "package": (r"[A-Za-z0-9][A-Za-z0-9.+_:=~*-]*", "a package name such as docker.io (with =VERSION if pinned)"),
    "sshd_keyword": (r"[A-Za-z]+", "an sshd keyword (letters only)"),
    "time": (r"([01][0-9]|2[0-3]):[0-5][0-9]|now", "HH:MM (24 h) or now"),
    "bytes": (r"[0-9]+(\.[0-9]+)?([kKmMgGtT][iI]?)?[bB]?", "a size such as 2GB or 500MB"),
    "varname": (r"[a-z_][a-z0-9_]*", "a variable name (lowercase letters, digits and '_')"),
    "user_id": (r"[0-9]{1,10}(:[0-9]{1,10})?", "a numeric uid or uid:gid such as 10001:10001"),
    "env_name": (r"[A-Za-z_][A-Za-z0-9_]*", "an environment variable name such as DJANGO_SETTING"),
    "module": (r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", "a Python module path such as mysite"),
    "path": (r"/[A-Za-z0-9._+@,=-]*(/[A-Za-z0-9._+@,=-]+)*/?", "an absolute path of letters, digits and ._+@,=-"),
    "relpath": (r"[A-Za-z0-9._+@-][A-Za-z0-9._+@/-]*", "a relative path such as docker/Dockerfile"),
    "file": (r"/?[A-Za-z0-9._+@-][A-Za-z0-9._+@/-]*", "a file name or path of letters, digits and ._+@-/"),
    "url_path": (r"/[A-Za-z0-9._~!*()+,=:@%/-]*", "a URL path such as /healthz/ (no spaces, quotes, ;, { or ?)"),
    "host": (_HOST, "a host name such as web1.example.com"),
    "domain": (r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*", "a lowercase host name"),
    "address": (r"[0-9]{1,3}(\.[0-9]{1,3}){3}|" + _IP6, "an IPv4 or IPv6 address such as 10.0.0.5"),
    "host_or_address": (_HOST + "|" + _IP6, "a host name or an IP address"),
    "cidr": (r"([0-9]{1,3}(\.[0-9]{1,3}){3}|" + _IP6 + r")(/[0-9]{1,3})?", "an address or network such as 10.0.0.0/24"),
    "interface": (r"[A-Za-z0-9_.*+-]{1,15}", "an interface name such as docker0 or br-*"),
    "image": (
        _IMAGE_REPO + r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?",
        "one image reference such as nginx:1.28 or registry.example.com/acme/app@sha256:...",
    ),
    "image_repo": (
        _IMAGE_REPO,
        "an image repository without a tag, such as mysite-app or registry.example.com/acme/app",
    ),
    "size": (r"[0-9]+[kKmMgG]?", "a size such as 10m, 512k or 1g"),
    "url": (r"https?://[A-Za-z0-9._~:/?#\[\]@!*+,=%&-]+", "a URL such as https://example.com/path"),
    "repo_url": (
        r"[A-Za-z0-9._~:/?#\[\]@!*+,=%&-]+",
        "a git URL such as https://git.example.com/me/mysite.git or git@git.example.com:me/mysite.git",
    ),
    "git_ref": (r"[A-Za-z0-9._/@^~+-]+", "a branch, tag or commit such as main or v1.2"),
    "email": (r"[A-Za-z0-9._%+-]+@" + _HOST, "an e-mail address such as admin@example.com"),
    "calendar": (r"[A-Za-z0-9 *:/,.~+-]+", 'a systemd calendar expression such as daily or "Mon *-*-* 03:00"'),
    "restic_repo": (r"[A-Za-z0-9._~:/?@!*+,=%&-]+", "a restic repository such as sftp:backup@host:/srv/restic"),
    "restic_subset": (
        r"[1-9][0-9]*/[1-9][0-9]*|[0-9]+(\.[0-9]+)?%|[1-9][0-9]*[kKmMgGtT]?",
        "a part of the data such as 1/20, 5% or 500M",
    ),
    "s3_key": (r"[A-Za-z0-9/+=_.-]+", "the key as the provider shows it (letters, digits, /+=_.-)"),
    # Written into nginx strings in double quotes: no ", \ or $ (a variable).
    "csp": (r"[^\x00-\x1f\x7f\"\\$]*", 'one line without ", \\ or $'),
    # Written single-quoted into env files compose reads: no ' and no
    # trailing backslash (it would escape the closing quote).
    "env_value": (r"[^\x00-\x1f\x7f']*(?<!\\)", "one line without ' (and not ending in \\)"),
    # Passwords: single-quoted in env files, a bare word in redis.conf.
    "secret": (r"[^\x00-\x20\x7f'\"\\]+", "printable characters without spaces, ', \" or \\"),
    "line": (r"[^\x00-\x1f\x7f]*", "one line without control characters"),
    "pem": (
        r"(-----BEGIN [A-Z0-9 ]+-----\r?\n[A-Za-z0-9+/=:,\-\s]+?-----END [A-Z0-9 ]+-----\s*)+",
        "PEM blocks only (-----BEGIN ...----- to -----END ...-----), for example read with the file lookup",
    ),
}


def _describe(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check(path, value, shape, errors):
    """Append to errors a message for each part of value that does not fit shape."""
    if value is None:
        return
    if isinstance(shape, dict):
        if "fields" in shape:
            for index, item in enumerate(value if isinstance(value, list) else [value]):
                if isinstance(item, dict):
                    for field, field_shape in shape["fields"].items():
                        if field in item:
                            _check("%s[%d].%s" % (path, index, field), item[field], field_shape, errors)
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if "keys" in shape:
                    _check("%s (key %s)" % (path, _describe(key)), key, shape["keys"], errors)
                if "values" in shape:
                    _check("%s.%s" % (path, key), item, shape["values"], errors)
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check("%s[%d]" % (path, index), item, shape, errors)
        return
    if isinstance(value, bool):
        value = str(value).lower()
    elif isinstance(value, (int, float)):
        value = str(value)
    optional = shape.startswith("optional:")
    name = shape.split(":", 1)[1] if optional else shape
    regex, hint = SHAPES[name]
    if optional and value == "":
        return
    if not isinstance(value, str) or re.fullmatch(regex, value) is None:
        errors.append("%s must be %s; got %s." % (path, hint, _describe(value)))


def djstack_check_values(shapes, values):
    """One message per value that does not fit its shape ([] when all fit).

    shapes: {variable: shape}; values: the variables' values, in the order
    of shapes (as query('ansible.builtin.vars', *shapes, default=None)
    returns them; None, an unset variable, is left to the required checks),
    or a mapping {variable: value}.
    """
    if isinstance(values, dict):
        values = [values.get(name) for name in shapes]
    unknown = sorted({s for s in _leaf_shapes(shapes.values()) if s.split(":", 1)[-1] not in SHAPES})
    if unknown:
        raise ValueError("djstack_check_values: unknown shape(s) %s" % ", ".join(unknown))
    errors = []
    for (name, shape), value in zip(shapes.items(), values, strict=True):
        _check(name, value, shape, errors)
    return errors


def _leaf_shapes(shapes):
    for shape in shapes:
        if isinstance(shape, dict):
            yield from _leaf_shapes([shape[k] for k in ("keys", "values") if k in shape])
            yield from _leaf_shapes(shape.get("fields", {}).values())
        else:
            yield shape


_SYSTEMD_SAFE = re.compile(r"[A-Za-z0-9._:/@+=,-]+")


def djstack_systemd_arg(value):
    """One argument of an Exec*= line: as is when it is a plain word (so the
    unit of an ordinary value is unchanged), else double-quoted with \\, ",
    % and $ escaped (systemd.service "Command lines", systemd.unit specifiers)."""
    value = str(value)
    if _SYSTEMD_SAFE.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return '"%s"' % escaped


class FilterModule:
    def filters(self):
        return {
            "djstack_check_values": djstack_check_values,
            "djstack_systemd_arg": djstack_systemd_arg,
        }
