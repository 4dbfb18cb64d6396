#!/usr/bin/env bash
# Builds, from Go modules, the binaries of a real Kubernetes test control plane, in the
# envtest convention (controller-runtime's envtest runs etcd + kube-apiserver from a folder
# named by KUBEBUILDER_ASSETS; we also run kube-controller-manager, kube-scheduler and kwok):
#
#   etcd  kube-apiserver  kube-controller-manager  kube-scheduler  kwok  helm  kubectl
#
# (kubectl is a symlink to the system one when there is one, else built from the same
# k8s.io/kubernetes module)
#
# into ${POD_K8S_ASSETS:-$HOME/.cache/pod-v5/k8s-assets/<k8s version>}, and prints that
# folder as the last line of stdout (logs go to stderr). Nothing is downloaded but Go modules
# through the Go module proxy: release binaries are never fetched.
#
# How k8s.io/kubernetes is consumed as a module: its go.mod requires every k8s.io/* staging
# module at v0.0.0 and replaces it with ./staging/src/k8s.io/<name>, a replace that only
# applies inside that repository. A wrapper module (here, in <assets>/.build/src) requires
# k8s.io/kubernetes v1.X.Y and replaces each staging module with its published v0.X.Y.
# etcd is built in the same wrapper, at the go.etcd.io/etcd/server/v3 version that
# k8s.io/kubernetes pins (the one its own integration tests run against).
#
# Idempotent: when every binary is there with a stamp matching the versions, it prints the
# folder and returns at once. Concurrent runs are serialised with flock.
# If KUBEBUILDER_ASSETS is set and holds etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok, that folder is used as is (printed) and nothing is built.
#
# `--check` only reports (exit 3 when not built), never builds.
# Environment: POD_K8S_VERSION (default 1.32.5), POD_KWOK_VERSION, POD_HELM_VERSION,
# POD_K8S_ASSETS (output folder), POD_K8S_BUILD_JOBS (go build -p, default: min(2, nproc)).
set -euo pipefail

CHECK_ONLY=false
case "${1:-}" in
  --check) CHECK_ONLY=true ;; # print the folder if complete, else exit 3; never build
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# 1.32.x to match kubectl 1.32; .5 because it is a 1.32 patch release whose every staging
# module (v0.32.5) the module proxy we can reach serves (v0.32.4 lacks some sample-* ones).
K8S_VERSION=${POD_K8S_VERSION:-1.32.5}
KWOK_VERSION=${POD_KWOK_VERSION:-v0.7.0}
HELM_VERSION=${POD_HELM_VERSION:-v3.17.4}
ASSETS=${POD_K8S_ASSETS:-${HOME}/.cache/pod-v5/k8s-assets/${K8S_VERSION}}
REQUIRED=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
ALL=("${REQUIRED[@]}" helm kubectl)
GO_MIN_MINOR=24 # kwok v0.7 and helm need go >= 1.24; k8s 1.32 needs 1.23

log() { printf '[k8s-assets] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

has_all() { # dir name...
  local dir=$1 b
  shift
  for b in "$@"; do [ -x "$dir/$b" ] || return 1; done
}

# kubectl: the system one if any (a symlink, refreshed if it moved), else the one we built.
link_kubectl() {
  local kubectl
  kubectl=$(command -v kubectl || true)
  [ -n "$kubectl" ] || return 0
  kubectl=$(readlink -f "$kubectl")
  [ "$kubectl" = "$(readlink -f "$ASSETS/kubectl" 2>/dev/null)" ] || ln -sfn "$kubectl" "$ASSETS/kubectl"
}

# envtest convention: an assets folder given by the environment wins.
if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if has_all "$KUBEBUILDER_ASSETS" "${REQUIRED[@]}"; then
    log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    printf '%s\n' "$KUBEBUILDER_ASSETS"
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks some of ${REQUIRED[*]}: using $ASSETS"
fi

STAMP_TEXT="k8s=v${K8S_VERSION} kwok=${KWOK_VERSION} helm=${HELM_VERSION}"
is_complete() { has_all "$ASSETS" "${ALL[@]}" && [ "$(cat "$ASSETS/.stamp" 2>/dev/null)" = "$STAMP_TEXT" ]; }

if [ -d "$ASSETS" ]; then
  ASSETS=$(cd "$ASSETS" && pwd -P)
  link_kubectl
fi
if is_complete; then
  printf '%s\n' "$ASSETS"
  exit 0
fi
if $CHECK_ONLY; then
  log "not built yet: $ASSETS ($STAMP_TEXT); run $0"
  exit 3
fi
mkdir -p "$ASSETS"
ASSETS=$(cd "$ASSETS" && pwd -P)
link_kubectl

command -v go >/dev/null || die "the Go toolchain (go >= 1.${GO_MIN_MINOR}) is not on PATH"
go_minor=$(GOTOOLCHAIN=local go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
[ "${go_minor:-0}" -ge "$GO_MIN_MINOR" ] ||
  die "$(GOTOOLCHAIN=local go env GOVERSION) is too old: go >= 1.${GO_MIN_MINOR} is needed"

exec 9>"$ASSETS/.lock"
flock 9
if is_complete; then # another run finished it while we waited
  printf '%s\n' "$ASSETS"
  exit 0
fi

MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
STAGING_VERSION="v0.${K8S_VERSION#*.}"
JOBS=${POD_K8S_BUILD_JOBS:-$(($(nproc) < 2 ? $(nproc) : 2))}
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false -p=${JOBS}"
# The Go toolchain parallelises the compilation of one package too; keep it to the cores.
export GOMAXPROCS=${GOMAXPROCS:-$JOBS}
BUILD="$ASSETS/.build"
OUT="$BUILD/bin"
mkdir -p "$BUILD/src" "$OUT"
START=$(date +%s)
log "building into $ASSETS ($STAMP_TEXT, go $(go env GOVERSION), -p=$JOBS)"

# --- etcd, kube-apiserver, kube-controller-manager, kube-scheduler (, kubectl) -----------
prepare_kubernetes_module() {
  local src="$BUILD/src" mod
  [ -f "$src/.ready-v${K8S_VERSION}" ] && return 0
  rm -f "$src"/.ready-*
  cd "$BUILD"
  log "resolving k8s.io/kubernetes v${K8S_VERSION} (staging modules at ${STAGING_VERSION})"
  {
    echo "// Generated by scripts/k8s-test-assets.sh: builds Kubernetes binaries from modules."
    echo "module podv5.test/k8s-assets"
    echo
    echo "go 1.23.0"
    echo
    echo "godebug default=go1.23"
    echo
    echo "require k8s.io/kubernetes v${K8S_VERSION}"
    echo
    echo "replace ("
    # Every staging module k8s.io/kubernetes requires (at v0.0.0) -> its published version.
    go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" >"$BUILD/kubernetes.json"
    mod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' "$BUILD/kubernetes.json")
    [ -f "$mod" ] || die "could not download k8s.io/kubernetes@v${K8S_VERSION}"
    sed -n '/^replace (/,/^)/p' "$mod" | awk '/=>/ {print $1}' | while read -r m; do
      printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"
    done
    echo ")"
  } >"$src/go.mod.new"
  mv "$src/go.mod.new" "$src/go.mod"
  cat >"$src/tools.go" <<'EOF'
//go:build tools

// Package tools records the main packages this module builds (the tools.go convention).
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
EOF
  touch "$src/.ready-v${K8S_VERSION}"
}

build_kubernetes() { # binaries: etcd and/or commands of k8s.io/kubernetes/cmd
  local src="$BUILD/src" date ldflags="-s -w" pkg cmd
  prepare_kubernetes_module
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # What hack/lib/version.sh stamps into release builds (read by /version, kubectl, helm).
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=v${K8S_VERSION} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${MINOR}"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=${date}"
  done
  (
    cd "$src"
    for cmd in "$@"; do
      if [ "$cmd" = etcd ]; then
        log "go build etcd (go.etcd.io/etcd/server/v3, the version k8s.io/kubernetes pins)"
        go build -trimpath -ldflags="-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3
      else
        log "go build $cmd"
        go build -trimpath -ldflags="$ldflags" -o "$OUT/$cmd" "k8s.io/kubernetes/cmd/$cmd"
      fi
    done
  )
}

# --- kwok, helm: plain `go install module@version` ---------------------------------------
build_kwok() {
  log "go install sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
  GOFLAGS="-buildvcs=false -p=${JOBS}" GOBIN="$OUT" go install -trimpath \
    -ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION}" \
    "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
}

build_helm() {
  # Helm's Makefile stamps its version and the Kubernetes version that `helm template`
  # assumes without a cluster (.Capabilities.KubeVersion); do the same.
  local v="helm.sh/helm/v3" ldflags="-s -w"
  ldflags+=" -X $v/internal/version.version=${HELM_VERSION} -X $v/internal/version.gitTreeState=clean"
  ldflags+=" -X $v/pkg/chartutil.k8sVersionMajor=1 -X $v/pkg/chartutil.k8sVersionMinor=${MINOR}"
  ldflags+=" -X $v/pkg/lint/rules.k8sVersionMajor=1 -X $v/pkg/lint/rules.k8sVersionMinor=${MINOR}"
  log "go install helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
  GOFLAGS="-buildvcs=false -p=${JOBS}" GOBIN="$OUT" go install -trimpath -ldflags="$ldflags" \
    "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
}

# Each component is built into $OUT, then moved into $ASSETS with its own stamp, so an
# interrupted run or a version bump of one component rebuilds only what is missing.
stamp_of() { cat "$ASSETS/.stamp-$1" 2>/dev/null || true; }
install_built() { # component stamp binary...
  local component=$1 stamp=$2 b
  shift 2
  for b in "$@"; do mv -f "$OUT/$b" "$ASSETS/$b"; done
  echo "$stamp" >"$ASSETS/.stamp-$component"
}

k8s_stamp="v${K8S_VERSION}"
if ! has_all "$ASSETS" etcd kube-apiserver kube-controller-manager kube-scheduler ||
  [ "$(stamp_of kubernetes)" != "$k8s_stamp" ]; then
  k8s_bins=(etcd kube-apiserver kube-controller-manager kube-scheduler)
  build_kubernetes "${k8s_bins[@]}"
  install_built kubernetes "$k8s_stamp" "${k8s_bins[@]}"
fi
if [ ! -x "$ASSETS/kubectl" ]; then # no system kubectl
  build_kubernetes kubectl
  install_built kubectl "$k8s_stamp" kubectl
fi
if [ ! -x "$ASSETS/kwok" ] || [ "$(stamp_of kwok)" != "$KWOK_VERSION" ]; then
  build_kwok
  install_built kwok "$KWOK_VERSION" kwok
fi
if [ ! -x "$ASSETS/helm" ] || [ "$(stamp_of helm)" != "$HELM_VERSION" ]; then
  build_helm
  install_built helm "$HELM_VERSION" helm
fi

echo "$STAMP_TEXT" >"$ASSETS/.stamp"
log "done in $(($(date +%s) - START))s: $(cd "$ASSETS" && ls | tr '\n' ' ')"
printf '%s\n' "$ASSETS"
