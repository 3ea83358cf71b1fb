#!/usr/bin/env python3
"""Pin the stack's service images by digest: print the inventory lines that do it.

    scripts/pin-images.py > inventory/production/group_vars/all/images.yml

Each image is asked of its registry (the Registry HTTP API v2, the anonymous
token of Docker Hub and most registries) for the digest its tag points to
now, and printed as the role variable that names it, for example

    django_stack_nginx_image: nginx:1.28@sha256:0123...

A deploy then runs exactly that image on every host, and pulls it when the
digest changes: to take a new patch release of nginx (or MariaDB, Redis,
Python), run the script again, read the diff, and deploy. Without a pin an
image is pulled once under its tag and kept (docs/security.md).

Arguments: VARIABLE=IMAGE to pin other images or other tags (the defaults are
the roles' own). The database's line is commented out unless its image is
named (django_stack_db_image=mariadb:11.8, or mysql:8.4 for MySQL 8 data):
a given image wins over the engine a host's data implies. --plain-http HOST for a registry without
TLS (a test registry). Exit status 1, with a message, if any image cannot be
resolved: nothing is printed then, so a redirect never writes half a file.
"""

import argparse
import datetime
import hashlib
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

# The roles' defaults (roles/*/defaults/main.yml, plugins/filter/djstack_db.py:
# the engine of a new database), with the variable that names each.
DEFAULTS = {
    "django_stack_nginx_image": "nginx:1.28",
    "django_stack_redis_image": "redis:8",
    "django_stack_db_image": "mariadb:11.8",
    "django_image_python_image": "python:3.13-slim",
}

DOCKER_HUB = "registry-1.docker.io"
ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
])
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
VARIABLE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
# name[:tag], without a digest (a pinned reference is pinned again from its tag).
REFERENCE_RE = re.compile(r"^(?P<name>[a-z0-9]+([._/:-][a-z0-9]+)*?)(:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$")


class PinError(Exception):
    """An image that cannot be resolved, with what to do about it."""


def parse_reference(reference):
    """(registry, repository, tag, reference without digest) of an image reference.

    nginx:1.28 -> (registry-1.docker.io, library/nginx, 1.28); a first part
    with a dot or a port, or localhost, is a registry. A digest already there
    is dropped: the tag is resolved again.
    """
    plain = reference.split("@", 1)[0]
    match = REFERENCE_RE.match(plain)
    if not match:
        raise PinError("%r is not an image reference such as nginx:1.28" % reference)
    name, tag = match.group("name"), match.group("tag") or "latest"
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, name
        if "/" not in repository:
            repository = "library/" + repository
    if ":" in repository:
        raise PinError("%r is not an image reference such as nginx:1.28" % reference)
    return registry, repository, tag, plain if match.group("tag") else plain + ":latest"


def _challenge(header):
    """The parameters of a WWW-Authenticate: Bearer challenge, or None."""
    scheme, _, params = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return dict(re.findall(r'(\w+)="([^"]*)"', params))


def _open(request, timeout):
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        return error


def resolve(reference, plain_http=(), timeout=20):
    """The digest that reference's tag points to now, as sha256:<hex>."""
    registry, repository, tag, _ = parse_reference(reference)
    scheme = "http" if registry in plain_http else "https"
    url = "%s://%s/v2/%s/manifests/%s" % (scheme, registry, repository, urllib.parse.quote(tag))
    headers = {"Accept": ACCEPT}
    try:
        response = _open(urllib.request.Request(url, headers=headers, method="HEAD"), timeout)
        if response.status == 401:
            params = _challenge(response.headers.get("WWW-Authenticate"))
            if not params or "realm" not in params:
                raise PinError("%s asks for credentials this script does not have (%s)" % (registry, url))
            query = {key: params[key] for key in ("service", "scope") if key in params}
            query.setdefault("scope", "repository:%s:pull" % repository)
            token_url = params["realm"] + "?" + urllib.parse.urlencode(query)
            token_response = _open(urllib.request.Request(token_url), timeout)
            if token_response.status != 200:
                raise PinError("%s refused an anonymous token (HTTP %d)" % (params["realm"], token_response.status))
            body = json.load(token_response)
            token = body.get("token") or body.get("access_token")
            if not token:
                raise PinError("%s gave no token" % params["realm"])
            headers["Authorization"] = "Bearer " + token
            response = _open(urllib.request.Request(url, headers=headers, method="HEAD"), timeout)
        if response.status == 404:
            raise PinError("%s has no tag %s in %s" % (registry, tag, repository))
        if response.status != 200:
            raise PinError("%s answered HTTP %d for %s" % (registry, response.status, url))
        digest = response.headers.get("Docker-Content-Digest", "")
        if not digest:
            # Registries need not send the header on HEAD: the digest is that of the manifest.
            response = _open(urllib.request.Request(url, headers=headers), timeout)
            if response.status != 200:
                raise PinError("%s answered HTTP %d for %s" % (registry, response.status, url))
            digest = "sha256:" + hashlib.sha256(response.read()).hexdigest()
    except (urllib.error.URLError, OSError) as error:
        raise PinError("cannot reach %s: %s" % (registry, getattr(error, "reason", error))) from None
    if not DIGEST_RE.match(digest):
        raise PinError("%s gave %r, not a sha256 digest" % (registry, digest))
    return digest


# A given database image wins over the engine a host's data implies
# (plugins/filter/djstack_db.py): its line is printed commented out unless
# the engine was named on the command line, so that pasting the output never
# points a MySQL 8 host at MariaDB.
DB_NOTE = (
    "# The database: a given image wins over the engine each host's data implies. Uncomment\n"
    "# only if every host runs this engine (MySQL 8 data: django_stack_db_image=mysql:8.4).\n"
)


def pinned_lines(images, plain_http=(), today=None, commented=()):
    """The YAML lines pinning each {variable: reference}; PinError names every failure.

    Variables in commented are printed commented out, after DB_NOTE."""
    lines, errors = [], []
    for variable, reference in images.items():
        try:
            plain = parse_reference(reference)[3]
            line = "%s: %s@%s" % (variable, plain, resolve(reference, plain_http))
            lines.append(DB_NOTE + "# " + line if variable in commented else line)
        except PinError as error:
            errors.append("%s (%s): %s" % (variable, reference, error))
    if errors:
        raise PinError("; ".join(errors))
    header = "# The stack's service images by digest (scripts/pin-images.py%s).\n" % (
        ", " + today if today else "")
    return header + "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="*", metavar="VARIABLE=IMAGE",
                        help="an image to pin instead of the role default (e.g. django_stack_db_image=mysql:8.4)")
    parser.add_argument("--plain-http", action="append", default=[], metavar="HOST",
                        help="a registry (host:port) without TLS, e.g. a test registry")
    args = parser.parse_args(argv)
    images = dict(DEFAULTS)
    named = set()
    for item in args.images:
        variable, sep, reference = item.partition("=")
        if not sep or not VARIABLE_RE.match(variable) or not reference:
            parser.error("%r: write VARIABLE=IMAGE, e.g. django_stack_db_image=mysql:8.4" % item)
        images[variable] = reference
        named.add(variable)
    try:
        today = datetime.date.today().isoformat()
        commented = {"django_stack_db_image"} - named
        sys.stdout.write(pinned_lines(images, tuple(args.plain_http), today, commented))
    except PinError as error:
        print("pin-images: %s" % error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
