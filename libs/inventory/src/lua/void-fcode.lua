--[[
  void-fcode: in a sharded sale, before a reserved F-code is released, the buyer's home shard
  is asked whether it accepted the reserved order, and if not, is told never to: the order id
  is voided for that code, so a purchase still on its way cannot take a code that another
  buyer may reserve next. Only then does the code's shard release it (settle-fcode.lua).

  KEYS[1]  home shard's state hash   <p>{sale:ID:h}
  KEYS[2]  F-code ledger             <p>{sale:ID:h}:fcodes:ledger  code hash -> "a|<order>|<quantity>"
                                      accepted, "v|<order>" voided, "c|<order>" closed

  ARGV[1]  SHA-256 (hex) of the code
  ARGV[2]  the reserved order id

  Returns (see VoidFcodeCode):
    0  VOIDED         the home shard never accepted that order and now never will: release
    1  ACCEPTED       it accepted the order: confirm the reservation instead
    2  CLOSED         it accepted the order, since closed: the close frees the code
    3  STATE_MISSING  the home shard is not armed (or is being rebuilt): decide later
]]
if redis.call('HEXISTS', KEYS[1], 'stock') == 0 then
  return 3
end
local entry = redis.call('HGET', KEYS[2], ARGV[1])
local state, order = string.match(entry or '', '^(%a)|([^|]+)')
if order == ARGV[2] then
  if state == 'a' then
    return 1
  elseif state == 'c' then
    return 2
  end
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], 'v|' .. ARGV[2])
return 0
