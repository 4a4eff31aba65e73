#!/usr/bin/env bash
# Build hactl's test topology jar into OUTDIR/hactl-storm-topology.jar.
#
# usage: distributions/storm-topology/build.sh OUTDIR
#
# Idempotent: OUTDIR/.hactl-storm-topology holds a hash of this directory's inputs; when it
# matches and the jar is there, nothing is done. Maven resolves into ~/.m2, offline first
# (mvn -o), online only when that fails. The jar is built in a scratch directory and renamed
# into place.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
mkdir -p "$1"
out=$(cd "$1" && pwd -P)
jar=hactl-storm-topology.jar
stamp=$out/.hactl-storm-topology

hash=$(dist_inputs_hash "$here" pom.xml build.sh src)
if [[ -f $out/$jar && -f $stamp && $(<"$stamp") == "$hash" ]]; then
  echo "storm-topology: $out/$jar is up to date"
  exit 0
fi

tmp=$(mktemp -d "$out/.storm-topology-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/logs"
dist_mvn storm-topology "$tmp/logs" "$tmp/build" "$tmp/jar" -- -f "$here/pom.xml" package -Dbuild.root="$tmp/build" -Djar.dir="$tmp/jar"
[[ -f $tmp/jar/$jar ]] || { echo "storm-topology: mvn made no $jar" >&2; exit 1; }
mv -f "$tmp/jar/$jar" "$out/$jar"
echo "$hash" >"$stamp"
echo "storm-topology: built $out/$jar"
