"""plugins/filter/djstack_db.py: the database image a host runs (an existing
database keeps its engine, a new one gets MariaDB LTS) and the command names
the roles run in its container; the templates rendered with each engine."""

import re

import pytest
from conftest import load
from test_hostile_values import _render

djstack_db = load("plugins/filter/djstack_db.py")
choose = djstack_db.db_choose_image

COMPOSE = """# Ansible managed
name: mysite
services:
  db:
    image: mysql:8.4
    restart: unless-stopped
  web-blue:
    image: mysite-app:abc
"""
MARIADB = {"client": "mariadb", "admin": "mariadb-admin", "dump": "mariadb-dump"}
MYSQL = {"client": "mysql", "admin": "mysqladmin", "dump": "mysqldump"}


def facts(**changes):
    return dict({"image": "", "container": "", "compose": "", "mysql_ibd": False}, **changes)


def test_a_new_host_gets_mariadb_lts():
    assert choose(facts()) == dict({"image": "mariadb:11.8", "engine": "mariadb", "source": "new"}, **MARIADB)


def test_an_image_the_inventory_names_is_used_as_given():
    result = choose(facts(image="mysql:8.4", container="mariadb:11.8", mysql_ibd=False))
    assert result == dict({"image": "mysql:8.4", "engine": "mysql", "source": "given"}, **MYSQL)
    assert choose(facts(image="mariadb:11.4", container="mysql:8.4"))["image"] == "mariadb:11.4"


def test_an_existing_container_keeps_its_image():
    result = choose(facts(container="mysql:8.4", compose=COMPOSE.replace("mysql:8.4", "mariadb:11.8")))
    assert result == dict({"image": "mysql:8.4", "engine": "mysql", "source": "container"}, **MYSQL)
    # The test stand-in of mysql:8.4 is a MySQL by its name: the mysql* commands.
    assert choose(facts(container="djstack/mysql:8.4"))["client"] == "mysql"


def test_a_compose_service_without_its_container_keeps_its_image():
    result = choose(facts(compose=COMPOSE, mysql_ibd=False))
    assert (result["image"], result["engine"], result["source"]) == ("mysql:8.4", "mysql", "compose")


def test_a_mysql_data_directory_alone_means_mysql_8():
    result = choose(facts(mysql_ibd=True))
    assert (result["image"], result["engine"], result["source"]) == ("mysql:8.4", "mysql", "data")


@pytest.mark.parametrize(
    "compose",
    ["", "{not: yaml", "just text", "services: []", "services:\n  web:\n    image: x\n", "services:\n  db: {}\n"],
)
def test_a_compose_file_without_a_db_image_says_nothing(compose):
    assert choose(facts(compose=compose))["source"] == "new"
    assert choose(facts(compose=compose, mysql_ibd=True))["source"] == "data"


@pytest.mark.parametrize(
    ("image", "engine"),
    [
        ("mariadb:11.8", "mariadb"),
        ("mariadb", "mariadb"),
        ("docker.io/library/mariadb:11.4", "mariadb"),
        ("registry.example.com:5000/mirror/mariadb:11.8@sha256:" + "a" * 64, "mariadb"),
        ("mysql:8.4", "mysql"),
        ("djstack/mysql:8.4", "mysql"),
        ("percona/percona-server:8.4", "mysql"),
        # A registry or directory called mariadb does not make the image one.
        ("mariadb.example.com/mysql:8.4", "mysql"),
        ("", ""),
    ],
)
def test_engine_of_an_image(image, engine):
    assert djstack_db.db_engine_of(image) == engine


def test_commands_of_each_engine():
    assert djstack_db.db_commands("mariadb") == MARIADB
    assert djstack_db.db_commands("mysql") == MYSQL
    with pytest.raises(ValueError, match="unknown database engine"):
        djstack_db.db_commands("postgres")


# ---- the templates with each engine -----------------------------------------

# The healthcheck of the db service as every host before the engine choice has
# it: a MySQL host must keep this exact line, or compose recreates its db
# container on the next deploy.
MYSQL_HEALTHCHECK = '      test: ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent"]'
# A command named mysql, mysqladmin or mysqldump (not MYSQL_PWD, not mysql.ibd).
MYSQL_COMMAND = re.compile(r"\bmysql(admin|dump)?\s+-")


def engine_vars(image):
    return {"django_db_engine": choose(facts(image=image)), "django_db_mode": "stack"}


def test_db_service_of_a_mysql_host_is_unchanged():
    service = _render("django_db/templates/service.yaml.j2", engine_vars("mysql:8.4"))
    assert "    image: mysql:8.4\n" in service
    assert MYSQL_HEALTHCHECK in service.splitlines()


def test_db_service_of_a_mariadb_host_uses_mariadb_admin():
    service = _render("django_db/templates/service.yaml.j2", engine_vars(""))
    assert "    image: mariadb:11.8\n" in service
    assert '      test: ["CMD", "mariadb-admin", "ping", "-h", "127.0.0.1", "--silent"]' in service.splitlines()
    assert not MYSQL_COMMAND.search(service)


@pytest.mark.parametrize("template", ["backup.sh.j2", "restore.sh.j2"])
def test_backup_scripts_call_the_engines_own_commands(template):
    mysql = _render("django_backup/templates/" + template, {"django_backup_db_engine": "mysql"})
    mariadb = _render("django_backup/templates/" + template, {"django_backup_db_engine": "mariadb"})
    assert "exec mysql -uroot" in mysql
    assert not MYSQL_COMMAND.search(mariadb), MYSQL_COMMAND.search(mariadb)
    assert "exec mariadb -uroot" in mariadb
    if template == "backup.sh.j2":
        assert "exec mysqldump -uroot --single-transaction" in mysql
        assert "exec mariadb-dump -uroot --single-transaction" in mariadb
    # Only the command names differ.
    assert MYSQL_COMMAND.sub("X -", mysql) == re.sub(r"\bmariadb(-dump)?\s+-", "X -", mariadb)


# ---- the root account of a new database (MYSQL_ROOT_HOST) -------------------

root_host = djstack_db.db_root_host

# db.env as every host before MYSQL_ROOT_HOST has it.
OLD_DB_ENV = """# Ansible managed
MYSQL_ROOT_PASSWORD_FILE='/run/secrets/db_root_password'
MYSQL_DATABASE='django'
MYSQL_USER='django'
MYSQL_PASSWORD_FILE='/run/secrets/db_password'
"""


def db_env(root_host_value):
    return _render("django_db/templates/db.env.j2", {
        "django_db_name": "django", "django_db_user": "django", "_django_db_root_host": root_host_value})


def test_a_new_database_creates_its_root_account_local():
    assert root_host(None) == "127.0.0.1"
    assert "MYSQL_ROOT_HOST='127.0.0.1'" in db_env(root_host(None)).splitlines()


def test_root_remote_leaves_a_new_database_the_images_root_account():
    assert root_host(None, True) == ""
    assert "MYSQL_ROOT_HOST" not in db_env(root_host(None, True))


def test_a_db_env_written_before_the_option_is_kept_as_it_is():
    # A changed env_file recreates the db container: an existing database
    # keeps its db.env byte for byte (its root@'%' is moved by SQL instead).
    assert root_host(OLD_DB_ENV) == ""
    rendered = db_env(root_host(OLD_DB_ENV))
    assert [line for line in rendered.splitlines() if not line.startswith("#")] == \
        [line for line in OLD_DB_ENV.splitlines() if not line.startswith("#")]


@pytest.mark.parametrize("root_remote", [False, True])
def test_a_db_env_with_a_local_root_keeps_it(root_remote):
    first = db_env(root_host(None))
    assert root_host(first, root_remote) == "127.0.0.1"
    assert db_env(root_host(first, root_remote)) == first
