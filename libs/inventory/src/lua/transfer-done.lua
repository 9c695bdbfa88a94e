--[[
  transfer-done: the last step of a stock transfer (see transfer-out.lua), in the donor,
  once transfer-in has answered ADDED or ALREADY: the units are no longer in flight.

  KEYS[1]  donor shard's pending set     <p>{sale:ID:k}:transfers:pending

  ARGV[1]  transfer id

  Returns:
    0  DONE
    1  ALREADY        it was not pending (done before)
]]
return redis.call('SREM', KEYS[1], ARGV[1]) == 1 and 0 or 1
