--[[
  add-fcodes: make F-codes redeemable in a sale.

  KEYS[1]  sale state hash   <p>{sale:ID}          prio (the sale takes F-codes), fcodes (count)
  KEYS[2]  F-codes hash      <p>{sale:ID}:fcodes   code hash -> "" unspent, or the redeeming order id

  ARGV[1..n]  SHA-256 (hex) of each code

  Returns the number of codes added (a hash already present is left as it is), or
    -1  the sale takes no F-codes, or is not armed in Redis
]]
if not redis.call('HGET', KEYS[1], 'prio') then
  return -1
end
local added = 0
for i = 1, #ARGV do
  added = added + redis.call('HSETNX', KEYS[2], ARGV[i], '')
end
redis.call('HINCRBY', KEYS[1], 'fcodes', added)
return added
