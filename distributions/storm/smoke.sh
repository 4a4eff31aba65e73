#!/usr/bin/env bash
# Smoke test of the assembled Storm distribution on this machine, on the standard ports:
#
#   ZooKeeper (Debian's, standalone, 127.0.0.1:2181, in a temp dir)
#   nimbus, supervisor (slots 6700, 6701) and UI (127.0.0.1:8080), each started as the hactl agent
#   starts them: `STORM_CONF_DIR=<dir> <home>/bin/storm --config <dir>/storm.yaml ROLE`, cwd
#   <member>/data, output to <member>/logs/ROLE.out, with a storm.yaml shaped like the agent's.
#
# then: the UI shows a Leader nimbus and the supervisor; `storm jar` submits hactl's counting
# topology (../storm-topology); the UI lists it and its acked count grows; `storm list` shows it;
# `storm kill` removes it and its workers exit. Prints timings and each daemon's VmRSS.
#
# usage: distributions/storm/smoke.sh [STORM_HOME [TOPOLOGY_JAR]]
#   without arguments it assembles into distributions/storm/target/storm and builds the jar into
#   distributions/storm/target/topology (both idempotent).
# env: ZK_HOME (/usr/share/zookeeper), SMOKE_WORKERS (2), SMOKE_HEAP (256m, daemons), SMOKE_WORKER_HEAP
#   (128m), SMOKE_METRICS_SECS (5: executor.metrics.frequency.secs), SMOKE_KEEP=1 keeps the temp dir (always kept on failure).
#
# Storm's Thrift servers and workers bind every interface, so only one Storm host per network
# namespace: the ports below must be free. Every process started here (ZooKeeper, the daemons and
# the workers the supervisor launches, which stay in its process group) is stopped on exit.
set -euo pipefail
set +m # no job control: a background subshell is then no group leader, so setsid execs in place

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ZK_HOME=${ZK_HOME:-/usr/share/zookeeper}
WORKERS=${SMOKE_WORKERS:-2}
HEAP=${SMOKE_HEAP:-256m}
WORKER_HEAP=${SMOKE_WORKER_HEAP:-128m}
METRICS_SECS=${SMOKE_METRICS_SECS:-5}
TOPOLOGY=hactl-smoke
STORM_PORTS=(6627 6628 6700 6701 8080)
UI=http://127.0.0.1:8080

t0=$(date +%s.%N)
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '[%6.1fs] %s\n' "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')" "$*"; }
fail() { say "FAIL: $*"; exit 1; }

if [[ $# -ge 1 ]]; then
  STORM_HOME=$(cd "$1" && pwd -P)
else
  "$here/assemble.sh" "$here/target/storm"
  STORM_HOME=$here/target/storm
fi
if [[ $# -ge 2 ]]; then
  JAR=$2
else
  "$here/../storm-topology/build.sh" "$here/target/topology"
  JAR=$here/target/topology/hactl-storm-topology.jar
fi
STORM=$STORM_HOME/bin/storm
[[ -x $STORM && -f $JAR ]] || fail "need $STORM and $JAR"
command -v node >/dev/null || fail "needs node (JSON)"
command -v curl >/dev/null || fail "needs curl"

for p in "${STORM_PORTS[@]}"; do
  if [[ -n $(ss -Hltn "sport = :$p") ]]; then fail "port $p is in use on some address; Storm binds it on every interface"; fi
done
# ZooKeeper binds 127.0.0.1 only: other addresses may have their own 2181
if ss -Hltn "sport = :2181" | awk '{ print $4 }' | grep -Eq '^(127\.0\.0\.1|0\.0\.0\.0|\*|\[::\]|\[::ffff:127\.0\.0\.1\]):2181$'; then
  fail "127.0.0.1:2181 is in use"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hactl-storm-smoke.XXXXXX")
declare -A PID=()   # role -> pid (= process group id; setsid)
ok=0
# stop_group ROLE...: SIGTERM each role's process group, wait up to 20 s, then SIGKILL
stop_group() {
  local role pg i t
  t=$(now)
  for role in "$@"; do
    pg=${PID[$role]:-}
    if [[ -n $pg ]]; then kill -TERM -- "-$pg" 2>/dev/null || true; fi
  done
  for role in "$@"; do
    pg=${PID[$role]:-}
    [[ -n $pg ]] || continue
    for ((i = 0; i < 100; i++)); do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.2; done
    if kill -0 -- "-$pg" 2>/dev/null; then
      say "$role (process group $pg) did not stop in 20 s: SIGKILL"
      kill -KILL -- "-$pg" 2>/dev/null || true
    else
      say "$role stopped $(since "$t")s after SIGTERM"
    fi
    unset "PID[$role]"
  done
}
cleanup() {
  # Storm first, so the daemons close their ZooKeeper sessions, then ZooKeeper
  stop_group ui supervisor nimbus
  stop_group zk
  if [[ $ok == 1 && ${SMOKE_KEEP:-0} != 1 ]]; then rm -rf "$work"; else echo "logs kept in $work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# spawn ROLE DIR CMD...: own session and process group, stdin closed, output to DIR/logs/ROLE.out
spawn() {
  local role=$1 dir=$2
  shift 2
  (cd "$dir/data" && exec setsid "$@" >"$dir/logs/$role.out" 2>&1 </dev/null) &
  PID[$role]=$!
  START[$role]=$(now)
}
declare -A START=()

zk4() ( # ZooKeeper four-letter word
  exec 3<>/dev/tcp/127.0.0.1/2181 || exit 1
  printf '%s' "$1" >&3
  cat <&3
)
json() { # json URL JS-EXPR-OVER-j: prints the expression, or nothing
  local body
  body=$(curl -fsS --max-time 10 "$1" 2>/dev/null) || return 1
  node -e 'const j = JSON.parse(process.argv[1]); const v = eval(process.argv[2]); if (v !== undefined && v !== null) console.log(typeof v === "object" ? JSON.stringify(v) : v);' "$body" "$2"
}
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local secs=$1 what=$2 deadline
  shift 2
  deadline=$(($(date +%s) + secs))
  until "$@"; do
    [[ $(date +%s) -lt $deadline ]] || fail "timed out after ${secs}s waiting for $what"
    sleep 0.25
  done
}
alive() { local r; for r in "$@"; do kill -0 "${PID[$r]}" 2>/dev/null || fail "$r exited (see $work/$r/logs/$r.out)"; done; }
rss() { awk '/^VmRSS/ { printf "%d MB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }

# --- ZooKeeper
mkdir -p "$work/zk/data" "$work/zk/logs"
cat >"$work/zk/zoo.cfg" <<EOF
tickTime=2000
dataDir=$work/zk/data
clientPort=2181
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,dump
EOF
say "starting ZooKeeper ($ZK_HOME)"
ZOO_LOG_DIR=$work/zk/logs SERVER_JVMFLAGS="-Xmx64m" spawn zk "$work/zk" "$ZK_HOME/bin/zkServer.sh" start-foreground "$work/zk/zoo.cfg"
zk_serving() { zk4 srvr 2>/dev/null | grep -q '^Mode: standalone'; }
wait_for 60 "ZooKeeper" zk_serving
say "ZooKeeper serving"

# --- Storm daemons
# storm.yaml as the agent renders it (shared/src/services/storm/testdata/golden), plus childopts
write_conf() { # ROLE EXTRA-YAML
  local dir=$work/$1
  mkdir -p "$dir/conf" "$dir/data" "$dir/logs"
  cat >"$dir/conf/storm.yaml" <<EOF
# Rendered like hactl does for cluster storm-smoke, $1 on 127.0.0.1 (smoke test).
nimbus.seeds: ["127.0.0.1"]
nimbus.thrift.port: 6627
storm.local.dir: "$dir/data"
storm.local.hostname: "127.0.0.1"
storm.log.dir: "$dir/logs"
storm.zookeeper.port: 2181
storm.zookeeper.root: "/storm-smoke"
storm.zookeeper.servers: ["127.0.0.1"]
storm.zookeeper.session.timeout: 4000
$2
EOF
}
# bin/storm splits daemon childopts like a shell (upstream: shlex.split), so quotes work there;
# the supervisor splits a worker.childopts string on whitespace only (BasicContainer), so a value
# with a space must be a YAML list, one JVM argument per item. Workers read
# executor.metrics.frequency.secs from the supervisor's storm.yaml: it is how often executor stats
# (the UI's emitted/acked counts) reach nimbus, 60 s by default.
# Nimbus keeps a RocksDB metrics store at storm.metricstore.rocksdb.location, default "storm_rocks"
# relative to storm.home: inside the distribution, shared by every nimbus using it. Point it into
# the member's data dir.
write_conf nimbus "nimbus.childopts: \"-Xmx$HEAP -Dhactl.smoke=\\\"a: b\\\"\"
storm.metricstore.rocksdb.location: \"$work/nimbus/data/storm_rocks\""
write_conf supervisor "supervisor.childopts: \"-Xmx$HEAP\"
supervisor.slots.ports: [6700, 6701]
supervisor.thrift.port: 6628
worker.childopts: [\"-Xmx$WORKER_HEAP\", \"-Dhactl.smoke=a: b\"]
executor.metrics.frequency.secs: $METRICS_SECS"
write_conf ui "ui.childopts: \"-Xmx$HEAP\"
ui.host: \"127.0.0.1\"
ui.port: 8080"
write_conf client ""

for role in nimbus supervisor ui; do
  say "starting $role: STORM_CONF_DIR=$work/$role/conf $STORM --config $work/$role/conf/storm.yaml $role"
  STORM_CONF_DIR=$work/$role/conf spawn "$role" "$work/$role" "$STORM" --config "$work/$role/conf/storm.yaml" "$role"
done

# the spawned pid must become the JVM, with the conf path on its command line (agent adoption)
is_jvm() { # ROLE
  local pid=${PID[$1]}
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */java ]] &&
    tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "-Dstorm.conf.file=$work/$1/conf/storm.yaml"
}
for role in nimbus supervisor ui; do wait_for 30 "$role to exec java" is_jvm "$role"; done
tr '\0' '\n' <"/proc/${PID[nimbus]}/cmdline" | grep -qxF -- "-Dhactl.smoke=a: b" || fail "nimbus.childopts was not split like a shell"
say "all three pids are JVMs with -Dstorm.conf.file=<conf>/storm.yaml; nimbus: $(tr '\0' ' ' <"/proc/${PID[nimbus]}/cmdline" | cut -c1-400)..."

declare -A READY=()
nimbus_ready() { grep -q "Starting nimbus server" "$work/nimbus/logs/nimbus.log" 2>/dev/null; }
ui_ready() { curl -s -o /dev/null --max-time 2 "$UI/api/v1/nimbus/summary"; }
sup_ready() { zk4 dump 2>/dev/null | grep -q '/storm-smoke/supervisors/'; }
deadline=$(($(date +%s) + 240))
while [[ ${#READY[@]} -lt 3 ]]; do
  alive nimbus supervisor ui
  [[ -z ${READY[nimbus]:-} ]] && nimbus_ready && READY[nimbus]=$(since "${START[nimbus]}") && say "nimbus: 'Starting nimbus server' after ${READY[nimbus]}s, RSS $(rss "${PID[nimbus]}")"
  [[ -z ${READY[ui]:-} ]] && ui_ready && READY[ui]=$(since "${START[ui]}") && say "ui: answering HTTP after ${READY[ui]}s, RSS $(rss "${PID[ui]}")"
  [[ -z ${READY[supervisor]:-} ]] && sup_ready && READY[supervisor]=$(since "${START[supervisor]}") && say "supervisor: registered in ZooKeeper after ${READY[supervisor]}s, RSS $(rss "${PID[supervisor]}")"
  [[ $(date +%s) -lt $deadline ]] || fail "daemons not ready after 240 s (ready: ${!READY[*]})"
  sleep 0.25
done

leader() { [[ $(json "$UI/api/v1/nimbus/summary" 'j.nimbuses.filter(n => n.status === "Leader").length') == 1 ]]; }
wait_for 120 "a Leader in /api/v1/nimbus/summary" leader
say "UI nimbus summary: $(json "$UI/api/v1/nimbus/summary" 'j.nimbuses.map(n => n.host + ":" + n.port + " " + n.status + " " + n.version).join(", ")')"
slots() { [[ $(json "$UI/api/v1/supervisor/summary" 'j.supervisors.length === 1 ? j.supervisors[0].slotsTotal : 0') == 2 ]]; }
wait_for 60 "the supervisor with 2 slots in /api/v1/supervisor/summary" slots
say "UI supervisor summary: $(json "$UI/api/v1/supervisor/summary" 'j.supervisors.map(s => s.host + " slots " + s.slotsTotal).join(", ")')"

# --- topology
say "storm jar $(basename "$JAR") hactl.topology.CountingTopology $TOPOLOGY $WORKERS"
t_submit=$(now)
STORM_CONF_DIR=$work/client/conf "$STORM" --config "$work/client/conf/storm.yaml" \
  jar "$JAR" hactl.topology.CountingTopology "$TOPOLOGY" "$WORKERS" >"$work/client/logs/jar.out" 2>&1 ||
  { tail -n 30 "$work/client/logs/jar.out"; fail "storm jar failed"; }
say "submitted in $(since "$t_submit")s"

topo_id() { json "$UI/api/v1/topology/summary" "(j.topologies.find(t => t.name === '$TOPOLOGY') || {}).id"; }
listed() { [[ -n $(topo_id) ]]; }
wait_for 60 "$TOPOLOGY in /api/v1/topology/summary" listed
id=$(topo_id)
say "UI lists $TOPOLOGY as $id"
acked() { json "$UI/api/v1/topology/$id" '(j.topologyStats.find(s => s.window === ":all-time") || {}).acked'; }
first_acked() { local a; a=$(acked) || return 1; [[ -n $a && $a != 0 ]]; }
wait_for 240 "acked tuples of $id" first_acked
a1=$(acked)
say "first acked tuples ($a1) $(since "$t_submit")s after storm jar started; workers: $(json "$UI/api/v1/topology/$id" 'j.workersTotal')"
grew() { a2=$(acked) && [[ -n $a2 && $a2 -gt $a1 ]]; }
t=$(now)
wait_for $((3 * METRICS_SECS + 30)) "the acked count to grow past $a1" grew
say "acked grows: $a1 -> $a2 after $(since "$t")s; failed: $(json "$UI/api/v1/topology/$id" '(j.topologyStats.find(s => s.window === ":all-time") || {}).failed')"
# the supervisor's process group: itself, and per worker a LogWriter JVM and the worker JVM
procs() { # procs worker|logwriter
  local p cmd
  for p in $(pgrep -g "${PID[supervisor]}" || true); do
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") || continue
    case $1 in
      logwriter) [[ $cmd == *" org.apache.storm.LogWriter "* ]] && echo "$p" ;;
      worker) [[ $cmd != *" org.apache.storm.LogWriter "* && $cmd == *" org.apache.storm.daemon.worker.Worker "* ]] && echo "$p" ;;
    esac
  done
  return 0
}
workers=$(procs worker)
[[ $(wc -w <<<"$workers") -eq $WORKERS ]] || fail "expected $WORKERS worker JVMs in the supervisor's process group, found: $workers"
for w in $workers; do
  say "worker pid $w RSS $(rss "$w")"
  tr '\0' '\n' <"/proc/$w/cmdline" | grep -qxF -- "-Dhactl.smoke=a: b" || fail "worker $w lacks the worker.childopts list item"
done
for w in $(procs logwriter); do say "LogWriter pid $w RSS $(rss "$w")"; done
# what an agent matching on the conf path must know: LogWriter and worker command lines carry the
# supervisor's -Dstorm.conf.file too (BasicContainer passes its own storm.conf.file on)
n=0
for w in $(procs worker) $(procs logwriter); do
  tr '\0' '\n' 2>/dev/null <"/proc/$w/cmdline" | grep -qxF -- "-Dstorm.conf.file=$work/supervisor/conf/storm.yaml" && n=$((n + 1))
done
say "note: $n worker/LogWriter command lines contain -Dstorm.conf.file=<supervisor conf>/storm.yaml"
say "RSS now: nimbus $(rss "${PID[nimbus]}"), supervisor $(rss "${PID[supervisor]}"), ui $(rss "${PID[ui]}")"

client() { STORM_CONF_DIR=$work/client/conf "$STORM" --config "$work/client/conf/storm.yaml" "$@"; }
t=$(now)
client list >"$work/client/logs/list.out" 2>&1 || { cat "$work/client/logs/list.out"; fail "storm list failed"; }
grep -Eq "^$TOPOLOGY +ACTIVE +[0-9]+ +$WORKERS +[0-9]+ +$id" "$work/client/logs/list.out" ||
  { cat "$work/client/logs/list.out"; fail "storm list does not show $TOPOLOGY ACTIVE"; }
say "storm list ($(since "$t")s): $(grep -E "^$TOPOLOGY " "$work/client/logs/list.out")"

t=$(now)
client kill "$TOPOLOGY" -w 1 >"$work/client/logs/kill.out" 2>&1 || { cat "$work/client/logs/kill.out"; fail "storm kill failed"; }
say "storm kill -w 1 returned after $(since "$t")s"
gone() { [[ $(json "$UI/api/v1/topology/summary" "j.topologies.filter(t => t.name === '$TOPOLOGY').length") == 0 ]]; }
wait_for 120 "$TOPOLOGY to leave /api/v1/topology/summary" gone
say "topology gone from the UI $(since "$t")s after storm kill"
no_workers() { [[ -z $(procs worker)$(procs logwriter) ]]; }
wait_for 120 "the workers to exit" no_workers
say "workers exited $(since "$t")s after storm kill"
client list >"$work/client/logs/list2.out" 2>&1 || true
grep -q "No topologies running." "$work/client/logs/list2.out" || { cat "$work/client/logs/list2.out"; fail "storm list still shows topologies"; }
say "storm list: No topologies running."
alive nimbus supervisor ui
written=$(find "$STORM_HOME" -newer "$work/zk/zoo.cfg" ! -type d | head -n 5)
[[ -z $written ]] || fail "the daemons wrote into STORM_HOME: $written"
ok=1
say "PASS (nimbus ${READY[nimbus]}s, supervisor ${READY[supervisor]}s, ui ${READY[ui]}s to ready)"
