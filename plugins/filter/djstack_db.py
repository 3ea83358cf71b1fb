"""Filters of the django_db role: which database image a host runs and the
command names its container has (tests/unit/test_filter_djstack_db.py).

The default image is "" ("choose"): a host whose database already exists
keeps its engine, a new host gets MariaDB LTS. The official mariadb:11
images have only the mariadb* commands (no mysql, mysqladmin, mysqldump);
the official mysql images have only the mysql* ones.
"""

import yaml

# The image a new host gets, and the one a MySQL 8 data directory left
# without its container or compose service implies.
NEW_IMAGE = "mariadb:11.8"
MYSQL_IMAGE = "mysql:8.4"

COMMANDS = {
    "mariadb": {"client": "mariadb", "admin": "mariadb-admin", "dump": "mariadb-dump"},
    "mysql": {"client": "mysql", "admin": "mysqladmin", "dump": "mysqldump"},
}


def db_engine_of(image):
    """The engine of an image reference: "mariadb" when the repository's own
    name (the last path part, without tag or digest) contains "mariadb",
    else "mysql" (mysql, percona, a mirror's mysql, the test stand-in
    djstack/mysql:8.4). "" for no image."""
    image = str(image or "").strip()
    if not image:
        return ""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return "mariadb" if "mariadb" in name.lower() else "mysql"


def db_commands(engine):
    """The client, admin and dump command names of an engine ("mariadb" or
    "mysql")."""
    if engine not in COMMANDS:
        raise ValueError("unknown database engine %r (mariadb or mysql)" % (engine,))
    return dict(COMMANDS[engine])


def _compose_image(compose_text):
    """The image of the db service in a compose file's text, or ""."""
    if not compose_text:
        return ""
    try:
        compose = yaml.safe_load(compose_text)
    except yaml.YAMLError:
        return ""
    if not isinstance(compose, dict):
        return ""
    service = (compose.get("services") or {}).get("db")
    if not isinstance(service, dict):
        return ""
    return str(service.get("image") or "").strip()


def db_choose_image(facts):
    """The database image of a host and why.

    facts keys: image (the inventory's image; "" means choose), container
    (the image of the existing db container, "" for none), compose (the text
    of the compose file that has the db service, "" for none), mysql_ibd
    (bool: the db data volume holds MySQL 8's data dictionary, mysql.ibd).

    Returns {image, engine, source, client, admin, dump}; source is given,
    container, compose, data or new.
    """
    given = str(facts.get("image") or "").strip()
    container = str(facts.get("container") or "").strip()
    compose = _compose_image(facts.get("compose") or "")
    if given:
        image, source = given, "given"
    elif container:
        image, source = container, "container"
    elif compose:
        image, source = compose, "compose"
    elif facts.get("mysql_ibd"):
        image, source = MYSQL_IMAGE, "data"
    else:
        image, source = NEW_IMAGE, "new"
    engine = db_engine_of(image)
    return dict({"image": image, "engine": engine, "source": source}, **db_commands(engine))


# The root account of a new database: root@localhost and root@127.0.0.1 (the
# role's own clients in the container connect to 127.0.0.1; the images'
# skip-name-resolve does not match it to localhost), never root@'%'.
LOCAL_ROOT_HOST = "127.0.0.1"


def db_root_host(existing_env, root_remote=False):
    """MYSQL_ROOT_HOST of a host's db.env: the host the images create their
    root account for when they create a database ("" leaves the images'
    root@'%').

    existing_env is the text of the db.env the host already has, None when
    it has none. A new database (no db.env) gets LOCAL_ROOT_HOST unless
    root_remote asks for root@'%'. An existing db.env decides alone, so the
    answer never changes on a host: a db.env written before this option has
    no MYSQL_ROOT_HOST and keeps none (a changed env_file would recreate
    the db container; its root@'%' is moved by tasks/database.yml instead),
    one written with it keeps it.
    """
    if existing_env is None:
        return "" if root_remote else LOCAL_ROOT_HOST
    for line in str(existing_env).splitlines():
        if line.strip().startswith("MYSQL_ROOT_HOST="):
            return LOCAL_ROOT_HOST
    return ""


class FilterModule:
    def filters(self):
        return {
            "djstack_db_choose_image": db_choose_image,
            "djstack_db_engine_of": db_engine_of,
            "djstack_db_commands": db_commands,
            "djstack_db_root_host": db_root_host,
        }
