#!/usr/bin/env bash
# Installs the browser tests' one npm package (playwright-core, pinned by package-lock.json)
# into tests/browser/node_modules with `npm ci`, unless that exact tree is already there.
# The browser itself is Debian's chromium (scripts/install-deps.sh), never a download.
set -euo pipefail
cd "$(dirname "$0")"
if [[ -f node_modules/.package-lock.json ]] && cmp -s <(sed -n '/"node_modules\//,$p' package-lock.json) \
     <(sed -n '/"node_modules\//,$p' node_modules/.package-lock.json); then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
