#!/usr/bin/env bash
# Smoke test of the assembled Storm distribution on this machine, on the standard ports:
#
#   ZooKeeper (Debian's, standalone, 127.0.0.1:2181, in a temp dir)
#   nimbus and a supervisor (slots 6700, 6701), each started as the hactl agent starts them:
#   `STORM_CONF_DIR=<dir> <home>/bin/storm ROLE --config <dir>/storm.yaml` (the order upstream's
#   storm.py accepts), cwd <member>/data, output to <member>/logs/ROLE.out, with a storm.yaml shaped
#   like the agent's.
#
# There is no UI to ask (org.apache.storm:storm-webapp is not published on Maven Central), so the
# checks read what the daemons themselves publish:
#   - the leader: the nimbus holds the lowest `/leader-lock` latch node in ZooKeeper (its data is
#     `host:port:tlsPort` in 2.8.3, `host:port` before STORM-4070), logs "<machine> gained
#     leadership.", and `storm list` (which needs a leader: NimbusClient asks the seeds for it)
#     answers "No topologies running.";
#   - the supervisor: its ephemeral `/supervisors/<id>` znode;
#   - the topology: `storm jar` submits hactl's counting topology (../storm-topology); `storm list`
#     shows it ACTIVE with its workers; the counts its bolt logs to the worker log
#     (<storm.log.dir>/workers-artifacts/<id>/<port>/worker.log, "counted N tuples, ...") grow;
#   - the kill: `storm kill` removes it from `storm list` and its worker JVMs exit.
# Prints timings and each JVM's VmRSS.
#
# usage: distributions/storm/smoke.sh [STORM_HOME [TOPOLOGY_JAR]]
#   e.g. distributions/storm/smoke.sh .dist/storm .dist/storm-topology/hactl-storm-topology.jar
#   without arguments it assembles into distributions/storm/target/storm and builds the jar into
#   distributions/storm/target/topology (both idempotent).
# env: ZK_HOME (/usr/share/zookeeper), SMOKE_WORKERS (2), SMOKE_HEAP (256m, daemons), SMOKE_WORKER_HEAP
#   (128m), SMOKE_NETNS (1: as root, run in a network namespace of its own, see below), SMOKE_KEEP=1
#   keeps the temp dir (always kept on failure).
#
# Storm's Thrift servers and workers bind every interface, so only one Storm host per network
# namespace. As root (with unshare) the script re-runs itself in a fresh network namespace with only
# `lo`, so the standard ports cannot clash with anything else on the machine; otherwise the ports
# below must be free. Every process started here (ZooKeeper, the daemons and the workers the
# supervisor launches, which stay in its process group) is stopped on exit.
set -euo pipefail
set +m # no job control: a background subshell is then no group leader, so setsid execs in place

if [[ ${SMOKE_NETNS:-1} == 1 && -z ${SMOKE_IN_NETNS:-} && $(id -u) == 0 ]] && command -v unshare >/dev/null && command -v ip >/dev/null; then
  export SMOKE_IN_NETNS=1
  # shellcheck disable=SC2016
  exec unshare --net -- bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ZK_HOME=${ZK_HOME:-/usr/share/zookeeper}
WORKERS=${SMOKE_WORKERS:-2}
HEAP=${SMOKE_HEAP:-256m}
WORKER_HEAP=${SMOKE_WORKER_HEAP:-128m}
TOPOLOGY=hactl-smoke
ROOT=/storm-smoke
STORM_PORTS=(6627 6628 6700 6701)

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
  JAR=$(cd "$(dirname "$2")" && pwd -P)/$(basename "$2")
else
  "$here/../storm-topology/build.sh" "$here/target/topology"
  JAR=$here/target/topology/hactl-storm-topology.jar
fi
STORM=$STORM_HOME/bin/storm
[[ -x $STORM && -f $JAR ]] || fail "need $STORM and $JAR"
[[ -x $ZK_HOME/bin/zkServer.sh && -x $ZK_HOME/bin/zkCli.sh ]] || fail "need ZooKeeper's zkServer.sh and zkCli.sh in $ZK_HOME/bin"
[[ -n ${SMOKE_IN_NETNS:-} ]] && say "running in a network namespace of its own (unshare --net)"

for p in "${STORM_PORTS[@]}"; do
  if [[ -n $(ss -Hltn "sport = :$p") ]]; then fail "port $p is in use on some address; Storm binds it on every interface"; fi
done
# ZooKeeper binds 127.0.0.1 only: other addresses may have their own 2181
if ss -Hltn "sport = :2181" | awk '{ print $4 }' | grep -Eq '^(127\.0\.0\.1|0\.0\.0\.0|\*|\[::\]|\[::ffff:127\.0\.0\.1\]):2181$'; then
  fail "127.0.0.1:2181 is in use"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hactl-storm-smoke.XXXXXX")
declare -A PID=()   # role -> pid (= process group id; setsid)
declare -A START=()
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
  stop_group supervisor nimbus
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

zk4() { # ZooKeeper four-letter word (a server that accepts but never answers must not hang us)
  # shellcheck disable=SC2016
  timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181 && printf "%s" "$1" >&3 && cat <&3' zk4 "$1"
}
# zkcli CMD ARGS...: one zkCli.sh command; its output without the client's log lines
zkcli() {
  CLIENT_JVMFLAGS="-Xmx64m -XX:TieredStopAtLevel=1" ZOO_LOG_DIR=$work/zk/logs ZOO_LOG4J_PROP=ERROR,ROLLINGFILE \
    timeout 60 "$ZK_HOME/bin/zkCli.sh" -server 127.0.0.1:2181 "$@" 2>/dev/null |
    grep -Ev '^(Connecting to|WATCHER::|WatchedEvent|$|[0-9]{4}-[0-9]{2}-[0-9]{2}[ T])' || true
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
storm.zookeeper.root: "$ROOT"
storm.zookeeper.servers: ["127.0.0.1"]
storm.zookeeper.session.timeout: 4000
$2
EOF
}
# bin/storm splits daemon childopts like a shell (upstream: shlex.split), so quotes work there;
# the supervisor splits a worker.childopts string on whitespace only (BasicContainer), so a value
# with a space must be a YAML list, one JVM argument per item (hactl refuses quotes in the string).
# Nimbus keeps a RocksDB metrics store at storm.metricstore.rocksdb.location, default "storm_rocks"
# relative to storm.home: inside the distribution, shared by every nimbus using it. hactl renders it
# into the member's data dir, as here.
write_conf nimbus "nimbus.childopts: \"-Xmx$HEAP -Dhactl.smoke=\\\"a: b\\\"\"
storm.metricstore.rocksdb.location: \"$work/nimbus/data/storm_rocks\""
write_conf supervisor "supervisor.childopts: \"-Xmx$HEAP\"
supervisor.slots.ports: [6700, 6701]
supervisor.thrift.port: 6628
worker.childopts: [\"-Xmx$WORKER_HEAP\", \"-Dhactl.smoke=a: b\"]"
write_conf client ""

for role in nimbus supervisor; do
  say "starting $role: STORM_CONF_DIR=$work/$role/conf $STORM $role --config $work/$role/conf/storm.yaml"
  STORM_CONF_DIR=$work/$role/conf spawn "$role" "$work/$role" "$STORM" "$role" --config "$work/$role/conf/storm.yaml"
done

# the spawned pid must become the JVM, with the conf path and the daemon name on its command line
# (what the agent's adoption matches)
is_jvm() { # ROLE
  local pid=${PID[$1]} argv
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */java ]] || return 1
  argv=$(tr '\0' '\n' <"/proc/$pid/cmdline")
  grep -qxF -- "-Dstorm.conf.file=$work/$1/conf/storm.yaml" <<<"$argv" && grep -qxF -- "-Ddaemon.name=$1" <<<"$argv"
}
for role in nimbus supervisor; do wait_for 30 "$role to exec java" is_jvm "$role"; done
tr '\0' '\n' <"/proc/${PID[nimbus]}/cmdline" | grep -qxF -- "-Dhactl.smoke=a: b" || fail "nimbus.childopts was not split like a shell"
say "both pids are JVMs with -Ddaemon.name=<role> -Dstorm.conf.file=<conf>/storm.yaml; nimbus: $(tr '\0' ' ' <"/proc/${PID[nimbus]}/cmdline" | cut -c1-400)..."

declare -A READY=()
nimbus_ready() { grep -q "Starting nimbus server" "$work/nimbus/logs/nimbus.log" 2>/dev/null; }
sup_ready() { zk4 dump 2>/dev/null | grep -q "$ROOT/supervisors/"; }
deadline=$(($(date +%s) + 240))
while [[ ${#READY[@]} -lt 2 ]]; do
  alive nimbus supervisor
  [[ -z ${READY[nimbus]:-} ]] && nimbus_ready && READY[nimbus]=$(since "${START[nimbus]}") && say "nimbus: 'Starting nimbus server' after ${READY[nimbus]}s, RSS $(rss "${PID[nimbus]}")"
  [[ -z ${READY[supervisor]:-} ]] && sup_ready && READY[supervisor]=$(since "${START[supervisor]}") && say "supervisor: registered in ZooKeeper after ${READY[supervisor]}s, RSS $(rss "${PID[supervisor]}")"
  [[ $(date +%s) -lt $deadline ]] || fail "daemons not ready after 240 s (ready: ${!READY[*]})"
  sleep 0.25
done

# --- the leader: the latch in ZooKeeper, the nimbus's log, and a client that finds it
# Curator LeaderLatch nodes are _c_<uuid>-latch-<10-digit sequence>; the lowest sequence leads.
latch_leader() {
  zkcli ls "$ROOT/leader-lock" | tail -n 1 | tr -d '[] ' | tr ',' '\n' | grep -E -- '-latch-[0-9]{10}$' |
    awk -F'-latch-' '{ print $2, $0 }' | sort -n | head -n 1 | cut -d' ' -f2
}
has_latch() { [[ -n $(latch_leader) ]]; }
wait_for 60 "a $ROOT/leader-lock latch node" has_latch
node=$(latch_leader)
data=$(zkcli get "$ROOT/leader-lock/$node" | tail -n 1)
# 2.8.3 writes host:port:tlsPort (NimbusInfo.toHostPortString with STORM-4070's TLS port; 0 = off)
[[ $data =~ ^127\.0\.0\.1:6627(:[0-9]+)?$ ]] || fail "the leader latch node $node holds '$data', expected 127.0.0.1:6627[:tlsPort]"
say "ZooKeeper: $ROOT/leader-lock/$node = $data (lowest sequence: the leader)"
# LeaderListenerCallbackFactory logs InetAddress.getLocalHost().getCanonicalHostName(), not
# storm.local.hostname, so the line names the machine (here "localhost"), not 127.0.0.1
gained() { grep -q " gained leadership\.$" "$work/nimbus/logs/nimbus.log"; }
wait_for 60 "nimbus.log to say '<host> gained leadership.'" gained
say "nimbus.log: $(grep -m1 -oE '[^ ]+ gained leadership\.$' "$work/nimbus/logs/nimbus.log")"
nimbuses=$(zkcli ls "$ROOT/nimbuses" | tail -n 1)
[[ $nimbuses == "[127.0.0.1]" ]] || fail "$ROOT/nimbuses is $nimbuses, expected [127.0.0.1]"
say "ZooKeeper: $ROOT/nimbuses $nimbuses, supervisors $(zkcli ls "$ROOT/supervisors" | tail -n 1)"

client() { STORM_CONF_DIR=$work/client/conf "$STORM" "$1" --config "$work/client/conf/storm.yaml" "${@:2}"; }
t=$(now)
client list >"$work/client/logs/list0.out" 2>&1 || { cat "$work/client/logs/list0.out"; fail "storm list failed: no leader found?"; }
grep -qx "No topologies running." "$work/client/logs/list0.out" || { cat "$work/client/logs/list0.out"; fail "storm list: expected 'No topologies running.'"; }
say "storm list ($(since "$t")s): No topologies running."

# --- topology
say "storm jar $(basename "$JAR") hactl.topology.CountingTopology $TOPOLOGY $WORKERS"
t_submit=$(now)
client jar "$JAR" hactl.topology.CountingTopology "$TOPOLOGY" "$WORKERS" >"$work/client/logs/jar.out" 2>&1 ||
  { tail -n 30 "$work/client/logs/jar.out"; fail "storm jar failed"; }
say "submitted in $(since "$t_submit")s"

# Right after the submission the row shows 0 tasks and 0 workers until nimbus has scheduled it.
scheduled() {
  client list >"$work/client/logs/list.out" 2>&1 &&
    row=$(grep -E "^$TOPOLOGY +ACTIVE +[1-9][0-9]* +$WORKERS +[0-9]+ +$TOPOLOGY-[0-9]+-[0-9]+ " "$work/client/logs/list.out")
}
t=$(now)
wait_for 120 "storm list to show $TOPOLOGY ACTIVE with $WORKERS workers" scheduled
id=$(awk '{ print $6 }' <<<"$row")
say "storm list ($(since "$t")s after the submission): $row"

# the highest "counted N tuples" any worker log of the topology shows (0 before the first)
counted() {
  local f n best=0
  for f in "$work"/supervisor/logs/workers-artifacts/"$id"/*/worker.log; do
    [[ -f $f ]] || continue
    n=$(grep -oE 'counted [0-9]+ tuples' "$f" | awk '{ print $2 }' | sort -n | tail -n 1)
    [[ -n $n && $n -gt $best ]] && best=$n
  done
  echo "$best"
}
first_count() { c1=$(counted); [[ $c1 -gt 0 ]]; }
wait_for 240 "the first 'counted N tuples' in a worker log of $id" first_count
say "first count in the worker log: $c1 tuples, $(since "$t_submit")s after storm jar started"
grew() { c2=$(counted); [[ $c2 -gt $c1 ]]; }
t=$(now)
wait_for 120 "the count to grow past $c1" grew
say "count grows: $c1 -> $c2 after $(since "$t")s ($(find "$work/supervisor/logs/workers-artifacts/$id" -mindepth 1 -maxdepth 1 -type d | wc -l) worker dirs)"

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
# supervisor's -Dstorm.conf.file too (BasicContainer passes its own storm.conf.file on), but no
# -Ddaemon.name
n=0
for w in $(procs worker) $(procs logwriter); do
  argv=$(tr '\0' '\n' 2>/dev/null <"/proc/$w/cmdline") || continue
  grep -qxF -- "-Dstorm.conf.file=$work/supervisor/conf/storm.yaml" <<<"$argv" && n=$((n + 1))
  ! grep -q -- "^-Ddaemon.name=" <<<"$argv" || fail "worker/LogWriter $w has a -Ddaemon.name"
done
say "note: $n worker/LogWriter command lines contain -Dstorm.conf.file=<supervisor conf>/storm.yaml, none -Ddaemon.name"
say "RSS now: nimbus $(rss "${PID[nimbus]}"), supervisor $(rss "${PID[supervisor]}")"

# --- kill
t=$(now)
client kill "$TOPOLOGY" -w 1 >"$work/client/logs/kill.out" 2>&1 || { cat "$work/client/logs/kill.out"; fail "storm kill failed"; }
say "storm kill -w 1 returned after $(since "$t")s"
gone() { client list >"$work/client/logs/list2.out" 2>&1 && grep -qx "No topologies running." "$work/client/logs/list2.out"; }
wait_for 120 "storm list to say 'No topologies running.'" gone
say "storm list: No topologies running. ($(since "$t")s after storm kill)"
no_workers() { [[ -z $(procs worker)$(procs logwriter) ]]; }
wait_for 120 "the workers to exit" no_workers
say "workers exited $(since "$t")s after storm kill"
alive nimbus supervisor
written=$(find "$STORM_HOME" -newer "$work/zk/zoo.cfg" ! -type d | head -n 5)
[[ -z $written ]] || fail "the daemons wrote into STORM_HOME: $written"
ok=1
say "PASS (nimbus ${READY[nimbus]}s, supervisor ${READY[supervisor]}s to ready)"
