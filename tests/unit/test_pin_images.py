"""scripts/pin-images.py: the service images' digests from their registries, run as a program.

A thread plays a registry (Registry HTTP API v2) on loopback: Docker Hub's
way (401 with a Bearer challenge, an anonymous token, then the manifest's
Docker-Content-Digest), or a plain one that sends no digest header on HEAD.
"""

import hashlib
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import REPO, run

PROGRAM = REPO / "scripts/pin-images.py"
MANIFEST = b'{"schemaVersion": 2, "manifests": []}'
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
TOKEN = "t0ken"


class Registry(BaseHTTPRequestHandler):
    # Set per server: does the registry want a token, and send the digest header?
    auth = True
    digest_header = True
    tags = {"library/nginx": {"1.28"}, "library/redis": {"8"}, "library/mariadb": {"11.8"},
            "library/python": {"3.13-slim"}, "library/mysql": {"8.4"}, "acme/app": {"v1"}}
    seen = []

    def log_message(self, *args):
        pass

    def _manifest(self, body):
        self.seen.append((self.command, self.path, self.headers.get("Authorization", ""),
                          self.headers.get("Accept", "")))
        if self.path.startswith("/token"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(json.dumps({"token": TOKEN}).encode())
            return
        if self.auth and self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.send_response(401)
            realm = "http://%s:%d/token" % self.server.server_address
            self.send_header("WWW-Authenticate", 'Bearer realm="%s",service="test.registry"' % realm)
            self.end_headers()
            return
        parts = self.path.split("/manifests/")
        repository, tag = parts[0][len("/v2/"):], parts[1] if len(parts) == 2 else ""
        if tag not in self.tags.get(repository, ()):
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        if self.digest_header:
            self.send_header("Docker-Content-Digest", DIGEST)
        self.send_header("Content-Length", str(len(MANIFEST)))
        self.end_headers()
        if body:
            self.wfile.write(MANIFEST)

    def do_HEAD(self):  # noqa: N802 (http.server's naming)
        self._manifest(body=False)

    def do_GET(self):  # noqa: N802
        self._manifest(body=True)


@pytest.fixture
def registry():
    """A registry on loopback: yields (host:port, handler class to configure)."""
    handler = type("TestRegistry", (Registry,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1:%d" % server.server_address[1], handler
    server.shutdown()


# The roles' four images, as the test registry serves them.
IMAGES = [("django_stack_nginx_image", "nginx:1.28"), ("django_stack_redis_image", "redis:8"),
          ("django_stack_db_image", "mariadb:11.8"), ("django_image_python_image", "python:3.13-slim")]


def on(host, **tags):
    """{variable: reference} of the four images on the registry at host (tags: other references)."""
    return {var: "%s/library/%s" % (host, tags.get(var, ref)) for var, ref in IMAGES}


def pin(registry_host, images):
    return run([sys.executable, str(PROGRAM), "--plain-http", registry_host,
                *("%s=%s" % item for item in images.items())])


def program():
    """The program's functions, from its file (it is not an importable module name)."""
    namespace = {}
    exec(compile(PROGRAM.read_text(), str(PROGRAM), "exec"), namespace)  # noqa: S102 (the program's own code)
    return namespace


def test_pins_every_default_with_a_token(registry):
    host, handler = registry
    result = pin(host, on(host))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# The stack's service images by digest (scripts/pin-images.py, ")
    assert lines[1:] == [
        "django_stack_nginx_image: %s/library/nginx:1.28@%s" % (host, DIGEST),
        "django_stack_redis_image: %s/library/redis:8@%s" % (host, DIGEST),
        "django_stack_db_image: %s/library/mariadb:11.8@%s" % (host, DIGEST),
        "django_image_python_image: %s/library/python:3.13-slim@%s" % (host, DIGEST),
    ]
    # Each image: a refused HEAD, a token, the HEAD with it (manifest lists accepted).
    heads = [seen for seen in handler.seen if seen[0] == "HEAD"]
    assert [seen[2] for seen in heads] == ["", "Bearer " + TOKEN] * 4
    assert all("manifest.list.v2+json" in seen[3] and "image.index.v1+json" in seen[3] for seen in heads)
    assert sum(1 for seen in handler.seen if seen[1].startswith("/token?")) == 4
    assert "scope=repository%3Alibrary%2Fnginx%3Apull" in [s[1] for s in handler.seen if s[1].startswith("/token")][0]


def test_a_pinned_reference_is_pinned_again_from_its_tag(registry):
    host, handler = registry
    old = "sha256:" + "0" * 64
    images = dict(on(host, django_stack_db_image="mysql:8.4"),
                  django_stack_nginx_image="%s/acme/app:v1@%s" % (host, old))
    result = pin(host, images)
    assert result.returncode == 0, result.stderr
    assert "django_stack_nginx_image: %s/acme/app:v1@%s\n" % (host, DIGEST) in result.stdout
    assert old not in result.stdout


def test_digest_from_the_manifest_when_head_sends_none(registry):
    host, handler = registry
    handler.auth = False
    handler.digest_header = False
    result = pin(host, on(host))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("@" + DIGEST) == 4
    assert [seen[0] for seen in handler.seen] == ["HEAD", "GET"] * 4


def test_a_missing_tag_fails_and_prints_nothing(registry):
    host, _ = registry
    result = pin(host, on(host, django_stack_nginx_image="nginx:9.99"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "django_stack_nginx_image" in result.stderr and "has no tag 9.99 in library/nginx" in result.stderr


def test_an_unreachable_registry_fails_with_its_name():
    result = pin("127.0.0.1:9", on("127.0.0.1:9"))
    assert result.returncode == 1 and result.stdout == ""
    assert "cannot reach 127.0.0.1:9" in result.stderr


@pytest.mark.parametrize("argument", ["nginx:1.28", "Bad-Name=nginx", "django_stack_nginx_image="])
def test_bad_arguments_are_refused(argument):
    result = run([sys.executable, str(PROGRAM), argument])
    assert result.returncode == 2 and "VARIABLE=IMAGE" in result.stderr


def test_references_are_parsed_as_docker_does():
    namespace = program()
    parse = namespace["parse_reference"]
    assert parse("nginx:1.28") == ("registry-1.docker.io", "library/nginx", "1.28", "nginx:1.28")
    assert parse("nginx") == ("registry-1.docker.io", "library/nginx", "latest", "nginx:latest")
    assert parse("bitnami/redis:8") == ("registry-1.docker.io", "bitnami/redis", "8", "bitnami/redis:8")
    assert parse("ghcr.io/acme/app:v1") == ("ghcr.io", "acme/app", "v1", "ghcr.io/acme/app:v1")
    assert parse("localhost:5000/nginx:stable") == ("localhost:5000", "nginx", "stable", "localhost:5000/nginx:stable")
    assert parse("localhost/nginx") == ("localhost", "nginx", "latest", "localhost/nginx:latest")
    assert parse("nginx:1.28@sha256:" + "a" * 64)[3] == "nginx:1.28"
    for bad in ["", "NGINX:1", "nginx:1.28\nprivileged: true", "nginx:1 28", "a:b:c"]:
        with pytest.raises(namespace["PinError"]):
            parse(bad)


def test_the_database_line_is_commented_out_unless_named(registry, capsys):
    """Pasting the output must never point a MySQL 8 host at MariaDB: a given image wins over its data."""
    host, _ = registry
    namespace = program()
    namespace["DEFAULTS"] = on(host)
    assert namespace["main"](["--plain-http", host]) == 0
    out = capsys.readouterr().out
    assert "\ndjango_stack_nginx_image: %s/library/nginx:1.28@%s\n" % (host, DIGEST) in out
    assert "\n# django_stack_db_image: %s/library/mariadb:11.8@%s\n" % (host, DIGEST) in out
    assert "\ndjango_stack_db_image" not in out and "MySQL 8 data: django_stack_db_image=mysql:8.4" in out
    assert namespace["main"](["--plain-http", host, "django_stack_db_image=%s/library/mysql:8.4" % host]) == 0
    out = capsys.readouterr().out
    assert "\ndjango_stack_db_image: %s/library/mysql:8.4@%s\n" % (host, DIGEST) in out
    assert "# django_stack_db" not in out
