#!/bin/sh
# Start sshd (daemon) and apache (foreground). The HTTPS password file is made
# from the mounted token at every start; the token is read from stdin, never
# passed as an argument.
set -eu
user="${GIT_HTTP_USER:-deploy}"
token_file=/etc/git-secrets/https-token
htpasswd_file=/etc/apache2/git.htpasswd

if [ -r "$token_file" ]; then
  htpasswd -c -i -B "$htpasswd_file" "$user" <"$token_file"
else
  echo "no $token_file: HTTPS clients cannot log in" >&2
  : >"$htpasswd_file"
fi
chgrp www-data "$htpasswd_file"
chmod 0640 "$htpasswd_file"

mkdir -p /run/sshd
/usr/sbin/sshd -e
exec apache2ctl -D FOREGROUND
