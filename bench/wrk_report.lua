-- wrk script for bench/web.py: sends the session cookie, then prints one JSON line of latency percentiles.
local cookie = os.getenv("MES_BENCH_COOKIE") or ""

function request()
  return wrk.format("GET", nil, { ["Cookie"] = cookie, ["Accept"] = "*/*" })
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "errors": %d, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
