#!/bin/sh
# Makes sure a browser or tool from Debian's packages is installed, for the browser tests, the demo and
# the benchmarks: `sh scripts/ensure-browser.sh chromium|firefox|zbar|unzip|postgres`. `postgres` is
# PostgreSQL's server binaries (initdb, pg_ctl), for the PostgreSQL store's tests (test/helpers/pg-cluster.ts).
# Playwright's own browser downloads are blocked here (and not needed): playwright-core drives the
# distribution's Chromium through executablePath, and the Firefox test speaks WebDriver BiDi to
# Firefox ESR itself. Prints the path and version it found. `chromium` also makes sure a CJK font is
# there (Debian's fonts-noto-cjk): the demo's Jiaozi plate has Chinese text, and without a font
# for it Chromium draws empty boxes in the screenshots. `cjk-fonts` does that alone.
set -eu

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
      echo "not root and no sudo: run 'apt-get install -y $1' as root" >&2; exit 1
    fi
  else
    SUDO=""
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >&2
  $SUDO apt-get install -y -q "$1" >&2
}

# fontconfig knows a font for Chinese (fc-list comes with fontconfig, which Chromium pulls in).
has_cjk_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]
}

ensure_cjk_font() {
  if ! has_cjk_font; then
    echo "no CJK font: installing Debian's fonts-noto-cjk package" >&2
    apt_install fonts-noto-cjk
  fi
}

if [ "${1:-}" = cjk-fonts ]; then
  ensure_cjk_font
  fc-list :lang=zh family | head -n 1
  exit 0
fi

case "${1:-}" in
  chromium) commands="chromium chromium-browser google-chrome"; package=chromium; name=chrom ;;
  firefox) commands="firefox-esr firefox"; package=firefox-esr; name=firefox ;;
  zbar) commands="zbarimg"; package=zbar-tools; name="" ;;
  unzip) commands="unzip"; package=unzip; name=unzip ;;
  # Debian keeps the server binaries off PATH, in /usr/lib/postgresql/<major>/bin.
  postgres) commands="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1) initdb"; package=postgresql; name=postgres ;;
  *) echo "usage: sh scripts/ensure-browser.sh chromium|firefox|zbar|unzip|postgres|cjk-fonts" >&2; exit 2 ;;
esac

find_browser() {
  for c in $commands; do
    if p=$(command -v "$c" 2>/dev/null); then echo "$p"; return 0; fi
  done
  return 1
}

if ! path=$(find_browser); then
  echo "$1 is missing: installing Debian's $package package" >&2
  apt_install "$package"
  [ "$1" = postgres ] && commands="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)"
  path=$(find_browser)
fi
[ "$1" = chromium ] && ensure_cjk_font
# Debian's wrappers may print shell, profile or GLib warnings; keep only the version line.
version=$("$path" --version 2>/dev/null | grep -i -- "$name" | head -n 1 || true)
echo "$path ${version:-(version unknown)}"
