#!/bin/bash
# Smoke test of the assembled Kafka distributions against real processes on 127.0.0.1:
#  3.9: Debian's ZooKeeper (standalone, temp zoo.cfg) + one ZooKeeper-mode broker: /brokers/ids/1
#       registered, kafka-topics.sh --create, console produce/consume one message, SIGTERM ->
#       controlled shutdown and JVM exit.
#  4:   one KRaft combined node: kafka-storage.sh format --ignore-formatted (twice), start,
#       kafka-topics.sh --create, produce/consume, kafka-metadata-quorum.sh, SIGTERM; then a restart
#       with KAFKA_JVM_PERFORMANCE_OPTS=-XX:+UseParallelGC must run Parallel GC only (the variable
#       replaces the default G1 flags).
# Brokers run with KAFKA_HEAP_OPTS="-Xms256m -Xmx256m"; tools with -Xmx128m, one at a time (in the
# 3.9 part a tool is a third JVM next to ZooKeeper and the broker for a few seconds).
# Prints each broker's start time (process start -> "started (kafka.server...)" log line) and RSS.
#
#   smoke.sh [3.9|4|all]    env: KAFKA_SMOKE_DIST (assembly dir, default /tmp/hactl-kafka-dist),
#                           KAFKA_SMOKE_KEEP=1 keeps the work dir, ZK_HOME (/usr/share/zookeeper)
# Exits non-zero on the first failure; every process it started is stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lines=${1:-all}
case $lines in all) lines="3.9 4" ;; 3.9|4) ;; *) echo "usage: $0 [3.9|4|all]" >&2; exit 2 ;; esac
dist=${KAFKA_SMOKE_DIST:-/tmp/hactl-kafka-dist}
zk_home=${ZK_HOME:-/usr/share/zookeeper}
work=$(mktemp -d /tmp/kafka-smoke.XXXXXX)
pids=()

log() { echo "smoke: $*"; }
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

stop_pid() { # pid: TERM, wait up to 30s, then KILL
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  wait 2>/dev/null || true
  if [ "${KAFKA_SMOKE_KEEP:-}" = 1 ] || [ $rc -ne 0 ]; then
    echo "smoke: logs and data kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

free_port() { # a port nothing listens on
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
four_letter() ( # port word -> reply
  exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
  printf '%s' "$2" >&3
  cat <&3
)
alive() { kill -0 "$1" 2>/dev/null; }
started_line() { grep -m1 -E '(\] started|Kafka Server started) \(kafka\.server\.(KafkaServer|KafkaRaftServer)\)' "$1"; }
# seconds from the JVM's process start (/proc/PID/stat starttime; the launch scripts exec java, so
# this is when kafka-server-start.sh began) to the timestamp of the "started" log line
start_seconds() { # pid server.log
  local ticks btime hz line ts
  ticks=$(awk '{print $22}' "/proc/$1/stat")
  btime=$(awk '/^btime/ {print $2}' /proc/stat)
  hz=$(getconf CLK_TCK)
  line=$(started_line "$2")
  ts=$(sed -E 's/^\[([0-9-]+ [0-9:]+),([0-9]+)\].*/\1.\2/' <<< "$line")
  awk -v e="$(date -d "$ts" +%s.%N)" -v s="$(awk -v b="$btime" -v t="$ticks" -v h="$hz" 'BEGIN {printf "%.3f", b + t / h}')" \
    'BEGIN {printf "%.1f", e - s}'
}
rss() { awk '/^VmRSS/ {printf "%d MB", $2 / 1024}' "/proc/$1/status"; }
is_java() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = java ]; }

tool() { # home script args... (tool JVMs: small heap, console logging)
  local home=$1 script=$2
  shift 2
  KAFKA_HEAP_OPTS="-Xmx128m" "$home/bin/$script" "$@"
}
produce_consume() { # home bootstrap topic
  local msg="hello-$RANDOM-$RANDOM" got
  echo "$msg" | tool "$1" kafka-console-producer.sh --bootstrap-server "$2" --topic "$3" \
    || fail "kafka-console-producer.sh failed"
  got=$(tool "$1" kafka-console-consumer.sh --bootstrap-server "$2" --topic "$3" --from-beginning \
    --max-messages 1 --timeout-ms 60000 2>"$work/consumer.err") || { cat "$work/consumer.err" >&2; fail "kafka-console-consumer.sh failed"; }
  [ "$got" = "$msg" ] || fail "consumed '$got', produced '$msg'"
  log "produced and consumed '$msg'"
}
sigterm() { # pid name: SIGTERM, wait for the JVM; its exit status goes to $rc
  local p keep=()
  rc=0
  kill -TERM "$1"
  wait "$1" || rc=$?
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
  # A JVM ended by SIGTERM exits 143 (128+15) once its shutdown hooks are done; Kafka's hook runs the
  # controlled shutdown. 0 is accepted too.
  [ $rc -eq 143 ] || [ $rc -eq 0 ] || fail "$2 exited $rc after SIGTERM"
}

for line in $lines; do
  "$here/assemble.sh" "$line" "$dist/$line"
done

# ---------------------------------------------------------------- 3.9, ZooKeeper mode
if [[ " $lines " = *" 3.9 "* ]]; then
  home=$dist/3.9
  zk_port=$(free_port)
  mkdir -p "$work/zk/data"
  cat > "$work/zk/zoo.cfg" <<EOF
tickTime=2000
dataDir=$work/zk/data
clientPort=$zk_port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,dump
EOF
  SERVER_JVMFLAGS="-Xmx64m -Dzookeeper.root.logger=INFO,CONSOLE" JMXDISABLE=true \
    "$zk_home/bin/zkServer.sh" start-foreground "$work/zk/zoo.cfg" > "$work/zk/zk.out" 2>&1 &
  pids+=($!)
  for ((i = 0; i < 300; i++)); do
    four_letter "$zk_port" srvr 2>/dev/null | grep -q '^Mode: standalone' && break
    alive "${pids[-1]}" || fail "ZooKeeper exited: $(tail -5 "$work/zk/zk.out")"
    sleep 0.2
  done
  four_letter "$zk_port" srvr | grep -q '^Mode: standalone' || fail "ZooKeeper not serving"
  log "ZooKeeper standalone on 127.0.0.1:$zk_port"

  port=$(free_port)
  mkdir -p "$work/k39"
  cat > "$work/k39/server.properties" <<EOF
broker.id=1
listeners=PLAINTEXT://127.0.0.1:$port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
log.dirs=$work/k39/data
zookeeper.connect=127.0.0.1:$zk_port/smoke
zookeeper.connection.timeout.ms=18000
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  KAFKA_HEAP_OPTS="-Xms256m -Xmx256m" LOG_DIR="$work/k39/logs" KAFKA_OPTS="-Dhactl.smoke=1" \
    "$home/bin/kafka-server-start.sh" "$work/k39/server.properties" > "$work/k39/stdout" 2>&1 &
  pid=$!
  pids+=($pid)
  for ((i = 0; i < 600; i++)); do
    started_line "$work/k39/logs/server.log" >/dev/null 2>&1 && break
    alive $pid || fail "3.9 broker exited: $(tail -20 "$work/k39/stdout")"
    sleep 0.2
  done
  started_line "$work/k39/logs/server.log" >/dev/null || fail "3.9 broker did not start in 120s"
  is_java $pid || fail "pid $pid is $(cat /proc/$pid/comm), not the JVM (launch scripts must exec java)"
  secs=$(start_seconds $pid "$work/k39/logs/server.log")
  rss_started=$(rss $pid)
  tr '\0' '\n' < /proc/$pid/cmdline | grep -qx -- '-XX:+UseG1GC' || fail "3.9 broker lacks the default -XX:+UseG1GC"
  tr '\0' '\n' < /proc/$pid/cmdline | grep -qx -- '-Dhactl.smoke=1' || fail "KAFKA_OPTS not passed"
  grep -q 'Using G1' "$work/k39/logs/kafkaServer-gc.log" || fail "no G1 in kafkaServer-gc.log"
  four_letter "$zk_port" dump | grep -qx $'\t/smoke/brokers/ids/1' || fail "/smoke/brokers/ids/1 is not an ephemeral znode: $(four_letter "$zk_port" dump)"
  log "3.9 broker pid $pid: $(started_line "$work/k39/logs/server.log" | cut -c1-90)"
  log "3.9 broker registered /smoke/brokers/ids/1 (ephemeral)"

  tool "$home" kafka-topics.sh --bootstrap-server "127.0.0.1:$port" --create --topic smoke \
    --partitions 1 --replication-factor 1 || fail "kafka-topics.sh --create failed"
  produce_consume "$home" "127.0.0.1:$port" smoke
  rss_after=$(rss $pid)
  for f in server.log controller.log state-change.log kafka-request.log kafkaServer-gc.log; do
    [ -f "$work/k39/logs/$f" ] || fail "3.9: $f missing from LOG_DIR"
  done

  sigterm $pid "3.9 broker"
  grep -q 'Controlled shutdown request returned successfully' "$work/k39/logs/server.log" \
    || fail "3.9: no controlled shutdown in server.log"
  grep -q 'shut down completed (kafka.server.KafkaServer)' "$work/k39/logs/server.log" \
    || fail "3.9: no 'shut down completed' in server.log"
  log "3.9 broker: SIGTERM -> controlled shutdown, JVM exit status $rc"
  log "RESULT 3.9.2 (ZooKeeper mode): start ${secs}s, RSS ${rss_started} after start, ${rss_after} after produce/consume"
  stop_pid "${pids[0]}"
  pids=()
fi

# ---------------------------------------------------------------- 4.x, KRaft combined node
if [[ " $lines " = *" 4 "* ]]; then
  home=$dist/4
  version=$(sed -n 's/^version=//p' "$home/.hactl-assembly")
  port=$(free_port)
  cport=$(free_port)
  mkdir -p "$work/k4"
  cat > "$work/k4/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$work/k4/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cluster_id=$(tool "$home" kafka-storage.sh random-uuid)
  for i in 1 2; do # the second run must be a no-op
    tool "$home" kafka-storage.sh format -t "$cluster_id" -c "$work/k4/server.properties" --ignore-formatted \
      || fail "kafka-storage.sh format (run $i) failed"
  done
  grep -q "cluster.id=$cluster_id" "$work/k4/data/meta.properties" || fail "meta.properties lacks cluster.id"
  log "formatted $work/k4/data for cluster $cluster_id"

  start4() { # name [env...]
    local name=$1
    shift
    env KAFKA_HEAP_OPTS="-Xms256m -Xmx256m" LOG_DIR="$work/k4/logs-$name" "$@" \
      "$home/bin/kafka-server-start.sh" "$work/k4/server.properties" > "$work/k4/stdout-$name" 2>&1 &
    pid=$!
    pids+=($pid)
    for ((i = 0; i < 600; i++)); do
      started_line "$work/k4/logs-$name/server.log" >/dev/null 2>&1 && break
      alive $pid || fail "4.x node ($name) exited: $(tail -20 "$work/k4/stdout-$name")"
      sleep 0.2
    done
    started_line "$work/k4/logs-$name/server.log" >/dev/null || fail "4.x node ($name) did not start in 120s"
    is_java $pid || fail "pid $pid is not the JVM"
  }

  start4 default
  secs=$(start_seconds $pid "$work/k4/logs-default/server.log")
  rss_started=$(rss $pid)
  log "4.x node pid $pid: $(started_line "$work/k4/logs-default/server.log" | cut -c1-90)"
  grep -q 'Using G1' "$work/k4/logs-default/kafkaServer-gc.log" || fail "no G1 in kafkaServer-gc.log"
  tool "$home" kafka-topics.sh --bootstrap-server "127.0.0.1:$port" --create --topic smoke \
    --partitions 1 --replication-factor 1 || fail "kafka-topics.sh --create failed"
  tool "$home" kafka-topics.sh --bootstrap-server "127.0.0.1:$port" --describe --topic smoke | grep -q 'Leader: 1' \
    || fail "topic smoke has no leader 1"
  produce_consume "$home" "127.0.0.1:$port" smoke
  tool "$home" kafka-metadata-quorum.sh --bootstrap-server "127.0.0.1:$port" describe --status \
    > "$work/k4/quorum" || fail "kafka-metadata-quorum.sh failed"
  grep -qE '^LeaderId:[[:space:]]+1$' "$work/k4/quorum" || fail "quorum leader is not 1: $(cat "$work/k4/quorum")"
  log "metadata quorum: $(grep -E '^(ClusterId|LeaderId)' "$work/k4/quorum" | tr -s ' \t' ' ' | paste -sd ' ')"
  rss_after=$(rss $pid)
  for f in server.log controller.log state-change.log kafkaServer-gc.log; do
    [ -f "$work/k4/logs-default/$f" ] || fail "4.x: $f missing from LOG_DIR"
  done
  sigterm $pid "4.x node"
  grep -q 'Beginning controlled shutdown' "$work/k4/logs-default/server.log" \
    && grep -q 'The controller has asked us to exit controlled shutdown' "$work/k4/logs-default/server.log" \
    || fail "4.x: no controlled shutdown in server.log"
  log "4.x node: SIGTERM -> controlled shutdown, JVM exit status $rc"

  # KAFKA_JVM_PERFORMANCE_OPTS replaces the default (G1) flags: a second collector would make the
  # JVM refuse to start ("Multiple garbage collectors selected").
  start4 parallel KAFKA_JVM_PERFORMANCE_OPTS="-server -XX:+UseParallelGC -Djava.awt.headless=true"
  ! tr '\0' '\n' < /proc/$pid/cmdline | grep -q 'UseG1GC' || fail "-XX:+UseG1GC still on the command line"
  grep -q 'Using Parallel' "$work/k4/logs-parallel/kafkaServer-gc.log" || fail "GC log does not show Parallel GC"
  log "restart with KAFKA_JVM_PERFORMANCE_OPTS=-XX:+UseParallelGC: $(grep -m1 -o 'Using [A-Za-z]*' "$work/k4/logs-parallel/kafkaServer-gc.log"), no -XX:+UseG1GC"
  sigterm $pid "4.x node (parallel)"
  log "RESULT $version (KRaft combined): start ${secs}s, RSS ${rss_started} after start, ${rss_after} after topic/produce/consume"
fi

log "OK"
