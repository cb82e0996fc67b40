#!/usr/bin/env bash
# Install the Debian packages Diglot needs, or say exactly what to install.
#   scripts/system-packages.sh build   # fonts, Pango, HarfBuzz subsetting, gettext
#   scripts/system-packages.sh test    # the above plus Java, poppler-utils, Chromium, Calibre, strace, npm (axe-core, epub.js)
set -euo pipefail

build_packages=(fontconfig fonts-noto-cjk fonts-noto-core fonts-noto-color-emoji fonts-dejavu-core
                libpango-1.0-0 libpangoft2-1.0-0
                libharfbuzz0b libharfbuzz-subset0 gettext)
# Calibre reads the EPUBs as libraries and stores' tools do (tests/test_reading.py): about 100 MB to
# download, 240 MB installed without recommends.
test_packages=(default-jre-headless poppler-utils chromium calibre
               debian-reference-zh-cn debian-reference-en  # a real chapter: tests/test_real_document.py
               strace)  # tests/test_fuzz.py: every file a build opens is inside the project or the system
# The browser tests get axe-core with npm; any npm will do (NodeSource's nodejs ships its own).
command -v npm >/dev/null 2>&1 || test_packages+=(npm)

wanted=("${build_packages[@]}")
if [ "${1:-build}" = "test" ]; then
  wanted+=("${test_packages[@]}")
fi

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Diglot needs these Debian/Ubuntu packages (or your system's equivalents): ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "Missing system packages. Install them as root, then run make again:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
echo "Installing system packages: ${missing[*]}"
${SUDO:-} apt-get update -qq
DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
