#!/usr/bin/env bash
# Install Debian's Chromium (and the fonts the screenshots are made with) for the browser tests in
# tests/browser. Idempotent: installs only what is missing. When it cannot install (no apt-get,
# not root, apt failing) it says so and exits 0: the browser tests then skip, naming the reason.
# Playwright's own browser downloads are never used (`playwright install` is not needed).
set -uo pipefail

PACKAGES=(chromium fonts-dejavu-core fonts-liberation)
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

say() { echo "install-browser: $*"; }

version() { "$CHROMIUM" --version 2>/dev/null | head -n 1 || true; }

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  if [ -x "$CHROMIUM" ]; then
    say "no apt-get here; using the Chromium found at $CHROMIUM ($(version))."
  else
    say "no apt-get here and no Chromium at $CHROMIUM: install Chromium and set CHROMIUM_PATH;" \
      "until then the browser tests are skipped."
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
    "(the browser tests skip while Chromium is missing)."
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y --no-install-recommends "${missing[@]}"; }
say "installing ${missing[*]} with apt-get."
if ! install; then
  say "apt-get install failed; updating the package lists and trying again."
  if ! { apt-get update && install; }; then
    say "could not install ${missing[*]} (see apt-get's output above);" \
      "the browser tests skip while Chromium is missing."
    exit 0
  fi
fi
say "installed ${missing[*]} ($(version))."
