#!/usr/bin/env bash
# Loopback echo benchmark: getbuf vs Netty 4.2 io_uring vs Netty 4.2 epoll vs netty-incubator io_uring
# (on Netty 4.1), all in one interleaved run. See benchmarks/README.md.
#
#   benchmarks/run-echo.sh            full run (~10 minutes), Markdown table on stdout
#   benchmarks/run-echo.sh --quick    smoke run (~1 minute)
#
# Script options (the rest goes to the driver, io.getbuf.benchmarks.echo.EchoBenchmark):
#   --no-getbuf    do not build or run getbuf (e.g. while transport/ does not compile)
#   --skip-build   reuse what the last build left in benchmarks/target
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

getbuf=1
build=1
driver_args=()
for a in "$@"; do
  case "$a" in
    --no-getbuf) getbuf=0 ;;
    --skip-build) build=0 ;;
    *) driver_args+=("$a") ;;
  esac
done

target="$here/target"
mvn_flags=(-q -B -Dmaven.test.skip=true)

if [[ $build == 1 ]]; then
  if [[ $getbuf == 1 ]]; then
    echo "[run-echo] building getbuf and the benchmark (mvn -pl benchmarks -am package)" >&2
    if ! mvn "${mvn_flags[@]}" -pl benchmarks -am package; then
      echo "[run-echo] WARNING: building with getbuf failed; running without getbuf" >&2
      getbuf=0
    fi
  fi
  if [[ $getbuf == 0 ]]; then
    echo "[run-echo] building the benchmark without getbuf (-Dnogetbuf)" >&2
    mvn "${mvn_flags[@]}" -Dnogetbuf -pl benchmarks package
  fi
  echo "[run-echo] resolving the Netty 4.1 class path for netty-incubator-transport-io_uring" >&2
  mvn -q -B -f "$here/netty41/pom.xml" dependency:build-classpath \
      -Dmdep.outputFile="$target/classpath-netty41.txt" >&2
fi

for f in "$target/classes" "$target/classpath.txt" "$target/classpath-netty41.txt"; do
  [[ -e $f ]] || { echo "[run-echo] missing $f: run without --skip-build" >&2; exit 1; }
done

transports=()
if [[ $getbuf == 1 ]] && grep -q getbuf-transport "$target/classpath.txt"; then
  transports=(--transports getbuf,io_uring,epoll,incubator)
else
  transports=(--transports io_uring,epoll,incubator --note "getbuf was not built (--no-getbuf or build failure)")
fi

# Stage classes and the project's own jars outside the source tree: another session's `mvn clean`
# must not pull them away from under a running benchmark.
stage="$(mktemp -d /tmp/getbuf-echo.XXXXXX)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib"
cp -r "$target/classes" "$stage/classes"
cp42=""
IFS=: read -r -a entries < "$target/classpath.txt" || true
for e in "${entries[@]}"; do
  if [[ $e == "$root"/* ]]; then
    if [[ -d $e ]]; then
      d="$stage/lib/$(basename "$(dirname "$(dirname "$e")")")-classes"
      cp -r "$e" "$d"; e="$d"
    else
      cp "$e" "$stage/lib/"; e="$stage/lib/$(basename "$e")"
    fi
  fi
  cp42="${cp42:+$cp42:}$e"
done
printf '%s' "$cp42" > "$stage/classpath-netty42.txt"
cp "$target/classpath-netty41.txt" "$stage/"

stamp="$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$target/echo-results" "$target/echo-logs"
# the driver is idle while cells run; servers and client are pinned by the driver itself
timeout --kill-after=30 7200 java -Xmx256m \
  -cp "$stage/classes:$cp42" \
  io.getbuf.benchmarks.echo.EchoBenchmark \
  --classes "$stage/classes" \
  --cp42 "$stage/classpath-netty42.txt" \
  --cp41 "$stage/classpath-netty41.txt" \
  --logs "$target/echo-logs" \
  --out "$target/echo-results/echo-$stamp.md" \
  "${transports[@]}" "${driver_args[@]}"
