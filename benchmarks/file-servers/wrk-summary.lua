-- wrk script of run-file-servers.sh: prints one machine-readable line at the end of a run, so the
-- harness does not parse wrk's rounded human output ("1.23GB"). bytes = everything wrk read,
-- response heads included, partial responses at the end of the run included. p50/p99/p999 = wrk's
-- latency distribution (request written to response read, per request, microseconds; wrk sends the
-- next request on a connection only after the answer, so a stall delays the requests behind it
-- rather than showing in every one of them: coordinated omission, as wrk always has it).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d"
      .. " p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.bytes, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
