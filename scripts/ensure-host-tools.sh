#!/usr/bin/env bash
# Install the Debian packages that `make demo` and `make test` need on the
# machine that runs them, when they are missing: debootstrap (the test images'
# base), the SSH client (Ansible's connection), git, zstd (the test images'
# archive) and python3-venv (the controller's venv). Safe to run any number of times; needs root only when
# something is missing.
set -euo pipefail

need=()
for probe in debootstrap:debootstrap ssh:openssh-client ssh-keyscan:openssh-client git:git zstd:zstd; do
  command -v "${probe%%:*}" >/dev/null 2>&1 || need+=("${probe##*:}")
done
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)

if ((${#need[@]})); then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  if ((EUID != 0)); then
    echo "ensure-host-tools: missing ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "ensure-host-tools: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
