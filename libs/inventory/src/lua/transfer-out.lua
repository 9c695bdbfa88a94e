--[[
  transfer-out: the first step of moving stock between two shards of a sale, in the donor.

  A transfer is journaled in both shards, each step in one script, so a process that dies
  between the steps leaves a record to finish from and nothing counted twice:
    1. transfer-out (donor):    takes the units off its remaining and stock, records
                                "out|<to>|<units>" and marks the transfer pending;
    2. transfer-in (recipient): adds them, once per transfer id;
    3. transfer-done (donor):   the transfer is no longer pending.
  Units between 1 and 3 are in flight: the sale's stock is the shards' stock plus them.
  Anyone may finish a pending transfer by running 2 then 3 again.

  KEYS[1]  donor shard's state hash      <p>{sale:ID:k}            remaining, stock, transfers_out
  KEYS[2]  donor shard's journal         <p>{sale:ID:k}:transfers  transfer id -> record
  KEYS[3]  donor shard's pending set     <p>{sale:ID:k}:transfers:pending

  ARGV[1]  transfer id (unique per transfer)
  ARGV[2]  recipient shard number
  ARGV[3]  units wanted (positive integer)

  Returns {code, units}, code being:
    0  TAKEN          units taken (at most the units wanted, at most what was left)
    1  ALREADY        this transfer id was taken before: the units it took then
    2  EMPTY          the donor has nothing left (nothing recorded)
    3  STATE_MISSING  the shard is not armed (nothing recorded)
]]
local previous = redis.call('HGET', KEYS[2], ARGV[1])
if previous then
  return {1, tonumber(string.match(previous, '|(%d+)$'))}
end
local remaining = tonumber(redis.call('HGET', KEYS[1], 'remaining'))
if not remaining then
  return {3, 0}
end
if remaining <= 0 then
  return {2, 0}
end
local units = math.min(remaining, tonumber(ARGV[3]))
redis.call('HINCRBY', KEYS[1], 'remaining', -units)
redis.call('HINCRBY', KEYS[1], 'stock', -units)
redis.call('HINCRBY', KEYS[1], 'transfers_out', 1)
redis.call('HSET', KEYS[2], ARGV[1], 'out|' .. ARGV[2] .. '|' .. units)
redis.call('SADD', KEYS[3], ARGV[1])
return {0, units}
