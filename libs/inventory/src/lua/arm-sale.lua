--[[
  arm-sale: put a new sale's live state in Redis, once.

  KEYS[1]  sale state hash   <p>{sale:ID}
  KEYS[2]  outbox stream     <p>{sale:ID}:outbox

  ARGV[1]  start, ms since the epoch
  ARGV[2]  end, ms since the epoch, or 0 for open-ended
  ARGV[3]  per-user limit
  ARGV[4]  stock
  ARGV[5]  consumer group name of the outbox relay
  ARGV[6]  1 if buyers must have registered (appointments), else 0
  ARGV[7]  registration opens, ms (0 without appointments)
  ARGV[8]  registration closes, ms (0 without appointments)
  ARGV[9]  F-code priority window start, ms, or 0 without F-codes
  ARGV[10] waiting room admissions per second, or 0 without a waiting room
  ARGV[11] waiting room admission lifetime, ms
  ARGV[12] how many inventory shards the sale has (1: unsharded); ARGV[4] is then this
           shard's share of the stock, and KEYS this shard's keys
  ARGV[13] this shard's number, 0 to ARGV[12] - 1
  ARGV[14] 1 if the waiting room opens only at the opening (no pre-queue: first come, first
           served), else 0

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
if ARGV[12] ~= '1' then
  -- Only a sharded sale has the fields: an unsharded one is as it always was.
  redis.call('HSET', KEYS[1], 'shards', ARGV[12], 'shard', ARGV[13], 'transfers_out', 0)
end
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[1], 'reg', 1, 'reg_open', ARGV[7], 'reg_close', ARGV[8], 'registered', 0)
end
if ARGV[9] ~= '0' then
  redis.call('HSET', KEYS[1], 'prio', ARGV[9], 'fcodes', 0)
end
if ARGV[10] ~= '0' then
  -- wr_head: tickets up to this number are admitted; wr_allow/wr_last: the token bucket.
  redis.call('HSET', KEYS[1], 'wr', 1, 'wr_rate', ARGV[10], 'wr_ttl', ARGV[11],
    'wr_opened', 0, 'wr_shuffled', 0, 'wr_pre', 0, 'wr_next', 1, 'wr_head', 0,
    'wr_joined', 0, 'wr_allow', 0, 'wr_last', 0)
  if ARGV[14] == '1' then
    redis.call('HSET', KEYS[1], 'wr_fifo', 1)
  end
end
-- MKSTREAM creates the outbox so the relay's group exists before the first order.
-- pcall: a group left from an earlier life of the key (BUSYGROUP) is kept as it is.
pcall(redis.call, 'XGROUP', 'CREATE', KEYS[2], ARGV[5], '$', 'MKSTREAM')
return 1
