#!/usr/bin/env bash
# Install the system packages the project needs outside the virtualenv (Debian/Ubuntu, run as root).
# Idempotent: each package is installed only when its command is missing. Append new packages to
# PACKAGES as "command:debian-package".
set -euo pipefail

PACKAGES=(
  "mbpoll:mbpoll"  # libmodbus-based Modbus client: interoperability test of the PLC simulators
  "chromium:chromium"  # the real browser of the browser tests (Playwright drives /usr/bin/chromium)
  "wrk:wrk"  # HTTP load generator of bench/web.py
)

missing=()
for entry in "${PACKAGES[@]}"; do
  cmd=${entry%%:*}
  pkg=${entry#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system dependencies already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
