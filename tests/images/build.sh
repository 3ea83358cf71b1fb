#!/usr/bin/env bash
# Build the local test images. No container registry is reachable from the
# test machines, so every image starts from a Debian "trixie" rootfs made with
# debootstrap (djstack/debian:trixie); the others are Dockerfiles under
# tests/images/<name>/ built on top of it. See tests/images/README.md.
#
# Usage: tests/images/build.sh [TARGET...]
#   TARGET: debian server python mysql mariadb nginx gitserver gitprivate pebble registry moto redis bundle (default: all),
#   or fresh (a bare machine for make test-fresh; not in the default).
#   An image that already exists is skipped unless FORCE=1 (then it is rebuilt;
#   for Dockerfile images the build cache still applies, NO_CACHE=1 disables it).
#
# Environment:
#   FORCE=1                  rebuild even if the image / archive exists
#   NO_CACHE=1               docker build --no-cache
#   EXTRA_CA_DIR=DIR         *.crt files trusted by every image
#                            (default /usr/local/share/ca-certificates)
#   DEBIAN_MIRROR=URL        default http://deb.debian.org/debian
#   DEBIAN_SECURITY_MIRROR=URL  default http://deb.debian.org/debian-security
#   OUT_DIR=DIR              where stack-images.tar.zst goes (default <repo>/build/images)
#
# Needs: a running Docker engine; root and debootstrap for the base image.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"

FORCE="${FORCE:-0}"
NO_CACHE="${NO_CACHE:-0}"
EXTRA_CA_DIR="${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
OUT_DIR="${OUT_DIR:-$repo_root/build/images}"

readonly SUITE=trixie
readonly BASE_IMAGE="djstack/debian:$SUITE"
# Dockerfile images, in build order: "<directory under tests/images> <image>".
readonly DERIVED=(
  "server djstack/server:trixie"
  "python djstack/python:3.13-slim"
  "mysql djstack/mysql:8.4"
  "mariadb mariadb:11.8"
  "nginx djstack/nginx:stable"
  "gitserver djstack/gitserver:latest"
  "gitprivate djstack/gitserver-private:latest"
  "pebble djstack/pebble:latest"
  "registry djstack/registry:latest"
  "moto djstack/moto:5"
  "redis djstack/redis:8"
  "fresh djstack/fresh:trixie"
)
# Images the stack (compose) needs, saved into one archive so that the shared
# base layer is stored once.
# mariadb:11.8 is the stand-in of the official image of that name (the
# default database image), built FROM djstack/mysql:8.4: one small layer more.
readonly BUNDLE_IMAGES=(djstack/python:3.13-slim djstack/mysql:8.4 mariadb:11.8 djstack/nginx:stable djstack/redis:8)
# zstd-compressed (a third of the size: the sandbox's copy over SSH takes a
# third of the time); the Docker engine's load reads it as it is.
readonly BUNDLE="$OUT_DIR/stack-images.tar.zst"

workdir=""

log() { printf '[images %s] %s\n' "$(date +%T)" "$*"; }
die() {
  printf '[images] ERROR: %s\n' "$*" >&2
  exit 1
}

cleanup() {
  [[ -n "$workdir" && -d "$workdir" ]] || return 0
  # debootstrap mounts /proc and /sys inside the target; if it died half-way
  # they may still be mounted: unmount first, never delete through a mount.
  local mnt
  while read -r mnt; do
    umount -l "$mnt" || true
  done < <(findmnt -rn -o TARGET | grep -F "$workdir/" | sort -r || true)
  if findmnt -rn -o TARGET | grep -qF "$workdir/"; then
    printf '[images] WARNING: mounts left under %s, not deleting it\n' "$workdir" >&2
    return 0
  fi
  rm -rf --one-file-system "$workdir"
}
trap cleanup EXIT

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# True when the image must be built (missing, or FORCE=1).
wanted() {
  if [[ "$FORCE" == 1 ]]; then
    return 0
  fi
  if image_exists "$1"; then
    log "skip $1: exists (FORCE=1 rebuilds)"
    return 1
  fi
  return 0
}

human_size() { numfmt --to=iec --suffix=B "$1"; }

# ---- djstack/debian:trixie ---------------------------------------------------
configure_rootfs() {
  local rootfs="$1" certs cert

  # Static settings: apt/dpkg tuning for images, policy-rc.d (see the files).
  cp -a "$here/debian/overlay/." "$rootfs/"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"

  log "apt sources: $SUITE, $SUITE-updates, $SUITE-security (deb822)"
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $DEBIAN_SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

  # Extra CA certificates (the TLS-intercepting proxy, or a corporate CA):
  # copied before ca-certificates is installed, so its postinst puts them
  # into /etc/ssl/certs/ca-certificates.crt of every image.
  install -d -m 0755 "$rootfs/usr/local/share/ca-certificates"
  certs=()
  if [[ -d "$EXTRA_CA_DIR" ]]; then
    shopt -s nullglob
    certs=("$EXTRA_CA_DIR"/*.crt)
    shopt -u nullglob
  fi
  for cert in "${certs[@]}"; do
    install -m 0644 "$cert" "$rootfs/usr/local/share/ca-certificates/"
  done
  log "extra CA certificates from $EXTRA_CA_DIR: ${#certs[@]}"

  # Security updates + ca-certificates inside the rootfs (debootstrap left a
  # copy of the host's resolv.conf there for exactly this; removed below).
  log "chroot: apt-get upgrade + install ca-certificates"
  chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
    /bin/sh -euc '
      apt-get -q -o Dpkg::Use-Pty=0 update
      apt-get -q -y -o Dpkg::Use-Pty=0 upgrade
      apt-get -q -y -o Dpkg::Use-Pty=0 install ca-certificates
      apt-get clean' >"$workdir/chroot-apt.log" 2>&1 ||
    {
      tail -n 30 "$workdir/chroot-apt.log" >&2
      die "apt-get in the rootfs failed"
    }
  grep -E '^(Inst|Setting up|Updating certificates|[0-9]+ added)' "$workdir/chroot-apt.log" |
    sed 's/^/    /' || true

  log "slim down: docs, man pages, translations, apt/dpkg caches, logs"
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/groff" \
    "$rootfs/usr/share/lintian" "$rootfs/usr/share/linda" -mindepth 1 -delete 2>/dev/null || true
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
    -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/lib/apt/lists/*
  install -d -m 0700 -o _apt -g root "$rootfs/var/lib/apt/lists/partial" 2>/dev/null ||
    install -d -m 0700 "$rootfs/var/lib/apt/lists/partial"
  rm -f "$rootfs"/var/log/bootstrap.log "$rootfs"/var/log/dpkg.log \
    "$rootfs"/var/log/alternatives.log "$rootfs"/var/log/apt/*.log \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old

  # Nothing from the build host: Docker bind-mounts hostname, hosts and
  # resolv.conf into every container; systemd (server image) fills an empty
  # machine-id at boot, so each container gets its own.
  printf 'localhost\n' >"$rootfs/etc/hostname"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/machine-id"
  rm -f "$rootfs/var/lib/dbus/machine-id"
}

build_base() {
  local start=$SECONDS rootfs
  [[ $EUID -eq 0 ]] || die "building $BASE_IMAGE needs root (debootstrap, chroot)"
  command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"

  workdir="$(mktemp -d "${TMPDIR:-/tmp}/djstack-rootfs.XXXXXX")"
  rootfs="$workdir/rootfs"
  log "debootstrap --variant=minbase $SUITE $rootfs $DEBIAN_MIRROR"
  if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$DEBIAN_MIRROR" \
    >"$workdir/debootstrap.log" 2>&1; then
    tail -n 30 "$workdir/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  log "debootstrap done in $((SECONDS - start)) s"

  configure_rootfs "$rootfs"

  log "docker import -> $BASE_IMAGE (rootfs $(du -sh --apparent-size "$rootfs" | cut -f1))"
  tar --numeric-owner -C "$rootfs" -c . |
    docker import \
      --change 'CMD ["bash"]' \
      --message "debootstrap --variant=minbase $SUITE + tests/images/build.sh" \
      - "$BASE_IMAGE" >/dev/null

  cleanup
  workdir=""
  log "built $BASE_IMAGE in $((SECONDS - start)) s"
}

# ---- Dockerfile images ----------------------------------------------------------
build_derived() {
  local dir="$1" image="$2" start=$SECONDS
  local -a args=(--tag "$image")
  image_exists "$BASE_IMAGE" || die "$image needs $BASE_IMAGE: build it first"
  if [[ "$NO_CACHE" == 1 ]]; then
    args+=(--no-cache)
  fi
  log "docker build $image from tests/images/$dir/"
  # Docker's legacy builder: this client has no buildx plugin, and the legacy
  # builder resolves FROM against local images without contacting a registry.
  if ! DOCKER_BUILDKIT=0 docker build "${args[@]}" "$here/$dir" 2>&1 |
    sed -e '/DEPRECATED: The legacy builder/d' -e '/BuildKit is currently disabled/d' \
      -e '/Install the buildx component/d' -e '/docs.docker.com\/go\/buildx/d' \
      -e 's/\x1b\[[0-9;]*m//g' -e 's/^/    /'; then
    die "docker build of $image failed"
  fi
  log "built $image in $((SECONDS - start)) s"
}

# ---- build/images/stack-images.tar.zst ----------------------------------------
bundle_stale() {
  local image created file_time manifest
  [[ "$FORCE" == 1 || ! -f "$BUNDLE" ]] && return 0
  # An archive written before an image joined the list lacks it. The
  # manifest is read once (the whole archive is decompressed to find it); an
  # unreadable archive is written again.
  manifest="$(zstd -dcq "$BUNDLE" | tar -xOf - manifest.json)" || manifest=""
  for image in "${BUNDLE_IMAGES[@]}"; do
    if ! grep -qF "\"$image\"" <<<"$manifest"; then
      log "$BUNDLE does not hold $image"
      return 0
    fi
  done
  file_time="$(stat -c %Y "$BUNDLE")"
  for image in "${BUNDLE_IMAGES[@]}"; do
    created="$(docker image inspect -f '{{.Created}}' "$image")"
    if (($(date -d "$created" +%s) > file_time)); then
      log "$image is newer than $BUNDLE"
      return 0
    fi
  done
  return 1
}

save_bundle() {
  local image start=$SECONDS
  for image in "${BUNDLE_IMAGES[@]}"; do
    image_exists "$image" || die "$image is missing: build it first"
  done
  if bundle_stale; then
    mkdir -p "$OUT_DIR"
    log "docker save ${BUNDLE_IMAGES[*]} -> $BUNDLE"
    docker save "${BUNDLE_IMAGES[@]}" | zstd -q -1 -T0 -o "$BUNDLE.tmp" -f
    chmod 0644 "$BUNDLE.tmp"
    mv -f "$BUNDLE.tmp" "$BUNDLE"
    # The uncompressed archive of earlier versions.
    rm -f "$OUT_DIR/stack-images.tar"
    log "saved in $((SECONDS - start)) s"
  else
    log "skip $BUNDLE: up to date (FORCE=1 rewrites)"
  fi
  log "$BUNDLE: $(human_size "$(stat -c %s "$BUNDLE")")"
}

main() {
  local start=$SECONDS target entry dir image
  local -a targets=("$@")
  if ((${#targets[@]} == 0)); then
    targets=(debian server python mysql mariadb nginx gitserver gitprivate pebble registry moto redis bundle)
  fi

  docker info >/dev/null 2>&1 ||
    die "the Docker engine is not reachable (start it: dockerd >/tmp/dockerd.log 2>&1 &)"

  # One build at a time (e.g. two molecule scenarios preparing in parallel).
  mkdir -p "$OUT_DIR"
  exec 9>"$OUT_DIR/.build.lock"
  if ! flock -n 9; then
    log "another build.sh is running; waiting for it"
    flock 9
  fi

  for target in "${targets[@]}"; do
    case "$target" in
    debian)
      if wanted "$BASE_IMAGE"; then build_base; fi
      ;;
    bundle)
      save_bundle
      ;;
    *)
      image=""
      for entry in "${DERIVED[@]}"; do
        dir="${entry%% *}"
        if [[ "$dir" == "$target" ]]; then
          image="${entry#* }"
        fi
      done
      [[ -n "$image" ]] || die "unknown target '$target' (debian server python mysql mariadb nginx gitserver gitprivate pebble registry moto redis bundle fresh)"
      if wanted "$image"; then build_derived "$target" "$image"; fi
      ;;
    esac
  done

  log "images:"
  docker image ls --filter 'reference=djstack/*' --filter 'reference=mariadb:11.8' \
    --format '{{.Repository}}:{{.Tag}}  {{.Size}}  ({{.ID}}, {{.CreatedSince}})' | sed 's/^/    /'
  log "total wall time: $((SECONDS - start)) s"
}

main "$@"
