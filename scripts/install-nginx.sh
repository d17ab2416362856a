#!/usr/bin/env bash
# Install Debian's nginx and its brotli modules for the deployment test (tests/deploy) and the
# nginx rows of `make bench`. Idempotent: installs only what is missing, and never starts the
# system's nginx service (the test and the bench run their own nginx, as an ordinary process, on
# a free port). When it cannot install (no apt-get, not root, apt failing) it says so and exits 0:
# the deployment test then skips, naming the reason.
set -uo pipefail

PACKAGES=(nginx libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static)
NGINX="${NGINX_PATH:-/usr/sbin/nginx}"

say() { echo "install-nginx: $*"; }

version() { "$NGINX" -v 2>&1 | head -n 1 || true; }

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  if [ -x "$NGINX" ]; then
    say "no apt-get here; using the nginx found at $NGINX ($(version))."
  else
    say "no apt-get here and no nginx at $NGINX: install nginx and set NGINX_PATH;" \
      "until then the deployment test is skipped."
  fi
  exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  say "nothing to do: ${PACKAGES[*]} already installed ($(version))."
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  say "not root, so not installing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" \
    "(the deployment test skips while nginx is missing)."
  exit 0
fi

# Debian's package starts the nginx service when it is installed; a policy-rc.d answering 101
# ("action forbidden") keeps it stopped. One already in place is left as it is.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$POLICY" && chmod 755 "$POLICY"
  trap 'rm -f "$POLICY"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
say "installing ${missing[*]} with apt-get."
if ! install; then
  say "apt-get install failed; updating the package lists and trying again."
  if ! { apt-get update -qq && install; }; then
    say "could not install ${missing[*]} (run apt-get install ${missing[*]} to see why);" \
      "the deployment test skips while nginx is missing."
    exit 0
  fi
fi
say "installed ${missing[*]} ($(version))."
