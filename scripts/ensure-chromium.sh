#!/bin/sh
# Makes sure Debian's Chromium is installed, for the end-to-end tests, the demo and the benchmarks.
# Playwright's own browser downloads are blocked here (and not needed): playwright-core drives the
# distribution's Chromium through executablePath. Prints the path and version it found.
set -eu

find_chromium() {
  for c in chromium chromium-browser google-chrome; do
    if p=$(command -v "$c" 2>/dev/null); then echo "$p"; return 0; fi
  done
  return 1
}

if ! path=$(find_chromium); then
  echo "Chromium is missing: installing Debian's chromium package" >&2
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
      echo "not root and no sudo: run 'apt-get install -y chromium' as root" >&2; exit 1
    fi
  else
    SUDO=""
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >&2
  $SUDO apt-get install -y -q chromium >&2
  path=$(find_chromium)
fi
# Debian's wrapper script prints a harmless shell warning on some machines; keep only the version.
version=$("$path" --version 2>/dev/null | grep -i chrom | head -n 1 || true)
echo "$path ${version:-(version unknown)}"
