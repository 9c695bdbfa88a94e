--[[
  admit-queue: let the next buyers of a waiting room in, at the sale's admission rate.

  Admission is a head counter: every ticket up to wr_head is admitted, so one call admits
  any number of buyers in O(1), and a buyer's position is their ticket minus the head. A
  token bucket on the Redis clock (capacity: one second of admissions) sets the pace, so
  any number of controllers may call this at once without admitting faster than the rate.
  Nobody is admitted while the sale is sold out (the queue is closed; it resumes when units
  come back), nor before the pre-queue has been shuffled.

  Nor beyond the stock: admissions still open (admitted, unused, not yet expired) may not
  outnumber the units left, so buyers are not let in only to meet SOLD_OUT. Which admissions
  are open is not tracked per buyer; the estimate min(head - head one admission lifetime ago,
  head - admissions used) never counts too few, so the cap never over-admits, and it frees
  up at the latest one lifetime later.

  KEYS[1]  sale state hash   <p>{sale:ID}             wr_* fields, start, end, remaining
  KEYS[2]  pre-queue list    <p>{sale:ID}:wr:pre      buyers who joined before the opening
  KEYS[3]  admits zset       <p>{sale:ID}:wr:admits   head after each advance -> time (ms) as member
  KEYS[4]  admits by time    <p>{sale:ID}:wr:admits-at  the same advances: time (ms) -> head as member
  KEYS[5]  used admissions   <p>{sale:ID}:wr:used     buyers whose admission has bought

  ARGV[1]  the sale's shard channel for its events (SPUBLISH: stays on the sale's node)
  ARGV[2]  sale id
  ARGV[3]  sharded sales: the units left over all shards (shard 0's remaining is only its
           share); "" to read remaining from KEYS[1]
  ARGV[4]  sharded sales: admissions used over all shards (each buyer's is in their home
           shard); "" to count KEYS[5]

  Returns {code, head, admitted now, still waiting}, code being (see AdmitCode):
    0  ADMITTING        the head moved by "admitted now" (possibly 0: no allowance yet, nobody
                        waiting, or as many admissions open as units left)
    1  SHUFFLE_PENDING  the sale is open but the pre-queue is not placed yet (shuffle it)
    2  NOT_OPEN         before the opening
    3  SOLD_OUT         the queue is closed while nothing is left to sell
    4  ENDED            the sale has ended
    5  NOT_ENABLED      no waiting room, or the sale is not armed in Redis
]]
local f = redis.call('HMGET', KEYS[1], 'start', 'end', 'remaining', 'wr', 'wr_opened',
  'wr_shuffled', 'wr_rate', 'wr_head', 'wr_next', 'wr_allow', 'wr_last', 'wr_ttl')
if not f[1] or f[4] ~= '1' then
  return {5, 0, 0, 0}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local head = tonumber(f[8])
local nextTicket = tonumber(f[9])
if f[5] ~= '1' then
  if now < tonumber(f[1]) then
    return {2, head, 0, 0}
  end
  -- Seal the pre-queue (the same step as in join-queue.lua).
  local pre = redis.call('LLEN', KEYS[2])
  redis.call('HSET', KEYS[1], 'wr_opened', 1, 'wr_pre', pre, 'wr_next', pre + 1, 'wr_last', now)
  if pre > 0 then
    return {1, head, 0, pre}
  end
  redis.call('HSET', KEYS[1], 'wr_shuffled', 1)
  return {0, head, 0, 0}
end
local waiting = nextTicket - 1 - head
if f[6] ~= '1' then
  return {1, head, 0, waiting}
end
local endMs = tonumber(f[2])
if endMs > 0 and now >= endMs then
  return {4, head, 0, waiting}
end
local rate = tonumber(f[7])
local remaining = tonumber(ARGV[3]) or tonumber(f[3])
if remaining <= 0 then
  -- No allowance builds up while closed: reopening does not release a burst.
  redis.call('HSET', KEYS[1], 'wr_allow', 0, 'wr_last', now)
  return {3, head, 0, waiting}
end
local allow = math.min(rate, tonumber(f[10]) + math.max(0, now - tonumber(f[11])) * rate / 1000)
-- Admissions that may still buy: those of the last lifetime, less those already used.
local lapsed = redis.call('ZREVRANGEBYSCORE', KEYS[4], now - tonumber(f[12]), '-inf', 'LIMIT', 0, 1)
local open = math.max(0,
  math.min(head - tonumber(lapsed[1] or '0'), head - (tonumber(ARGV[4]) or redis.call('SCARD', KEYS[5]))))
local room = math.max(0, remaining - open)
local admitted = math.min(math.floor(allow), waiting, room)
if admitted > 0 then
  head = head + admitted
  allow = allow - admitted
  redis.call('ZADD', KEYS[3], head, now)
  redis.call('ZADD', KEYS[4], now, head)
  redis.call('SPUBLISH', ARGV[1], 'queue:' .. ARGV[2] .. ':' .. head)
end
redis.call('HSET', KEYS[1], 'wr_head', head, 'wr_allow', allow, 'wr_last', now)
return {0, head, admitted, waiting - admitted}
