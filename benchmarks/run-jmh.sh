#!/usr/bin/env bash
# JMH benchmarks of getbuf (benchmarks/src/main/java/io/getbuf/benchmarks/jmh). See benchmarks/README.md.
#
#   benchmarks/run-jmh.sh                     EchoAllocationBenchmark with -prof gc (about 4 minutes)
#   benchmarks/run-jmh.sh EchoAllocation -p reads=plain -p size=64 -prof gc
#   benchmarks/run-jmh.sh -h                  JMH's own options
#
# Script options: --skip-build reuses what the last build left in benchmarks/target.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

build=1
args=()
for a in "$@"; do
  case "$a" in
    --skip-build) build=0 ;;
    *) args+=("$a") ;;
  esac
done
if [[ ${#args[@]} == 0 ]]; then
  args=(EchoAllocationBenchmark -prof gc)
fi

if [[ $build == 1 ]]; then
  echo "[run-jmh] building getbuf and the benchmarks (mvn -pl benchmarks -am package)" >&2
  mvn -q -B -Dmaven.test.skip=true -Dgetbuf.kernel.skip=true -pl benchmarks -am package
fi
cp="$here/target/classes:$(cat "$here/target/classpath.txt")"
exec java -cp "$cp" org.openjdk.jmh.Main "${args[@]}"
