#!/usr/bin/env bash
# Install Debian's nginx and its brotli modules for the deployment test (tests/deploy) and the
# nginx rows of `make bench`. Idempotent: installs only what is missing (scripts/apt-packages.sh),
# and never starts the system's nginx service (the test and the bench run their own nginx, as an
# ordinary process, on a free port). Without a way to install it says so and exits 0, and the
# deployment test skips, naming the reason.
set -uo pipefail
source "$(dirname "$0")/apt-packages.sh"

NAME=install-nginx
SKIPS="the deployment test is"
PACKAGES=(nginx libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static)
BINARY="${NGINX_PATH:-/usr/sbin/nginx}"
version() { "$BINARY" -v 2>&1 | head -n 1 || true; }

# Debian's package starts the nginx service when it is installed; a policy-rc.d answering 101
# ("action forbidden") keeps it stopped. One already in place is left as it is.
POLICY=/usr/sbin/policy-rc.d
before_install() {
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY" && chmod 755 "$POLICY"
    trap 'rm -f "$POLICY"' EXIT
  fi
}

install_packages
