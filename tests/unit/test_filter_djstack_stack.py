"""plugins/filter/djstack_stack.py: malformed django_stack_processes and
django_stack_schedules entries, named once per fault."""


import pytest
import yaml
from conftest import REPO, load

djstack_stack = load("plugins/filter/djstack_stack.py")
processes, schedules = djstack_stack.bad_processes, djstack_stack.bad_schedules


def test_good_entries_pass():
    assert processes([{"name": "worker", "command": ["celery", "-A", "m", "worker"], "singleton": False,
                       "stop_grace_period": 30}, {"name": "beat", "command": "celery beat"}]) == []
    assert schedules([{"name": "clear", "command": "clearsessions", "on_calendar": "daily", "wait_for_deploy": True,
                       "timeout": 600}]) == []
    assert processes([]) == [] and schedules(None) == []


def test_process_faults_are_named():
    assert processes([{"command": "x"}]) == ["(an entry without a name)"]
    assert processes([{"name": "Worker", "command": "x"}]) == ["Worker"]
    assert processes([{"name": "x" * 41, "command": "x"}]) == ["x" * 41]
    assert processes([{"name": "db", "command": "x"}]) == ["db"]
    assert processes([{"name": "w"}]) == ["w"]
    assert processes([{"name": "w", "command": 5}]) == ["w"]
    assert processes([{"name": "w", "command": "  "}]) == ["w"]
    assert processes([{"name": "w", "command": []}]) == ["w"]
    assert processes([{"name": "w", "command": "x", "singleton": "yes"}]) == ["w"]
    assert processes([{"name": "w", "command": "x", "stop_grace_period": True}]) == ["w"]
    assert processes([{"name": "w", "command": "x", "stop_grace_period": "30"}]) == ["w"]


def test_every_fault_of_an_entry_counts():
    assert processes([{"name": "nginx", "singleton": 1}]) == ["nginx", "nginx", "nginx"]


def test_schedule_faults_are_named():
    assert schedules([{"command": "x", "on_calendar": "daily"}]) == ["(an entry without a name)"]
    assert schedules([{"name": "a_b", "command": "x", "on_calendar": "daily"}]) == ["a_b"]
    assert schedules([{"name": "s", "on_calendar": "daily"}]) == ["s"]
    assert schedules([{"name": "s", "command": ["clearsessions"], "on_calendar": "daily"}]) == ["s"]
    assert schedules([{"name": "s", "command": " ", "on_calendar": "daily"}]) == ["s"]
    assert schedules([{"name": "s", "command": "x"}]) == ["s"]
    assert schedules([{"name": "s", "command": "x", "on_calendar": "daily", "wait_for_deploy": "no"}]) == ["s"]
    assert schedules([{"name": "s", "command": "x", "on_calendar": "daily", "timeout": 1.5}]) == ["s"]


# ---- the user each slot runs as (compose user:) -------------------------------

app_user, slot_users = djstack_stack.app_user, djstack_stack.slot_users
IMAGES = [
    {"RepoTags": ["shop-app:aaaaaaaaaaaa"], "Config": {"User": "10001:10001"}},
    {"RepoTags": ["shop-app:bbbbbbbbbbbb"], "Config": {"User": ""}},
]


def test_an_image_that_would_run_as_root_gets_the_default_user():
    for root in ("", None, "root", "0", "0:0", "root:root", " 0 "):
        assert app_user(root) == "10001:10001", root


def test_a_non_root_image_user_is_kept_and_an_explicit_value_wins():
    assert app_user("10001:10001") == "" and app_user("app") == "" and app_user("1000") == ""
    assert app_user("app", "2000:3000") == "2000:3000"
    assert app_user("", "0:0") == "0:0"


def compose_users(*args):
    return slot_users(*args)["compose"]


def test_each_slot_from_its_own_image():
    slots = {"blue": "a" * 40, "green": "b" * 40}
    assert slot_users(slots, IMAGES, {}, "", "shop-app") == {
        "compose": {"blue": "", "green": "10001:10001"},
        "runs_as": {"blue": "10001:10001", "green": "10001:10001"},
        "root": {"blue": False, "green": False}}
    assert compose_users(slots, IMAGES, {}, "7:7", "shop-app") == {"blue": "7:7", "green": "7:7"}


def test_a_release_still_building_takes_the_dockerfiles_user_and_then_the_built_images():
    slots = {"blue": "a" * 40, "green": "c" * 40}
    building = {"release": "c" * 40, "user": "app", "job": "123.456"}
    assert compose_users(slots, IMAGES, building, "", "shop-app") == {"blue": "", "green": ""}
    # Built: its base image ran as root after all.
    built = dict(building, job="", user="")
    assert compose_users(slots, IMAGES, built, "", "shop-app") == {"blue": "", "green": "10001:10001"}
    # The host held an older image of the same tag while it was rebuilt: the new one counts.
    rebuilt = {"release": "a" * 40, "user": "", "job": ""}
    assert compose_users({"blue": "a" * 40}, IMAGES, rebuilt, "", "shop-app") == {"blue": "10001:10001"}
    # While it is rebuilt, the image the host holds counts, not the prediction.
    rebuilding = {"release": "b" * 40, "user": "app", "job": "1.2"}
    assert compose_users({"green": "b" * 40}, IMAGES, rebuilding, "", "shop-app") == {"green": "10001:10001"}
    # No image and no result (a rollback reads the host only): root, so the default.
    assert compose_users({"blue": "d" * 40}, IMAGES, {}, "", "shop-app") == {"blue": "10001:10001"}


# app-user.yml reads .root in both of its checks (the volume check and the
# hand-over): one decision, the same one app_user makes for the image.
@pytest.mark.parametrize(
    ("image_user", "explicit", "runs_as", "root"),
    [
        ("app", "", "app", False),
        ("1000:1000", "", "1000:1000", False),
        ("00:0", "", "00:0", False),
        ("", "", "10001:10001", False),
        ("root", "", "10001:10001", False),
        ("app", "0:0", "0:0", True),
        ("app", "0", "0", True),
        ("app", "root", "root", True),
        ("app", "root:staff", "root:staff", True),
        ("app", "2000:0", "2000:0", False),
    ],
)
def test_each_slot_says_whether_it_runs_as_root(image_user, explicit, runs_as, root):
    images = [{"RepoTags": ["shop-app:aaaaaaaaaaaa"], "Config": {"User": image_user}}]
    users = slot_users({"blue": "a" * 40}, images, {}, explicit, "shop-app")
    assert users["runs_as"] == {"blue": runs_as}
    assert users["root"] == {"blue": root}


# ---- the inputs a type alone cannot check (validate.yml) ----------------------

problems = djstack_stack.input_problems
VALIDATE = REPO / "roles/django_stack/tasks/validate.yml"
CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n"


def _validate_task():
    tasks = yaml.safe_load(VALIDATE.read_text())
    return next(t for t in tasks if t["name"] == "Stop on values a type alone cannot check")


def good_values():
    """The role's defaults for the names validate.yml passes, with a domain."""
    specs = yaml.safe_load((REPO / "roles/django_stack/meta/argument_specs.yml").read_text())
    options = specs["argument_specs"]["main"]["options"]
    values = {name: options[name].get("default") for name in djstack_stack.INPUTS}
    values["django_stack_domains"] = ["www.example.com", "example.com"]
    return values


def faults(**changes):
    return problems(dict(good_values(), **{"django_stack_" + k: v for k, v in changes.items()}), "web1")


def test_the_defaults_pass_and_validate_passes_every_input():
    # validate.yml passes every django_stack_ variable defined: each input has
    # a role default or is required (the spec check stops first without it),
    # so it is always among them.
    defaults = yaml.safe_load((REPO / "roles/django_stack/defaults/main.yml").read_text())
    options = yaml.safe_load((REPO / "roles/django_stack/meta/argument_specs.yml").read_text())
    required = [name for name, o in options["argument_specs"]["main"]["options"].items() if o.get("required")]
    assert [name for name in djstack_stack.INPUTS if name not in defaults and name not in required] == []
    assert _validate_task()["vars"]["_names"] == "{{ query('ansible.builtin.varnames', '^django_stack_') }}"
    assert problems(good_values(), "web1") == []
    with pytest.raises(KeyError):
        problems({k: v for k, v in good_values().items() if k != "django_stack_s3_bucket"}, "web1")


ONLY_ONE = "web1 sets only one of django_stack_%s and django_stack_%s"
PAIR = {"backend_tls_cert": CERT, "backend_tls_key": KEY}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"domains": []}, "django_stack_domains of web1 is empty"),
        ({"domains": ["example.com."]}, "example.com. ends with a dot (a fully qualified DNS name); "
                                        "browsers send the name without it: write example.com."),
        ({"domains": ["bücher.example"]}, "bücher.example is not ASCII"),
        ({"domains": ["http://one.example.test"]}, "these are not: http://one.example.test."),
        ({"domains": ["one.example.test:8080", "Two.example"]}, "are not: one.example.test:8080, Two.example."),
        ({"domains": ["a.example", "b.example", "a.example"]}, "lists a.example more than once"),
        ({"http_port": 70000}, "django_stack_http_port of web1 must be between 1 and 65535; got 70000."),
        ({"https_port": 0}, "django_stack_https_port of web1 must be between 1 and 65535; got 0."),
        ({"services_health_interval": 0}, "django_stack_services_health_interval of web1 must be a number"),
        ({"db_image": ["mysql:8.4"]}, "django_stack_db_image must be one image reference"),
        ({"nginx_image": {"a": 1}}, "django_stack_nginx_image must be one image reference"),
        ({"redis_image": 8}, "django_stack_redis_image must be one image reference"),
        ({"health_detail_from": ["10.0.0.1/24"]}, "django_stack_health_detail_from of web1 must list IP"),
        ({"gunicorn_workers": 0}, "django_stack_gunicorn_workers must be 1 or more."),
        ({"keep_releases": 1}, "django_stack_keep_releases must be 2 or more"),
        ({"keep_releases": "many"}, "django_stack_keep_releases must be 2 or more"),
        ({"db_ca": "/etc/ssl/ca.pem", "db_host": "db.example"}, "django_stack_db_ca of web1 must be the CA"),
        ({"db_ca": CERT}, "django_stack_db_ca of web1 is set, but the database is the stack's own db service"),
        ({"backend_tls_key": KEY}, ONLY_ONE % ("backend_tls_cert", "backend_tls_key")),
        ({"backend_tls_cert": "c.pem", "backend_tls_key": "k.pem"}, "must be the certificate and key themselves"),
        ({"backend_tls_port": 99999}, "django_stack_backend_tls_port of web1 must be between 1 and 65535"),
        (dict(PAIR, backend_tls_port=80), "(80) is the site's HTTP or HTTPS port already"),
        (dict(PAIR, backend_tls_port=443, https=True), "(443) is the site's HTTP or HTTPS port already"),
        ({"media_storage": "s3"}, "web1 keeps uploads in S3 (django_stack_media_storage: s3) but names no bucket"),
        ({"s3_endpoint_url": "s3.example.com"}, 'must be a URL such as https://s3.example.com; got "s3.example.com".'),
        ({"s3_access_key": "AKIA"}, ONLY_ONE % ("s3_access_key", "s3_secret_key")),
        ({"processes": [{"name": "db", "command": "x"}]}, "django_stack_processes of web1: each entry needs a name"),
        ({"processes": [{"name": "w", "command": "x"}] * 2}, "names a process more than once (w, w)"),
        ({"schedules": [{"name": "s", "command": "x"}]}, "django_stack_schedules of web1: each entry needs a name"),
        ({"schedules": [{"name": "s", "command": "x", "on_calendar": "daily"}] * 2}, "more than once (s, s)"),
    ],
)
def test_each_fault_is_named_once(changes, expected):
    found = faults(**changes)
    assert len(found) == 1 and expected in found[0], found


def test_what_is_allowed_passes():
    assert faults(domains=["xn--bcher-kva.example", "a-b.example"]) == []
    # A CA for a database elsewhere: a django_db host, or an external one.
    assert problems(dict(good_values(), django_stack_db_ca=CERT), "web1", ["db1"]) == []
    assert faults(db_ca=CERT, db_host="db.example") == []
    assert faults(backend_tls_cert=CERT, backend_tls_key=KEY, backend_tls_port=8443) == []
    # 443 is free for the backend listener while the site itself has no HTTPS.
    assert faults(backend_tls_cert=CERT, backend_tls_key=KEY, backend_tls_port=443) == []
    assert faults(media_storage="s3", s3_bucket="media", s3_endpoint_url="http://s3:9000",
                  s3_access_key="a", s3_secret_key="b") == []
    assert faults(http_port="8080", gunicorn_workers="3") == []


def test_several_faults_each_get_a_message():
    found = faults(domains=["a.example."], http_port=0, gunicorn_workers=0)
    assert [m.split(" ")[0] for m in found] == [
        "django_stack_domains", "django_stack_http_port", "django_stack_gunicorn_workers"]


# ---- the site's origins (vars/main.yml: CSRF_TRUSTED_ORIGINS, the printed URL) ----

origins = djstack_stack.site_origins
DOMAINS = ["www.example.com", "example.com"]


@pytest.mark.parametrize(("https", "proxy_https", "https_port", "http_port", "expected"), [
    (False, False, 443, 80, ["http://www.example.com", "http://example.com"]),
    (True, False, 443, 80, ["https://www.example.com", "https://example.com"]),
    (True, False, 8443, 80, ["https://www.example.com:8443", "https://example.com:8443"]),
    (False, False, 443, 8080, ["http://www.example.com:8080", "http://example.com:8080"]),
    # Proxies in front terminate HTTPS on 443, whatever nginx listens on here.
    (False, True, 443, 8080, ["https://www.example.com", "https://example.com"]),
    # A port is left out only when it is its scheme's own.
    (False, False, 443, 443, ["http://www.example.com:443", "http://example.com:443"]),
    (True, False, "8443", "80", ["https://www.example.com:8443", "https://example.com:8443"]),
])
def test_site_origins(https, proxy_https, https_port, http_port, expected):
    assert origins(DOMAINS, https, proxy_https, https_port, http_port) == expected


def test_the_rendered_app_env_trusts_the_origins():
    from test_hostile_values import _render
    text = _render("django_stack/templates/app.env.j2", {"django_stack_https": True, "django_stack_https_port": 8443})
    assert "DJANGO_CSRF_TRUSTED_ORIGINS=https://www.example.com:8443" in text.replace("'", "")
