#!/usr/bin/env bash
# The local sandbox: a control plane and one agent per "server" on loopback addresses, running the
# seed topology (deploy/examples/seed-topology.yaml): a real ZooKeeper ensemble, and Kafka, Storm and
# Elasticsearch from the test emulators (or real installs when KAFKA_HOME, STORM_HOME, ES_HOME are
# set). Installs what it needs first (scripts/setup.sh).
#
#   scripts/demo.sh          bring the sandbox up (seed topology, 15 agents) and print the health table
#   scripts/demo.sh zk       only the 3-member ZooKeeper ensemble
#   scripts/demo.sh down     stop everything it started (agents, services, control plane)
#
# State lives in .demo/ (logs, store, agent state dirs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DEMO="$ROOT/.demo"
HTTP=127.0.0.1:7080
GRPC=127.0.0.1:7443
export HACTL_SERVER="http://$HTTP"
HOSTS=("zk1 127.0.0.11" "zk2 127.0.0.12" "zk3 127.0.0.13"
       "kafka1 127.0.0.21" "kafka2 127.0.0.22" "kafka3 127.0.0.23"
       "storm1 127.0.0.31" "storm2 127.0.0.32" "storm3 127.0.0.33" "storm4 127.0.0.34"
       "es1 127.0.0.41" "es2 127.0.0.42" "es3 127.0.0.43" "es4 127.0.0.44" "es5 127.0.0.45")
[ "${1:-}" = zk ] && HOSTS=("${HOSTS[@]:0:3}")

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

down() {
  [ -d "$DEMO" ] || { log "no sandbox to stop"; return 0; }
  log "stopping agents and the control plane"
  for f in "$DEMO"/pids/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  log "stopping the services the agents started"
  for f in "$DEMO"/agents/*/run/*.pid; do
    [ -f "$f" ] || continue
    pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$f")
    [ -n "$pid" ] && kill -TERM "-$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do
    alive=0
    for f in "$DEMO"/agents/*/run/*.pid; do
      [ -f "$f" ] || continue
      pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$f"); kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  rm -rf "$DEMO"
  log "sandbox stopped"
}

if [ "${1:-up}" = down ]; then down; exit 0; fi
case "${1:-up}" in up|zk) ;; *) echo "usage: scripts/demo.sh [up|zk|down]" >&2; exit 2 ;; esac

scripts/setup.sh
[ -d "$DEMO" ] && down
mkdir -p "$DEMO/pids" "$DEMO/agents" "$DEMO/logs"

start() { # name, then the command
  local name=$1; shift
  setsid "$@" >"$DEMO/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$DEMO/pids/$name.pid"
}

log "starting the control plane (REST $HTTP, gRPC $GRPC)"
start control-plane bin/hactl-control-plane --data-dir "$DEMO/control-plane" --listen-http "$HTTP" --listen-grpc "$GRPC" --insecure --report-interval-ms 1000
for _ in $(seq 1 100); do node -e "fetch('http://$HTTP/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && break; sleep 0.1; done

for h in "${HOSTS[@]}"; do
  set -- $h
  log "starting agent $1 on $2"
  start "agent-$1" bin/hactl-agent --server "$GRPC" --name "$1" --address "$2" --state-dir "$DEMO/agents/$1" --data-root "$DEMO/agents/$1/data" --insecure --backoff-max-ms 2000
done
for _ in $(seq 1 100); do
  [ "$(bin/hactl get hosts -o json 2>/dev/null | grep -o '"connected": true' | wc -l)" -ge ${#HOSTS[@]} ] && break
  sleep 0.2
done
bin/hactl get hosts

if [ "${1:-}" = zk ]; then
  SPECS="$ROOT/deploy/examples/zk-sandbox.yaml"
else
  # The seed topology with distribution homes pointed at the emulators (or KAFKA_HOME etc.).
  SPECS="$DEMO/seed-topology.yaml"
  node test/dist/src/sandbox/print-seed.js > "$SPECS"
fi
log "applying $SPECS"
t0=$(date +%s.%N)
bin/hactl apply -f "$SPECS"

log "waiting for every cluster to be healthy"
for _ in $(seq 1 300); do
  if bin/hactl get clusters -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const c=JSON.parse(s).clusters;process.exit(c.length&&c.every(x=>x.health==="healthy")?0:1)})'; then break; fi
  sleep 0.5
done
t1=$(date +%s.%N)
echo
bin/hactl get clusters
for c in $(bin/hactl get clusters -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).clusters.map(c=>c.name).join(" ")))'); do
  echo; bin/hactl describe cluster "$c"
done
echo
node -e "console.log('apply -> all healthy: ' + ($t1 - $t0).toFixed(1) + ' s')"
cat <<MSG

The sandbox keeps running. Try:
  export HACTL_SERVER=$HACTL_SERVER
  bin/hactl get hosts
  bin/hactl describe cluster zk-main
Logs: $DEMO/logs/   Stop it all: scripts/demo.sh down
MSG
