--[[
  register: record a buyer's appointment for a sale, once.

  KEYS[1]  sale state hash      <p>{sale:ID}         reg, reg_open, reg_close, registered
  KEYS[2]  registration bucket  <p>{sale:ID}:reg:N   field (8 bytes of the buyer's SHA-1) -> registered ms

  ARGV[1]  the buyer's field in the bucket (see RedisKeys.registrationBucket)

  Returns {code, registered ms}, code being (see RegisterCode):
    0  REGISTERED     new appointment, counted
    1  ALREADY        the buyer had registered: the first registration's time
    2  NOT_ENABLED    the sale takes no appointments
    3  NOT_OPEN       Redis clock before the registration window
    4  CLOSED         Redis clock at or after the window's end
    5  STATE_MISSING  the sale is not armed in Redis
]]
local fields = redis.call('HMGET', KEYS[1], 'stock', 'reg', 'reg_open', 'reg_close')
if not fields[1] then
  return {5, 0}
end
if fields[2] ~= '1' then
  return {2, 0}
end
-- Asking again is idempotent, even after the window closed.
local seen = redis.call('HGET', KEYS[2], ARGV[1])
if seen then
  return {1, tonumber(seen)}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now < tonumber(fields[3]) then
  return {3, 0}
end
if now >= tonumber(fields[4]) then
  return {4, 0}
end
redis.call('HSET', KEYS[2], ARGV[1], now)
redis.call('HINCRBY', KEYS[1], 'registered', 1)
return {0, now}
