#!/usr/bin/env bash
# Installs what the project needs on Debian 12, then installs npm deps and builds.
# Idempotent and quiet: prints one line per step only when that step does something.
set -euo pipefail

# Debian packages the project needs at run or test time. Add new ones here.
APT_PACKAGES="sip-tester baresip redis-server"
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

install_npm_deps() {
  if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
    return 0
  fi
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
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

install_apt_packages
check_node
install_npm_deps
build
