#!/usr/bin/env bash
# Installs every Debian package smip needs to build, run and test. Idempotent:
# packages already present are skipped, so `make` can call it every time cheaply.
set -euo pipefail

PKGS=(
  build-essential pkg-config clang libclang-rt-14-dev
  libmicrohttpd-dev libjansson-dev libjsmn-dev libsqlite3-dev sqlite3 libsodium-dev
  postgresql libpq-dev nginx
  libmagic-dev libutf8proc-dev libcrypt-dev
  libcmocka-dev python3 python3-pytest
  chromium fonts-noto-cjk poppler-utils poppler-data
  libcairo2-dev libpango1.0-dev libqrencode-dev libxlsxwriter-dev libzip-dev
)
# Node.js: the machine image may ship its own build (with npm inside); only add Debian's when absent.
command -v node >/dev/null 2>&1 || PKGS+=(nodejs npm)
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
