#!/bin/bash
# Assembles an Apache Kafka distribution from Maven Central artifacts, in the upstream tarball layout:
#   <outdir>/bin/     launch scripts (this project's own; same interface as upstream's)
#   <outdir>/config/  server.properties sample and the log4j config of the line
#   <outdir>/libs/    kafka_2.13, tools and every run-time dependency (<line>/pom.xml)
#
#   assemble.sh <line> <outdir>      line: 3.9 (ZooKeeper or KRaft) or 4 (KRaft only)
#
# Idempotent: an <outdir> stamped with the same inputs hash (pom, scripts, config) is left alone.
# Resolves offline from ~/.m2 first, then online. Builds in a temp dir next to <outdir> and renames
# it into place. Env: MVN (default mvn), KAFKA_ASSEMBLE_MVN_ARGS (extra maven args, e.g.
# -Dmaven.repo.local=DIR or -s settings.xml).
set -euo pipefail

usage() { echo "usage: $0 <3.9|4> <outdir>" >&2; exit 2; }
[ $# -eq 2 ] || usage
line=$1
case $line in 3.9|4) ;; *) usage ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$(dirname "$2")"
parent=$(cd "$(dirname "$2")" && pwd)
out=$parent/$(basename "$2")
mvn=${MVN:-mvn}
read -r -a mvn_extra <<< "${KAFKA_ASSEMBLE_MVN_ARGS:-}"
say() { echo "kafka $line: $*"; }
started=$SECONDS

version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/$line/pom.xml")
inputs=$(cd "$here" && find assemble.sh bin "$line" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)
stamp="hactl kafka distribution
line=$line
version=$version
inputs=sha256:$inputs"

up_to_date() { [ -f "$out/.hactl-assembly" ] && [ "$(cat "$out/.hactl-assembly")" = "$stamp" ]; }
if up_to_date; then
  say "$out already holds $version (inputs ${inputs:0:12}), nothing to do"
  exit 0
fi

# One assembly at a time per parent dir; whoever waited re-checks the stamp.
exec 9<"$parent"
flock 9
if up_to_date; then
  say "$out already holds $version (inputs ${inputs:0:12}), nothing to do"
  exit 0
fi

tmp=$(mktemp -d "$parent/.$(basename "$out").tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/.build"
cp "$here/$line/pom.xml" "$tmp/.build/pom.xml"
resolve() {
  "$mvn" -B -q "$@" "${mvn_extra[@]}" -f "$tmp/.build/pom.xml" package \
    -Dkafka.libs.dir="$tmp/libs" >"$tmp/.build/mvn.log" 2>&1
}

say "resolving Kafka $version from the local Maven repository (mvn -o)"
if ! resolve -o; then
  rm -rf "$tmp/libs"
  say "not all artifacts cached; resolving from the remote repository"
  if ! resolve; then
    tail -n 30 "$tmp/.build/mvn.log" >&2
    say "maven failed" >&2
    exit 1
  fi
fi
[ -f "$tmp/libs/kafka_2.13-$version.jar" ] || { say "libs/kafka_2.13-$version.jar missing" >&2; exit 1; }
rm -rf "$tmp/.build"
say "$(find "$tmp/libs" -name '*.jar' | wc -l) jars in libs/"

mkdir "$tmp/bin" "$tmp/config"
cp "$here"/bin/*.sh "$tmp/bin/"
cp "$here/$line"/bin/*.sh "$tmp/bin/"
cp "$here/$line"/config/* "$tmp/config/"
chmod 755 "$tmp"/bin/*.sh
chmod -R u+rwX,go+rX "$tmp"
printf '%s\n' "$stamp" > "$tmp/.hactl-assembly"
say "bin/ and config/ written"

if [ -e "$out" ]; then
  old=$(mktemp -d "$parent/.$(basename "$out").old.XXXXXX")
  mv -T "$out" "$old/dist"
  mv -T "$tmp" "$out"
  rm -rf "$old"
else
  mv -T "$tmp" "$out"
fi
trap - EXIT
say "ready at $out ($((SECONDS - started))s)"
