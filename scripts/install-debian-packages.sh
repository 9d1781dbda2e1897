#!/usr/bin/env bash
# Install the Debian packages the portal needs, but only those that are
# missing. `apt-get update` runs once, and only when something is missing.
#
# A package counts as present when it is installed itself or when an
# installed package Provides it (e.g. NodeSource's `nodejs` provides, and
# conflicts with, Debian's `npm`; installing `npm` there would fail).
#
# Runs as root, or through sudo when not root.
set -euo pipefail

PACKAGES=(
    python3 python3-venv python3-dev build-essential
    gettext
    nodejs npm
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
    poppler-utils
    openssl
    postgresql redis-server
    chromium
)

log() { printf '[install-debian-packages] %s\n' "$*"; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    log "error: dpkg-query/apt-get not found; this script supports Debian/Ubuntu only" >&2
    exit 1
fi

# Names provided (Provides:) by installed packages, one per line.
provided_names() {
    dpkg-query -W -f='${db:Status-Status}\t${Provides}\n' 2>/dev/null \
        | awk -F'\t' '$1 == "installed" && $2 != "" {
              n = split($2, items, ",")
              for (i = 1; i <= n; i++) {
                  name = items[i]
                  sub(/^[ ]+/, "", name); sub(/[ (].*$/, "", name)
                  if (name != "") print name
              }
          }' \
        | sort -u
}

is_installed() {
    local status
    status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)
    [[ "$status" == "installed" ]]
}

PROVIDED=$(provided_names)
missing=()
for pkg in "${PACKAGES[@]}"; do
    if is_installed "$pkg"; then
        continue
    fi
    if grep -Fxq -- "$pkg" <<<"$PROVIDED"; then
        log "$pkg: provided by an installed package"
        continue
    fi
    missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    log "all ${#PACKAGES[@]} packages already present"
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    log "error: missing packages (${missing[*]}) and not root, and sudo is not available;" >&2
    log "       run this script as root or install sudo" >&2
    exit 1
fi

log "missing: ${missing[*]}"
log "running apt-get update"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
log "installing: ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
log "done"
