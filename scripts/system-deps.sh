#!/usr/bin/env bash
# Install the Debian packages the app and its tests need, only when something is missing:
# CJK fonts and Pango for WeasyPrint PDFs, poppler-utils (pdftotext/pdffonts) for PDF tests,
# Chromium for browser tests, the PostgreSQL server for the PostgreSQL test run.
set -euo pipefail
PKGS="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils chromium postgresql"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "Installing system packages:$missing"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
