#!/usr/bin/env bash
# Builds Tether's container image without a Docker daemon, with Debian's
# buildah, and pushes it to a registry.
#
#   scripts/image.sh build [IMAGE]     # builds IMAGE (default localhost/tether:dev)
#   scripts/image.sh push IMAGE REF    # pushes IMAGE to REF, e.g. registry.example.com/tether:v1.2.0
#   scripts/image.sh remove IMAGE      # removes IMAGE from local storage
#
# The image (scripts/image/Containerfile) is FROM scratch: the static binary
# (CGO_ENABLED=0, -trimpath, its version, commit and build date stamped with
# -ldflags), /etc/passwd and /etc/group naming the user 65532, Debian's CA
# certificates and the LICENSE. Its entrypoint is tether and its command
# "server", which listens on 0.0.0.0:8080 and keeps its data in
# /var/lib/tether.
#
# Settings, all optional:
#   VERSION          the version to stamp (default: git describe --tags, else
#                    v0.0.0-dev+COMMIT)
#   SOURCE_DATE_EPOCH  the build date to stamp (default: now); when set, also
#                    the time of the image and of its files, so that two
#                    builds of one commit are the same image
#   GOARCH           the architecture to build for (default: this machine's)
#   STORAGE_DRIVER   buildah's storage driver (default vfs, which works
#                    everywhere, in containers too; podman must use the same)
#   REGISTRY_AUTH_FILE  credentials for push (containers-auth.json, as
#                    written by "buildah login"), never given as arguments
#   TLS_VERIFY       false to push to a registry over plain HTTP (tests)
#
# buildah and ca-certificates come from Debian:
#   apt-get install -y buildah ca-certificates
set -euo pipefail
cd "$(dirname "$0")/.."

STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
PKG=github.com/tether-ml/tether/internal/version

log() { printf 'image.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
bah() { buildah --storage-driver "$STORAGE_DRIVER" "$@"; }

# stamp sets VERSION, REVISION and CREATED from git and the environment.
stamp() {
  REVISION=$(git rev-parse HEAD 2>/dev/null || true)
  if [ -n "$REVISION" ] && [ -n "$(git status --porcelain 2>/dev/null)" ]; then
    REVISION=$REVISION-dirty
  fi
  VERSION=${VERSION:-$(git describe --tags --match 'v*' --dirty 2>/dev/null ||
    echo "v0.0.0-dev+${REVISION:0:12}")}
  CREATED=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%dT%H:%M:%SZ)
}

# context writes the build context into directory $1: rootfs/ (the binary,
# the user, the CA certificates, the licence) and data/.
context() {
  local dir=$1 root=$1/rootfs
  [ -r "$CA_BUNDLE" ] || die "no $CA_BUNDLE; as root: apt-get install -y ca-certificates"
  mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/licenses" "$dir/data"
  CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$root/usr/local/bin/tether" \
    -ldflags "-s -w -X $PKG.version=$VERSION -X $PKG.commit=$REVISION -X $PKG.buildDate=$CREATED" \
    ./cmd/tether
  printf 'root:x:0:0:root:/root:/sbin/nologin\ntether:x:65532:65532:tether:/var/lib/tether:/sbin/nologin\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\ntether:x:65532:\n' >"$root/etc/group"
  cp "$CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
  cp LICENSE "$root/licenses/LICENSE"
  chmod 0755 "$root/usr/local/bin/tether"
  chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/ssl/certs/ca-certificates.crt" "$root/licenses/LICENSE"
  chmod 0700 "$dir/data"
}

build() {
  local image=${1:-localhost/tether:dev}
  command -v buildah >/dev/null || die "buildah is not installed; as root: apt-get install -y buildah"
  stamp
  CONTEXT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tether-image-XXXXXX")
  trap 'rm -rf "$CONTEXT_DIR"' EXIT
  context "$CONTEXT_DIR"
  log "building $image ($VERSION, ${REVISION:-no commit}, $CREATED)"
  bah bud --quiet --layers=false --format oci --arch "$(go env GOARCH)" -f scripts/image/Containerfile \
    --build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "CREATED=$CREATED" \
    ${SOURCE_DATE_EPOCH:+--timestamp "$SOURCE_DATE_EPOCH"} -t "$image" "$CONTEXT_DIR" >/dev/null
  echo "$image"
}

push() {
  [ $# -eq 2 ] || die "usage: $0 push IMAGE REF"
  bah push --quiet --tls-verify="${TLS_VERIFY:-true}" "$1" "docker://$2"
}

case "${1:-}" in
  build) shift; build "$@" ;;
  push) shift; push "$@" ;;
  remove) shift; [ $# -eq 1 ] || die "usage: $0 remove IMAGE"; bah rmi "$1" >/dev/null ;;
  *) die "usage: $0 build [IMAGE] | push IMAGE REF | remove IMAGE" ;;
esac
