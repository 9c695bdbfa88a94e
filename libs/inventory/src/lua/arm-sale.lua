--[[
  arm-sale: put a new sale's live state in Redis, once.

  KEYS[1]  sale state hash   <p>{sale:ID}
  KEYS[2]  outbox stream     <p>{sale:ID}:outbox

  ARGV[1]  start, ms since the epoch
  ARGV[2]  end, ms since the epoch, or 0 for open-ended
  ARGV[3]  per-user limit
  ARGV[4]  stock
  ARGV[5]  consumer group name of the outbox relay

  Returns:
    1  armed
    0  already armed (nothing changed: re-arming must never reset sold stock)
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1],
  'start', ARGV[1], 'end', ARGV[2], 'limit', ARGV[3],
  'stock', ARGV[4], 'remaining', ARGV[4],
  'held', 0, 'paid', 0, 'orders', 0)
-- MKSTREAM creates the outbox so the relay's group exists before the first order.
-- pcall: a group left from an earlier life of the key (BUSYGROUP) is kept as it is.
pcall(redis.call, 'XGROUP', 'CREATE', KEYS[2], ARGV[5], '$', 'MKSTREAM')
return 1
