#!/usr/bin/env bash
# Assemble Apache Storm (version in pom.xml) with the upstream binary layout into OUTDIR:
#
#   bin/storm  conf/storm.yaml  log4j2/{cluster,worker}.xml  RELEASE
#   lib/  lib-worker/  lib-launcher/  extlib/  extlib-daemon/  (no UI: storm-webapp is not published on Maven Central)
#
# usage: distributions/storm/assemble.sh OUTDIR
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

# every file that shapes the output (smoke.sh and docs do not)
hash=$(dist_inputs_hash "$here" pom.xml assemble.sh bin conf log4j2 parts)
dist_up_to_date storm "$out" "$hash" && exit 0

version=$(sed -n 's:.*<storm.version>\(.*\)</storm.version>.*:\1:p' "$here/pom.xml" | head -n1)
tmp=$(mktemp -d "$(dirname "$out")/.storm-assemble.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/dist

mkdir -p "$tmp/logs"
dist_mvn storm "$tmp/logs" "$stage" "$tmp/build" -- -f "$here/pom.xml" package -Ddist.dir="$stage" -Dbuild.root="$tmp/build"

echo "storm: adding bin/storm, conf/, log4j2/"
mkdir -p "$stage/bin" "$stage/conf" "$stage/log4j2" "$stage/extlib" "$stage/extlib-daemon"
install -m 0755 "$here/bin/storm" "$stage/bin/storm"
install -m 0644 "$here/conf/storm.yaml" "$stage/conf/storm.yaml"
install -m 0644 "$here/log4j2/cluster.xml" "$here/log4j2/worker.xml" "$stage/log4j2/"
echo "$version" >"$stage/RELEASE"
for d in lib lib-worker lib-launcher; do
  [[ -n $(ls -A "$stage/$d" 2>/dev/null) ]] || { echo "storm: $d/ is empty" >&2; exit 1; }
done
dist_install storm "$stage" "$out" "$hash" "$tmp"
