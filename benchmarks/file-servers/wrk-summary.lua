-- wrk script of run-file-servers.sh: prints one machine-readable line at the end of a run, so the
-- harness does not parse wrk's rounded human output ("1.23GB"). bytes = everything wrk read,
-- response heads included, partial responses at the end of the run included.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.bytes, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout))
end
