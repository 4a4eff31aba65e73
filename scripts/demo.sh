#!/usr/bin/env bash
# The local sandbox: a control plane and one agent per "server", running the seed topology
# (deploy/examples/seed-topology.yaml) on the real services: Debian's ZooKeeper, and Kafka 3.9,
# Storm and Elasticsearch assembled from Maven Central into .dist/. Servers are addresses on the lab
# bridge 10.77.1.0/24; Storm hosts run in network namespaces of their own. Needs root.
# Installs what it needs first (scripts/setup.sh).
#
#   scripts/demo.sh           bring the sandbox up (seed topology, 15 agents) and print the health table
#   scripts/demo.sh zk        only the 3-member ZooKeeper ensemble
#   scripts/demo.sh replicas  as the first, with three control-plane replicas on one PostgreSQL
#                             (Debian's, data in .demo/postgres); prints which one leads
#   scripts/demo.sh down      stop everything it started (agents, services, control plane(s),
#                             PostgreSQL, network)
#
#   HACTL_DEMO_AGENT_FLAGS=--allow-exec scripts/demo.sh    extra flags for every agent
#
# State lives in .demo/ (logs, store, agent state dirs, the specs it applied).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-up}"
case "$mode" in
  up|zk|replicas) scripts/setup.sh ;;
  down) ;;
  *) echo "usage: scripts/demo.sh [up|zk|replicas|down]" >&2; exit 2 ;;
esac
exec node test/dist/src/sandbox/demo.js "$mode"
