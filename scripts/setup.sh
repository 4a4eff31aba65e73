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

# Debian packages: ZooKeeper is the real one from Debian (the lab, the demo and the tests); a JDK
# and Maven assemble and run Kafka, Storm and Elasticsearch; iproute2 builds the lab's network
# namespaces (Storm hosts need a kernel of their own).
APT=()
[ -x /usr/share/zookeeper/bin/zkServer.sh ] || APT+=(zookeeper)
# ZooKeeper's SLF4J binding: Debian's zookeeper has none on its class path, so members would log nothing.
[ -f /usr/share/java/logback-classic.jar ] || APT+=(liblogback-java)
command -v javac >/dev/null 2>&1 || APT+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || APT+=(maven)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || APT+=(iproute2)
# The console's e2e (test/e2e/ui.test.ts) drives Debian's Chromium with playwright-core; no downloaded browser.
[ -x /usr/bin/chromium ] || APT+=(chromium)
# The PostgreSQL store (issue 15): libpq-dev is what pnpm install compiles pg-native's libpq binding
# against (node-gyp, pg_config); the postgresql server is what its tests start (store/pg-testing.ts).
[ -f /usr/include/postgresql/libpq-fe.h ] || APT+=(libpq-dev)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || APT+=(postgresql)
if [ ${#APT[@]} -gt 0 ]; then
  log "installing Debian packages: ${APT[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${APT[@]}" >/dev/null
fi

log "assembling Kafka, Storm and Elasticsearch from Maven Central into .dist/"
distributions/assemble.sh

log "installing node packages"
pnpm install --frozen-lockfile --reporter=silent

log "building"
pnpm -s build
