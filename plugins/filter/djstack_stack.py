"""Filters of the django_stack role: what is wrong with its inputs beyond
their types (validate.yml: input_problems, and which entries of
django_stack_processes and django_stack_schedules are malformed), the user
each slot's containers run as (compose `user:`), who sees the health
endpoint's details (site.conf.j2) and the site's origins (vars/main.yml).
Unit tests: tests/unit/test_filter_djstack_stack.py,
tests/unit/test_health_detail.py.
"""

import ipaddress
import re

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# The stack's own services: a process may not take their names.
RESERVED = ("app", "db", "nginx", "redis")
NO_NAME = "(an entry without a name)"


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _name_problems(entries):
    """(bad, named): NO_NAME per entry without a name, and the named entries."""
    bad = [NO_NAME for entry in entries if not isinstance(entry, dict) or "name" not in entry]
    named = [entry for entry in entries if isinstance(entry, dict) and "name" in entry]
    bad += [str(e["name"]) for e in named if not NAME_RE.match(str(e["name"]))]
    return bad, named


def _blank(command):
    return isinstance(command, str) and not command.strip()


def bad_processes(entries):
    """The names (or NO_NAME) of the processes that are malformed, once per fault."""
    bad, named = _name_problems(entries or [])
    bad += [e["name"] for e in named if e["name"] in RESERVED]
    bad += [e["name"] for e in named if "command" not in e]
    with_command = [e for e in named if "command" in e]
    bad += [e["name"] for e in with_command if not isinstance(e["command"], (str, list, tuple))]
    bad += [e["name"] for e in with_command if _blank(e["command"])]
    bad += [e["name"] for e in with_command if isinstance(e["command"], (list, tuple)) and not e["command"]]
    bad += [e["name"] for e in named if "singleton" in e and not isinstance(e["singleton"], bool)]
    bad += [e["name"] for e in named if "stop_grace_period" in e and not _is_int(e["stop_grace_period"])]
    return bad


def bad_schedules(entries):
    """The names (or NO_NAME) of the schedules that are malformed, once per fault."""
    bad, named = _name_problems(entries or [])
    bad += [e["name"] for e in named if "command" not in e]
    with_command = [e for e in named if "command" in e]
    bad += [e["name"] for e in with_command if not isinstance(e["command"], str)]
    bad += [e["name"] for e in with_command if _blank(e["command"])]
    bad += [e["name"] for e in named if "on_calendar" not in e]
    bad += [e["name"] for e in named if "wait_for_deploy" in e and not isinstance(e["wait_for_deploy"], bool)]
    bad += [e["name"] for e in named if "timeout" in e and not _is_int(e["timeout"])]
    return bad


# The user the app runs as when its image would run it as root (the
# built-in Dockerfile's and the sample app's USER).
DEFAULT_APP_USER = "10001:10001"


def _is_root(user):
    """True for an image USER that runs as root: none, root or uid 0 (any group)."""
    return str(user or "").strip().split(":", 1)[0] in ("", "root", "0")


def app_user(image_user, explicit=""):
    """The compose `user:` of a slot's app and process containers, '' for
    none (the image's own USER then applies).

    explicit (django_stack_app_user) always wins; left empty, an image whose
    USER is a non-root user keeps it (no `user:`, compose.yaml as before),
    and an image that would run as root (USER empty, root or 0) runs as
    DEFAULT_APP_USER."""
    explicit = str(explicit or "").strip()
    if explicit:
        return explicit
    return DEFAULT_APP_USER if _is_root(image_user) else ""


def slot_users(slots, images, image_result, explicit, repository):
    """The user of each slot {slot: release}, in one result that compose.yml
    publishes as _django_stack_slot_users:

      compose  {slot: compose `user:`} ('' = the image's own USER applies)
      runs_as  {slot: the user its containers run as} (the compose user,
               else the image's USER)
      root     {slot: True when runs_as is root} (_is_root: '', root or uid
               0); app-user.yml hands the volumes over only when it is not

    A slot's image user is django_image_result's (`user`) when it is the
    release django_image published and its build is over (`job` empty: the
    image as built), else the image's Config.User as the host holds it
    (images: docker_image_info's list), else django_image_result's
    prediction for a release still building (the Dockerfile's USER), else
    root."""
    result = image_result or {}
    by_tag = {}
    for image in images or []:
        for tag in image.get("RepoTags") or []:
            by_tag.setdefault(tag, image)
    out = {"compose": {}, "runs_as": {}, "root": {}}
    for slot, release in sorted((slots or {}).items()):
        ref = "%s:%s" % (repository, str(release)[:12])
        ours = "user" in result and str(result.get("release", ""))[:12] == str(release)[:12]
        if ours and not result.get("job"):
            user = result["user"]
        elif ref in by_tag:
            user = (by_tag[ref].get("Config") or {}).get("User") or ""
        else:
            user = result["user"] if ours else ""
        out["compose"][slot] = app_user(user, explicit)
        out["runs_as"][slot] = out["compose"][slot] or user
        out["root"][slot] = _is_root(out["runs_as"][slot])
    return out


# The host itself over loopback (a client inside the nginx container).
HEALTH_DETAIL_LOOPBACK = ("127.0.0.1", "::1")


def _network(item):
    """ip_network of an address or CIDR network; ValueError when it is neither
    (a host name, a network with host bits set, anything with more in it)."""
    if not isinstance(item, str) or item != item.strip():
        raise ValueError("not a string without spaces")
    if "/" in item:
        return ipaddress.ip_network(item, strict=True)
    return ipaddress.ip_network(ipaddress.ip_address(item))


def bad_networks(entries):
    """The entries of a list that are not an IP address or CIDR network, each
    with the reason (validate.yml: django_stack_health_detail_from)."""
    bad = []
    for item in entries or []:
        try:
            _network(item)
        except (TypeError, ValueError) as error:
            bad.append("%r (%s)" % (item, error))
    return bad


def _canonical(network):
    return str(network.network_address) if network.num_addresses == 1 else str(network)


def health_detail(detail_from, gateways=()):
    """nginx geo entries of the clients that get the health endpoint's
    release and database status: {"host": [...], "from": [...]}.

    host: loopback and the web network's gateways (where nginx sees a request
    to the published port from the host itself come from: Docker's proxy);
    from: django_stack_health_detail_from, canonical, sorted, without
    repeats and without what host already lists. A bad entry raises
    ValueError (validate.yml refuses it before any host changes)."""
    bad = bad_networks(detail_from) + bad_networks(gateways)
    if bad:
        raise ValueError("not an IP address or CIDR network: " + "; ".join(bad))
    host, seen = [], set()
    for item in list(HEALTH_DETAIL_LOOPBACK) + list(gateways or []):
        network = _network(item)
        if network not in seen:
            seen.add(network)
            host.append(_canonical(network))
    others = {_network(item) for item in detail_from or []} - seen
    ordered = sorted(others, key=lambda n: (n.version, n.network_address, n.prefixlen))
    return {"host": host, "from": [_canonical(n) for n in ordered]}


# --- the inputs a type alone cannot check (validate.yml) ----------------------
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
URL_RE = re.compile(r"^https?://[^/]+")


def _int(value):
    """Jinja's int: a number, a string of one, else 0."""
    for convert in (int, lambda v: int(float(v))):
        try:
            return convert(value)
        except (TypeError, ValueError):
            continue
    return 0


def _unique(items):
    return list(dict.fromkeys(items))


def _port(values, name, host):
    port = _int(values[name])
    if not 1 <= port <= 65535:
        return ["%s of %s must be between 1 and 65535; got %s." % (name, host, values[name])]
    return []


def _domain_problems(domains, host):
    domains = [str(d) for d in domains] if isinstance(domains, (list, tuple)) else []
    name = "django_stack_domains of %s" % host
    if not domains:
        return ["%s is empty; list the site's host names, for example [www.example.com]." % name]
    dotted = _unique(d for d in domains if d.endswith("."))
    idn = _unique(d for d in domains if NON_ASCII.search(d))
    bad = _unique(d for d in domains if not DOMAIN_RE.match(d) and d not in dotted and d not in idn)
    lowered = [d.lower() for d in domains]
    twice = _unique(d for d in lowered if lowered.count(d) > 1)
    found = []
    if dotted:
        found.append(
            "%s: %s ends with a dot (a fully qualified DNS name); browsers send the name without it: write %s."
            % (name, ", ".join(dotted), ", ".join(d[:-1] for d in dotted)))
    if idn:
        found.append(
            "%s: %s is not ASCII; browsers send internationalised names in their punycode (xn--) form: write what "
            "python3 -c \"print('%s'.encode('idna').decode())\" prints." % (name, ", ".join(idn), idn[0]))
    if bad:
        found.append(
            "%s must list lowercase host names only (no scheme, port or path), for example [www.example.com]; "
            "these are not: %s." % (name, ", ".join(bad)))
    if twice:
        found.append(
            "%s lists %s more than once (nginx would warn about a conflicting server name): list each name once."
            % (name, ", ".join(twice)))
    return found


def _names(entries):
    return [e.get("name", "") if isinstance(e, dict) else "" for e in entries or []]


# The inputs input_problems reads: validate.yml passes exactly these.
INPUTS = (
    "django_stack_domains", "django_stack_http_port", "django_stack_https", "django_stack_https_port",
    "django_stack_services_health_interval", "django_stack_db_image", "django_stack_nginx_image",
    "django_stack_redis_image", "django_stack_health_detail_from", "django_stack_gunicorn_workers",
    "django_stack_keep_releases", "django_stack_db_ca", "django_stack_db_host", "django_stack_backend_tls_cert",
    "django_stack_backend_tls_key", "django_stack_backend_tls_port", "django_stack_media_storage",
    "django_stack_s3_bucket", "django_stack_s3_endpoint_url", "django_stack_s3_access_key",
    "django_stack_s3_secret_key", "django_stack_processes", "django_stack_schedules",
)


def input_problems(values, host, db_hosts=()):
    """What is wrong with django_stack's inputs beyond their types, one
    message per fault naming the variable and the fix ([] when nothing is).

    values: {variable: value} of INPUTS (a missing one is a KeyError);
    host: the inventory host; db_hosts: the inventory's django_db hosts."""
    v = {name: values[name] for name in INPUTS}
    found = _domain_problems(v["django_stack_domains"], host)
    found += _port(v, "django_stack_http_port", host) + _port(v, "django_stack_https_port", host)
    if _int(v["django_stack_services_health_interval"]) < 1:
        found.append("django_stack_services_health_interval of %s must be a number of seconds, 1 or more; got %s."
                     % (host, v["django_stack_services_health_interval"]))
    for name, example in (("django_stack_db_image", 'mariadb:11.8 (or "" to choose)'),
                          ("django_stack_nginx_image", "nginx:1.28"), ("django_stack_redis_image", "redis:8")):
        if not isinstance(v[name], str):
            found.append("%s must be one image reference such as %s; got %s." % (name, example, v[name]))
    bad = bad_networks(v["django_stack_health_detail_from"])
    if bad:
        found.append("django_stack_health_detail_from of %s must list IP addresses or CIDR networks (without host "
                     "bits), for example [10.0.0.0/24, 192.0.2.7]; these are not: %s." % (host, ", ".join(bad)))
    if _int(v["django_stack_gunicorn_workers"]) < 1:
        found.append("django_stack_gunicorn_workers must be 1 or more.")
    if _int(v["django_stack_keep_releases"]) < 2:
        found.append("django_stack_keep_releases must be 2 or more (the serving and the previous release).")
    ca = v["django_stack_db_ca"]
    if ca and PEM_CERTIFICATE not in ca:
        found.append("django_stack_db_ca of %s must be the CA certificate itself, in PEM (%s ...), for example read "
                     "with the file lookup; a path is not read." % (host, PEM_CERTIFICATE))
    if ca and not v["django_stack_db_host"] and not db_hosts:
        found.append("django_stack_db_ca of %s is set, but the database is the stack's own db service, whose "
                     "certificate nobody signed: give the CA only with a database elsewhere (a django_db host, or "
                     "django_stack_db_host for an external MySQL)." % host)
    cert, key = v["django_stack_backend_tls_cert"], v["django_stack_backend_tls_key"]
    if bool(cert) != bool(key):
        found.append("%s sets only one of django_stack_backend_tls_cert and django_stack_backend_tls_key: the TLS "
                     "listener for the proxies in front needs both (or neither)." % host)
    if cert and not (PEM_CERTIFICATE in cert and PEM_KEY.search(key or "")):
        found.append("django_stack_backend_tls_cert and django_stack_backend_tls_key of %s must be the certificate "
                     "and key themselves, in PEM, for example read with the file lookup; a path is not read." % host)
    found += _port(v, "django_stack_backend_tls_port", host)
    tls_port = _int(v["django_stack_backend_tls_port"])
    if cert and (tls_port == _int(v["django_stack_http_port"])
                 or (v["django_stack_https"] and tls_port == _int(v["django_stack_https_port"]))):
        found.append("django_stack_backend_tls_port of %s (%s) is the site's HTTP or HTTPS port already: choose "
                     "another one, for example 8443." % (host, v["django_stack_backend_tls_port"]))
    if v["django_stack_media_storage"] == "s3" and not v["django_stack_s3_bucket"]:
        found.append("%s keeps uploads in S3 (django_stack_media_storage: s3) but names no bucket: set "
                     "django_stack_s3_bucket (the bucket must exist)." % host)
    endpoint = v["django_stack_s3_endpoint_url"]
    if endpoint and not URL_RE.match(endpoint):
        found.append('django_stack_s3_endpoint_url of %s must be a URL such as https://s3.example.com; got "%s".'
                     % (host, endpoint))
    if bool(v["django_stack_s3_access_key"]) != bool(v["django_stack_s3_secret_key"]):
        found.append("%s sets only one of django_stack_s3_access_key and django_stack_s3_secret_key: set both "
                     "(from a vault), or neither to use the host's own credentials." % host)
    bad = bad_processes(v["django_stack_processes"])
    if bad:
        found.append("django_stack_processes of %s: each entry needs a name of lowercase letters, digits and '-' "
                     "(not app, db, nginx or redis, at most 40 characters) and a command, as a non-empty list of "
                     "strings or a string, for example {name: worker, command: [celery, -A, mysite, worker]}; "
                     "singleton must be true or false, stop_grace_period a number of seconds. Wrong: %s."
                     % (host, ", ".join(bad)))
    names = _names(v["django_stack_processes"])
    if len(names) != len(set(names)):
        found.append("django_stack_processes of %s names a process more than once (%s); names must differ."
                     % (host, ", ".join(names)))
    bad = bad_schedules(v["django_stack_schedules"])
    if bad:
        found.append("django_stack_schedules of %s: each entry needs a name of lowercase letters, digits and '-', "
                     'a command (the manage.py arguments as one string, for example "clearsessions") and '
                     'on_calendar (a systemd calendar expression such as daily or "*:0/15"); wait_for_deploy true '
                     "or false, timeout seconds. Wrong: %s." % (host, ", ".join(bad)))
    names = _names(v["django_stack_schedules"])
    if len(names) != len(set(names)):
        found.append("django_stack_schedules of %s names a schedule more than once (%s); names must differ."
                     % (host, ", ".join(names)))
    return found


DEFAULT_PORTS = {"http": 80, "https": 443}


def site_origins(domains, https=False, proxy_https=False, https_port=443, http_port=80):
    """The site's origins as browsers send them (CSRF_TRUSTED_ORIGINS; the
    first is the URL the deploy prints): scheme://domain[:port], the port
    only when it is not the scheme's own.

    Browsers reach the site over HTTPS through nginx here (https, on
    https_port) or through proxies that terminate it (proxy_https: port
    443); else over HTTP on http_port."""
    scheme = "https" if https or proxy_https else "http"
    port = int(https_port if https else 443 if proxy_https else http_port)
    suffix = "" if port == DEFAULT_PORTS[scheme] else ":%d" % port
    return ["%s://%s%s" % (scheme, domain, suffix) for domain in domains or []]


class FilterModule:
    def filters(self):
        return {
            "djstack_bad_processes": bad_processes,
            "djstack_bad_schedules": bad_schedules,
            "djstack_app_user": app_user,
            "djstack_slot_users": slot_users,
            "djstack_bad_networks": bad_networks,
            "djstack_health_detail": health_detail,
            "djstack_stack_problems": input_problems,
            "djstack_site_origins": site_origins,
        }
