#!/usr/bin/env bash
# Installs panva's oidc-provider (the real OpenID provider tests/api/accounts/test_oidc.py
# runs on Node) with npm into ${POD_OIDC_PROVIDER_DIR:-$HOME/.cache/pod-v5/oidc-provider},
# at the version that test pins (its PROVIDER_VERSION), and prints the folder as the last
# line of stdout (logs go to stderr). Idempotent: an install at that version is printed at
# once. Needs node and npm (Debian: `apt-get install nodejs npm`).
#
# `--check` only reports (exit 3 when not installed), never installs.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECK_ONLY=false
case "${1:-}" in
  --check) CHECK_ONLY=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

TEST=tests/api/accounts/test_oidc.py
DIR=${POD_OIDC_PROVIDER_DIR:-${HOME}/.cache/pod-v5/oidc-provider}

log() { printf '[oidc-provider] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

VERSION=$(sed -n 's/^PROVIDER_VERSION = "\([^"]*\)"$/\1/p' "$TEST")
[ -n "$VERSION" ] || die "no PROVIDER_VERSION = \"...\" line in $TEST"

installed() { # the installed version, if any
  local package=$DIR/node_modules/oidc-provider/package.json
  [ -f "$package" ] && command -v node >/dev/null || return 0
  node -p 'require(process.argv[1]).version' "$package" 2>/dev/null || true
}

if [ "$(installed)" = "$VERSION" ]; then
  echo "$DIR"
  exit 0
fi
if $CHECK_ONLY; then
  log "not installed: oidc-provider@$VERSION in $DIR; run $0"
  exit 3
fi
command -v node >/dev/null || die "node is not on PATH (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm is not on PATH (Debian: apt-get install npm)"
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9
if [ "$(installed)" != "$VERSION" ]; then
  log "npm install oidc-provider@$VERSION into $DIR"
  (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error "oidc-provider@$VERSION" >&2)
  [ "$(installed)" = "$VERSION" ] || die "npm installed $(installed), not $VERSION"
fi
echo "$DIR"
