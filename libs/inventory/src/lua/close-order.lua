--[[
  close-order: move one pending order to paid, cancelled or expired, exactly once.

  The guard is HSETNX on the closed hash: the first transition for an order wins, every
  later one sees the winner's status. Only the winner moves stock: paid moves the units
  from held to paid; cancelled and expired return them to remaining and give the buyer
  back their per-user allowance, and an F-code the order redeemed becomes unspent again.
  A status entry goes to the outbox so Postgres follows.

  rejected is the worker's: Postgres, the last guard, had no stock left for an order Redis
  accepted (Redis lost or rolled back state). The units leave held (or paid: the worker
  refunds the payment) and the buyer gets the allowance and F-code back, but they do not
  return to remaining: Redis was selling units that did not exist. It is recorded whatever
  the deadline, over a pending or a paid order, never over a cancelled or expired one.

  KEYS[1]  sale state hash   <p>{sale:ID}           remaining, held, paid
  KEYS[2]  buyers hash       <p>{sale:ID}:buyers    buyer id -> units bought
  KEYS[3]  holds hash        <p>{sale:ID}:holds     order id -> "<buyer>|<quantity>|<created ms>|<expires ms>|<F-code hash>"
  KEYS[4]  closed hash       <p>{sale:ID}:closed    order id -> paid | cancelled | expired
  KEYS[5]  expiries zset     <p>{sale:ID}:expiries  order id scored by its payment deadline
  KEYS[6]  outbox stream     <p>{sale:ID}:outbox    status entries for the worker
  KEYS[7]  F-codes hash      <p>{sale:ID}:fcodes    code hash -> "" unspent, or the redeeming order id
  KEYS[8]  F-code ledger     <p>{sale:ID}:fcodes:ledger  sharded sales (see purchase.lua)
  KEYS[9]  F-code frees      <p>{sale:ID}:fcodes:frees   sharded sales: "<code hash>|<order>" to free
  KEYS[10] cancels hash      <p>{sale:ID}:cancels   buyer id -> orders the buyer cancelled

  ARGV[1]  order id
  ARGV[2]  wanted status: paid | cancelled | expired | rejected
  ARGV[3]  the sale's shard channel for its events (SPUBLISH: stays on the sale's node)
  ARGV[4]  sale id (names the sale in the "available" event)
  ARGV[5]  "1" when the buyer cancels (counted in KEYS[10] against the sale's cancel budget);
           "" for every other closing, a withdrawal or an admin's cancel included

  In a sharded sale the keys are those of the order's shard (its buyer's home shard), and
  "available" is the caller's to announce, from shard 0 (announce-stock.lua). An F-code
  lives in the code's own shard there: the ledger marks the order closed, and the code to
  free is journaled in KEYS[9] and returned; the caller frees it (settle-fcode.lua), and
  the expiry sweep finishes what a dead caller left.

  Returns {code, status, quantity, buyer, code hash to free or ""}, code being (see CloseCode):
    0  CLOSED       this call made the transition; status is the wanted one
    1  ALREADY      the order was already closed in the wanted status (nothing moved)
    2  CONFLICT     the order was already closed in another status, returned (nothing moved)
    3  NOT_DUE      expired asked before the deadline (nothing moved)
    4  UNKNOWN      no such order in this sale
    5  LAPSED       paid asked after the deadline: the order was expired instead, now
    6  STATE_MISSING the sale's live state is missing or being rebuilt (nothing moved)
]]
local orderId = ARGV[1]
local wanted = ARGV[2]
local shards, shard = unpack(redis.call('HMGET', KEYS[1], 'shards', 'shard'))
-- A state hash without its fields is a sale whose state was lost or is being rebuilt.
if redis.call('HEXISTS', KEYS[1], 'stock') == 0 then
  return {6, '', 0, ''}
end
local hold = redis.call('HGET', KEYS[3], orderId)
if not hold then
  return {4, '', 0, ''}
end
-- Holds written before F-codes existed have no fifth field.
local buyer, quantity, created, expires, fcode =
  string.match(hold, '^([^|]+)|(%d+)|(%d+)|(%d+)|?(%x*)$')
quantity = tonumber(quantity)

local closed = redis.call('HGET', KEYS[4], orderId)
local wasPaid = wanted == 'rejected' and closed == 'paid'
if closed and not wasPaid then
  return {closed == wanted and 1 or 2, closed, quantity, buyer}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local due = now >= tonumber(expires)
if wanted == 'expired' and not due then
  return {3, 'pending_payment', quantity, buyer}
end
local code = 0
if wanted == 'paid' and due then
  wanted = 'expired'
  code = 5
end

local freed = ''
redis.call('HSET', KEYS[4], orderId, wanted)
redis.call('ZREM', KEYS[5], orderId)
redis.call('HINCRBY', KEYS[1], wasPaid and 'paid' or 'held', -quantity)
if wanted == 'paid' then
  redis.call('HINCRBY', KEYS[1], 'paid', quantity)
else
  redis.call('HINCRBY', KEYS[2], buyer, -quantity)
  if fcode ~= '' and shards then
    if string.match(redis.call('HGET', KEYS[8], fcode) or '', '^a|([^|]+)|') == orderId then
      redis.call('HSET', KEYS[8], fcode, 'c|' .. orderId)
      redis.call('SADD', KEYS[9], fcode .. '|' .. orderId)
      freed = fcode
    end
  elseif fcode ~= '' and redis.call('HGET', KEYS[7], fcode) == orderId then
    redis.call('HSET', KEYS[7], fcode, '')
    redis.call('HINCRBY', KEYS[1], 'fcodes_redeemed', -1)
  end
end
if wanted == 'cancelled' and ARGV[5] == '1' then
  redis.call('HINCRBY', KEYS[10], buyer, 1)
end
if wanted == 'rejected' then
  redis.call('HINCRBY', KEYS[1], 'rejected', quantity)
elseif wanted ~= 'paid' then
  local before = tonumber(redis.call('HGET', KEYS[1], 'remaining'))
  redis.call('HINCRBY', KEYS[1], 'remaining', quantity)
  if before == 0 and not shards then
    -- Sold out is not forever: tell every API instance to sell again.
    redis.call('SPUBLISH', ARGV[3], 'available:' .. ARGV[4])
  end
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
if shards then
  -- Numbers unique across the sale: shard k hands out shards + k, 2 * shards + k, ...
  seq = seq * tonumber(shards) + tonumber(shard)
end
redis.call('XADD', KEYS[6], '*', 'order', orderId, 'buyer', buyer, 'quantity', quantity,
  'at', created, 'expires', expires, 'status', wanted, 'fcode', fcode, 'seq', seq, 'idem', '')
return {code, wanted, quantity, buyer, freed}
