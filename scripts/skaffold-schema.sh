#!/usr/bin/env bash
# Fetches skaffold's published JSON schema for skaffold.yaml's apiVersion (v4beta13) from
# the skaffold Go module — the file docs-v2/content/en/schemas/v4beta13.json of
# github.com/GoogleContainerTools/skaffold/v2@v2.16.1, downloaded with `go mod download`
# (verified by Go's checksum database) — into
# ${POD_SKAFFOLD_SCHEMA_DIR:-$HOME/.cache/pod-v5/skaffold}/<skaffold version>/, checks its
# sha256 and prints its path as the last line of stdout. Idempotent: a cached file with
# the right checksum is printed at once. Used by tests/deploy/test_skaffold.py (and CI).
set -euo pipefail

SKAFFOLD_VERSION=${POD_SKAFFOLD_VERSION:-v2.16.1}
SCHEMA_VERSION=v4beta13
SCHEMA_SHA256=${POD_SKAFFOLD_SCHEMA_SHA256:-60aa19bdc634299263af120abee0ca47162315511dd10788f19f4741147857b9}
DIR=${POD_SKAFFOLD_SCHEMA_DIR:-${HOME}/.cache/pod-v5/skaffold}/${SKAFFOLD_VERSION}
OUT=$DIR/$SCHEMA_VERSION.json
MODULE=github.com/GoogleContainerTools/skaffold/v2
MEMBER=docs-v2/content/en/schemas/$SCHEMA_VERSION.json

log() { printf '[skaffold-schema] %s\n' "$*" >&2; }

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SCHEMA_SHA256" ]; }

if sha_ok "$OUT"; then
  echo "$OUT"
  exit 0
fi

command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { log "error: go not found (needed to download $MODULE)"; exit 1; }

log "go mod download $MODULE@$SKAFFOLD_VERSION (about 45 MB)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# outside any module, so no go.mod around us is consulted or changed
zip=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$MODULE@$SKAFFOLD_VERSION" |
  python3 -c 'import json, sys; info = json.load(sys.stdin); print(info.get("Zip") or sys.exit(info.get("Error", "no zip")))')
mkdir -p "$DIR"
python3 - "$zip" "$MODULE@$SKAFFOLD_VERSION/$MEMBER" "$OUT.tmp" <<'PY'
import sys, zipfile
archive, member, out = sys.argv[1:]
with zipfile.ZipFile(archive) as z, open(out, "wb") as f:
    f.write(z.read(member))
PY
if ! sha_ok "$OUT.tmp"; then
  log "error: $MEMBER has sha256 $(sha256sum "$OUT.tmp" | cut -d' ' -f1), expected $SCHEMA_SHA256"
  rm -f "$OUT.tmp"
  exit 1
fi
mv "$OUT.tmp" "$OUT"
log "saved $OUT"
echo "$OUT"
