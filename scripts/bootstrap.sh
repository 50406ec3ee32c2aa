#!/usr/bin/env bash
# Installs what drugnorm needs on Debian 12 (PostgreSQL 15 with PL/Python and contrib, a venv with the
# package) and is safe to run again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

pkgs="postgresql-15 postgresql-plpython3-15 postgresql-contrib"
# The desk's browser test drives Debian's headless Chromium through its chromedriver (nothing is downloaded
# at run time); a CJK font so its pages and screenshots show Chinese.
pkgs="$pkgs chromium chromium-driver fonts-wqy-zenhei"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "bootstrap: installing$missing" >&2
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.drugnorm-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[test,bench]'
  touch "$stamp"
fi
