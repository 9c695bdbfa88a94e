--[[
  settle-fcode: in a sharded sale, the code's shard learns what became of a reservation or
  of the order that redeemed the code. Each action is a compare-and-set on the order id, so
  a repeated or late call changes nothing.

  KEYS[1]  code shard's state hash   <p>{sale:ID:k}                 fcodes_redeemed
  KEYS[2]  F-codes hash              <p>{sale:ID:k}:fcodes          (see reserve-fcode.lua)
  KEYS[3]  reservations zset         <p>{sale:ID:k}:fcodes:reserved

  ARGV[1]  SHA-256 (hex) of the code
  ARGV[2]  order id
  ARGV[3]  confirm  the home shard accepted the order: the reservation becomes the redemption
           release  the home shard refused the order and voided it: the code is unspent again
           free     the order was cancelled, expired or rejected: its code is unspent again

  Returns (see SettleFcodeCode):
    0  SETTLED
    1  UNCHANGED  the code is not reserved for (or redeemed by) that order
]]
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if not entry then
  return 1
end
local order = ARGV[2]
local reserved = string.match(entry, '^%?[^|]+|(.+)$') == order
local action = ARGV[3]
if action == 'confirm' and reserved then
  redis.call('HSET', KEYS[2], ARGV[1], order)
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'fcodes_redeemed', 1)
  return 0
end
if (action == 'release' or action == 'free') and reserved then
  redis.call('HSET', KEYS[2], ARGV[1], '')
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 0
end
if action == 'free' and entry == order then
  redis.call('HSET', KEYS[2], ARGV[1], '')
  redis.call('HINCRBY', KEYS[1], 'fcodes_redeemed', -1)
  return 0
end
return 1
