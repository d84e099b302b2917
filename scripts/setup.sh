#!/usr/bin/env bash
# Installs what the project needs on Debian 12, then installs npm deps and builds.
# Idempotent and quiet: prints one line per step only when that step does something.
set -euo pipefail

# Debian packages the project needs at build, run or test time. Add new ones here.
# Installed with --no-install-recommends (rtpengine-daemon alone would otherwise pull ~100 packages).
#  - projectrtp native addon (scripts/build-projectrtp.sh): g++ make python3 cmake + the -dev libraries
#  - prompts (src/media/prompts.ts): espeak-ng sox; browser tests: chromium; rtpengine: rtpengine-daemon iproute2
APT_PACKAGES="sip-tester baresip redis-server \
  rtpengine-daemon iproute2 \
  g++ make python3 cmake libspandsp-dev libtiff-dev libgnutls28-dev libsrtp2-dev libboost-dev \
  espeak-ng sox chromium"
NODE_MAJOR_MIN=20

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

install_apt_packages() {
  local missing=() pkg
  for pkg in $APT_PACKAGES; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install manually: ${missing[*]}"
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_node() {
  command -v node >/dev/null 2>&1 || die "node not found; install Node.js ${NODE_MAJOR_MIN}+"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge "$NODE_MAJOR_MIN" ] || die "Node.js ${NODE_MAJOR_MIN}+ required, found $(node -v)"
}

# node-gyp builds against the running Node's own headers (no download): <prefix>/include/node.
# /usr for Debian's nodejs, /usr/local for the node:20 Docker image.
set_nodedir() {
  [ -n "${npm_config_nodedir:-}" ] && { export npm_config_nodedir; return 0; }
  local prefix
  prefix="$(node -p 'require("node:path").resolve(process.execPath, "../..")')"
  if [ -f "$prefix/include/node/node.h" ]; then
    export npm_config_nodedir="$prefix"
  fi
}

install_npm_deps() {
  if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
    return 0
  fi
  say "installing npm dependencies (npm ci)"
  # --ignore-scripts: npm 10 would otherwise run projectrtp's own `node-gyp rebuild`, which fails
  # (no system iLBC on Debian); build_projectrtp does that build properly. npm 11 skips them anyway.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
}

# The native addon lives in node_modules, which every npm ci wipes; the script is a no-op
# when the addon is already there, so it runs every time (not tied to the build stamp).
build_projectrtp() {
  bash scripts/build-projectrtp.sh
}

# Rebuilds only when a compiled input changed since the last successful build.
BUILD_STAMP=dist/.build-stamp
build() {
  if [ -f "$BUILD_STAMP" ] && [ -z "$(find src bench scripts tsconfig.json package-lock.json \
      -newer "$BUILD_STAMP" \( -name '*.ts' -o -name '*.json' \) -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  say "building (npm run build)"
  npm run build --silent
  touch "$BUILD_STAMP"
}

# Missing prompt WAVs for the default config (config/example.yaml unless CONFIG says otherwise);
# prints one line per generated prompt, nothing when all exist.
ensure_prompts() {
  node dist/scripts/prompts.js
}

install_apt_packages
check_node
set_nodedir
install_npm_deps
build_projectrtp
build
ensure_prompts
