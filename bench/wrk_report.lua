-- wrk script for bench/web.py: sends the session cookie, optionally paces each connection, then prints one
-- JSON line of latency percentiles.
local cookie = os.getenv("MES_BENCH_COOKIE") or ""
-- Paced: every connection is a client that waits a think time of MES_BENCH_THINK_MS on average
-- (uniform 0.5x-1.5x, so the clients drift apart rather than asking in lock step) after each answer.
local think_ms = tonumber(os.getenv("MES_BENCH_THINK_MS") or "0")

if think_ms > 0 then
  function delay()
    return math.random(math.floor(think_ms / 2), math.floor(think_ms * 3 / 2))
  end
end

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
