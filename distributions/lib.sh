# Shared steps of the distribution assemblies (sourced by */assemble.sh and */build.sh).
#
# Every assembly is idempotent and atomic in the same way: a hash of the files that shape the
# output is stamped into it, a matching stamp means nothing to do; Maven resolves into ~/.m2,
# offline first (a second run needs no network), online only when that fails; the new tree is
# built beside the old one and renamed into place, so a reader sees the old complete assembly or
# the new complete one, never half of one.

# dist_inputs_hash DIR PATH... — sha256 over the named files and directories of DIR (target/ and
# anything git ignores there excluded), in a stable order.
dist_inputs_hash() {
  local dir=$1
  shift
  (cd "$dir" && find "$@" -type f ! -path '*/target/*' -print0 \
    | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

# dist_mvn NAME LOGDIR SCRATCH-DIR... -- MVN-ARGS... — runs `mvn -B -q MVN-ARGS` offline, then, if
# offline resolution fails, removes the SCRATCH-DIRs (what the failed attempt left half-written)
# and runs it online; on failure prints the end of Maven's log and returns 1.
dist_mvn() {
  local name=$1 logs=$2 scratch=()
  shift 2
  while [[ $# -gt 0 && $1 != -- ]]; do scratch+=("$1"); shift; done
  shift
  echo "$name: resolving with the local Maven repository (mvn -o)"
  if mvn -B -q -o "$@" >"$logs/mvn-offline.log" 2>&1; then return 0; fi
  echo "$name: offline resolution failed, downloading (mvn)"
  rm -rf "${scratch[@]}"
  if mvn -B -q "$@" >"$logs/mvn.log" 2>&1; then return 0; fi
  tail -n 40 "$logs/mvn.log" >&2
  echo "$name: mvn failed" >&2
  return 1
}

# The stamp file inside an assembly: the inputs hash it was built from.
DIST_STAMP=.hactl-assembly

# dist_up_to_date NAME OUT HASH — true when OUT holds an assembly stamped with HASH. Exits 1 when OUT
# is a non-empty directory this script did not make (it is never replaced).
dist_up_to_date() {
  local name=$1 out=$2 hash=$3
  if [[ -f $out/$DIST_STAMP && $(<"$out/$DIST_STAMP") == "$hash" ]]; then
    echo "$name: $out is up to date"
    return 0
  fi
  if [[ -e $out && ! -f $out/$DIST_STAMP && -n $(ls -A "$out" 2>/dev/null) ]]; then
    echo "$name: $out exists and is not an assembly made by this script; not replacing it" >&2
    exit 1
  fi
  return 1
}

# dist_install NAME STAGE OUT HASH SCRATCH — stamps STAGE with HASH and swaps it in for OUT (the old
# assembly moves into SCRATCH, which the caller removes), so OUT is always one complete assembly.
dist_install() {
  local name=$1 stage=$2 out=$3 hash=$4 scratch=$5
  echo "$hash" >"$stage/$DIST_STAMP"
  echo "$name: installing into $out"
  if [[ -e $out ]]; then mv "$out" "$scratch/old"; fi
  mv "$stage" "$out"
  echo "$name: done ($(du -sh "$out" | cut -f1), $(find "$out" -name '*.jar' | wc -l) jars)"
}
