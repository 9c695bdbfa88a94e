--[[
  wrk script for `npm run bench:floor`: purchase attempts, each from the next buyer in turn.

  wrk -t1 -c100 -d5s -s wrk-purchase.lua <url of /sales/ID/purchase> -- <tokens file>

  The tokens file holds one buyer JWT per line. Each thread starts at a random buyer so
  threads do not march in step. done() prints one JSON line that the driver parses:
  requests, duration (µs), answers that were not 2xx/3xx, socket errors, p50 and p99 (µs).
]]
local tokens = {}
local next = 0

function init(args)
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = 'Bearer ' .. line
  end
  next = math.random(#tokens)
end

function request()
  next = next % #tokens + 1
  return wrk.format('POST', wrk.path,
    { ['Authorization'] = tokens[next], ['Content-Type'] = 'application/json' },
    '{"quantity":1}')
end

function done(summary, latency)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
