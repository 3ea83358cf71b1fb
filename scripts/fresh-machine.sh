#!/usr/bin/env bash
# make test-fresh: the README's first command on a fresh machine. A container
# from djstack/fresh:trixie (Debian 13 with root, git, make and python3, nothing
# else) gets a copy of this checkout's HEAD (git archive) and runs `make demo`:
# the Makefile must install debootstrap, the SSH client, the venv module and
# the Docker engine, build the test images with the engine it started, start
# the sandbox server (a systemd container with its own Docker, nested once more)
# and deploy app/ to it. Then the site must answer through the sandbox's port.
#
# The container runs with the same options as the molecule test hosts (no
# --privileged, which this machine refuses; see tests/tasks/server-container.yml)
# and its Docker data on a volume. Everything is removed at the end (KEEP=1
# keeps it for a look). Output: build/logs/fresh-machine.log, the time per step
# in its last lines.
#
# Environment: FRESH_NAME (container name, default djstack-fresh), KEEP=1,
# and the machine's own pip/TLS settings (PIP_CERT, SSL_CERT_FILE, ...: the
# proxy a newcomer's machine would be configured for) are passed through.
set -euo pipefail
cd "$(dirname "$0")/.."

name="${FRESH_NAME:-djstack-fresh}"
volume="$name-docker"
log=build/logs/fresh-machine.log
mkdir -p build/logs
: >"$log"

say() { printf '[fresh %s] %s\n' "$(date +%T)" "$*" | tee -a "$log"; }

cleanup() {
  if [[ "${KEEP:-0}" == 1 ]]; then
    say "kept: docker exec -it $name bash; remove with docker rm -f $name && docker volume rm $volume && docker network rm $name-net"
    return
  fi
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  docker network rm "$name-net" >/dev/null 2>&1 || true
}
trap cleanup EXIT

start=$SECONDS
tests/images/build.sh debian fresh >>"$log" 2>&1
cleanup

env_args=()
for var in PIP_CERT PIP_DEFAULT_TIMEOUT SSL_CERT_FILE REQUESTS_CA_BUNDLE CURL_CA_BUNDLE GIT_SSL_CAINFO \
  http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  if [[ -n "${!var:-}" ]]; then
    env_args+=(--env "$var=${!var}")
  fi
done

# The fresh machine's network has this machine's uplink MTU (1400 on the
# test machines), as a machine on the same network would.
uplink=$(awk '$2 == "00000000" { print $1; exit }' /proc/net/route)
mtu=$(cat "/sys/class/net/${uplink:-eth0}/mtu" 2>/dev/null || echo 1500)
docker network create --opt "com.docker.network.driver.mtu=$mtu" "$name-net" >/dev/null
say "start $name (djstack/fresh:trixie: root, git, make, python3; network MTU $mtu)"
docker run --detach --name "$name" --hostname "$name" --network "$name-net" \
  --cap-add ALL --cap-drop SYS_RESOURCE \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
  --security-opt systempaths=unconfined --cgroupns=host \
  --volume /sys/fs/cgroup:/sys/fs/cgroup:rw --volume "$volume:/var/lib/docker" \
  "${env_args[@]}" djstack/fresh:trixie >/dev/null

# The committed tree, as a newcomer's clone has it (commit what you test).
say "copy the checkout at $(git rev-parse --short HEAD) to /root/django-stack"
git archive --format=tar HEAD | docker exec -i "$name" sh -c 'mkdir -p /root/django-stack && tar -C /root/django-stack -xf -'

say "make demo"
demo_start=$SECONDS
if ! docker exec "$name" sh -c 'cd /root/django-stack && make demo' >>"$log" 2>&1; then
  tail -n 40 "$log"
  say "FAILED: make demo on a fresh machine after $((SECONDS - demo_start)) s (whole log: $log)"
  exit 1
fi
demo_took=$((SECONDS - demo_start))

say "the site answers on the fresh machine's port 8080"
body=$(docker exec "$name" python3 -c '
import urllib.request
req = urllib.request.Request("http://127.0.0.1:8080/", headers={"Host": "django.localhost"})
with urllib.request.urlopen(req, timeout=10) as resp:
    print(resp.status)
    print(resp.read().decode()[:2000])
') || {
  say "FAILED: make demo finished but http://django.localhost:8080/ does not answer"
  exit 1
}
printf '%s\n' "$body" >>"$log"
[[ "$(head -n1 <<<"$body")" == 200 ]] || {
  say "FAILED: the site answered $(head -n1 <<<"$body")"
  exit 1
}

say "second make demo (nothing new: the deploy must change nothing)"
rerun_start=$SECONDS
# Its recap is read from the test library's JSON callback (the last run of
# make demo, deploy.yml, writes the document), not from the PLAY RECAP text.
docker exec -e ANSIBLE_CALLBACK_PLUGINS=/root/django-stack/tests/lib/callback_plugins \
  -e DJSTACK_RECAP_JSON=/root/django-stack/build/fresh-machine-rerun.json \
  "$name" sh -c 'cd /root/django-stack && make demo' >"build/logs/fresh-machine-rerun.log" 2>&1 || {
  tail -n 20 build/logs/fresh-machine-rerun.log
  say "FAILED: the second make demo"
  exit 1
}
cat build/logs/fresh-machine-rerun.log >>"$log"
if ! docker exec "$name" sh -c 'cd /root/django-stack &&
    .venv/bin/python tests/lib/djstack_test.py recap --unchanged build/fresh-machine-rerun.json' >>"$log" 2>&1; then
  say "FAILED: the second make demo changed something (the changed tasks are in $log)"
  exit 1
fi
say "PASSED: make demo on a fresh machine took $demo_took s, the rerun $((SECONDS - rerun_start)) s (total $((SECONDS - start)) s)"
