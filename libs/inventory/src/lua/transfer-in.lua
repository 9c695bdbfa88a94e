--[[
  transfer-in: the second step of a stock transfer (see transfer-out.lua), in the recipient.
  Idempotent: a transfer id adds its units once, however often this runs.

  KEYS[1]  recipient shard's state hash  <p>{sale:ID:k}            remaining, stock
  KEYS[2]  recipient shard's journal     <p>{sale:ID:k}:transfers  transfer id -> record

  ARGV[1]  transfer id
  ARGV[2]  donor shard number
  ARGV[3]  units the donor took (positive integer, from transfer-out's reply or journal)

  Returns:
    0  ADDED          the units are now the recipient's
    1  ALREADY        this transfer had arrived before (nothing changed)
    2  STATE_MISSING  the shard is not armed (nothing recorded: run it again once it is)
]]
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return 1
end
if redis.call('HEXISTS', KEYS[1], 'remaining') == 0 then
  return 2
end
redis.call('HINCRBY', KEYS[1], 'remaining', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'stock', ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], 'in|' .. ARGV[2] .. '|' .. ARGV[3])
return 0
