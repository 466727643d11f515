#!/usr/bin/env bash
# Installs the Debian packages the tests use as real peers: MariaDB (store contract tests),
# openssl (test PKI), HAProxy and Caddy (real proxies serving the SLO tests' traffic), and
# Chromium (the browser tests drive it through Playwright with executable_path=/usr/bin/chromium:
# Playwright's own browser download is not reachable here) with the Noto CJK fonts, so 中文 and
# 日本語 pages render glyphs and not boxes. Installs only what is missing, so a warm machine
# spends no time here.
set -euo pipefail
PKGS=(mariadb-server openssl procps iproute2 haproxy caddy chromium fonts-noto-cjk)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${missing[*]}; run as root or install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d 101 keeps the package's own mariadb service from starting: tests run their own
# server on a private port and data dir.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: installed ${missing[*]}"
