#!/usr/bin/env bash
# Install Debian's Chromium (and the fonts the screenshots are made with) for the browser tests in
# tests/browser. Idempotent: installs only what is missing (scripts/apt-packages.sh); without a way
# to install it says so and exits 0, and the browser tests skip, naming the reason. Playwright's
# own browser downloads are never used (`playwright install` is not needed).
set -uo pipefail
source "$(dirname "$0")/apt-packages.sh"

NAME=install-browser
SKIPS="the browser tests are"
PACKAGES=(chromium fonts-dejavu-core fonts-liberation)
BINARY="${CHROMIUM_PATH:-/usr/bin/chromium}"
version() { "$BINARY" --version 2>/dev/null | head -n 1 || true; }

install_packages
