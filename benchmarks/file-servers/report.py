#!/usr/bin/env python3
"""Turns the raw runs of run-file-servers.sh into a Markdown report and an SVG chart.

Input: meta.tsv (key, value), servers.tsv (name, status, command, log summary) and raw.tsv (one
wrk run per row). Every figure in a cell is the median over the rounds; ratios are taken between
medians of the same cell. Standard library only.
"""
import argparse
import csv
import math
import re
import statistics
from collections import defaultdict
from html import escape

SIZE_ORDER = ["1k", "4k", "64k", "1m", "32m"]
SIZE_LABEL = {"1k": "1 KiB", "4k": "4 KiB", "64k": "64 KiB", "1m": "1 MiB", "32m": "32 MiB"}
SIZE_BYTES = {"1k": 1024, "4k": 4096, "64k": 65536, "1m": 1 << 20, "32m": 32 << 20}
BIG = ("64k", "1m", "32m")  # issue 10's "64 KiB and up"

WHAT = {
    "getbuf": "example server, getbuf transport, default strategy (AUTO)",
    "getbuf-get-buf": "example server, getbuf, `--strategy GET_BUF` (IORING_OP_GET_BUF linked to SEND_ZC; "
                      "the patched kernel)",
    "getbuf-sendfile": "example server, getbuf, `--strategy SENDFILE`",
    "getbuf-splice": "example server, getbuf, `--strategy SPLICE`",
    "getbuf-read-fixed": "example server, getbuf, `--strategy READ_FIXED`",
    "getbuf-copy": "example server, getbuf, `--strategy COPY` (meant for custom FileRegions)",
    "epoll": "example server, Netty 4.2 epoll (`--transport epoll`)",
    "io_uring": "example server, Netty 4.2 io_uring (`--transport io_uring`)",
    "nio": "example server, Netty 4.2 NIO (`--transport nio`)",
    "incubator": "`IncubatorFileServer` (benchmarks/incubator-file-server), netty-incubator-transport-io_uring "
                 "0.0.26.Final on Netty 4.1.137: **no FileRegion support, bodies sent as ChunkedFile** "
                 "(64 KiB chunks through ChunkedWriteHandler)",
    "nginx": "nginx from Debian: `sendfile on; tcp_nopush on; worker_processes 1; access_log off;` "
             "keep-alive (`keepalive_requests 1000000`), `open_file_cache max=1000 inactive=60s` (valid 60 s: "
             "open descriptors kept, as getbuf's server keeps them), own prefix",
    "nginx-default": "the same nginx without `open_file_cache` (Debian's default: an open and a close per request)",
}
SERVER_COLORS = {"getbuf": "#0b4ea2", "getbuf-get-buf": "#08306b", "getbuf-sendfile": "#3d85d8", "getbuf-splice": "#7fb2ea",
                 "getbuf-read-fixed": "#0f7f8a", "getbuf-copy": "#9fd3d8", "epoll": "#e07b00",
                 "io_uring": "#d62728", "nio": "#8c564b", "incubator": "#9467bd", "nginx": "#2ca02c",
                 "nginx-default": "#98df8a"}
OTHER_COLORS = ["#7f7f7f", "#bcbd22", "#17becf", "#e377c2"]
PEERS = ["epoll", "io_uring", "nio", "incubator", "nginx", "nginx-default"]  # what getbuf's targets compare against


def label(name):
    """The incubator serves without FileRegions: every column of it says so."""
    return name + " (ChunkedFile)" if name == "incubator" else name


def read_tsv(path, header=True):
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if header:
        names = rows[0]
        return [dict(zip(names, r)) for r in rows[1:] if r]
    return [r for r in rows if r]


def fmt(x, digits=0):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


class Cell:
    """The medians of one (size, connections, server).

    A response counts as (head + body) bytes, the sizes curl saw for this server and file: responses
    delivered = bytes wrk read / (head + body). For small files that is wrk's count of completed
    requests; for 32 MiB it also counts the responses still in flight when the run ends, which wrk's
    count leaves out (64 connections x up to 32 MiB: a large part of a 5 s run). GiB served counts
    bodies only, so servers with longer heads do not look cheaper per GiB at 1 KiB.
    """

    def __init__(self, runs, hz, head, body):
        def med(values):
            return statistics.median(values) if values else None

        secs = [int(r["duration_us"]) / 1e6 for r in runs]
        delivered = [int(r["bytes"]) / (head + body) for r in runs]
        rps = [d / t for d, t in zip(delivered, secs)]
        self.rps = med(rps)
        self.completed_rps = med([int(r["requests"]) / t for r, t in zip(runs, secs)])
        self.mibs = med([int(r["bytes"]) / 2**20 / t for r, t in zip(runs, secs)])
        self.cpu_per_gib = med([int(r["server_ticks"]) / hz / (d * body / 2**30)
                                for r, d in zip(runs, delivered) if d > 0])
        self.cpu_us_per_request = med([1e6 * int(r["server_ticks"]) / hz / d
                                       for r, d in zip(runs, delivered) if d > 0])
        self.server_cpu = med([100 * int(r["server_ticks"]) / hz / t for r, t in zip(runs, secs)])
        self.client_cpu = med([100 * int(r["client_ticks"]) / hz / t for r, t in zip(runs, secs)])
        self.spread = (max(rps) - min(rps)) / self.rps if self.rps else None
        # io-wq workers' share (threads iou-wrk-*; older raw files have no such column)
        self.iowq_cpu = med([100 * int(r["iowq_ticks"]) / hz / t for r, t in zip(runs, secs)
                             if r.get("iowq_ticks") not in (None, "")])
        # wrk's latency percentiles, ms: the median over the rounds of each round's percentile
        # (older raw files, and a run wrk gave no summary for, have none)
        def lat(col):
            return med([int(r[col]) / 1000 for r in runs if r.get(col) not in (None, "")])
        self.p50, self.p99, self.p999 = lat("p50_us"), lat("p99_us"), lat("p999_us")
        # the client's voluntary context switches per GiB of bodies (getbuf-load only; older raw files
        # have no such column): each is a wake-up the server's CPU paid for on loopback
        self.client_sleeps_per_gib = med([int(r["client_sleeps"]) / (d * body / 2**30)
                                          for r, d in zip(runs, delivered)
                                          if d > 0 and r.get("client_sleeps") not in (None, "")])
        self.errors = sum(int(r["errors"]) for r in runs)
        self.load = med([float(r["load1"]) for r in runs])
        self.head = head


def main():
    ap = argparse.ArgumentParser()
    for a in ("meta", "servers", "raw", "heads", "md", "svg"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--baseline", help="the server ratios are to (default nginx if it ran, else the first)")
    ap.add_argument("--kbench", help="getbuf-bench output (case T: tmpfs file -> TCP) to hold "
                                     "getbuf-get-buf against: adds the C figures and the Java/C ratio")
    ap.add_argument("--ring", help="the getbuf servers' loop counters per measured run (ring.tsv): adds the "
                                   "ring work per response")
    args = ap.parse_args()

    meta = dict((r[0], r[1] if len(r) > 1 else "") for r in read_tsv(args.meta, header=False))
    servers = [r + [""] * (4 - len(r)) for r in read_tsv(args.servers, header=False)]
    hz = int(meta.get("clock ticks", "100"))
    runs = defaultdict(list)
    for r in read_tsv(args.raw):
        runs[(r["size"], int(r["conns"]), r["server"])].append(r)
    names = [s[0] for s in servers if any(k[2] == s[0] for k in runs)]  # "DIED" ones keep their rows
    keys = sorted({(k[0], k[1]) for k in runs},
                  key=lambda k: (SIZE_ORDER.index(k[0]) if k[0] in SIZE_ORDER else 99, k[1]))
    heads = {(r["server"], r["size"]): (int(r["head"]), int(r["bytes"])) for r in read_tsv(args.heads)}
    cells = {k: Cell(v, hz, *heads[(k[2], k[0])]) for k, v in runs.items()}
    base = args.baseline if args.baseline in names else (
        "nginx" if "nginx" in names else (names[0] if names else None))

    def get(size, conns, name):
        return cells.get((size, conns, name))

    md = []
    md.append("# Static file servers on 127.0.0.1: getbuf, Netty 4.2 transports, netty-incubator io_uring, nginx\n")
    for k in ("command", "note", "date", "harness commit", "server jar", "machine", "load average at start",
              "load average at end", "other processes on the CPUs at start (top, 1 s)",
              "other processes on the CPUs at end (top, 1 s)", "java", "JVM flags", "nginx", "wrk", "client",
              "pinning", "runs"):
        if k in meta:
            md.append(f"- {k}: `{meta[k]}`" if k in ("command", "JVM flags") else f"- {k}: {meta[k]}")
    md.append("")
    md.append("Every figure is the median over the rounds of one cell; ratios are between medians of the "
              "same cell. The client (`getbuf-load` or wrk, above) is called wrk in the column names. "
              "**req/s** = responses delivered per second: bytes wrk read / (head + body bytes "
              "of one response of that server, as curl saw them), so partly sent 32 MiB responses at the "
              "end of a run count too (wrk's own count of completed requests is in `wrk req/s`). "
              "**MiB/s** = every byte wrk read, heads included. **CPU-s/GiB** = the server process's "
              "utime + stime (all threads, io-wq workers and nginx's worker included, from /proc) over "
              "the measured run, per GiB of file content delivered. Only compare figures within one "
              "run: the machine is shared.\n")

    md.append("## Servers\n")
    md.append("| server | what runs | status | what it printed (transport, strategy, shutdown summary) |")
    md.append("|---|---|---|---|")
    for name, status, cmd, summary in servers:
        md.append(f"| {name} | {WHAT.get(name, '')} | {status} | {summary.strip() or '-'} |")
    md.append("")

    def matrix(title, value, digits, note):
        md.append(f"## {title}\n")
        md.append(note + "\n")
        md.append("| file | conns | " + " | ".join(label(n) for n in names) + " |")
        md.append("|---|---:|" + "---:|" * len(names))
        for size, conns in keys:
            row = [value(size, conns, n) for n in names]
            md.append(f"| {SIZE_LABEL.get(size, size)} | {conns} | "
                      + " | ".join(fmt(v, digits) for v in row) + " |")
        md.append("")

    if base:
        matrix(f"Requests/s, ratio to {base}", lambda s, c, n: ratio(get(s, c, n) and get(s, c, n).rps,
                                                                       get(s, c, base) and get(s, c, base).rps), 2,
               f"Each server's median requests/s over {base}'s in the same cell ({base}'s own figure is in "
               "the table of all figures below).")
    matrix("Server CPU-seconds per GiB served", lambda s, c, n: get(s, c, n) and get(s, c, n).cpu_per_gib, 2,
           "Lower is better. With wrk as the client (`--client wrk`, the runs before 2026-12-07) wrk saturates "
           "its core from 1 MiB up, so requests/s there say as much about the client as about the server; "
           "this says what the server spends (the client's own CPU is `wrk CPU %` below).")
    if any(c.client_sleeps_per_gib is not None for c in cells.values()):
        matrix("Client sleeps per GiB served", lambda s, c, n: get(s, c, n) and get(s, c, n).client_sleeps_per_gib, 0,
               "The load client's voluntary context switches per GiB of bodies. On loopback the server's CPU runs "
               "the client's receive path and wakes the client each time it caught up and slept "
               "(`sock_def_readable`, in the server's profile): from 1 MiB up the server's CPU-s/GiB follows "
               "this column as much as the server's own work. `--client-busy-poll` takes it out (a client that "
               "never sleeps, as a remote one costs the server no wake-ups).")

    latency_table(md, keys, names, get)
    if args.ring:
        ring_table(md, keys, names, args.ring)
    summary_tables(md, keys, names, base, get)
    kbench = parse_kbench(args.kbench) if args.kbench else {}
    if "getbuf-get-buf" in names:
        issue10(md, keys, names, get, kbench, args.kbench)

    if "getbuf" in names:
        md.append("## Issue 20's targets for getbuf's default\n")
        md.append("`req/s >= 1.1x nginx` at 1 KiB, 64 KiB and 1 MiB, `MiB/s >= 1.0x nginx` at 32 MiB; from 1 MiB up "
                  "CPU-s/GiB no higher than the lowest peer's (peers: " + ", ".join(p for p in PEERS if p in names)
                  + "). The ratios to Netty's transports have no target here.\n")
        md.append("| file | conns | vs nginx | vs io_uring | vs epoll | CPU-s/GiB getbuf | lowest peer |")
        md.append("|---|---:|---:|---:|---:|---:|---:|")
        for size, conns in keys:
            g = get(size, conns, "getbuf")
            big = size in ("1m", "32m")
            huge = size == "32m"

            def vs(peer, target=None, mibs=False):
                p = get(size, conns, peer)
                r = ratio(g and (g.mibs if mibs else g.rps), p and (p.mibs if mibs else p.rps))
                if r is None:
                    return "n/a"
                if target is None:
                    return f"{r:.2f}"
                return f"{r:.2f}{' MiB/s' if mibs else ''} {'ok' if r >= target else 'MISSED'}"

            peers = [(get(size, conns, p).cpu_per_gib, p) for p in PEERS
                     if get(size, conns, p) and get(size, conns, p).cpu_per_gib is not None]
            low = min(peers) if peers else None
            cpu = g.cpu_per_gib if g else None
            cpu_ok = "" if cpu is None or low is None or not big else (" ok" if cpu <= low[0] else " MISSED")
            md.append(f"| {SIZE_LABEL.get(size, size)} | {conns} | "
                      f"{vs('nginx', 1.0, True) if huge else vs('nginx', 1.1)} | "
                      f"{vs('io_uring')} | {vs('epoll')} | "
                      f"{fmt(cpu, 2)}{cpu_ok} | {fmt(low[0], 2) + ' ' + low[1] if low else 'n/a'} |")
        md.append("")

    md.append("## All figures\n")
    md.append("CPU-us/req: server CPU microseconds per response (what to read at 1 KiB); head: bytes of "
              "the server's response head; spread: (max - min) / "
              "median of req/s over the rounds; CPU %: of one core, server and wrk; io-wq %: the server's io-wq "
              "workers (threads iou-wrk-*), part of its CPU; errors: wrk's socket "
              "errors, timeouts and non-2xx answers, summed over the rounds (a cell with errors measured "
              "something other than files served: see the server's log); load: 1-minute load average "
              "when the runs started (2 CPUs); p50/p99/p99.9: wrk's latency percentiles, ms.\n")
    md.append(f"| file | conns | server | req/s | MiB/s | CPU-s/GiB | req/s / {base} | CPU-s/GiB / {base} | "
              "CPU-us/req | wrk req/s | head | spread | server CPU % | io-wq % | wrk CPU % | errors | load | "
              "p50 ms | p99 ms | p99.9 ms |")
    md.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, conns in keys:
        b = get(size, conns, base) if base else None
        for n in names:
            c = get(size, conns, n)
            if not c:
                continue
            md.append(f"| {SIZE_LABEL.get(size, size)} | {conns} | {label(n)} | {fmt(c.rps)} | {fmt(c.mibs, 1)} | "
                      f"{fmt(c.cpu_per_gib, 2)} | {fmt(ratio(c.rps, b and b.rps), 2)} | "
                      f"{fmt(ratio(c.cpu_per_gib, b and b.cpu_per_gib), 2)} | "
                      f"{fmt(c.cpu_us_per_request)} | {fmt(c.completed_rps)} | {c.head} | "
                      f"{fmt(c.spread and 100 * c.spread)}% | "
                      f"{fmt(c.server_cpu)} | {fmt(c.iowq_cpu)} | {fmt(c.client_cpu)} | "
                      f"{c.errors} | {fmt(c.load, 2)} | {fmt(c.p50, 2)} | {fmt(c.p99, 2)} | {fmt(c.p999, 2)} |")
    md.append("")
    md.append(f"Chart: `{args.svg.rsplit('/', 1)[-1]}` (every panel as ratios to {base}).\n")
    with open(args.md, "w") as f:
        f.write("\n".join(md))

    with open(args.svg, "w") as f:
        f.write(svg(keys, names, base, get, meta))


RING_COLUMNS = (("sqes", "SQEs"), ("cqes", "CQEs"), ("enters", "enters"), ("updates", "table updates"),
                ("sendfiles", "sendfile calls"))


def ring_table(md, keys, names, path):
    """What getbuf's event loop did per response in each cell: its counters' deltas over each measured run."""
    per = defaultdict(list)
    for r in read_tsv(path):
        n = int(r["responses"])
        if n > 0:
            per[(r["size"], int(r["conns"]), r["server"])].append({c: int(r[c]) / n for c, _ in RING_COLUMNS})
    ring_names = [n for n in names if any(k[2] == n for k in per)]
    if not ring_names:
        return
    md.append("## Ring work per response (getbuf servers)\n")
    md.append("The event loop's counters (`GetBufLoopStats`, read through the server's `--stats-path`) before and "
              "after each measured run, over the responses the server counted in between; median over the rounds. "
              "**SQEs** submitted, **CQEs** reaped, **enters** = `io_uring_enter` calls, **table updates** = "
              "`IORING_REGISTER_BUFFERS_UPDATE` calls (GET_BUF slots emptied), **sendfile calls** = `sendfile(2)` "
              "made on the loop outside the ring (SENDFILE). The counters are read by the server once a second, so "
              "each window is shifted by up to a second; the ratios stay those of the cell, whose warm-up precedes "
              "it.\n")
    md.append("| file | conns | server | " + " | ".join(t for _, t in RING_COLUMNS) + " |")
    md.append("|---|---:|---|" + "---:|" * len(RING_COLUMNS))
    for size, conns in keys:
        for n in ring_names:
            rows = per.get((size, conns, n))
            if not rows:
                continue
            md.append(f"| {SIZE_LABEL.get(size, size)} | {conns} | {label(n)} | " + " | ".join(
                fmt(statistics.median(r[c] for r in rows), 2) for c, _ in RING_COLUMNS) + " |")
    md.append("")


def latency_table(md, keys, names, get):
    """wrk's latency distribution per cell and server, beside the throughput tables."""
    if not any(get(s, c, n) and get(s, c, n).p99 is not None for s, c in keys for n in names):
        return
    md.append("## Latency: p50 / p99 / p99.9, ms\n")
    md.append("wrk's latency distribution (a request written to its response read, every request of the run; "
              "wrk writes a connection's next request only after the answer, so a stall delays those behind "
              "it instead of appearing in each: coordinated omission). Median over the rounds of each round's "
              "percentile. Lower is better; at 32 MiB a response's latency is mostly its transfer time.\n")
    md.append("| file | conns | " + " | ".join(label(n) for n in names) + " |")
    md.append("|---|---:|" + "---:|" * len(names))
    for size, conns in keys:
        row = []
        for n in names:
            c = get(size, conns, n)
            row.append("n/a" if c is None or c.p99 is None else
                       f"{c.p50:,.2f} / {c.p99:,.2f} / {c.p999:,.2f}")
        md.append(f"| {SIZE_LABEL.get(size, size)} | {conns} | " + " | ".join(row) + " |")
    md.append("")


def summary_tables(md, keys, names, base, get):
    """Issue 10's form: per server, requests/s below 1 MiB and MiB/s from 1 MiB up for every cell, with
    the ratio to the base; then CPU-s/GiB per cell; and whether the server's io-wq workers ran."""
    def figure(c, size):
        if c is None:
            return None
        return c.mibs if SIZE_BYTES.get(size, 0) >= (1 << 20) else c.rps

    md.append(f"## Summary (ratios to {base})\n")
    md.append("Below 1 MiB requests/s, from 1 MiB up MiB/s, median over the rounds, with the ratio to "
              f"{base}'s median of the same cell; io-wq: the most CPU the server's io-wq workers took in "
              "any cell (% of one core; an operation handed to io-wq costs a thread switch, under "
              "emulation an expensive one).\n")
    heads = [f"{SIZE_LABEL.get(s, s)} x{c} {'MiB/s' if SIZE_BYTES.get(s, 0) >= (1 << 20) else 'req/s'}"
             for s, c in keys]
    md.append("| server | " + " | ".join(heads) + " | io-wq |")
    md.append("|---|" + "---:|" * (len(keys) + 1))
    for n in names:
        row = []
        for size, conns in keys:
            c, b = get(size, conns, n), get(size, conns, base)
            v, r = figure(c, size), ratio(figure(c, size), figure(b, size))
            row.append("n/a" if v is None else f"{fmt(v, 1 if SIZE_BYTES.get(size, 0) >= (1 << 20) else 0)}"
                       + ("" if n == base or r is None else f" ({r:.2f}x)"))
        wq = [get(s, c, n).iowq_cpu for s, c in keys if get(s, c, n) and get(s, c, n).iowq_cpu is not None]
        md.append(f"| {label(n)} | " + " | ".join(row) + f" | {fmt(max(wq)) + '%' if wq else 'n/a'} |")
    md.append("")
    md.append("Server CPU-seconds per GiB of file content (lower is better), ratio to " + base + ":\n")
    md.append("| server | " + " | ".join(f"{SIZE_LABEL.get(s, s)} x{c}" for s, c in keys) + " |")
    md.append("|---|" + "---:|" * len(keys))
    for n in names:
        row = []
        for size, conns in keys:
            c, b = get(size, conns, n), get(size, conns, base)
            v = c and c.cpu_per_gib
            r = ratio(v, b and b.cpu_per_gib)
            row.append(fmt(v, 2) + ("" if n == base or r is None else f" ({r:.2f}x)"))
        md.append(f"| {label(n)} | " + " | ".join(row) + " |")
    md.append("")


def parse_kbench(path):
    """{(block bytes, QD): {column: requests/s}} from getbuf-bench's tables of case T (tmpfs -> TCP).
    A cell prints "36.1K 141 MiB/s" (or M); requests/s comes from whichever of the two rounded
    figures is the more precise."""
    out, size, cols = {}, None, None
    with open(path) as f:
        for line in f:
            m = re.match(r"### tmpfs file -> TCP.*?, (\d+)-byte requests", line)
            if m:
                size, cols = int(m.group(1)), None
                continue
            if line.startswith("### "):
                size = None
            if size is None or not line.startswith("|"):
                continue
            parts = [p.strip() for p in line.strip().strip("|").split("|")]
            if parts[0] == "QD":
                cols = parts
                continue
            if cols is None or not parts[0].isdigit():
                continue
            row = {}
            for name, cell in zip(cols[1:], parts[1:]):
                m = re.match(r"([\d.]+)([KM]) (\d+) MiB/s", cell)
                if not m:
                    continue
                unit = 1e3 if m.group(2) == "K" else 1e6
                by_count = float(m.group(1)) * unit
                by_mib = int(m.group(3)) * 2**20 / size
                err_count = 0.05 * unit / by_count if by_count else 1
                err_mib = 0.5 / int(m.group(3)) if int(m.group(3)) else 1
                row[name] = by_count if err_count <= err_mib else by_mib
            out[(size, int(parts[0]))] = row
    return out


KBENCH_GB = "GET_BUF, link SEND_ZC"


def issue10(md, keys, names, get, kbench, kbench_path):
    """Issue 10's targets: GET_BUF >= 1.2x Netty epoll and ahead of every other getbuf strategy from
    64 KiB up; the Java GET_BUF rate >= 70% of the C benchmark's at the same size and queue depth."""
    gb = "getbuf-get-buf"
    others = [n for n in names if n.startswith("getbuf-") and n != gb]
    md.append("## Issue 10's targets\n")
    md.append("GET_BUF (`getbuf-get-buf`) `>= 1.2x` Netty epoll and ahead of every other getbuf strategy ("
              + ", ".join(others) + ") at 64 KiB and up (ratios of medians, requests/s); the Java GET_BUF "
              "rate `>= 0.7x` the C benchmark's (kernel/bench `getbuf-bench -c T`, `" + KBENCH_GB + "`) at the "
              "same size, with the queue depth = wrk's connections.\n")
    md.append("| file | conns | vs epoll | best other getbuf strategy | Java req/s | C req/s (QD = conns) | Java / C |")
    md.append("|---|---:|---:|---:|---:|---:|---:|")
    for size, conns in keys:
        g = get(size, conns, gb)
        big = size in BIG
        e = get(size, conns, "epoll")
        r = ratio(g and g.rps, e and e.rps)
        vs_epoll = "n/a" if r is None else f"{r:.2f}" + ((" ok" if r >= 1.2 else " MISSED") if big else "")
        best = max(((get(size, conns, o).rps, o) for o in others if get(size, conns, o)), default=None)
        if best and g:
            rb = g.rps / best[0]
            vs_best = f"{rb:.2f} vs {best[1]}" + ((" ok" if rb > 1.0 else " MISSED") if big else "")
        else:
            vs_best = "n/a"
        c = kbench.get((SIZE_BYTES.get(size, 0), conns), {}).get(KBENCH_GB)
        rc = ratio(g and g.rps, c)
        vs_c = "n/a" if rc is None else f"{rc:.2f} {'ok' if rc >= 0.7 else 'MISSED'}"
        md.append(f"| {SIZE_LABEL.get(size, size)} | {conns} | {vs_epoll} | {vs_best} | {fmt(g and g.rps)} | "
                  f"{fmt(c)} | {vs_c} |")
    md.append("")
    md.append("Which columns hand work to io-wq worker threads (the `io-wq` column of the summary measures it; "
              "under emulation such a hand-off is expensive, which flatters GET_BUF against them): getbuf's "
              "SPLICE (`IORING_OP_SPLICE` always runs on io-wq on 6.12), getbuf's READ_FIXED from tmpfs (6.12's "
              "tmpfs has no FMODE_NOWAIT, so the read is punted), and Netty io_uring's FileRegion path (it "
              "splices through io_uring too). GET_BUF, SENDFILE and Netty epoll run inline.\n")
    if kbench:
        md.append(f"The C benchmark's cells (`{kbench_path.rsplit('/', 1)[-1]}`, requests/s, its best slice; "
                  "the Java figures are medians, so the ratio leans against Java). It moves blocks of a 64 MiB "
                  "tmpfs file over one 127.0.0.1 connection with sender and receiver on the same vCPU, QD "
                  "requests per `io_uring_enter`; the Java server parses HTTP and answers wrk over N "
                  "connections, server and wrk on separate vCPUs.\n")
        cols = []
        for row in kbench.values():
            cols += [c for c in row if c not in cols]
        md.append("| size | QD | " + " | ".join(cols) + " |")
        md.append("|---:|---:|" + "---:|" * len(cols))
        for (size, qd), row in sorted(kbench.items()):
            md.append(f"| {size} | {qd} | " + " | ".join(fmt(row.get(c)) for c in cols) + " |")
        md.append("")


def svg(keys, names, base, get, meta):
    """Two panels of grouped bars, one group per cell, one bar per server, as ratios to the base on a
    log2 axis: a bar grows up from 1x when the server is above the base, down when below."""
    group_w = max(120, 14 * len(names) + 24)
    left, top, panel_h, gap = 60, 95, 220, 120
    width = max(780, left + group_w * max(1, len(keys)) + 30)
    legend_rows = (len(names) + 3) // 4
    panels = [("requests/s relative to " + (base or "") + " (higher is better)", lambda c: c.rps, "req/s"),
              ("server CPU-seconds per GiB relative to " + (base or "") + " (lower is better)",
               lambda c: c.cpu_per_gib, "CPU-s/GiB")]
    if any(c.p99 for c in (get(s, k, n) for s, k in keys for n in names) if c):
        panels.append(("p99 latency (wrk) relative to " + (base or "") + " (lower is better)",
                       lambda c: c.p99, "ms p99"))
    height = top + len(panels) * (panel_h + gap) - gap + 60 + 18 * legend_rows
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15">Static file servers on 127.0.0.1: ratios to '
           f'{escape(base or "")}, medians</text>',
           f'<text x="{left}" y="40" fill="#555">{escape(meta.get("date", ""))}; {escape(meta.get("runs", ""))}</text>',
           f'<text x="{left}" y="56" fill="#555">{escape(meta.get("machine", ""))}; load at start '
           f'{escape(" ".join(meta.get("load average at start", "").split()[:3]))}</text>']

    for p, (title, value, unit) in enumerate(panels):
        y0 = top + p * (panel_h + gap)
        ratios = {}
        for size, conns in keys:
            b = get(size, conns, base)
            for n in names:
                c = get(size, conns, n)
                if c and b and value(c) and value(b):
                    ratios[(size, conns, n)] = value(c) / value(b)
        lo = math.floor(math.log2(min([0.5] + list(ratios.values()))))
        hi = math.ceil(math.log2(max([2.0] + list(ratios.values()))))

        def y(v):
            return y0 + panel_h - panel_h * (math.log2(v) - lo) / (hi - lo)

        out.append(f'<text x="{left}" y="{y0 - 10}" font-size="13">{escape(title)}</text>')
        for e in range(lo, hi + 1):
            t = 2.0 ** e
            out.append(f'<line x1="{left - 4}" y1="{y(t):.1f}" x2="{width - 20}" y2="{y(t):.1f}" '
                       f'stroke="{"#000" if e == 0 else "#ddd"}"/>')
            out.append(f'<text x="{left - 8}" y="{y(t) + 4:.1f}" text-anchor="end">{t:g}x</text>')
        for g, (size, conns) in enumerate(keys):
            gx = left + g * group_w + 12
            b = get(size, conns, base)
            for i, n in enumerate(names):
                r = ratios.get((size, conns, n))
                if r is None:
                    continue
                x = gx + i * 14
                top_y, bottom_y = sorted((y(r), y(1.0)))
                out.append(f'<rect x="{x}" y="{top_y:.1f}" width="12" height="{max(1.0, bottom_y - top_y):.1f}" '
                           f'fill="{color(n, i)}"><title>{escape(n)}, {SIZE_LABEL.get(size, size)} x{conns}: '
                           f'{r:.2f}x {escape(base)} ({value(get(size, conns, n)):,.2f} {unit})</title></rect>')
            mid = gx + 7 * len(names)
            out.append(f'<text x="{mid}" y="{y0 + panel_h + 15}" text-anchor="middle">'
                       f'{SIZE_LABEL.get(size, size)} x{conns}</text>')
            if b and value(b):
                sub = f"{value(b):,.0f} {unit}" if p == 0 else f"{value(b):,.2f} {unit}"
                out.append(f'<text x="{mid}" y="{y0 + panel_h + 29}" text-anchor="middle" fill="#555" '
                           f'font-size="9">{escape(base)}: {sub}</text>')

    ly = top + len(panels) * (panel_h + gap) - gap + 50
    for i, n in enumerate(names):
        lx = left + (i % 4) * 180
        yy = ly + (i // 4) * 18
        out.append(f'<rect x="{lx}" y="{yy - 10}" width="12" height="12" fill="{color(n, i)}"/>')
        out.append(f'<text x="{lx + 16}" y="{yy}">{escape(label(n))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def color(name, i):
    """A fixed colour per server, so charts of different runs read the same."""
    return SERVER_COLORS.get(name, OTHER_COLORS[i % len(OTHER_COLORS)])


if __name__ == "__main__":
    main()
