#!/usr/bin/env bash
# Builds the harness's control-plane binaries from the Go module proxy, once per machine.
# Output: $COWORKING_CACHE/bin/<name>-<version>. Re-running with everything present is a no-op.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.5}"
KWOK_VERSION="${KWOK_VERSION:-v0.7.0}"
CACHE="${COWORKING_CACHE:-$HOME/.cache/coworking}"
BIN="$CACHE/bin"
mkdir -p "$BIN" "$CACHE/src"

say() { printf '[harness build] %s\n' "$*" >&2; }
need() {
  command -v "$1" >/dev/null 2>&1 || {
    say "missing: $1. $2"
    exit 3
  }
}
# Fail with the cause, not a compile log, when the module proxy cannot be reached.
proxy_reachable() {
  local out
  out=$(go list -m -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION" 2>&1 >/dev/null) || {
    say "cannot fetch modules from the Go module proxy ($(go env GOPROXY)): $out"
    say "make the proxy reachable (or set GOPROXY/GOFLAGS for your mirror) and rerun 'npm run cluster -- build'."
    exit 5
  }
}

# A heartbeat so that a 20-minute compile never looks hung.
heartbeat() {
  local what=$1 start=$SECONDS
  while sleep 30; do say "still building $what ($((SECONDS - start))s)"; done
}
with_heartbeat() {
  local what=$1
  shift
  heartbeat "$what" &
  local hb=$!
  local rc=0
  "$@" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  return "$rc"
}

build_etcd() {
  local out="$BIN/etcd-$ETCD_VERSION"
  [ -x "$out" ] && return 0
  say "building etcd $ETCD_VERSION (first time only)"
  local dir="$CACHE/src/etcd-$ETCD_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  # `go install go.etcd.io/etcd/v3@version` fails on the module's replace directives, so a
  # wrapper module requires the server library and calls its main.
  cat >"$dir/go.mod" <<MOD
module coworking.local/etcd
go 1.25
require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
  cat >"$dir/main.go" <<'SRC'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
SRC
  (cd "$dir" && go mod tidy >&2 && with_heartbeat etcd go build -trimpath -o "$out.tmp" . && mv "$out.tmp" "$out")
}

build_kubernetes() {
  local names=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local missing=0
  for n in "${names[@]}"; do [ -x "$BIN/$n-$K8S_VERSION" ] || missing=1; done
  [ "$missing" = 0 ] && return 0
  say "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $K8S_VERSION (first time only; ~20-40 min on 2 cores)"
  local dir="$CACHE/src/kubernetes-$K8S_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  local minor="v0.${K8S_VERSION#v1.}"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local paths;
  # a consumer must replace each with the published v0.X tag. The list comes from that
  # version's own go.mod so it never drifts.
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$gomod" ] || { say "could not download k8s.io/kubernetes@$K8S_VERSION from the Go module proxy"; exit 4; }
  {
    echo "module coworking.local/kubernetes"
    echo "go 1.25"
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod" | sort -u | while read -r m; do
      echo "  $m => $m $minor"
    done
    echo ")"
  } >"$dir/go.mod"
  cat >"$dir/tools.go" <<'SRC'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
SRC
  (cd "$dir" && with_heartbeat "kubernetes modules" go mod tidy >&2)
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#v1.}"
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  for n in "${names[@]}"; do
    [ -x "$BIN/$n-$K8S_VERSION" ] && continue
    say "compiling $n"
    (cd "$dir" && with_heartbeat "$n" go build -trimpath -tags tools -ldflags "$ld" -o "$BIN/$n-$K8S_VERSION.tmp" "k8s.io/kubernetes/cmd/$n" && mv "$BIN/$n-$K8S_VERSION.tmp" "$BIN/$n-$K8S_VERSION")
  done
}

build_kwok() {
  local out="$BIN/kwok-$KWOK_VERSION"
  [ -x "$out" ] && return 0
  say "building kwok $KWOK_VERSION (first time only)"
  local gobin="$CACHE/src/kwok-$KWOK_VERSION"
  mkdir -p "$gobin"
  GOBIN="$gobin" with_heartbeat kwok go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$gobin/kwok" "$out"
}

missing=0
for f in "etcd-$ETCD_VERSION" "kube-apiserver-$K8S_VERSION" "kube-controller-manager-$K8S_VERSION" \
  "kube-scheduler-$K8S_VERSION" "kubectl-$K8S_VERSION" "kwok-$KWOK_VERSION"; do
  [ -x "$BIN/$f" ] || missing=1
done
if [ "$missing" = 1 ]; then
  need go "Install Go 1.25+ (https://go.dev/dl or 'apt-get install golang') and make the Go module proxy reachable."
  proxy_reachable
fi
build_etcd
build_kubernetes
build_kwok
say "all binaries present in $BIN"
