#!/usr/bin/env bash
# Installs everything hactl needs on a fresh Debian machine, then builds it.
# Idempotent: each step is skipped when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.8

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null
fi

# ZooKeeper is the real one from Debian: used by the lab, the demo and the tests.
if [ ! -x /usr/share/zookeeper/bin/zkServer.sh ]; then
  log "installing Debian's zookeeper package"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq zookeeper >/dev/null
fi

log "installing node packages"
pnpm install --frozen-lockfile --reporter=silent

log "building"
pnpm -s build
