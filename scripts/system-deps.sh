#!/usr/bin/env bash
# System packages the test suite uses beyond Python: Debian's Chromium, for PNG chart
# export (Kaleido) and, later, browser tests. Installed only when missing and when apt is
# usable (root); otherwise the tests that need it skip and say why.
set -uo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium (PNG chart export)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 ||
      echo "could not install chromium; PNG chart tests will skip" >&2
  fi
else
  echo "chromium not found and apt is not usable; PNG chart tests will skip" >&2
fi
exit 0
