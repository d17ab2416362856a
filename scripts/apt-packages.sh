# Sourced by the install-*.sh scripts: install the Debian packages a group of tests needs, only
# those missing. The caller sets NAME (for messages), SKIPS (what skips without them), BINARY (the
# program they provide, or its *_PATH override), PACKAGES (an array) and a `version` function, and
# may define `before_install`. When it cannot install (no apt-get, not root, apt failing) it says so
# and returns 0: the tests then skip, naming the reason.

say() { echo "$NAME: $*"; }

install_packages() {
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    if [ -x "$BINARY" ]; then
      say "no apt-get here; using the one found at $BINARY ($(version))."
    else
      say "no apt-get here and nothing at $BINARY: install ${PACKAGES[0]} and set its path;" \
        "until then $SKIPS skipped."
    fi
    return 0
  fi
  local missing=() package
  for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    say "nothing to do: ${PACKAGES[*]} already installed ($(version))."
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "not root, so not installing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" \
      "($SKIPS skipped while they are missing)."
    return 0
  fi
  if declare -F before_install >/dev/null; then before_install; fi
  export DEBIAN_FRONTEND=noninteractive
  local apt_install=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
  say "installing ${missing[*]} with apt-get."
  if ! "${apt_install[@]}" >/dev/null; then
    say "apt-get install failed; updating the package lists and trying again."
    if ! { apt-get update -qq && "${apt_install[@]}" >/dev/null; }; then
      say "could not install ${missing[*]} (run apt-get install ${missing[*]} to see why);" \
        "$SKIPS skipped while they are missing."
      return 0
    fi
  fi
  say "installed ${missing[*]} ($(version))."
}
