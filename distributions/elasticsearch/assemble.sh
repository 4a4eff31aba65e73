#!/usr/bin/env bash
# Assemble Elasticsearch (version in pom.xml) with the upstream archive layout into OUTDIR:
#
#   bin/elasticsearch  config/{elasticsearch.yml,jvm.options,jvm.options.d/,log4j2.properties}
#   lib/  lib/entitlement-bridge/  lib/entitlement-agent/  lib/launchers/  lib/tools/ansi-console/
#   lib/platform/linux-x64/ (libzstd)
#   modules/transport-netty4/  modules/x-pack-core/  modules/rest-root/  plugins/  logs/  RELEASE
#
# usage: distributions/elasticsearch/assemble.sh OUTDIR
#
# Idempotent: OUTDIR/.hactl-assembly holds a hash of this directory's inputs; when it matches,
# nothing is done. Maven resolves into ~/.m2, offline first (mvn -o), online only when that fails.
# The tree is built next to OUTDIR and renamed into place, so OUTDIR is either the old complete
# assembly or the new complete one.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
mkdir -p "$(dirname "$1")"
out=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")

# every file that shapes the output (smoke.sh does not)
hash=$(dist_inputs_hash "$here" pom.xml assemble.sh bin config src)
dist_up_to_date elasticsearch "$out" "$hash" && exit 0

version=$(sed -n 's:.*<es.version>\(.*\)</es.version>.*:\1:p' "$here/pom.xml" | head -n1)
tmp=$(mktemp -d "$(dirname "$out")/.elasticsearch-assemble.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/dist

mkdir -p "$tmp/logs"
dist_mvn elasticsearch "$tmp/logs" "$stage" "$tmp/build" -- -f "$here/pom.xml" package -Ddist.dir="$stage" -Dbuild.root="$tmp/build"

echo "elasticsearch: adding bin/elasticsearch, config/, plugins/, logs/"
mkdir -p "$stage/bin" "$stage/config/jvm.options.d" "$stage/plugins" "$stage/logs"
install -m 0755 "$here/bin/elasticsearch" "$stage/bin/elasticsearch"
install -m 0644 "$here/config/elasticsearch.yml" "$here/config/jvm.options" "$here/config/log4j2.properties" "$stage/config/"
echo "$version" >"$stage/RELEASE"

# Upstream ships libzstd in lib/platform/<os>-<arch>/ (the best_compression codec, logsdb); the
# server loads it from there on Java 21+ and through JNA's search path on 17. Link the system's.
zstd=$(ls /usr/lib/x86_64-linux-gnu/libzstd.so.1 /usr/lib64/libzstd.so.1 /usr/lib/libzstd.so.1 2>/dev/null | head -n1 || true)
if [[ $(uname -m) == x86_64 && -n $zstd ]]; then
  mkdir -p "$stage/lib/platform/linux-x64"
  ln -s "$zstd" "$stage/lib/platform/linux-x64/libzstd.so"
else
  echo "elasticsearch: no system libzstd.so.1; the best_compression codec will not work" >&2
fi

for f in lib/elasticsearch-$version.jar lib/entitlement-bridge lib/entitlement-agent lib/launchers lib/tools/ansi-console \
  modules/transport-netty4/plugin-descriptor.properties modules/transport-netty4/entitlement-policy.yaml \
  modules/x-pack-core/plugin-descriptor.properties modules/x-pack-core/entitlement-policy.yaml \
  modules/rest-root/plugin-descriptor.properties; do
  [[ -e $stage/$f ]] || { echo "elasticsearch: $f is missing" >&2; exit 1; }
done
dist_install elasticsearch "$stage" "$out" "$hash" "$tmp"
