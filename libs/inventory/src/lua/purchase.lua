--[[
  purchase: decide one purchase attempt atomically.

  KEYS[1]  sale state hash   <p>{sale:ID}          start, end, limit, stock, remaining, held, paid,
                                                    orders; reg, prio, wr when those are switched on
  KEYS[2]  buyers hash       <p>{sale:ID}:buyers   buyer id -> units bought
  KEYS[3]  idempotency hash  <p>{sale:ID}:idem     "<buyer> <key>" -> "<order id>:<quantity>"
  KEYS[4]  holds hash        <p>{sale:ID}:holds    order id -> "<buyer>|<quantity>|<created ms>|<expires ms>|<F-code hash>"
  KEYS[5]  outbox stream     <p>{sale:ID}:outbox   one entry per accepted order, relayed to BullMQ
                                                    (fields: see OutboxEntry in outbox-entry.ts)
  KEYS[6]  expiries zset     <p>{sale:ID}:expiries order id scored by its payment deadline (ms)
  KEYS[7]  registration bucket <p>{sale:ID}:reg:N  the buyer's appointment bucket (see RedisKeys)
  KEYS[8]  F-codes hash      <p>{sale:ID}:fcodes   code hash -> "" unspent, or the redeeming order id
  KEYS[9]  used admissions   <p>{sale:ID}:wr:used  buyers whose waiting-room admission has bought
  KEYS[10] tickets hash      <p>{sale:ID}:wr:tickets buyer -> "<ticket>|<joined ms>"
  KEYS[11] admits zset       <p>{sale:ID}:wr:admits  each advance of the head, scored by the head, member the time
  KEYS[12] attempts counter  <p>{sale:ID}:rl:<buyer> the buyer's attempts in the current rate-limit window
  KEYS[13] F-code ledger     <p>{sale:ID}:fcodes:ledger  sharded sales: code hash -> "a|<order>|<quantity>"
                                                    accepted here, "v|<order>" voided, "c|<order>" closed
  KEYS[14] cancels hash      <p>{sale:ID}:cancels  buyer id -> orders the buyer cancelled in this sale

  ARGV[1]  buyer id ([A-Za-z0-9_-], checked by the API)
  ARGV[2]  quantity (positive integer, checked by the API)
  ARGV[3]  order id to use if accepted (a fresh UUID from the API)
  ARGV[4]  idempotency key, or "" for none
  ARGV[5]  payment window, ms: the order expires this long after acceptance
  ARGV[6]  the sale's shard channel for its events (SPUBLISH: stays on the sale's node)
  ARGV[7]  sale id (names the sale in the "sold_out" event)
  ARGV[8]  the buyer's field in the registration bucket
  ARGV[9]  SHA-256 (hex) of the F-code presented, or ""
  ARGV[10] the ticket number of the admission token the API verified for this buyer and
           sale, or "" without one. The signature only says the token was issued; the
           script checks the admission itself: that ticket is this buyer's, the head has
           passed it, and the admission has not lapsed.
  ARGV[11] rate-limit window, ms
  ARGV[12] rate limit: attempts per window per buyer, 0 for none
  ARGV[13] how many inventory shards the caller believes the sale has (1 unsharded); the
           keys are those of the buyer's home shard among them
  ARGV[14] sharded sales, with an F-code: "reserved" (the code's shard reserved the code for
           this buyer and ARGV[3], see reserve-fcode.lua) or "refused"; "" otherwise, when the
           code is checked here in KEYS[8]
  ARGV[15] sharded sales, with an admission ticket: "admitted" (shard 0, which keeps the
           waiting room, found ARGV[10]'s admission valid) or "refused"; "" otherwise, when
           the admission is checked here
  ARGV[16] cancel budget: a buyer who cancelled this many orders in the sale buys no more
           in it (0 for no budget)

  A sharded sale's F-codes and waiting room live in other slots than the buyer's home shard,
  so the API settles those gates there first and passes the verdicts; this script still
  decides in the same order as ever (limit, replay, clock, gates, stock), and keeps what must
  be per buyer: the admission used, and the ledger of codes this shard accepted orders with.

  The abuse limit is counted here, not by a second script call before this one, so an
  attempt is one round trip. It counts every attempt at a live sale, replays included, as
  the throttler it replaces did; a buyer over it is blocked for one window from the first
  attempt over, and those attempts decide nothing else.

  Gates, each only where the sale switched it on: an F-code holder may buy from the
  priority start and passes the registration and waiting-room gates; everyone else needs
  an appointment (reg) and an unused admission (wr).

  A sharded sale's shard sells only its own units: SOLD_OUT from it means this shard is dry,
  and the caller refills it from the others (transfer-out/in.lua) or announces the sale sold
  out (announce-stock.lua). Only an unsharded sale announces its sell-out from here.

  Returns {code, order id, quantity, remaining}, code being (see PurchaseCode):
    0  ACCEPTED       stock decremented, hold and outbox entry written
    1  REPLAYED       the key was seen before: the first answer's order id and quantity
    2  SOLD_OUT       remaining < quantity
    3  LIMIT_REACHED  the buyer would exceed the per-user limit
    4  NOT_STARTED    Redis clock before the sale's start (or the priority start, with an F-code)
    5  ENDED          Redis clock at or after the sale's end
    6  STATE_MISSING  the sale is not armed in Redis (unknown sale or Redis lost its data):
                      fail closed, never sell from a missing key
    7  NOT_REGISTERED the sale takes appointments and the buyer has none
    8  FCODE_INVALID  no such unspent F-code in this sale
    9  ADMISSION_REQUIRED  the sale has a waiting room and no admission token was presented
   10  ADMISSION_USED the buyer's admission has already bought
   11  ADMISSION_INVALID  the ticket is not this buyer's, not admitted yet, or lapsed
   12  RATE_LIMITED   over the per-buyer attempt limit; the third value is the ms until the
                      block ends (for Retry-After)
   13  WRONG_SHARDS   the sale has another number of shards than ARGV[13] (the third value):
                      nothing was decided, ask the buyer's home shard among that many
   14  CANCELS_SPENT  the buyer cancelled ARGV[16] orders in this sale already: no more
]]
local fields = redis.call('HMGET', KEYS[1], 'start', 'end', 'limit', 'remaining', 'reg', 'prio', 'wr',
  'wr_head', 'wr_ttl', 'shards', 'shard')
local startMs = tonumber(fields[1])
local endMs = tonumber(fields[2])
local limit = tonumber(fields[3])
local remaining = tonumber(fields[4])
if not startMs or not endMs or not limit or not remaining then
  return {6, '', 0, -1}
end
local shards = tonumber(fields[10]) or 1
if shards ~= tonumber(ARGV[13]) then
  return {13, '', shards, remaining}
end

local buyer = ARGV[1]
local attemptLimit = tonumber(ARGV[12])
if attemptLimit > 0 then
  local attempts = redis.call('INCR', KEYS[12])
  if attempts == 1 then
    redis.call('PEXPIRE', KEYS[12], ARGV[11])
  elseif attempts > attemptLimit then
    local left = redis.call('PTTL', KEYS[12])
    if attempts == attemptLimit + 1 or left < 0 then
      -- The block starts now and lasts one window (a counter never lacks a TTL for long).
      redis.call('PEXPIRE', KEYS[12], ARGV[11])
      left = tonumber(ARGV[11])
    end
    return {12, '', left, remaining}
  end
end

local quantity = tonumber(ARGV[2])
local idemKey = ARGV[4]
local fcode = ARGV[9]

-- A replay answers as the first attempt did, even after a sell-out or the end.
local idemField
if idemKey ~= '' then
  idemField = buyer .. ' ' .. idemKey
  local previous = redis.call('HGET', KEYS[3], idemField)
  if previous then
    local sep = string.find(previous, ':', 1, true)
    return {1, string.sub(previous, 1, sep - 1), tonumber(string.sub(previous, sep + 1)), remaining}
  end
end

-- A buyer who cancelled the sale's budget of orders holds no more of its units: buy, cancel
-- and buy again would otherwise keep units out of everyone else's reach for ever.
local cancelBudget = tonumber(ARGV[16])
if cancelBudget > 0 and tonumber(redis.call('HGET', KEYS[14], buyer) or '0') >= cancelBudget then
  return {14, '', 0, remaining}
end

-- The Redis clock is the one clock every API instance shares.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local opensAt = startMs
if fcode ~= '' and fields[6] then
  opensAt = math.min(startMs, tonumber(fields[6]))
end
if now < opensAt then
  return {4, '', 0, remaining}
end
if endMs > 0 and now >= endMs then
  return {5, '', 0, remaining}
end

local admission = false
local fcodeVerdict = ARGV[14]
if fcode ~= '' then
  if fcodeVerdict == '' then
    if redis.call('HGET', KEYS[8], fcode) ~= '' then
      return {8, '', 0, remaining}
    end
  elseif fcodeVerdict == 'reserved' then
    local state, order, bought = string.match(redis.call('HGET', KEYS[13], fcode) or '',
      '^(%a)|([^|]+)|?(%d*)$')
    if order == ARGV[3] then
      -- A resumed reservation whose order this shard already took, or voided.
      if state == 'a' then
        return {1, order, tonumber(bought), remaining}
      end
      return {8, '', 0, remaining}
    end
  else
    return {8, '', 0, remaining}
  end
else
  if fields[5] == '1' and redis.call('HEXISTS', KEYS[7], ARGV[8]) == 0 then
    return {7, '', 0, remaining}
  end
  if fields[7] == '1' then
    if ARGV[10] == '' then
      return {9, '', 0, remaining}
    end
    if redis.call('SISMEMBER', KEYS[9], buyer) == 1 then
      return {10, '', 0, remaining}
    end
    if ARGV[15] == '' then
      local ticket = tonumber(ARGV[10])
      local held = redis.call('HGET', KEYS[10], buyer)
      if not held or tonumber(string.match(held, '^(%d+)|')) ~= ticket
          or ticket < 1 or ticket > tonumber(fields[8]) then
        return {11, '', 0, remaining}
      end
      local advance = redis.call('ZRANGEBYSCORE', KEYS[11], ticket, '+inf', 'LIMIT', 0, 1)
      if not advance[1] or now >= tonumber(advance[1]) + tonumber(fields[9]) then
        return {11, '', 0, remaining}
      end
    elseif ARGV[15] ~= 'admitted' then
      return {11, '', 0, remaining}
    end
    admission = true
  end
end

if remaining < quantity then
  return {2, '', 0, remaining}
end
local bought = tonumber(redis.call('HGET', KEYS[2], buyer) or '0')
if bought + quantity > limit then
  return {3, '', 0, remaining}
end

local orderId = ARGV[3]
local expires = now + tonumber(ARGV[5])
redis.call('HINCRBY', KEYS[1], 'remaining', -quantity)
redis.call('HINCRBY', KEYS[1], 'held', quantity)
redis.call('HINCRBY', KEYS[1], 'orders', 1)
redis.call('HINCRBY', KEYS[2], buyer, quantity)
redis.call('HSET', KEYS[4], orderId, buyer .. '|' .. quantity .. '|' .. now .. '|' .. expires .. '|' .. fcode)
redis.call('ZADD', KEYS[6], expires, orderId)
if idemField then
  redis.call('HSET', KEYS[3], idemField, orderId .. ':' .. quantity)
end
if fcodeVerdict == 'reserved' then
  -- The code's shard counts the redemption once the reservation is confirmed.
  redis.call('HSET', KEYS[13], fcode, 'a|' .. orderId .. '|' .. quantity)
elseif fcode ~= '' then
  redis.call('HSET', KEYS[8], fcode, orderId)
  redis.call('HINCRBY', KEYS[1], 'fcodes_redeemed', 1)
end
if admission then
  redis.call('SADD', KEYS[9], buyer)
end
-- seq counts every entry this sale's outbox ever got; Postgres keeps the highest it has
-- seen, so a Redis whose seq is below it has lost writes (see the sale rebuild).
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
if shards > 1 then
  -- Numbers unique across the sale: shard k hands out shards + k, 2 * shards + k, ...
  seq = seq * shards + tonumber(fields[11])
end
redis.call('XADD', KEYS[5], '*', 'order', orderId, 'buyer', buyer, 'quantity', quantity,
  'at', now, 'expires', expires, 'status', 'pending_payment', 'fcode', fcode,
  'seq', seq, 'idem', idemKey)
if remaining == quantity and shards == 1 then
  -- Published from the script so it is ordered with close-order.lua's "available" events.
  redis.call('SPUBLISH', ARGV[6], 'sold_out:' .. ARGV[7])
end
return {0, orderId, quantity, remaining - quantity}
