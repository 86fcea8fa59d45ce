#!/usr/bin/env bash
# Whole-server benchmark: the example static file server on getbuf (default strategy and each one),
# on Netty 4.2's epoll, io_uring and NIO transports, a file server on netty-incubator io_uring 0.0.26
# (Netty 4.1) and nginx, all serving the same files to wrk over 127.0.0.1. See benchmarks/README.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: benchmarks/run-file-servers.sh [options]

Starts every server once (each pinned to --server-cpu, own port on 127.0.0.1), checks that each
serves every file byte for byte, then for every cell (file size x connections) runs
`wrk -t1 -cN -dD` (pinned to --client-cpu) against each server in turn, --rounds times with the
order rotated, and reports medians: requests/s, MiB/s, server CPU-seconds per GiB, ratios to nginx.
Writes file-servers-<UTC stamp>.md (+ .svg chart, .tsv raw runs) to --out.

Options:
  --duration S        measured seconds per wrk run (default 5)
  --warmup S          unmeasured wrk run per server at the start of each cell (default 2)
  --jit-warmup S      before the first cell, S seconds of wrk -c16 per server, split over the
                      sizes, so the first cell does not measure a cold JIT (default 12)
  --rounds R          measured runs per server and cell; the table shows the median (default 3)
  --sizes LIST        file sizes, from 1k,4k,64k,1m,32m (default 1k,64k,1m,32m)
  --connections LIST  wrk connections (default 16,64)
  --servers LIST      subset of: getbuf,getbuf-sendfile,getbuf-splice,getbuf-read-fixed,
                      getbuf-copy,epoll,io_uring,nio,incubator,nginx (open_file_cache on: the
                      headline peer), nginx-default (Debian's defaults: no open_file_cache)
                      (default all), or
                      getbuf-get-buf (--strategy GET_BUF: needs the patched kernel, see
                      kernel/vm/file-server-bench)
  --server-jar PATH   the example server's runnable jar
                      (default examples/target/getbuf-file-server.jar, built with mvn if missing)
  --server-cpu N      CPU for the servers (default 0)
  --client-cpu N      CPU for the client (default 1)
  --client NAME       the load client: getbuf-load (default: benchmarks/load-client, C, built here
                      with gcc; drops bodies with recv(MSG_TRUNC), so it is not the limit from
                      1 MiB up where wrk saturates its core) or wrk (wrk -t1 with
                      file-servers/wrk-summary.lua, the client of the runs before 2026-12-07)
  --client-busy-poll  getbuf-load polls without sleeping (-b). On loopback the server's CPU runs
                      the client's receive path, and wakes the client whenever it has caught up
                      and slept: from 1 MiB up that wake-up is a large part of the server's CPU
                      per GiB and it follows the client's sleeps, not the server (the report's
                      client sleeps/GiB). A client that never sleeps takes it out, as a remote
                      client does; the client then uses its whole core
  --heap SIZE         -Xms/-Xmx of the Java servers (default 1g)
  --jvm-arg ARG       one more flag for every Java server (repeatable)
  --files-dir DIR     write the files there instead of the work directory (a file system
                      whose pages GET_BUF can borrow, e.g. the VM's /dev/shm)
  --check-strategies  before measuring, stop each getbuf-STRATEGY server once after the
                      content check and require its shutdown counters to name STRATEGY
                      only (then start it again); after the run, check them again
  --baseline NAME     the server the report's ratios are to (default nginx if it runs)
  --perf SIZE:CONNS:SERVER   after the measurements, one more wrk run of that cell under
                      `perf record -a -g -e cpu-clock` (all CPUs); the report gets perf's split by
                      process and DSO and its top symbols (JIT-compiled Java shows as one DSO)
  --kbench FILE       kernel/bench output (getbuf-bench -c T) to hold getbuf-get-buf against:
                      the report adds issue 10's targets and the Java/C ratio
  --base-port P       first port; server i listens on P+i (default 18400)
  --out DIR           where the report goes (default benchmarks/results;
                      benchmarks/target/file-server-results with --quick)
  --quick             smoke run: 1 s cells, 1 s warm-up, 1 round, 1k and 1m, 16 connections,
                      nginx and getbuf (any option given after --quick wins)
  --rt                run servers and wrk under SCHED_RR (chrt -r 1), so other jobs on the shared
                      machine cannot take their cores (off by default, as in run-echo.sh)
  --note TEXT         a line for the report's header (what is special about this run)
  --keep              keep the work directory (files, nginx prefix, server logs)
  --no-install        do not apt-get install missing nginx / wrk
  -h, --help          this text

The machine is shared: serialize with other benchmarks, e.g.
  flock /tmp/getbuf-bench.lock benchmarks/run-file-servers.sh
EOF
}

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

duration=5 warmup=2 jit_warmup=12 rounds=3 sizes=1k,64k,1m,32m connections=16,64
default_servers=getbuf,getbuf-sendfile,getbuf-splice,getbuf-read-fixed,getbuf-copy,epoll,io_uring,nio,incubator,nginx,nginx-default
all_servers=$default_servers,getbuf-get-buf
servers=$default_servers
rt=0 note_text="" server_jar="" server_cpu=0 client_cpu=1 heap=1g base_port=18400 out="" quick=0 keep=0 install=1
client=getbuf-load client_busy=0 files_dir="" check_strategies=0 baseline="" extra_jvm_args=() report_args=() perf_cell=""
command_line="benchmarks/run-file-servers.sh$(printf " %q" "$@")"
while (($#)); do
  case "$1" in
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --jit-warmup) jit_warmup=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --connections) connections=$2; shift ;;
    --servers) servers=$2; shift ;;
    --server-jar) server_jar=$2; shift ;;
    --server-cpu) server_cpu=$2; shift ;;
    --client-cpu) client_cpu=$2; shift ;;
    --client) client=$2; shift ;;
    --client-busy-poll) client_busy=1 ;;
    --heap) heap=$2; shift ;;
    --jvm-arg) extra_jvm_args+=("$2"); shift ;;
    --files-dir) files_dir=$2; shift ;;
    --check-strategies) check_strategies=1 ;;
    --baseline) baseline=$2; shift ;;
    --kbench) report_args+=(--kbench "$2"); shift ;;
    --perf) perf_cell=$2; shift ;;
    --base-port) base_port=$2; shift ;;
    --out) out=$2; shift ;;
    --quick) quick=1 duration=1 warmup=1 jit_warmup=0 rounds=1 sizes=1k,1m connections=16 servers=nginx,getbuf ;;
    --rt) rt=1 ;;
    --note) note_text=$2; shift ;;
    --keep) keep=1 ;;
    --no-install) install=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $client == getbuf-load || $client == wrk ]] || { echo "--client: getbuf-load or wrk" >&2; exit 2; }
[[ $client_busy == 0 || $client == getbuf-load ]] || { echo "--client-busy-poll: getbuf-load only" >&2; exit 2; }
if [[ -z $out ]]; then
  if ((quick)); then out="$here/target/file-server-results"; else out="$here/results"; fi
fi

# What else used the CPUs over one second: top's second sample (its first averages over each
# process's life, as ps does).
busiest() {
  top -b -n 2 -d 1 -w 200 \
    | awk '/^top -/ {n++} n == 2 && $1 ~ /^[0-9]+$/ && $9 > 0 {printf "%s%% %s, ", $9, $12}' | head -c 300
}
log() { echo "[file-servers] $*" >&2; }
# Prefixes of the server and wrk commands; taskset and chrt exec what follows, so $! is the server.
rt_prefix=()
if ((rt)); then rt_prefix=(chrt -r 1); fi
pin_server=(taskset -c "$server_cpu" "${rt_prefix[@]}")
pin_client=(taskset -c "$client_cpu" "${rt_prefix[@]}")
die() { log "ERROR: $*"; exit 1; }

# The same flags for every Java server. SerialGC: each server has one core, so no GC threads
# competing with the event loop. No AlwaysPreTouch: up to nine 1 GiB JVMs stay up at once on a
# shared machine; the per-cell warm-up runs touch what the heap needs. 1 GiB keeps Netty's adaptive
# allocator out of its low-memory mode (see the echo section of the README).
jvm_flags=(-Xms"$heap" -Xmx"$heap" -XX:+UseSerialGC -Dio.netty.leakDetection.level=disabled
  ${extra_jvm_args[@]+"${extra_jvm_args[@]}"})

# ---------------------------------------------------------------------------------------------
# Tools: nginx and wrk from Debian, installed only when missing.
ensure_packages() {
  local missing=() p
  for p in nginx wrk curl gcc; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  ((install)) || die "missing Debian packages: ${missing[*]} (run without --no-install)"
  log "installing ${missing[*]} (apt-get install -y)"
  apt-get install -y -q "${missing[@]}" >&2 || { apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2; }
}

# ---------------------------------------------------------------------------------------------
# What to serve: random bytes (no compression or dedup anywhere can help), in the page cache.
declare -A size_bytes=([1k]=1024 [4k]=4096 [64k]=65536 [1m]=1048576 [32m]=33554432)

make_files() {
  local s
  mkdir -p "$files"
  for s in "${size_list[@]}"; do
    [[ -n ${size_bytes[$s]:-} ]] || die "unknown size $s (one of: ${!size_bytes[*]})"
    head -c "${size_bytes[$s]}" /dev/urandom > "$files/$s.bin"
    sha256sum "$files/$s.bin" | cut -d' ' -f1 > "$files/$s.sha256"
    cat "$files/$s.bin" > /dev/null
  done
  # nginx's worker drops root: everything on the way to the files must be readable by others
  chmod 755 "$work" "$files"
  chmod 644 "$files"/*.bin
}

# ---------------------------------------------------------------------------------------------
# Building the Java servers.
build_servers() {
  local need_jar=0 need_incubator=0 s
  for s in "${server_list[@]}"; do
    case "$s" in nginx|nginx-default) ;; incubator) need_incubator=1 ;; *) need_jar=1 ;; esac
  done
  if ((need_jar)); then
    if [[ -z $server_jar ]]; then
      server_jar="$root/examples/target/getbuf-file-server.jar"
      if [[ ! -f $server_jar ]]; then
        log "building the example server (mvn -pl examples -am package)"
        (cd "$root" && mvn -B -q -o -Dmaven.test.skip=true -Dgetbuf.kernel.skip=true -pl examples -am package >&2) \
          || (cd "$root" && mvn -B -q -Dmaven.test.skip=true -Dgetbuf.kernel.skip=true -pl examples -am package >&2)
      fi
    fi
    [[ -f $server_jar ]] || die "no server jar at $server_jar (give --server-jar PATH)"
    # Run from a copy: a rebuild or `mvn clean` elsewhere must not change the jar under a running JVM.
    # (A jar with a Class-Path manifest pointing into a lib/ next to it gets that lib/ too.)
    mkdir -p "$work/server"
    cp "$server_jar" "$work/server/"
    if [[ -d $(dirname "$server_jar")/lib ]]; then cp -r "$(dirname "$server_jar")/lib" "$work/server/"; fi
    staged_jar="$work/server/$(basename "$server_jar")"
  fi
  if ((need_incubator)); then
    log "building the netty-incubator io_uring file server (benchmarks/incubator-file-server)"
    mvn -B -q -f "$here/incubator-file-server/pom.xml" package >&2
    mkdir -p "$work/incubator"
    cp -r "$here/incubator-file-server/target/classes" "$work/incubator/"
    incubator_cp="$work/incubator/classes:$(cat "$here/incubator-file-server/target/classpath.txt")"
  fi
}

# ---------------------------------------------------------------------------------------------
# Servers, each started under pin_server.
declare -A pid port status
started_pids=()

server_command() {  # prints the command of server $1 (listening on port $2), one word per line
  local s=$1 p=$2
  local common=(--root "$files" --host 127.0.0.1 --port "$p" --threads 1)
  case "$s" in
    getbuf) printf '%s\n' java "${jvm_flags[@]}" -jar "$staged_jar" "${common[@]}" --transport getbuf \
      --stats-path "$ring_stats_path" ;;
    getbuf-*)
      local strategy=${s#getbuf-}; strategy=${strategy^^}; strategy=${strategy//-/_}
      printf '%s\n' java "${jvm_flags[@]}" -jar "$staged_jar" "${common[@]}" --transport getbuf \
        --stats-path "$ring_stats_path" --strategy "$strategy" ;;
    epoll|io_uring|nio) printf '%s\n' java "${jvm_flags[@]}" -jar "$staged_jar" "${common[@]}" --transport "$s" ;;
    incubator) printf '%s\n' java "${jvm_flags[@]}" -cp "$incubator_cp" \
      io.getbuf.benchmarks.fileserver.IncubatorFileServer "${common[@]}" ;;
    nginx|nginx-default) printf '%s\n' nginx -p "$work/$s/" -c "$work/$s/nginx.conf" ;;
    *) die "unknown server $s" ;;
  esac
}

write_nginx_conf() {  # $1 = name (nginx: open_file_cache on; nginx-default: off), $2 = port
  local d="$work/$1" cache="    # open_file_cache off (Debian's default)"
  if [[ $1 == nginx ]]; then
    # as getbuf's server keeps files open (--cache): descriptors and sizes kept, checked each 60 s
    cache="    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_min_uses 1;
    open_file_cache_errors on;"
  fi
  mkdir -p "$d/logs" "$d/tmp"
  cat > "$d/nginx.conf" <<EOF
# nginx as Debian ships it, configured the way the issue asks: one worker, sendfile + tcp_nopush.
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 1024; }
http {
    sendfile on;
    tcp_nopush on;
    access_log off;
    keepalive_timeout 75s;
    # The Java servers do not end a busy keep-alive connection; nginx's default ends it after
    # 1000 requests and wrk would pay a reconnect there, which is not what this compares.
    keepalive_requests 1000000;
    default_type application/octet-stream;
$cache
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen 127.0.0.1:$2;
        root $files;
    }
}
EOF
}

start_server() {  # $1 = name, $2 = port; sets status[$1] to "ok" or "NOT RUN: <why>"
  local s=$1 p=$2 cmd i
  mapfile -t cmd < <(server_command "$s" "$p")
  if [[ $s == nginx* ]]; then write_nginx_conf "$s" "$p"; fi
  printf '%q ' "${cmd[@]}" > "$work/logs/$s.cmd"
  if ss -ltnH "sport = :$p" | grep -q .; then
    status[$s]="NOT RUN: port $p is already in use"; return
  fi
  "${pin_server[@]}" "${cmd[@]}" > "$work/logs/$s.out" 2> "$work/logs/$s.err" &
  pid[$s]=$!
  started_pids+=("${pid[$s]}")
  port[$s]=$p
  for ((i = 0; i < 300; i++)); do  # up to 30 s for a JVM to start on a busy core
    if ! kill -0 "${pid[$s]}" 2>/dev/null; then
      status[$s]="NOT RUN: exited at start-up: $(tail -n 3 "$work/logs/$s.err" "$work/logs/$s.out" 2>/dev/null \
        | grep -v '^==>' | grep . | tail -n 1 | cut -c1-200)"
      return
    fi
    # the example servers announce themselves; nginx says nothing, so ask its port
    if grep -q 'listening on http://' "$work/logs/$s.out" "$work/logs/$s.err" 2>/dev/null \
       || { [[ $s == nginx* ]] && curl -s -o /dev/null "http://127.0.0.1:$p/"; }; then
      status[$s]=ok; return
    fi
    sleep 0.1
  done
  status[$s]="NOT RUN: did not start listening within 30 s"
}

stop_servers() {
  local p i
  for p in "${started_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${started_pids[@]}"; do
    for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  started_pids=()
}

verify_server() {  # every file, byte for byte, before anything is measured
  # Also notes the size of the server's response head per file: report.py counts responses
  # delivered as bytes / (head + body), which still counts right when a 32 MiB cell completes
  # only a few dozen responses and leaves 64 half-sent at the end of the run.
  local s=$1 f got head
  for f in "${size_list[@]}"; do
    head=$(curl -sS --max-time 60 -o "$work/got" -w '%{size_header}' "http://127.0.0.1:${port[$s]}/$f.bin") || head=0
    got=$(sha256sum < "$work/got" | cut -d' ' -f1)
    if [[ $got != "$(cat "$files/$f.sha256")" ]]; then
      status[$s]="NOT RUN: GET /$f.bin did not return the file (sha256 $got)"; return
    fi
    printf '%s\t%s\t%s\t%s\n' "$s" "$f" "${size_bytes[$f]}" "$head" >> "$work/heads.tsv"
  done
  rm -f "$work/got"
  # wrk reuses each connection: three requests on one must get three answers on it. curl prints
  # how many connections it opened per URL ("1 0 0"); it retries a dead one on a fresh connection.
  local url="http://127.0.0.1:${port[$s]}/${size_list[0]}.bin" connects
  connects=$(curl -s --max-time 10 -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects} ' \
    "$url" "$url" "$url" || true)
  if [[ $connects != "1 0 0 " ]]; then
    status[$s]="NOT RUN: no keep-alive: 3 GETs on one connection opened '${connects% }' connections (want 1 0 0)"
  fi
}

# The way a getbuf-STRATEGY server sent its files, from the summary it prints at shutdown
# ("served N requests; file bytes sent by strategy: GET_BUF=123"): "ok: <that line>" when it names
# STRATEGY and nothing else, otherwise why not. $1 = server, $2 = its stdout log.
strategy_counters() {
  local want=${1#getbuf-} line
  want=${want^^}; want=${want//-/_}
  line=$(grep -h 'file bytes sent' "$2" 2>/dev/null | tail -n 1)
  if [[ $line =~ ^served\ [0-9]+\ requests\;\ file\ bytes\ sent\ by\ strategy:\ $want=[0-9]+$ ]]; then
    echo "ok: $line"
  else
    echo "counters do not name $want alone: '${line:-no summary}'"
  fi
}

stop_one() {  # $1 = pid: TERM, up to 10 s, then KILL
  local i
  kill -TERM "$1" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

# --check-strategies: a getbuf-STRATEGY server that passed the content check is stopped, its
# counters must say that STRATEGY sent every file byte (a strategy that cannot run falls back to
# another one, which would measure the wrong thing), and it is started again for the measurements.
declare -A checked
check_strategy() {
  local s=$1 verdict
  stop_one "${pid[$s]}"
  mv "$work/logs/$s.out" "$work/logs/$s.check.out"
  mv "$work/logs/$s.err" "$work/logs/$s.check.err"
  verdict=$(strategy_counters "$s" "$work/logs/$s.check.out")
  if [[ $verdict != ok:* ]]; then
    status[$s]="NOT RUN: after the content check, $verdict"; return
  fi
  checked[$s]="before: ${verdict#ok: }"
  start_server "$s" "${port[$s]}"
}

# ---------------------------------------------------------------------------------------------
# Measuring. Server CPU = utime + stime of the server's PID and its children (nginx's worker) from
# /proc/PID/stat, which sums all threads of a process (io-wq workers included) in clock ticks.
clk_tck=$(getconf CLK_TCK)

cpu_ticks() {  # $1 = pid: ticks of it and its direct children
  local p total=0 line rest f
  for p in "$1" $(pgrep -P "$1" || true); do
    line=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${line##*) }            # the fields after "(comm)"; field 3 (state) is rest's first
    read -r -a f <<< "$rest"
    total=$((total + f[11] + f[12]))   # fields 14 utime and 15 stime
  done
  echo "$total"
}

iowq_ticks() {  # $1 = pid: "tid:ticks" of each of its io-wq workers alive now (threads iou-wrk-*)
  local t line rest f
  for t in /proc/"$1"/task/*; do
    line=$(cat "$t/stat" 2>/dev/null) || continue
    [[ $line == *"(iou-wrk-"* ]] || continue
    rest=${line##*) }
    read -r -a f <<< "$rest"
    echo "${t##*/}:$((f[11] + f[12]))"
  done
}

iowq_delta() {  # $1, $2 = iowq_ticks before and after: ticks of the workers alive at the end
  # Workers that exit during a run are lost to this count (their time is still in cpu_ticks);
  # io-wq keeps an idle worker for seconds, so a busy run's workers are there at its end.
  awk -v before="$1" 'BEGIN { n = split(before, b, " "); for (i = 1; i <= n; i++) {
      split(b[i], kv, ":"); seen[kv[1]] = kv[2] } }
    { split($0, kv, ":"); total += kv[2] - (kv[1] in seen ? seen[kv[1]] : 0) }
    END { print total + 0 }' <<< "$2"
}

run_wrk() {  # $1 = server, $2 = size, $3 = connections, $4 = seconds; prints "WRK ... client_ticks=N [sleeps=N]"
  # bash -c reports its own cutime+cstime after the client exits: the client's CPU time (its load)
  if [[ $client == wrk ]]; then
    "${pin_client[@]}" bash -c '
      wrk -t1 -c"$1" -d"$2"s --timeout 60s -s "$3" "$4" > "$5" 2>&1 || true
      read -r -a f <<< "$(cut -d")" -f2- /proc/$$/stat)"
      echo "$(grep "^WRK " "$5") client_ticks=$((f[13] + f[14]))"
    ' _ "$3" "$4" "$here/file-servers/wrk-summary.lua" "http://127.0.0.1:${port[$1]}/$2.bin" "$work/wrk.out"
    return
  fi
  # getbuf-load's line, in wrk-summary.lua's words: a bad status or length ends it without a line
  "${pin_client[@]}" bash -c '
    "$1" ${8:+-b} -c "$2" -d "$3" -p "$4" -l "$5" "/$6.bin" > "$7" 2>&1 || true
    read -r -a f <<< "$(cut -d")" -f2- /proc/$$/stat)"
    line=$(grep "^LOAD " "$7") || exit 0
    declare -A w=()
    for kv in ${line#LOAD }; do w[${kv%%=*}]=${kv#*=}; done
    echo "WRK requests=${w[requests]} bytes=${w[bytes]} duration_us=${w[duration_us]} connect=0 read=0" \
      "write=0 status=${w[errors]} timeout=0 p50_us=${w[p50_us]} p99_us=${w[p99_us]} p999_us=${w[p999_us]}" \
      "client_ticks=$((f[13] + f[14])) sleeps=${w[sleeps]}"
  ' _ "$load_client" "$3" "$4" "${port[$1]}" "${size_bytes[$2]}" "$2" "$work/wrk.out" \
    "$( ((client_busy)) && echo busy)"
}

build_client() {  # the C load client, from source each run (gcc -O2; a second or so)
  load_client="$work/getbuf-load"
  [[ $client == getbuf-load ]] || return 0
  gcc -O2 -Wall -o "$load_client" "$here/load-client/getbuf-load.c" >&2 || die "could not build getbuf-load"
}

# getbuf's loop counters, through the server's --stats-path (its figures of the last second):
# "responses sqes cqes enters updates sendfiles"
ring_stats_path=/_getbuf/stats
ring_counters() {  # $1 = server
  curl -s --max-time 5 "http://127.0.0.1:${port[$1]}$ring_stats_path" | tr ' ' '\n' | awk -F= '
    { v[$1] = $2 }
    END { printf "%d %d %d %d %d %d\n", v["responses"], v["sqesSubmitted"], v["completions"], v["enterCalls"],
          v["bufferTableUpdates"], v["sendfileCalls"] }'
}

measure() {  # $1 = server, $2 = size, $3 = conns, $4 = round; appends a row to the raw TSV
  local s=$1 before after line load kv ticks errors wq_before wq
  load=$(cut -d' ' -f1 /proc/loadavg)
  wq_before=$(iowq_ticks "${pid[$s]}" | tr '\n' ' ')
  local ring_before=
  if [[ $s == getbuf* ]]; then ring_before=$(ring_counters "$s"); fi
  before=$(cpu_ticks "${pid[$s]}")
  line=$(run_wrk "$s" "$2" "$3" "$duration")
  after=$(cpu_ticks "${pid[$s]}")
  if [[ -n $ring_before ]]; then
    # the server takes its figures once a second: wait for a set taken after the run
    sleep 1.1
    paste -d' ' <(echo "$ring_before") <(ring_counters "$s") | awk -v p="$2\t$3\t$4\t$s" '{
      printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", p, $7 - $1, $8 - $2, $9 - $3, $10 - $4, $11 - $5, $12 - $6 }' \
      >> "$work/ring.tsv"
  fi
  wq=$(iowq_delta "$wq_before" "$(iowq_ticks "${pid[$s]}")")
  ticks=$((after - before))
  if [[ $line != WRK* ]]; then  # wrk failed outright: a row of nothing with one error, so it shows
    log "wrk gave no summary for $s: $(tail -n 2 "$work/wrk.out")"
    line="WRK requests=0 bytes=0 duration_us=1 connect=1 read=0 write=0 status=0 timeout=0 p50_us= p99_us= p999_us= client_ticks=0"
  fi
  local -A w=()
  for kv in ${line#WRK }; do w[${kv%%=*}]=${kv#*=}; done
  errors=$((w[connect] + w[read] + w[write] + w[status] + w[timeout]))
  printf '%s\t' "$2" "$3" "$4" "$s" "${w[requests]}" "${w[bytes]}" "${w[duration_us]}" "$ticks" \
    "${w[client_ticks]}" "$errors" "$load" >> "$raw"
  printf '%s\t%s\t%s\t%s\t%s\n' "$wq" "${w[p50_us]}" "${w[p99_us]}" "${w[p999_us]}" "${w[sleeps]:-}" >> "$raw"
  # progress: rough figures of this one run (wrk's completed requests, all bytes)
  awk -v s="$s" -v r="${w[requests]}" -v b="${w[bytes]}" -v us="${w[duration_us]}" -v t="$ticks" -v p99="${w[p99_us]:-0}" \
      -v hz="$clk_tck" -v e="$errors" 'BEGIN {
        d = us / 1e6; gib = b / 2^30
        printf "    %-18s %9.0f req/s %8.1f MiB/s %6.2f CPU-s/GiB  p99 %.2f ms%s\n", s, r / d, b / 2^20 / d,
               (gib > 0 ? t / hz / gib : 0), p99 / 1000, (e > 0 ? "  " e " errors" : "") }' >&2
}

# ---------------------------------------------------------------------------------------------
IFS=, read -r -a size_list <<< "$sizes"
IFS=, read -r -a conn_list <<< "$connections"
IFS=, read -r -a server_list <<< "$servers"
for s in "${server_list[@]}"; do
  [[ ,$all_servers, == *,$s,* ]] || die "unknown server $s (one of: $all_servers)"
done

ensure_packages
work=$(mktemp -d /tmp/getbuf-file-servers.XXXXXX)
cleanup() {
  stop_servers
  if [[ -n $files_dir && $keep == 0 ]]; then rm -f "$files_dir"/*.bin "$files_dir"/*.sha256; fi
  if ((keep)); then log "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
files=${files_dir:-$work/files}  # the files to serve
mkdir -p "$work/logs" "$out"
stamp=$(date -u +%Y%m%d-%H%M%S)
raw="$work/raw.tsv"
printf 'server\tsize\tbytes\thead\n' > "$work/heads.tsv"
printf 'size\tconns\tround\tserver\tresponses\tsqes\tcqes\tenters\tupdates\tsendfiles\n' > "$work/ring.tsv"
printf 'size\tconns\tround\tserver\trequests\tbytes\tduration_us\tserver_ticks\tclient_ticks\terrors\tload1\tiowq_ticks\tp50_us\tp99_us\tp999_us\tclient_sleeps\n' \
  > "$raw"
load_start=$(cat /proc/loadavg)
busy_start=$(busiest)

log "work directory $work; files: ${size_list[*]}"
make_files
build_client
build_servers

i=0
for s in "${server_list[@]}"; do
  start_server "$s" $((base_port + i))
  if [[ ${status[$s]} == ok ]]; then verify_server "$s"; fi
  if [[ ${status[$s]} == ok && $check_strategies == 1 && $s == getbuf-* ]]; then check_strategy "$s"; fi
  if [[ ${status[$s]} != ok && -n ${pid[$s]:-} ]]; then kill -TERM "${pid[$s]}" 2>/dev/null || true; fi
  log "$s: ${status[$s]}${pid[$s]:+ (pid ${pid[$s]}, port ${port[$s]})}"
  i=$((i + 1))
done
running=()
for s in "${server_list[@]}"; do
  if [[ ${status[$s]} == ok ]]; then running+=("$s"); fi
done
((${#running[@]})) || die "no server is running"

# The first cell's 2 s warm-up is not enough for C2 (round 1 of 1 KiB x 16 ran at a third of
# round 2): every server first serves each size for a while.
if ((jit_warmup > 0)); then
  per_size=$(((jit_warmup + ${#size_list[@]} - 1) / ${#size_list[@]}))
  log "JIT warm-up: ${per_size} s per size and server"
  for s in "${running[@]}"; do
    for size in "${size_list[@]}"; do run_wrk "$s" "$size" 16 "$per_size" > /dev/null; done
  done
fi

ncells=$((${#size_list[@]} * ${#conn_list[@]})) cell=0
for size in "${size_list[@]}"; do
  for conns in "${conn_list[@]}"; do
    cell=$((cell + 1))
    log "cell $cell/$ncells: $size x $conns connections (load $(cut -d' ' -f1-3 /proc/loadavg))"
    for s in "${running[@]}"; do
      if kill -0 "${pid[$s]}" 2>/dev/null; then run_wrk "$s" "$size" "$conns" "$warmup" > /dev/null; fi
    done
    for ((r = 0; r < rounds; r++)); do
      log "  round $((r + 1))/$rounds"
      n=${#running[@]}
      for ((k = 0; k < n; k++)); do  # rotate the order by one each round
        s=${running[$(((k + r) % n))]}
        if kill -0 "${pid[$s]}" 2>/dev/null; then
          measure "$s" "$size" "$conns" $((r + 1))
        elif [[ ${status[$s]} == ok ]]; then  # its rows so far stay in the report, marked
          last=$(tail -n 1 "$work/logs/$s.err" | cut -c1-200)
          status[$s]="DIED before $size x $conns round $((r + 1)): ${last:-nothing on its stderr}"
          log "$s: ${status[$s]}"
        fi
      done
    done
  done
done
load_end=$(cat /proc/loadavg)

# --perf: one more run of one cell, profiled (not part of the figures).
profile_cell() {
  local psize pconns pserver prec
  IFS=: read -r psize pconns pserver <<< "$perf_cell"
  [[ ${status[$pserver]:-} == ok ]] || { log "--perf: $pserver is not running"; return; }
  log "profiling $pserver at $psize x $pconns (perf record -a -g, ${duration} s)"
  perf record -q -a -g -e cpu-clock -F "${GETBUF_PERF_FREQ:-1000}" -o "$work/perf.data" \
    -- sleep $((duration + 1)) 2> "$work/logs/perf.err" &
  prec=$!
  sleep 0.5
  run_wrk "$pserver" "$psize" "$pconns" "$duration" > /dev/null
  wait "$prec" || { log "perf record failed: $(tail -n 2 "$work/logs/perf.err")"; return; }
  {
    printf '\n## Profile: %s, %s x %s connections\n\n' "$pserver" "$psize" "$pconns"
    printf '`perf record -a -g -e cpu-clock` over one more %s s wrk run of that cell (all CPUs, not part of ' "$duration"
    printf 'the figures); JIT-compiled Java has no symbols here (it is the `[unknown]` or `perf-PID.map` DSO of the java process).\n\n'
    printf '```\n'
    perf report -q -i "$work/perf.data" --stdio --no-children --sort comm,dso -g none --percent-limit 1 2>/dev/null \
      | sed '/^$/d'
    printf '```\n\nTop symbols (>= 0.7%%):\n\n```\n'
    perf report -q -i "$work/perf.data" --stdio --no-children --sort comm,sym -g none --percent-limit 0.7 2>/dev/null \
      | sed '/^$/d' | head -n 60
    printf '```\n'
  } > "$work/profile.md"
}
if [[ -n $perf_cell ]]; then profile_cell; fi

# Stop the servers (their shutdown summaries go to their logs) before writing the report.
stop_servers
busy_end=$(busiest)

# ---------------------------------------------------------------------------------------------
# The report: metadata and per-server lines for report.py, which writes the Markdown and the SVG.
servers_tsv="$work/servers.tsv"
: > "$servers_tsv"
for s in "${server_list[@]}"; do
  summary=$(grep -ih -E 'summary|strategy|transport' "$work/logs/$s.out" "$work/logs/$s.err" 2>/dev/null \
    | tr '\t\n' '  ' | cut -c1-600 || true)
  if [[ -n ${checked[$s]:-} ]]; then  # --check-strategies: the counters before and after the run
    after=$(strategy_counters "$s" "$work/logs/$s.out")
    summary="$summary; strategy check ${checked[$s]}; after the run: ${after#ok: }"
    if [[ $after != ok:* ]]; then log "$s: $after"; status[$s]="MEASURED, BUT $after"; fi
  fi
  printf '%s\t%s\t%s\t%s\n' "$s" "${status[$s]}" "$(cat "$work/logs/$s.cmd" 2>/dev/null || true)" \
    "$summary" >> "$servers_tsv"
done
meta="$work/meta.tsv"
{
  printf 'command\t%s\n' "$command_line"
  if [[ -n $note_text ]]; then printf 'note\t%s\n' "$note_text"; fi
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  printf 'stamp\t%s\n' "$stamp"
  printf 'harness commit\t%s\n' "$(git -C "$root" log -1 --format='%h %s' 2>/dev/null | cut -c1-100)"
  if [[ -n ${staged_jar:-} ]]; then
    printf 'server jar\t%s (sha256 %s)\n' "$server_jar" "$(sha256sum "$staged_jar" | cut -c1-12)"
  fi
  printf 'machine\t%s CPUs, %s, kernel %s\n' "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(uname -r)"
  printf 'load average at start\t%s\n' "$load_start"
  printf 'load average at end\t%s\n' "$load_end"
  printf 'other processes on the CPUs at start (top, 1 s)\t%s\n' "${busy_start%, }"
  printf 'other processes on the CPUs at end (top, 1 s)\t%s\n' "${busy_end%, }"
  printf 'java\t%s\n' "$(java -version 2>&1 | head -n 1)"
  printf 'JVM flags\t%s\n' "${jvm_flags[*]}"
  printf 'nginx\t%s\n' "$(nginx -v 2>&1)"
  if [[ $client == wrk ]]; then
    printf 'client\t%s\n' "wrk: $(wrk -v 2>&1 | head -n 1 | cut -c1-60)"
  else
    printf 'client\t%s\n' "getbuf-load (benchmarks/load-client, $(gcc --version | head -n 1)), one thread, bodies dropped with recv(MSG_TRUNC)$( ((client_busy)) && echo ', polling without sleeping (--client-busy-poll)')"
  fi
  printf 'pinning\tservers on CPU %s, the client (one thread) on CPU %s (taskset)%s\n' "$server_cpu" "$client_cpu" \
    "$( ((rt)) && echo ', both SCHED_RR priority 1 (--rt)')"
  printf 'runs\t%s s JIT warm-up per server, %s s warm-up per server and cell, then %s round(s) of %s s %s\n' \
    "$jit_warmup" "$warmup" "$rounds" "$duration" "per server, order rotated each round"
  printf 'clock ticks\t%s\n' "$clk_tck"
} > "$meta"
python3 "$here/file-servers/report.py" --meta "$meta" --servers "$servers_tsv" --raw "$raw" --heads "$work/heads.tsv" \
  --md "$out/file-servers-$stamp.md" --svg "$out/file-servers-$stamp.svg" ${baseline:+--baseline "$baseline"} \
  --ring "$work/ring.tsv" \
  ${report_args[@]+"${report_args[@]}"}
cp "$raw" "$out/file-servers-$stamp.tsv"
cp "$work/ring.tsv" "$out/file-servers-$stamp-ring.tsv"
if [[ -s $work/profile.md ]]; then cat "$work/profile.md" >> "$out/file-servers-$stamp.md"; fi
log "wrote $out/file-servers-$stamp.md, .svg and .tsv"
cat "$out/file-servers-$stamp.md"
