#!/usr/bin/env bash
# Builds the web files the master serves into its package, so that `make demo`, `make test`, the
# wheel and the image all have them without a manual step (master/gateway/static/, git-ignored):
#   static/swagger/    Swagger UI for /api/docs: swagger-ui-dist as pinned by
#                      master/gateway/swagger/package-lock.json (node_modules in a cache keyed
#                      by that lock's hash, outside the repository)
#   static/dashboard/  the dashboard: `npm ci` from dashboard/package-lock.json, `npm run build`,
#                      dashboard/dist/ copied here
# Text files get a gzip twin (NAME.gz) that the master sends to clients accepting gzip.
#
# Idempotent and cheap when warm: each part records the sha256 of its inputs (the lock; for the
# dashboard every file under dashboard/ but node_modules/, dist/ and test output) and is skipped
# while they are unchanged and its output is in place. `npm ci` runs only when the lock changed,
# with --prefer-offline, so a warm npm cache (npm's own, ~/.npm) needs no network.
# --ignore-scripts: no dependency's install script runs (swagger-ui-dist's would send telemetry;
# Vite's esbuild and rollup take their binaries from optional dependencies, no script needed).
# Until dashboard/package.json exists there is no dashboard to build: that part says so and the
# script still exits 0 (the master then answers / with how to build it).
#
# Usage: scripts/build-dashboard.sh           build what is stale
#        scripts/build-dashboard.sh --check   build nothing; exit 1 (saying what) when stale
# Env:   LOOKOUT_STATIC_DIR  where the outputs go (default master/gateway/static)
#        LOOKOUT_CACHE       cache root (default ~/.cache/lookout)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# shellcheck source=scripts/lib/cached-peer.sh
. scripts/lib/cached-peer.sh
peer_init build-dashboard "$@"
STATIC=${LOOKOUT_STATIC_DIR:-$ROOT/master/gateway/static}
SWAGGER_SRC=master/gateway/swagger
DASHBOARD_SRC=dashboard
# What /api/docs loads from swagger-ui-dist (master.gateway.docs names them), and its licence.
SWAGGER_FILES=(swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE)
stale=0

sha() { sha256sum | cut -c1-64; }

# Every input file of the dashboard build, hashed with its path, in a stable order.
dashboard_inputs_hash() {
  (
    cd "$DASHBOARD_SRC"
    # Outputs and caches, not inputs (tsc -b may leave its *.tsbuildinfo at the top).
    find . \( -name node_modules -o -name dist -o -name .git -o -name coverage \
      -o -name test-results -o -name playwright-report -o -name '.vite' -o -name '.cache' \
      -o -name '*.tsbuildinfo' -o -name .eslintcache \) \
      -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  ) | sha
}

# gzip twins of the text files under $1 (deterministic: -n drops name and time).
precompress() {
  find "$1" -type f \( -name '*.html' -o -name '*.js' -o -name '*.mjs' -o -name '*.css' \
    -o -name '*.json' -o -name '*.map' -o -name '*.svg' -o -name '*.txt' -o -name '*.xml' \
    -o -name '*.webmanifest' \) -print0 | xargs -0 -r gzip -9 -n -k -f
}

# Move a finished tree into place (the old one out first): a master serving the directory sees
# the old build or the new one, and an interrupted build never leaves half of one.
install_tree() {
  local built=$1 target=$2
  rm -rf "$target.old"
  if [[ -e $target ]]; then mv "$target" "$target.old"; fi
  mv "$built" "$target"
  rm -rf "$target.old"
}

up_to_date() {  # stamp-file hash marker-file
  [[ -f $1 && "$(cat "$1")" == "$2" && -f $3 ]]
}

swagger() {
  peer_needs "Swagger UI" node npm sha256sum gzip
  local hash modules stamp="$STATIC/.swagger.sha256"
  hash=$(sha <"$SWAGGER_SRC/package-lock.json")
  if up_to_date "$stamp" "$hash" "$STATIC/swagger/swagger-ui-bundle.js"; then
    log "swagger: up to date"
    return
  fi
  if [[ $mode == check ]]; then
    log "swagger: stale or missing in $STATIC/swagger"; stale=1; return
  fi
  modules="$LOOKOUT_CACHE_ROOT/swagger-ui/${hash:0:16}"
  if [[ ! -f $modules/.installed ]]; then
    log "swagger: npm ci from $SWAGGER_SRC/package-lock.json"
    local tmp="$modules.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    cp "$SWAGGER_SRC/package.json" "$SWAGGER_SRC/package-lock.json" "$tmp/"
    (cd "$tmp" && npm ci --ignore-scripts --prefer-offline --no-audit --no-fund \
      --loglevel=error >&2)
    rm -rf "$modules" && mv "$tmp" "$modules" && touch "$modules/.installed"
  fi
  mkdir -p "$STATIC"
  local out="$STATIC/swagger.new.$$" f
  rm -rf "$out" && mkdir -p "$out"
  for f in "${SWAGGER_FILES[@]}"; do
    cp "$modules/node_modules/swagger-ui-dist/$f" "$out/$f"
  done
  precompress "$out"
  install_tree "$out" "$STATIC/swagger"
  echo "$hash" >"$stamp"
  log "swagger: installed $(node -p "require('$modules/node_modules/swagger-ui-dist/package.json').version") into $STATIC/swagger"
}

dashboard() {
  if [[ ! -f $DASHBOARD_SRC/package.json ]]; then
    log "dashboard: $DASHBOARD_SRC/package.json does not exist yet, nothing to build (the" \
      "master answers / with how to build it)"
    return
  fi
  peer_needs "the dashboard" node npm sha256sum gzip
  local hash lock_hash stamp="$STATIC/.dashboard.sha256"
  hash=$(dashboard_inputs_hash)
  if up_to_date "$stamp" "$hash" "$STATIC/dashboard/index.html"; then
    log "dashboard: up to date"
    return
  fi
  if [[ $mode == check ]]; then
    log "dashboard: stale or missing in $STATIC/dashboard"; stale=1; return
  fi
  lock_hash=$(sha <"$DASHBOARD_SRC/package-lock.json")
  local deps="$DASHBOARD_SRC/node_modules/.lookout-lock.sha256"
  if [[ -L $DASHBOARD_SRC/node_modules ]]; then
    # A worktree borrowing another checkout's install: `npm ci` through the link would empty
    # that checkout's node_modules while it is in use. Build with it as it is.
    log "dashboard: node_modules is a link to $(readlink "$DASHBOARD_SRC/node_modules"), not" \
      "reinstalling through it"
  elif ! up_to_date "$deps" "$lock_hash" "$deps"; then
    log "dashboard: npm ci from $DASHBOARD_SRC/package-lock.json"
    (cd "$DASHBOARD_SRC" && npm ci --ignore-scripts --prefer-offline --no-audit --no-fund \
      --loglevel=error >&2)
    mkdir -p "$(dirname "$deps")"  # a lock without dependencies makes no node_modules
    echo "$lock_hash" >"$deps"
  fi
  log "dashboard: npm run build"
  started=$(date +%s)
  rm -rf "$DASHBOARD_SRC/dist"  # what an earlier build left must not ship with this one
  (cd "$DASHBOARD_SRC" && npm run build >&2)
  if [[ ! -f $DASHBOARD_SRC/dist/index.html ]]; then
    log "dashboard: npm run build wrote no $DASHBOARD_SRC/dist/index.html"; exit 1
  fi
  mkdir -p "$STATIC"
  local out="$STATIC/dashboard.new.$$"
  rm -rf "$out"
  cp -R "$DASHBOARD_SRC/dist" "$out"
  precompress "$out"
  install_tree "$out" "$STATIC/dashboard"
  echo "$hash" >"$stamp"
  log "dashboard: built into $STATIC/dashboard in $(($(date +%s) - started))s"
}

swagger
dashboard
exit "$stale"
