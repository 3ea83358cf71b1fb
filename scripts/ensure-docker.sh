#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine: install Debian's docker.io
# when dockerd is missing, start it in the background when it is not running,
# and wait for the socket. Safe to run any number of times.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "ensure-docker: starting dockerd"
  mkdir -p /var/log
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi

docker info --format 'ensure-docker: engine {{.ServerVersion}} ({{.Driver}}) is up'
