#!/bin/bash
# Entrypoint of djstack/mysql:8.4, a MySQL-compatible stand-in for the official
# mysql:8.4 image built on Debian's MariaDB (no registry is reachable here).
#
# Same contract as the official image:
#   MYSQL_ROOT_PASSWORD, or MYSQL_ALLOW_EMPTY_PASSWORD=yes, or
#   MYSQL_RANDOM_ROOT_PASSWORD=yes        one of them is required on first start
#   MYSQL_ROOT_HOST (default %)           extra root account root@<host>
#   MYSQL_DATABASE                        created if missing
#   MYSQL_USER + MYSQL_PASSWORD           gets ALL on MYSQL_DATABASE, from any host
#   <any of those>_FILE                   value read from that file (secrets)
#   MYSQL_INITDB_SKIP_TZINFO              skip loading the time zone tables
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz|*.sql.xz  run once, in order
#
# /var/lib/mysql is initialised only when it holds no database yet. While that
# runs, a temporary server listens on a private socket with networking off, so
# `mysqladmin ping -h 127.0.0.1` fails until the real server is up. Everything
# is logged to stderr (docker logs).
set -euo pipefail

readonly DATADIR=/var/lib/mysql
readonly RUNDIR=/run/mysqld
readonly INIT_SOCKET="$RUNDIR/mysqld-init.sock"

log() { printf '%s [Entrypoint]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# file_env VAR [DEFAULT]: VAR from $VAR or from the file named by $VAR_FILE.
file_env() {
  local var="$1" default="${2:-}" file_var="${1}_FILE"
  local value="${!var:-}" file="${!file_var:-}"
  if [[ -n "$value" && -n "$file" ]]; then
    die "both $var and $file_var are set (they are exclusive)"
  fi
  if [[ -n "$file" ]]; then
    value="$(<"$file")"
  fi
  export "$var"="${value:-$default}"
  unset "$file_var"
}

# SQL string literal body: double the quotes and backslashes.
sql_string() {
  local s="${1//\\/\\\\}"
  printf '%s' "${s//\'/\'\'}"
}
# SQL identifier body (inside backticks).
sql_ident() { printf '%s' "${1//\`/\`\`}"; }

is_true() { [[ "${1:-}" =~ ^([Yy][Ee][Ss]|[Tt][Rr][Uu][Ee]|1|[Oo][Nn])$ ]]; }

# client ARGS...: mariadb client on the temporary server's socket, as root.
# Before the root password is set it needs none; afterwards init_client_cnf
# holds it. Without TLS: on the socket it protects nothing, and MariaDB's
# client would refuse a server certificate from a CA it does not know (one
# mounted into conf.d), where the official image's MySQL client does not
# check it.
client_cnf=""
client() {
  if [[ -n "$client_cnf" ]]; then
    mariadb --defaults-file="$client_cnf" "$@"
  else
    mariadb --no-defaults --protocol=socket --socket="$INIT_SOCKET" --skip-ssl \
      --user=root --default-character-set=utf8mb4 "$@"
  fi
}

init_client_cnf() {
  local pw="$1"
  client_cnf="$(mktemp "$RUNDIR/init-client.XXXXXX")"
  pw="${pw//\\/\\\\}"
  # The option file format: double-quoted value, \" and \\ escaped.
  printf '[client]\nprotocol=socket\nsocket=%s\nskip-ssl\nuser=root\npassword="%s"\ndefault-character-set=utf8mb4\n' \
    "$INIT_SOCKET" "${pw//\"/\\\"}" >"$client_cnf"
}

run_initdb_scripts() {
  local f
  local -a db_args=()
  if [[ -n "$MYSQL_DATABASE" ]]; then
    db_args=(--database="$MYSQL_DATABASE")
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    [[ -e "$f" ]] || continue
    case "$f" in
    *.sh)
      if [[ -x "$f" ]]; then
        log "running $f"
        "$f"
      else
        log "sourcing $f"
        # shellcheck disable=SC1090
        . "$f"
      fi
      ;;
    *.sql)
      log "running $f"
      client "${db_args[@]}" <"$f"
      ;;
    *.sql.gz)
      log "running $f"
      gunzip -c "$f" | client "${db_args[@]}"
      ;;
    *.sql.xz)
      log "running $f"
      xz -dc "$f" | client "${db_args[@]}"
      ;;
    *) log "ignoring $f" ;;
    esac
  done
}

init_database() {
  local -a server=("$@")
  local pid root_pw i

  file_env MYSQL_ROOT_PASSWORD
  file_env MYSQL_ALLOW_EMPTY_PASSWORD
  file_env MYSQL_RANDOM_ROOT_PASSWORD
  file_env MYSQL_ROOT_HOST '%'
  file_env MYSQL_DATABASE
  file_env MYSQL_USER
  file_env MYSQL_PASSWORD

  if [[ -z "$MYSQL_ROOT_PASSWORD" ]] && ! is_true "$MYSQL_ALLOW_EMPTY_PASSWORD" &&
    ! is_true "$MYSQL_RANDOM_ROOT_PASSWORD"; then
    die "database is uninitialized and password option is not specified
    You need to specify one of the following as an environment variable:
    - MYSQL_ROOT_PASSWORD
    - MYSQL_ALLOW_EMPTY_PASSWORD
    - MYSQL_RANDOM_ROOT_PASSWORD"
  fi
  if [[ "$MYSQL_USER" == root ]]; then
    die "MYSQL_USER=root: use MYSQL_ROOT_PASSWORD for the root account"
  fi
  if [[ -n "$MYSQL_USER" && -z "$MYSQL_PASSWORD" ]]; then
    die "MYSQL_USER is set but MYSQL_PASSWORD is not"
  fi

  root_pw="$MYSQL_ROOT_PASSWORD"
  if [[ -z "$root_pw" ]] && is_true "$MYSQL_RANDOM_ROOT_PASSWORD"; then
    root_pw="$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)"
    log "GENERATED ROOT PASSWORD: $root_pw"
  fi

  log "initializing database files in $DATADIR"
  mariadb-install-db "${user_args[@]}" --datadir="$DATADIR" \
    --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve --skip-log-bin --default-time-zone=SYSTEM \
    --loose-innodb_buffer_pool_load_at_startup=0 \
    --loose-innodb_buffer_pool_dump_at_shutdown=0 >/dev/null

  log "starting a temporary server (no networking, socket $INIT_SOCKET)"
  "${server[@]}" "${user_args[@]}" --skip-networking --socket="$INIT_SOCKET" \
    --skip-log-bin --loose-innodb_buffer_pool_load_at_startup=0 \
    --loose-innodb_buffer_pool_dump_at_shutdown=0 &
  pid=$!
  for ((i = 60; i > 0; i--)); do
    if client --execute='SELECT 1' >/dev/null 2>&1; then
      break
    fi
    kill -0 "$pid" 2>/dev/null || die "the temporary server exited during initialization"
    sleep 0.5
  done
  ((i > 0)) || die "the temporary server did not start"

  if [[ -z "${MYSQL_INITDB_SKIP_TZINFO:-}" && -d /usr/share/zoneinfo ]]; then
    log "loading time zone tables"
    mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null | client --database=mysql
  fi

  log "creating accounts and database"
  {
    # Only the accounts this image documents: no anonymous users, no
    # root@127.0.0.1 / ::1 / <hostname> from mariadb-install-db.
    printf "DELETE FROM mysql.global_priv WHERE User = '';\n"
    printf "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';\n"
    printf "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\\\'', @@hostname, '\\\\'');\n"
    printf "FLUSH PRIVILEGES;\n"
    printf "DROP DATABASE IF EXISTS test;\n"
    if [[ -n "$MYSQL_ROOT_HOST" && "$MYSQL_ROOT_HOST" != localhost ]]; then
      printf "CREATE USER 'root'@'%s' IDENTIFIED BY '%s';\n" \
        "$(sql_string "$MYSQL_ROOT_HOST")" "$(sql_string "$root_pw")"
      printf "GRANT ALL ON *.* TO 'root'@'%s' WITH GRANT OPTION;\n" \
        "$(sql_string "$MYSQL_ROOT_HOST")"
      printf "GRANT PROXY ON ''@'%%' TO 'root'@'%s' WITH GRANT OPTION;\n" \
        "$(sql_string "$MYSQL_ROOT_HOST")"
    fi
    if [[ -n "$MYSQL_DATABASE" ]]; then
      printf "CREATE DATABASE IF NOT EXISTS \`%s\`;\n" "$(sql_ident "$MYSQL_DATABASE")"
    fi
    if [[ -n "$MYSQL_USER" ]]; then
      printf "CREATE USER '%s'@'%%' IDENTIFIED BY '%s';\n" \
        "$(sql_string "$MYSQL_USER")" "$(sql_string "$MYSQL_PASSWORD")"
      if [[ -n "$MYSQL_DATABASE" ]]; then
        printf "GRANT ALL ON \`%s\`.* TO '%s'@'%%';\n" \
          "$(sql_ident "$MYSQL_DATABASE")" "$(sql_string "$MYSQL_USER")"
      fi
    fi
    # Last: from here on the session's password is needed for new logins.
    printf "ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';\n" "$(sql_string "$root_pw")"
  } | client --database=mysql
  init_client_cnf "$root_pw"

  run_initdb_scripts

  log "stopping the temporary server"
  kill "$pid"
  wait "$pid" || die "the temporary server did not shut down cleanly"
  rm -f "$client_cnf"
  client_cnf=""
  log "initialization complete; starting the server"
}

main() {
  # `docker run IMAGE --some-option`: options for the server.
  if [[ "${1:-}" == -* ]]; then
    set -- mariadbd "$@"
  fi
  case "${1:-}" in
  mariadbd | mysqld) ;;
  *) exec "$@" ;; # anything else (mysql, bash, ...) runs as is
  esac
  local arg
  for arg in "$@"; do
    case "$arg" in
    --help | --version | -V | '-?' | --verbose) exec "$@" ;;
    esac
  done

  user_args=()
  if [[ "$(id -u)" == 0 ]]; then
    # The server drops to the mysql user itself (--user).
    user_args=(--user=mysql)
    mkdir -p "$DATADIR" "$RUNDIR"
    chown mysql:mysql "$RUNDIR"
    chmod 0755 "$RUNDIR"
    find "$DATADIR" \! -user mysql -exec chown mysql:mysql '{}' +
  fi

  if [[ -d "$DATADIR/mysql" ]]; then
    log "$DATADIR already holds a database: skipping initialization"
  else
    init_database "$@"
  fi

  exec "$@" "${user_args[@]}"
}

main "$@"
