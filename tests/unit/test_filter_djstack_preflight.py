"""plugins/filter/djstack_preflight.py: the listeners on the site's ports
that are not the stack's own (preflight's host.yml), the parts of
app_source_repo (vars/main.yml) and the booleans given as text (types.yml)."""

import json

import pytest
import yaml
from conftest import REPO, load

preflight = load("plugins/filter/djstack_preflight.py")

# ss -H -t -l -n -p '( sport = :80 or sport = :443 )' on a host running nginx
# on the host itself (v4 and v6) and the stack's published port 443.
SS = [
    'LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    users:(("nginx",pid=812,fd=6),("nginx",pid=811,fd=6))',
    'LISTEN 0      511             [::]:80           [::]:*    users:(("nginx",pid=812,fd=7))',
    'LISTEN 0      4096         0.0.0.0:443       0.0.0.0:*    users:(("docker-proxy",pid=2301,fd=7))',
    'LISTEN 0      4096            [::]:443          [::]:*    users:(("docker-proxy",pid=2308,fd=7))',
]
OURS = [json.dumps({"Names": "mysite-nginx-1", "Ports": "0.0.0.0:443->443/tcp, [::]:443->443/tcp"})]


def test_each_line_gives_port_process_and_pid():
    assert preflight.listeners(SS[:1] + SS[2:3]) == [
        {"port": 80, "name": "nginx", "pid": "812"}, {"port": 443, "name": "docker-proxy", "pid": "2301"}]
    # Without the process (ss run without the privilege to see it), and a line ss never writes.
    assert preflight.listeners(["LISTEN 0 511 0.0.0.0:8080 0.0.0.0:*", "garbage"]) == [
        {"port": 8080, "name": "?", "pid": "?"}, {"port": 0, "name": "?", "pid": "?"}]
    assert preflight.listeners(None) == []


def test_only_the_stacks_own_published_ports_are_allowed():
    foreign = preflight.foreign_listeners(SS, OURS)
    assert [(e["port"], e["name"]) for e in foreign] == [(80, "nginx"), (80, "nginx")]
    # Another project's container on 443: docker-proxy there is foreign too.
    assert [e["port"] for e in preflight.foreign_listeners(SS[2:], [])] == [443, 443]
    other = [json.dumps({"Ports": "0.0.0.0:8443->443/tcp"})]
    assert [e["port"] for e in preflight.foreign_listeners(SS[2:], other)] == [443, 443]
    # A free host, and a rerun of the stack on its own ports.
    assert preflight.foreign_listeners([], OURS) == []
    assert preflight.foreign_listeners(SS[2:], OURS) == []


# ---- the parts of app_source_repo (vars/main.yml) ------------------------------

@pytest.mark.parametrize("url, scheme, host, port", [
    ("https://github.com/org/app.git", "https", "github.com", 443),
    ("https://user:tok@git.example.com:8443/org/app.git", "https", "git.example.com", 8443),
    ("http://git.example.com/app.git", "http", "git.example.com", 80),
    ("ssh://git@host:2222/srv/app.git", "ssh", "host", 2222),
    ("git+ssh://git@host/srv/app.git", "git+ssh", "host", 22),
    ("git@github.com:org/app.git", "ssh", "github.com", 22),
    # git's own rule: a colon before any slash is an scp-like SSH address, user or not.
    ("github.com:org/app.git", "ssh", "github.com", 22),
    ("git://djstack-fleet-git/app.git", "git", "djstack-fleet-git", 9418),
    ("git://host:9419/app.git", "git", "host", 9419),
    ("ssh://git@[2001:db8::7]:2222/app.git", "ssh", "2001:db8::7", 2222),
    ("HTTPS://Git.Example.com/app.git", "https", "git.example.com", 443),
    ("/srv/git/app.git", "file", "", None),
    ("./app:v2", "file", "", None),
    ("file:///srv/git/app.git", "file", "", None),
    ("https://host:99999/app.git", "https", "host", None),
])
def test_repo_parts(url, scheme, host, port):
    parts = preflight.repo_parts(url)
    assert (parts["scheme"], parts["host"], parts["port"]) == (scheme, host, port)


def test_repo_credentials_are_masked_and_make_it_private():
    parts = preflight.repo_parts("https://deploy:s3cret@git.example.com/org/app.git")
    assert parts["shown"] == "https://***@git.example.com/org/app.git" and "s3cret" not in str(parts["shown"])
    assert parts["password"] and not parts["private"]
    assert preflight.repo_parts("ssh://git@host/app.git")["shown"] == "ssh://***@host/app.git"
    # The same mask for git's own messages (host.yml, commit.yml).
    assert preflight.mask_credentials("fatal: could not read https://u:tok@h/a.git and ssh://git@h/b") == (
        "fatal: could not read https://***@h/a.git and ssh://***@h/b")
    assert not preflight.repo_parts("ssh://git@host/app.git")["password"]
    # Readable only with what the deploy writes later: an SSH key, an HTTPS token.
    assert preflight.repo_parts("git@host:app.git")["private"]
    assert preflight.repo_parts("https://host/app.git", "ghp_token")["private"]
    assert not preflight.repo_parts("https://host/app.git", "")["private"]
    assert preflight.repo_parts(None) == {"shown": "", "scheme": "file", "host": "", "port": None,
                                          "private": False, "password": False}


# ---- booleans, lists and mappings given as text (types.yml) ----------------------

def test_the_typed_options_of_the_roles_specs_less_the_wired_ones():
    specs = {role: yaml.safe_load((REPO / "roles" / role / "meta/argument_specs.yml").read_text())
             for role in ("django_stack", "firewall")}
    typed = preflight.typed_options(specs, {"django_stack": ["django_stack_https"]})
    assert typed["firewall_enabled"] == "bool" and typed["django_stack_proxy_https"] == "bool"
    assert typed["django_stack_domains"] == "list" and typed["django_stack_app_env"] == "dict"
    assert "django_stack_https" not in typed and "django_stack_http_port" not in typed
    assert preflight.typed_options({"r": {"argument_specs": {"main": {"options": {
        "r_on": {"type": "bool"}, "r_port": {"type": "int"}, "r_none": None}}}}, "empty": None}) == {"r_on": "bool"}


def test_text_for_a_boolean_list_or_mapping_is_named_with_the_json_to_pass():
    typed = {"a_on": "bool", "b_on": "bool", "c_names": "list", "d_env": "dict", "e_names": "list"}
    found = preflight.text_problems(typed, [True, "false", "www.example.com, example.com", "A=1", ["x"]], "web1")
    assert found == [
        'web1: b_on is the text "false", not a boolean (-e name=value, and an INI inventory\'s group vars, always give '
        "text): set it in a YAML inventory, or pass it as JSON: -e '{\"b_on\": false}'.",
        'web1: c_names is the text "www.example.com, example.com", not a list (-e name=value, and an INI inventory\'s '
        "group vars, always give text): set it in a YAML inventory, or pass it as JSON: "
        "-e '{\"c_names\": [\"www.example.com\", \"example.com\"]}'.",
        # A mapping's text may be a secret: not shown.
        "web1: d_env is some text, not a mapping (-e name=value, and an INI inventory's group vars, always give "
        "text): set it in a YAML inventory, or pass it as JSON: -e '{\"d_env\": {\"key\": \"value\"}}'."]
    assert "S3CRET" not in str(preflight.text_problems({"env": "dict"}, ["AWS_SECRET_ACCESS_KEY=S3CRET"], "h"))
    # Ansible's own reading of a boolean's text.
    assert "true}" in preflight.text_problems({"x": "bool"}, ["Yes"], "h")[0]
    assert "false}" in preflight.text_problems({"x": "bool"}, ["off"], "h")[0]
    assert preflight.text_problems({}, [], "h") == []
