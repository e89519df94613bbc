#!/usr/bin/env bash
# System packages the test suite uses beyond Python, from Debian: Chromium (PNG chart
# export with Kaleido, and the browser tests) and docker-compose (its `config` check of
# docker-compose.yml needs no Docker daemon). Installed only when missing and when apt is
# usable (root); otherwise the tests that need them skip and say why.
set -uo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
      echo "could not install ${missing[*]}; the tests that need them will skip" >&2
  fi
else
  echo "${missing[*]} not found and apt is not usable; the tests that need them will skip" >&2
fi
exit 0
