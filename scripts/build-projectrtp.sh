#!/usr/bin/env bash
# Builds the native part of @babblevoice/projectrtp 2.6.20 offline.
# npm installs it with --ignore-scripts (its own install step would try to
# build against a system iLBC Debian does not ship), so we build the iLBC copy
# bundled in the package as a static library into a local prefix and rebuild
# the addon against it. Skipped when the addon is already built.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PKG=node_modules/@babblevoice/projectrtp
[ -d "$PKG" ] || { echo "build-projectrtp: $PKG missing (run npm ci first)" >&2; exit 1; }
[ -f "$PKG/build/Release/projectrtp.node" ] && exit 0

PREFIX="$PWD/.cache/ilbc"
if [ ! -f "$PREFIX/lib/libilbc.a" ]; then
  echo "setup: building iLBC (static) for projectrtp"
  rm -rf .cache/ilbc-build && mkdir -p .cache/ilbc-build
  cmake -S "$PKG/libilbc" -B .cache/ilbc-build -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build .cache/ilbc-build -j"$(nproc)" >/dev/null
  cmake --install .cache/ilbc-build >/dev/null
fi

echo "setup: building projectrtp native addon (about 2 min)"
# npm_config_nodedir: node-gyp uses the installed Node headers instead of downloading them
CXXFLAGS="-I$PREFIX/include" LDFLAGS="-L$PREFIX/lib" npm_config_nodedir="${npm_config_nodedir:-/usr}" \
  npm rebuild @babblevoice/projectrtp --foreground-scripts >.cache/projectrtp-build.log 2>&1 \
  || { tail -30 .cache/projectrtp-build.log >&2; exit 1; }
