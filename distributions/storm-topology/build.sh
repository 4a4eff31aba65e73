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
mkdir -p "$1"
out=$(cd "$1" && pwd -P)
jar=hactl-storm-topology.jar
stamp=$out/.hactl-storm-topology

hash=$(cd "$here" && find pom.xml build.sh src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [[ -f $out/$jar && -f $stamp && $(<"$stamp") == "$hash" ]]; then
  echo "storm-topology: $out/$jar is up to date"
  exit 0
fi

tmp=$(mktemp -d "$out/.storm-topology-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mvn_package() {
  mvn -B -q "$@" -f "$here/pom.xml" package -Dbuild.root="$tmp/build" -Djar.dir="$tmp/jar"
}
echo "storm-topology: building $jar (mvn -o)"
if ! mvn_package -o >"$tmp/mvn-offline.log" 2>&1; then
  echo "storm-topology: offline build failed, downloading (mvn)"
  rm -rf "$tmp/build" "$tmp/jar"
  if ! mvn_package >"$tmp/mvn.log" 2>&1; then
    tail -n 40 "$tmp/mvn.log" >&2
    echo "storm-topology: mvn failed" >&2
    exit 1
  fi
fi
[[ -f $tmp/jar/$jar ]] || { echo "storm-topology: mvn made no $jar" >&2; exit 1; }
mv -f "$tmp/jar/$jar" "$out/$jar"
echo "$hash" >"$stamp"
echo "storm-topology: built $out/$jar"
