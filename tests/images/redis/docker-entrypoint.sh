#!/bin/sh
# As the official redis image's entrypoint: `redis-server ...` started as
# root gets a private umask, owns /data and runs as the redis user; anything
# else runs as given. Without arguments the server listens on every address
# (the official build turns protected mode off; a config file with
# requirepass is how the stack runs it).
set -eu
if [ "${1#-}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  if [ "$#" -eq 1 ]; then
    set -- redis-server --protected-mode no
  fi
  if [ "$(umask)" = 0022 ]; then
    umask 0077
  fi
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
