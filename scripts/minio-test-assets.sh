#!/usr/bin/env bash
# Builds MinIO (the S3-compatible server the S3 storage tests run against) from source with
# the Go toolchain, the way MinIO itself is now distributed:
#
#   go install github.com/minio/minio@<pinned version>
#
# into ${POD_MINIO_ASSETS:-$HOME/.cache/pod-v5/minio/<version>} (a sibling of the Kubernetes
# test binaries of scripts/k8s-test-assets.sh), and prints that folder as the last line of
# stdout (logs go to stderr). Nothing is downloaded but Go modules through the Go module proxy.
#
# The version is a module pseudo-version: MinIO's RELEASE.* tags are not semver, so the module
# proxy serves its commits as v0.0.0-<time>-<commit>. Idempotent (a stamp records the version);
# concurrent runs are serialised with flock. If POD_MINIO_BIN names an executable, its folder
# is used as is.
#
# `--check` only reports (exit 3 when not built), never builds.
# Environment: POD_MINIO_VERSION, POD_MINIO_ASSETS, POD_K8S_BUILD_JOBS (go build -p).
set -euo pipefail

CHECK_ONLY=false
case "${1:-}" in
  --check) CHECK_ONLY=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# The newest commit on MinIO's master the module proxy serves (2026-02-12).
MINIO_VERSION=${POD_MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}
ASSETS=${POD_MINIO_ASSETS:-${HOME}/.cache/pod-v5/minio/${MINIO_VERSION}}
GO_MIN_MINOR=24 # MinIO's go.mod says go 1.24

log() { printf '[minio-assets] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ -n "${POD_MINIO_BIN:-}" ]; then
  [ -x "$POD_MINIO_BIN" ] || die "POD_MINIO_BIN=$POD_MINIO_BIN is not executable"
  log "using POD_MINIO_BIN=$POD_MINIO_BIN"
  dirname "$(readlink -f "$POD_MINIO_BIN")"
  exit 0
fi

STAMP_TEXT="minio=${MINIO_VERSION} ldflags=2" # bump when the build recipe changes
is_complete() { [ -x "$ASSETS/minio" ] && [ "$(cat "$ASSETS/.stamp" 2>/dev/null)" = "$STAMP_TEXT" ]; }

if is_complete; then
  (cd "$ASSETS" && pwd -P)
  exit 0
fi
if $CHECK_ONLY; then
  log "not built yet: $ASSETS (minio $MINIO_VERSION); run $0"
  exit 3
fi
mkdir -p "$ASSETS"
ASSETS=$(cd "$ASSETS" && pwd -P)

command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin" # go.dev/dl installs there
command -v go >/dev/null || die "the Go toolchain (go >= 1.${GO_MIN_MINOR}) is not on PATH"
go_minor=$(GOTOOLCHAIN=local go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
[ "${go_minor:-0}" -ge "$GO_MIN_MINOR" ] ||
  die "$(GOTOOLCHAIN=local go env GOVERSION) is too old: go >= 1.${GO_MIN_MINOR} is needed"

exec 9>"$ASSETS/.lock"
flock 9
if is_complete; then
  printf '%s\n' "$ASSETS"
  exit 0
fi

JOBS=${POD_K8S_BUILD_JOBS:-$(($(nproc) < 2 ? $(nproc) : 2))}
export CGO_ENABLED=0 GOTOOLCHAIN=local GOMAXPROCS=${GOMAXPROCS:-$JOBS}
START=$(date +%s)
mkdir -p "$ASSETS/.build"
log "go install github.com/minio/minio@${MINIO_VERSION} (go $(go env GOVERSION), -p=$JOBS)"
# Stamp the version as MinIO's Makefile does (buildscripts/gen-ldflags.go): Version is the
# commit time (RFC 3339), ReleaseTag its RELEASE-style name, CommitID the commit.
commit_time=$(echo "$MINIO_VERSION" | sed -n 's/^v0\.0\.0-\([0-9]\{14\}\)-.*/\1/p')
commit_id=${MINIO_VERSION##*-}
iso=${commit_time:0:4}-${commit_time:4:2}-${commit_time:6:2}T${commit_time:8:2}:${commit_time:10:2}:${commit_time:12:2}Z
m=github.com/minio/minio/cmd
ldflags="-s -w -X $m.Version=$iso -X $m.ReleaseTag=DEVELOPMENT.${iso//:/-}"
ldflags+=" -X $m.CommitID=$commit_id -X $m.ShortCommitID=$commit_id"
GOFLAGS="-buildvcs=false -p=${JOBS}" GOBIN="$ASSETS/.build" go install -trimpath \
  -ldflags="$ldflags" "github.com/minio/minio@${MINIO_VERSION}"
mv -f "$ASSETS/.build/minio" "$ASSETS/minio"
echo "$STAMP_TEXT" >"$ASSETS/.stamp"
log "done in $(($(date +%s) - START))s"
printf '%s\n' "$ASSETS"
