#!/usr/bin/env bash
# The file server's soak: the example server on getbuf under a loopback-only mix (idle keep-alive connections,
# fetchers, pipelined range and conditional requests, slow readers, resets, silent connections) while its files are
# replaced by rename and truncated in place; every response checked against the version its ETag names; resources
# sampled every second. Writes benchmarks/results/soak-DATE.{md,tsv,svg}; exits non-zero when a response was wrong,
# a resource did not come back, or Netty reported a leak. See examples/src/test/java/io/getbuf/examples/Soak.java.
#
#   benchmarks/run-soak.sh [--seconds N] [--idle N] [--strategy S]
#                          (default 600 s, 2000 idle connections, AUTO; S: a GetBufFileStrategy)
#
# The build runs the same soak for 60 s with 500 idle connections (SoakTest).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
idle=2000
strategy=AUTO
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --idle) idle="$2"; shift 2 ;;
    --strategy) strategy="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run-soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
# every idle connection is two descriptors in this one JVM (client and server end)
if [ "$(ulimit -n)" -lt $((idle * 2 + 1000)) ]; then
  ulimit -n $((idle * 2 + 1000)) 2>/dev/null || { echo "run-soak.sh: ulimit -n is too low for --idle $idle" >&2; exit 2; }
fi
mvn -B -q -DskipTests -Dgetbuf.kernel.skip=true -pl examples -am test-compile
cp="examples/target/test-classes:examples/target/classes:$(cat examples/target/test-classpath.txt)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
java -Xmx2g -Dio.netty.leakDetection.level=paranoid -cp "$cp" io.getbuf.examples.Soak "$seconds" \
    benchmarks/results "$idle" "$strategy" 2>&1 | tee "$out" || status=$?
if grep -q "LEAK:" "$out"; then
  echo "run-soak.sh: Netty reported a leak" >&2
  status=1
fi
exit $status
