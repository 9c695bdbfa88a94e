--[[
  reserve-fcode: in a sharded sale, bind an F-code to one buyer's purchase attempt, in the
  code's shard, before the purchase runs in the buyer's home shard (another slot).

  The code's entry moves from "" (unspent) to "?<buyer>|<order id>". settle-fcode.lua then
  confirms it (the home shard accepted that order: the code is spent) or releases it (the
  home shard refused it, fenced by void-fcode.lua). A reservation a dead process left stays
  the buyer's: their retry resumes it, and the expiry sweep settles it after a grace period.

  KEYS[1]  code shard's state hash   <p>{sale:ID:k}                 start, end, prio
  KEYS[2]  F-codes hash              <p>{sale:ID:k}:fcodes          code hash -> "" unspent,
                                      "?<buyer>|<order id>" reserved, or the redeeming order id
  KEYS[3]  reservations zset         <p>{sale:ID:k}:fcodes:reserved code hash scored by ms

  ARGV[1]  SHA-256 (hex) of the code
  ARGV[2]  buyer id
  ARGV[3]  order id the attempt will use if the code is free

  Returns {code, order id}, code being (see ReserveFcodeCode):
    0  RESERVED       the code is now this attempt's: buy with ARGV[3]
    1  RESUMED        this buyer had reserved it (an attempt that did not finish): buy with
                      the order id returned, so a purchase that went through is found again
    2  REFUSED        no such code, spent, reserved by another buyer, or outside the sale's
                      F-code hours: the purchase decides what to answer
    3  STATE_MISSING  the shard is not armed (or is being rebuilt)
]]
local f = redis.call('HMGET', KEYS[1], 'start', 'end', 'prio')
if not f[1] then
  return {3, ''}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local opensAt = math.min(tonumber(f[1]), tonumber(f[3] or f[1]))
local endMs = tonumber(f[2])
if now < opensAt or (endMs > 0 and now >= endMs) then
  return {2, ''}
end
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if entry == '' then
  redis.call('HSET', KEYS[2], ARGV[1], '?' .. ARGV[2] .. '|' .. ARGV[3])
  redis.call('ZADD', KEYS[3], now, ARGV[1])
  return {0, ARGV[3]}
end
local buyer, order = string.match(entry or '', '^%?([^|]+)|(.+)$')
if buyer == ARGV[2] then
  return {1, order}
end
return {2, ''}
