#!/usr/bin/env bash
# Assembles the real Kafka, Storm and Elasticsearch distributions from Maven Central into .dist/
# (git-ignored), one directory per distribution in the upstream tarball layout, and lists them in
# .dist/env for scripts, tests and users. Each step is skipped when its directory already holds an
# assembly stamped with the hash of its inputs; Maven resolves into ~/.m2, so a second run is
# offline and fast.
#
#   distributions/assemble.sh [OUT]     default OUT: <checkout>/.dist
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$(dirname "$HERE")/.dist}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

step() { # name, then the command
  local name=$1 t0
  shift
  t0=$(date +%s)
  log "distribution: $name"
  "$@"
  log "distribution: $name ready ($(( $(date +%s) - t0 )) s)"
}

step "Kafka 3.9 (ZooKeeper mode)" "$HERE/kafka/assemble.sh" 3.9 "$OUT/kafka-3.9"
step "Kafka 4 (KRaft)" "$HERE/kafka/assemble.sh" 4 "$OUT/kafka-4"
step "Storm 2.8" "$HERE/storm/assemble.sh" "$OUT/storm"
step "Storm topology" "$HERE/storm-topology/build.sh" "$OUT/storm-topology"
step "Elasticsearch 8" "$HERE/elasticsearch/assemble.sh" "$OUT/elasticsearch"

jar=$(ls "$OUT"/storm-topology/*.jar | head -n1)
# Written whole, then renamed: a reader never sees half a file.
cat > "$OUT/env.tmp" <<ENV
KAFKA_HOME=$OUT/kafka-3.9
KAFKA4_HOME=$OUT/kafka-4
STORM_HOME=$OUT/storm
ES_HOME=$OUT/elasticsearch
STORM_TOPOLOGY_JAR=$jar
ENV
mv -f "$OUT/env.tmp" "$OUT/env"
log "distributions listed in $OUT/env"
