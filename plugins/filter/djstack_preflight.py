"""Filters of the preflight role: who holds the site's ports (host.yml), the
parts of the app's repository URL it checks (vars/main.yml) and the
booleans, lists and mappings given as text (types.yml).
Unit tests: tests/unit/test_filter_djstack_preflight.py.
"""

import json
import re
from urllib.parse import urlsplit

from ansible.module_utils.parsing.convert_bool import boolean

# ss -H -t -l -n -p: State Recv-Q Send-Q Local:Port Peer:Port users:(("name",pid=N,fd=M),...)
SS_LINE = re.compile(r':(\d+)\s+\S+\s*(?:users:\(\("([^"]*)",pid=(\d+))?')
# docker ps --format json, Ports: "0.0.0.0:80->80/tcp, [::]:80->80/tcp"
PUBLISHED = re.compile(r":([0-9]+)->")


def listeners(ss_lines):
    """Each listening socket of `ss` output: {port, name, pid} ('?' when ss
    could not name the process; port 0 for a line it did not understand)."""
    found = []
    for line in ss_lines or []:
        match = SS_LINE.search(line)
        port, name, pid = match.groups() if match else (0, None, None)
        found.append({"port": int(port), "name": name or "?", "pid": pid or "?"})
    return found


def foreign_listeners(ss_lines, published_lines=()):
    """The listeners on the site's ports that are not this stack's: any
    process but docker-proxy, and docker-proxy on a port that none of the
    stack's containers publishes (published_lines: `docker ps --format json`
    of its compose project, one JSON object a line)."""
    ours = set()
    for line in published_lines or []:
        ours.update(int(port) for port in PUBLISHED.findall(json.loads(line).get("Ports", "")))
    return [entry for entry in listeners(ss_lines)
            if entry["name"] != "docker-proxy" or entry["port"] not in ours]


# The git server's port when the URL names none.
DEFAULT_PORTS = {"https": 443, "http": 80, "git": 9418, "ssh": 22, "git+ssh": 22, "ssh+git": 22}
SSH_SCHEMES = ("ssh", "git+ssh", "ssh+git")
# user[:password]@ after the scheme: masked wherever the URL is shown.
USERINFO = re.compile(r"://[^/@]+@")


def mask_credentials(text):
    """text with the user and password of every URL in it masked (://***@)."""
    return USERINFO.sub("://***@", str(text))


def repo_parts(url, https_token=""):
    """What preflight needs of app_source_repo: {shown (the URL with its
    user and password masked), scheme ('file' for a local path), host and
    port of the git server ('' and None for a local path; port None for a
    port that is no number), private (only readable with credentials the
    deploy writes later: SSH, or HTTPS with a token), password (the URL
    itself holds one: its commands are not logged)}.

    Git's own rule tells an scp-like address ([user@]host:path, SSH) from a
    local path: a colon before any slash, and no "://"."""
    url = str(url or "")
    colon, slash = url.find(":"), url.find("/")
    if "://" not in url and colon > 0 and (slash < 0 or colon < slash):
        scheme, host, port = "ssh", url[:colon].rpartition("@")[2], 22
    elif "://" in url:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname or ""
        try:
            port = (parts.port or DEFAULT_PORTS.get(scheme, 22)) if host else None
        except ValueError:
            port = None
    else:
        scheme, host, port = "file", "", None
    return {"shown": mask_credentials(url), "scheme": scheme, "host": host, "port": port,
            "private": scheme in SSH_SCHEMES or bool(https_token),
            "password": bool(re.search(r"://[^/@]+:[^/@]+@", url))}


# The option types whose value text can never be: a boolean, list or mapping
# given as text (-e name=value, an INI inventory's group vars) is taken
# character by character, or any text for true.
NOT_TEXT = {"bool": "a boolean", "list": "a list", "dict": "a mapping"}


def typed_options(specs, wired=None):
    """{name: type} of the bool, list and dict options of each role's main
    entry point, less those the playbook fills in (wired: {role: [name]}).

    specs: {role: its meta/argument_specs.yml, read}."""
    found = {}
    for role, document in (specs or {}).items():
        options = (((document or {}).get("argument_specs") or {}).get("main") or {}).get("options") or {}
        for name, option in options.items():
            kind = (option or {}).get("type")
            if kind in NOT_TEXT and name not in (wired or {}).get(role, ()):
                found[name] = kind
    return found


def _as_json(kind, text):
    if kind == "bool":
        return boolean(text.strip(), strict=False)
    if kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    return {"key": "value"}


def text_problems(typed, values, host):
    """One message per option of typed ({name: type}) whose value (values:
    theirs, in typed's order) is text, with the JSON to pass instead. A
    mapping's text is not shown: mappings hold secrets (environments,
    build secrets)."""
    found = []
    for (name, kind), value in zip(typed.items(), values, strict=True):
        if isinstance(value, str):
            shown = "some text" if kind == "dict" else 'the text "%s"' % value
            example = json.dumps({name: _as_json(kind, value)})
            found.append("%s: %s is %s, not %s (-e name=value, and an INI inventory's group vars, always give "
                         "text): set it in a YAML inventory, or pass it as JSON: -e '%s'."
                         % (host, name, shown, NOT_TEXT[kind], example))
    return found


class FilterModule:
    def filters(self):
        return {"djstack_foreign_listeners": foreign_listeners, "djstack_repo_parts": repo_parts,
                "djstack_mask_credentials": mask_credentials,
                "djstack_typed_options": typed_options, "djstack_text_problems": text_problems}
