-- wrk script: POSTs one agreement (JSON) to /v1/evaluate and reports, as one JSON line,
-- the answered decisions per second and latency percentiles (any status of 400 or more, or a socket error, is not a decision).
-- STEWARD_LOAD_BODY names the body (JSON); without it the requests are GETs.
local path = os.getenv("STEWARD_LOAD_BODY")
if path and path ~= "" then
  local f = assert(io.open(path, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end

-- STEWARD_LOAD_DELAY_MS: a pause before each request, to hold a connection to a fixed rate.
local pause = tonumber(os.getenv("STEWARD_LOAD_DELAY_MS") or "")
if pause then
  function delay()
    return pause
  end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read +
              summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "errors": %d, "seconds": %.3f, "per_second": %.0f, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, bad, secs, (summary.requests - bad) / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
