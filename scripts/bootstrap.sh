#!/usr/bin/env bash
# Installs what Sentinel needs on a fresh Debian machine with Node 20 and nothing else: the npm
# dependencies (from package-lock.json), Debian's nats-server when absent (and, with the argument `test`,
# what the test suite uses: the prometheus package for promtool, and a real SIP switch for the feed tests —
# kamailio with its NATS module, and sipp from sip-tester), and the TypeScript build. Safe to run again:
# every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bootstrap] %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  say "Node.js >= 20.19 is required (found $(node --version))."
  exit 1
fi

apt_packages=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have nats-server || apt_packages+=(nats-server)
# A Kamailio module is a shared object in the package's module folder, not a command.
have_kamailio_module() { compgen -G "/usr/lib/*/kamailio/modules/$1.so" >/dev/null || compgen -G "/usr/lib*/kamailio/modules/$1.so" >/dev/null; }
if [ "${1:-}" = test ]; then
  have promtool || apt_packages+=(prometheus)
  have kamailio || apt_packages+=(kamailio)
  have_kamailio_module nats || apt_packages+=(kamailio-nats-modules)
  have sipp || apt_packages+=(sip-tester)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${apt_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # policy-rc.d keeps the packages' own services from starting: Sentinel runs its own nats-server.
    had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
    [ "$had_policy" = 1 ] || printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
    [ "$had_policy" = 1 ] || rm -f /usr/sbin/policy-rc.d
  else
    say "missing: ${apt_packages[*]}. Install them with: sudo apt-get install -y ${apt_packages[*]}"
    say "(or set NATS_URL to an existing nats-server; promtool, kamailio and sipp are only needed by the test suite)"
  fi
fi

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

say "building (tsc)"
npx tsc -p tsconfig.build.json
