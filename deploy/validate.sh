#!/usr/bin/env bash
# Validates the deployment files without a Docker engine or a Kubernetes cluster:
#   - docker-compose.yml parses and resolves (`docker-compose config`), and refuses to start
#     without VIGIL_ADMIN_PASSWORD;
#   - the Helm chart deploy/helm/vigil passes `helm lint --strict` and renders with
#     `helm template`, with its default values and with the other modes it supports.
#
#   deploy/validate.sh                 check (the tools must be installed)
#   deploy/validate.sh --install       install missing tools, then check
#   deploy/validate.sh --install-only  install missing tools only
#
# Tools: docker-compose from Debian (`apt-get install docker-compose`, as root), or the Docker
# Compose plugin (`docker compose`) when present; helm built from the Go module proxy with
# `go install` (needs Go 1.21 or later) into $VIGIL_CACHE_DIR/bin (default ~/.cache/vigil/bin).
# The first helm build takes a few minutes; later runs use the cached binary.
set -euo pipefail

HELM_VERSION=v3.22.0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${VIGIL_CACHE_DIR:-$HOME/.cache/vigil}
BIN="$CACHE/bin"
CHART="$ROOT/deploy/helm/vigil"
COMPOSE_FILE="$ROOT/docker-compose.yml"
# Any placeholder will do for parsing; the API itself requires 12 characters or more.
DUMMY_PASSWORD=validate-only-not-a-password

log() { printf 'validate: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install=0 check=1
case "${1:-}" in
  "") ;;
  --install) install=1 ;;
  --install-only) install=1 check=0 ;;
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown option $1 (try --help)" ;;
esac

# The command that runs Compose: Debian's docker-compose, else the Docker CLI plugin.
compose_cmd() {
  if command -v docker-compose >/dev/null 2>&1; then
    echo docker-compose
  elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    echo "docker compose"
  fi
}

helm_path() {
  if [ -x "$BIN/helm" ]; then echo "$BIN/helm"; elif command -v helm >/dev/null 2>&1; then command -v helm; fi
}

install_compose() {
  [ -n "$(compose_cmd)" ] && return 0
  [ "$(id -u)" = 0 ] || die "docker-compose is missing; install it as root: apt-get update && apt-get install -y --no-install-recommends docker-compose"
  command -v apt-get >/dev/null 2>&1 || die "docker-compose is missing and there is no apt-get here; install Docker Compose another way"
  log "installing docker-compose from Debian"
  apt-get update -qq
  # Without recommends: the Compose CLI only, not the Docker engine it recommends.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
}

install_helm() {
  local stamp="$BIN/.helm-version"
  if [ -x "$BIN/helm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$HELM_VERSION" ]; then return 0; fi
  if [ ! -x "$BIN/helm" ] && command -v helm >/dev/null 2>&1; then return 0; fi
  command -v go >/dev/null 2>&1 || die "helm is missing and so is Go (1.21+), which builds it: install Go, or put helm $HELM_VERSION on PATH"
  log "building helm $HELM_VERSION from the Go module proxy into $BIN (a few minutes the first time)"
  mkdir -p "$BIN"
  GOBIN="$BIN" GOFLAGS="${GOFLAGS:-} -trimpath" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" || die "building helm failed"
  echo "$HELM_VERSION" > "$stamp"
}

check_compose() {
  local compose; compose=$(compose_cmd)
  [ -n "$compose" ] || die "docker-compose is missing (deploy/validate.sh --install installs it)"
  # A dead DOCKER_HOST proves the check needs no Docker engine.
  local -a run=(env DOCKER_HOST=unix:///nonexistent/docker.sock COMPOSE_PROFILES=dashboards)
  log "$compose config: $COMPOSE_FILE"
  # shellcheck disable=SC2086 # "docker compose" is two words
  VIGIL_ADMIN_PASSWORD=$DUMMY_PASSWORD "${run[@]}" $compose -f "$COMPOSE_FILE" config -q \
    || die "docker-compose.yml does not validate"
  local services; services=$(VIGIL_ADMIN_PASSWORD=$DUMMY_PASSWORD "${run[@]}" $compose -f "$COMPOSE_FILE" config --services)
  for service in kafka opensearch opensearch-dashboards vigil-init edge engine indexer api; do
    grep -qx "$service" <<<"$services" || die "docker-compose.yml has no service $service"
  done
  local output
  if output=$(env -u VIGIL_ADMIN_PASSWORD "${run[@]}" $compose -f "$COMPOSE_FILE" config -q 2>&1); then
    die "docker-compose.yml resolves without VIGIL_ADMIN_PASSWORD; it must refuse"
  fi
  grep -q VIGIL_ADMIN_PASSWORD <<<"$output" || die "without VIGIL_ADMIN_PASSWORD compose fails, but does not say why: $output"
}

check_helm() {
  local helm; helm=$(helm_path)
  [ -n "$helm" ] || die "helm is missing (deploy/validate.sh --install builds it)"
  log "helm lint --strict $CHART"
  "$helm" lint --strict "$CHART" >/dev/null || { "$helm" lint --strict "$CHART" >&2; die "helm lint failed"; }
  local -a variants=(
    ""
    "--set engine.kind=StatefulSet --set engine.replicaCount=3 --set engine.autoscaling.enabled=true --set indexer.autoscaling.enabled=true"
    "--set pki.mode=existingSecret --set pki.existingSecret=vigil-pki --set admin.existingSecret=vigil-admin --set opensearch.existingSecret=vigil-opensearch"
    "--set edge.service.type=LoadBalancer --set engine.persistence.enabled=false --set engine.replicaCount=2 --set-json config={\"logLevel\":\"debug\"}"
  )
  local variant
  for variant in "${variants[@]}"; do
    log "helm template ${variant:-(default values)}"
    # shellcheck disable=SC2086 # the variant is a list of flags
    "$helm" template vigil "$CHART" --namespace vigil $variant >/dev/null || die "helm template failed: ${variant:-default values}"
  done
}

if [ "$install" = 1 ]; then
  install_compose
  install_helm
fi
if [ "$check" = 1 ]; then
  check_compose
  check_helm
  log "deployment files are valid"
fi
