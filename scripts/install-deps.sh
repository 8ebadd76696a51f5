#!/usr/bin/env bash
# Installs the Debian bookworm packages duban builds, tests and demos with
# (skips apt when everything is already there). Needs root, or sudo.
set -euo pipefail

packages=(build-essential cmake pkg-config libevent-dev libpq-dev libcurl4-openssl-dev
          libjansson-dev libinih-dev libssl-dev libsystemd-dev libcmocka-dev
          libxlsxwriter-dev libzip-dev libxml2-dev zlib1g-dev python3-openpyxl
          postgresql postgresql-contrib python3 curl ca-certificates openssl tzdata
          util-linux dpkg-dev bash-completion lintian libargon2-dev clang
          chromium fonts-wqy-microhei nodejs apache2-utils)   # dubanweb's browser tests, bench
# npm comes with Debian's package of that name, or inside a nodejs from elsewhere.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
