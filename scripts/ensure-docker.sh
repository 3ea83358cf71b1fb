#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine: install Debian's docker.io
# when dockerd is missing, start it in the background when it is not running,
# and wait for the socket. Safe to run any number of times.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian 13 ships the client in docker-cli, only a Recommends of docker.io
  # (not installed where Recommends are off, as in minimal images).
  pkgs=(docker.io)
  if apt-cache show docker-cli >/dev/null 2>&1; then
    pkgs+=(docker-cli)
  fi
  echo "ensure-docker: installing ${pkgs[*]}"
  apt-get install -y -qq "${pkgs[@]}" >/dev/null
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
