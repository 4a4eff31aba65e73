#!/usr/bin/env bash
# Smoke test of the assembled distribution: a real 3-node Elasticsearch cluster on loopback.
#
#   distributions/elasticsearch/smoke.sh [ES_HOME]    default: <checkout>/.dist/elasticsearch
#                                                     (assembled first when it is the default)
#
# Nodes node-1 (127.0.6.11, roles master+data), node-2 (127.0.6.12, master+data) and node-3
# (127.0.6.13, data_hot+data_content+ingest), each on the standard ports 9200/9300 of its own
# address, with an elasticsearch.yml shaped like hactl's rendered ones (initial_master_nodes, rack
# awareness, xpack.security.* off) and the heap in jvm.options.d/heap.options (HEAP, default 512m).
# Started like the hactl agent does: bin/elasticsearch -p PIDFILE, ES_PATH_CONF, foreground,
# stdout+stderr to a file, cwd the node's dir; as root, as the unprivileged user `elasticsearch`
# (created like the agent does when missing), since Elasticsearch refuses to run as root.
#
# Checks: GET / on every node, cluster green with 3 nodes, _cat/nodes (one elected master, role
# letters), an index with 1 replica gets documents and _count is exact, new indices get
# _tier_preference data_content and a data_warm index stays off the node without warm, the
# best_compression codec (zstd) works, SIGTERM stops node-3 cleanly and removes its pid file, and
# the cluster reports the node gone. Exits non-zero on the first failure; every process it started
# is stopped on exit. Prints per node: process start -> HTTP answering, and VmRSS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
if [[ $# -ge 1 ]]; then
  ES_HOME=$(cd "$1" && pwd -P)
else
  ES_HOME=$(dirname "$(dirname "$here")")/.dist/elasticsearch
  "$here/assemble.sh" "$ES_HOME"
fi
HEAP=${HEAP:-512m}
NODES=(node-1 node-2 node-3)
declare -A ADDR=([node-1]=127.0.6.11 [node-2]=127.0.6.12 [node-3]=127.0.6.13)
declare -A ROLES=([node-1]='["master", "data"]' [node-2]='["master", "data"]' [node-3]='["data_hot", "data_content", "ingest"]')
declare -A RACK=([node-1]=r1 [node-2]=r2 [node-3]=r3)

log() { printf 'smoke: %s\n' "$*" >&2; }
fail() { printf 'smoke: FAIL: %s\n' "$*" >&2; exit 1; }

for n in "${NODES[@]}"; do
  for port in 9200 9300; do
    if (exec 3<>"/dev/tcp/${ADDR[$n]}/$port") 2>/dev/null; then
      fail "${ADDR[$n]}:$port is already in use"
    fi
  done
done

as_es=()
owner=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
  if ! id elasticsearch >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin elasticsearch
  fi
  as_es=(runuser -u elasticsearch --)
  owner=elasticsearch
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/es-smoke.XXXXXX")
declare -A LAUNCHER=() T0=()
cleanup() {
  local rc=$? n pid alive
  # SIGTERM the node (the JVM, whose pid is in its pid file); runuser exits with it. Only a node that
  # has not written its pid file yet gets the signal through runuser, which forwards it (and sends
  # SIGKILL 2 s later).
  declare -A jvm=()
  for n in "${NODES[@]}"; do
    [[ -n ${LAUNCHER[$n]:-} ]] || continue
    pid=$(cat "$work/$n/es.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null; then
      jvm[$n]=$pid
    else
      kill -TERM "${LAUNCHER[$n]}" 2>/dev/null || true
    fi
  done
  for _ in $(seq 1 150); do
    alive=0
    for n in "${NODES[@]}"; do
      [[ -n ${LAUNCHER[$n]:-} ]] && kill -0 "${LAUNCHER[$n]}" 2>/dev/null && alive=1
      [[ -n ${jvm[$n]:-} ]] && kill -0 "${jvm[$n]}" 2>/dev/null && alive=1
    done
    [[ $alive -eq 0 ]] && break
    sleep 0.2
  done
  for n in "${NODES[@]}"; do
    [[ -n ${jvm[$n]:-} ]] && kill -KILL "${jvm[$n]}" 2>/dev/null || true
    [[ -n ${LAUNCHER[$n]:-} ]] && kill -KILL "${LAUNCHER[$n]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ $rc -ne 0 ]]; then
    for n in "${NODES[@]}"; do
      [[ -f $work/$n/out.log ]] && { log "--- $n/out.log (last 30 lines)"; tail -n 30 "$work/$n/out.log" >&2; }
    done
  fi
  if [[ ${KEEP:-} == 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT

# JSON helper: js EXPR reads a JSON document on stdin as `j` and prints EXPR
js() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);const r=($1);console.log(typeof r==='string'?r:JSON.stringify(r))})"; }
http() { # METHOD NODE PATH [BODY]
  local m=$1 n=$2 p=$3
  if [[ $# -ge 4 ]]; then
    curl -sS -m 90 -X "$m" -H 'Content-Type: application/json' --data-binary "$4" "http://${ADDR[$n]}:9200$p"
  else
    curl -sS -m 90 -X "$m" "http://${ADDR[$n]}:9200$p"
  fi
}

seeds='["127.0.6.11:9300", "127.0.6.12:9300", "127.0.6.13:9300"]'
for n in "${NODES[@]}"; do
  d=$work/$n
  mkdir -p "$d/config/jvm.options.d" "$d/data" "$d/logs"
  # what the agent's pre-start step does: the distribution's jvm.options and log4j2.properties
  cp "$ES_HOME/config/jvm.options" "$ES_HOME/config/log4j2.properties" "$d/config/"
  cat >"$d/config/elasticsearch.yml" <<YML
# Rendered like hactl's master-bootstrap golden file, for the smoke test.
action.destructive_requires_name: true
cluster.initial_master_nodes: ["node-1", "node-2"]
cluster.name: "es-smoke"
cluster.routing.allocation.awareness.attributes: "rack"
discovery.seed_hosts: $seeds
http.port: 9200
network.host: "${ADDR[$n]}"
node.attr.rack: "${RACK[$n]}"
node.name: "$n"
node.roles: ${ROLES[$n]}
path.data: "$d/data"
path.logs: "$d/logs"
thread_pool.write.queue_size: 1000
transport.port: 9300
xpack.security.enabled: false
xpack.security.http.ssl.enabled: false
xpack.security.transport.ssl.enabled: false
YML
  printf -- '-Xms%s\n-Xmx%s\n' "$HEAP" "$HEAP" >"$d/config/jvm.options.d/heap.options"
done
chown -R "$owner" "$work"

log "starting ${NODES[*]} from $ES_HOME (heap $HEAP, as $owner)"
for n in "${NODES[@]}"; do
  d=$work/$n
  T0[$n]=$(date +%s%N)
  (cd "$d/data" && exec "${as_es[@]}" env ES_PATH_CONF="$d/config" "$ES_HOME/bin/elasticsearch" -p "$d/es.pid" >"$d/out.log" 2>&1) &
  LAUNCHER[$n]=$!
done

declare -A UP_MS=()
deadline=$(($(date +%s) + 240))
while :; do
  pending=0
  for n in "${NODES[@]}"; do
    [[ -n ${UP_MS[$n]:-} ]] && continue
    kill -0 "${LAUNCHER[$n]}" 2>/dev/null || fail "$n exited during start-up"
    if [[ $(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://${ADDR[$n]}:9200/" || true) == 200 ]]; then
      UP_MS[$n]=$((($(date +%s%N) - T0[$n]) / 1000000))
    else
      pending=1
    fi
  done
  [[ $pending -eq 0 ]] && break
  [[ $(date +%s) -lt $deadline ]] || fail "nodes not answering HTTP after 240 s"
  sleep 0.25
done

declare -A PID=()
for n in "${NODES[@]}"; do
  PID[$n]=$(cat "$work/$n/es.pid")
  [[ $(readlink "/proc/${PID[$n]}/exe") == */java ]] || fail "$n: pid file ${PID[$n]} is not a java process"
done

health=$(http GET node-1 '/_cluster/health?wait_for_nodes=3&wait_for_status=green&timeout=120s')
[[ $(js 'j.status + " " + j.number_of_nodes + " " + j.timed_out' <<<"$health") == "green 3 false" ]] || fail "cluster health: $health"
log "cluster formed: green, 3 nodes"

for n in "${NODES[@]}"; do
  root=$(http GET "$n" /)
  [[ $(js 'j.name + "|" + j.tagline + "|" + j.version.number + "|" + (j.cluster_uuid !== "_na_")' <<<"$root") == "$n|You Know, for Search|$(cat "$ES_HOME/RELEASE")|true" ]] \
    || fail "GET / on $n: $root"
done
uuids=$(for n in "${NODES[@]}"; do http GET "$n" / | js j.cluster_uuid; done | sort -u | wc -l)
[[ $uuids -eq 1 ]] || fail "nodes report different cluster uuids"
log "GET / answers on every node"

cat_nodes=$(http GET node-2 '/_cat/nodes?format=json&h=name,node.role,master,heap.max')
got=$(js 'j.map(x => x.name + ":" + x["node.role"] + ":" + x.master).sort().join(" ")' <<<"$cat_nodes")
masters=$(js 'j.filter(x => x.master === "*").length' <<<"$cat_nodes")
[[ $masters -eq 1 ]] || fail "_cat/nodes: $masters elected masters: $cat_nodes"
[[ $(sed -E 's/:[*-]( |$)/\1/g' <<<"$got") == "node-1:dm node-2:dm node-3:his" ]] || fail "_cat/nodes roles: $got"
log "_cat/nodes: $got"

docs=500
http PUT node-1 /smoke '{"settings":{"number_of_shards":2,"number_of_replicas":1}}' | js 'j.acknowledged' | grep -qx true || fail "create index smoke"
bulk=$(for i in $(seq 1 $docs); do printf '{"index":{"_id":"%d"}}\n{"n":%d,"msg":"doc %d"}\n' "$i" "$i" "$i"; done)
res=$(curl -sS -m 90 -X POST -H 'Content-Type: application/x-ndjson' --data-binary "$bulk"$'\n' 'http://127.0.6.13:9200/smoke/_bulk?refresh=wait_for')
[[ $(js 'j.errors' <<<"$res") == false ]] || fail "bulk: $(head -c 500 <<<"$res")"
health=$(http GET node-1 '/_cluster/health/smoke?wait_for_status=green&timeout=60s')
[[ $(js 'j.status + " " + j.active_shards' <<<"$health") == "green 4" ]] || fail "index smoke not green with 4 shard copies: $health"
for n in "${NODES[@]}"; do
  count=$(http GET "$n" /smoke/_count | js j.count)
  [[ $count -eq $docs ]] || fail "_count on $n: $count, expected $docs"
done
pref=$(http GET node-1 '/smoke/_settings/index.routing.allocation.include._tier_preference?flat_settings=true' \
  | js 'j.smoke.settings["index.routing.allocation.include._tier_preference"]')
[[ $pref == data_content ]] || fail "index smoke _tier_preference: $pref (expected data_content)"
log "index smoke: 2 shards x 1 replica green, _count $docs on every node, _tier_preference $pref"

http PUT node-1 /warm '{"settings":{"number_of_shards":3,"number_of_replicas":0,"index.routing.allocation.include._tier_preference":"data_warm"}}' \
  | js 'j.acknowledged' | grep -qx true || fail "create index warm"
http GET node-1 '/_cluster/health/warm?wait_for_status=green&timeout=60s' | js j.status | grep -qx green || fail "index warm not green"
on=$(http GET node-1 '/_cat/shards/warm?format=json&h=node' | js '[...new Set(j.map(x => x.node))].sort().join(",")')
[[ $on != *node-3* ]] || fail "a data_warm shard was allocated to node-3 (data_hot, data_content): $on"
log "index warm (_tier_preference data_warm) allocated on $on only"

http PUT node-1 /zstd '{"settings":{"number_of_shards":1,"number_of_replicas":1,"index.codec":"best_compression"}}' \
  | js 'j.acknowledged' | grep -qx true || fail "create index zstd"
http PUT node-1 '/zstd/_doc/1?refresh=wait_for' '{"msg":"compressed"}' | js j.result | grep -qx created || fail "index into zstd"
http POST node-1 '/zstd/_flush' >/dev/null
[[ $(http GET node-2 '/zstd/_doc/1' | js j._source.msg) == compressed ]] || fail "read back from best_compression index"
log "index zstd (best_compression codec) writes and reads"

for n in "${NODES[@]}"; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/${PID[$n]}/status")
  log "$n pid ${PID[$n]}: HTTP answering $(awk "BEGIN {printf \"%.1f\", ${UP_MS[$n]} / 1000}") s after process start, VmRSS $((rss / 1024)) MB"
done

log "SIGTERM to node-3 (pid ${PID[node-3]})"
t=$(date +%s%N)
kill -TERM "${PID[node-3]}"
for _ in $(seq 1 300); do kill -0 "${PID[node-3]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${PID[node-3]}" 2>/dev/null && fail "node-3 still running 30 s after SIGTERM"
stopped_ms=$((($(date +%s%N) - t) / 1000000))
rc=0
wait "${LAUNCHER[node-3]}" || rc=$?
unset 'LAUNCHER[node-3]'
[[ ! -e $work/node-3/es.pid ]] || fail "node-3 left its pid file behind"
grep -q 'closed' "$work/node-3/logs/es-smoke.log" || fail "node-3 log has no clean 'closed'"
grep -qE 'stopping \.\.\.' "$work/node-3/logs/es-smoke.log" || fail "node-3 log has no 'stopping ...'"
health=$(http GET node-1 '/_cluster/health?wait_for_nodes=2&timeout=60s')
[[ $(js 'j.number_of_nodes + " " + (j.status !== "red")' <<<"$health") == "2 true" ]] || fail "health after node-3 left: $health"
log "node-3 stopped in $((stopped_ms)) ms (exit status $rc), pid file removed; cluster: $(js 'j.status + ", " + j.number_of_nodes + " nodes"' <<<"$health")"
log "PASS"
