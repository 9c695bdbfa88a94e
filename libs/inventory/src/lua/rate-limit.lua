--[[
  rate-limit: count one request against a fixed window, and block a tracker that went over.

  KEYS[1]  hits counter   <p>rl:{<key>}        requests in the current window (expires with it)
  KEYS[2]  block marker   <p>rl:{<key>}:block  present while the tracker is blocked

  ARGV[1]  window, ms
  ARGV[2]  limit: requests allowed per window
  ARGV[3]  block duration, ms, once over the limit

  Returns {hits, window ms left, blocked (0|1), block ms left}
]]
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  -- Requests while blocked are not counted: the block alone decides when to come back.
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return {hits, math.max(0, redis.call('PTTL', KEYS[1])), 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local windowLeft = redis.call('PTTL', KEYS[1])
if windowLeft < 0 then
  -- A counter left without a TTL (never by this script) would block for ever: give it one.
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  windowLeft = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], 1, 'PX', ARGV[3])
  return {hits, windowLeft, 1, tonumber(ARGV[3])}
end
return {hits, windowLeft, 0, 0}
