--[[
  join-queue: give a buyer their one ticket in a sale's waiting room.

  Before the opening a buyer joins the pre-queue: ticket 0, placed when the pre-queue is
  shuffled at the opening, so arriving a millisecond earlier earns nothing. The first call
  (of this script or admit-queue.lua) at or after the opening seals the pre-queue; later
  buyers get the next ticket number, first come first served. A sale armed without a
  pre-queue (wr_fifo) refuses joins before the opening: its line is first come, first
  served from the opening on.

  A suspect of the sale (KEYS[5], flagged by an operator or by a failed human check) is
  answered like everyone else but held apart (KEYS[6]): a shadow ticket (the number the next
  buyer gets, not taken from the line) that is never admitted. Nothing tells them so.

  KEYS[1]  sale state hash      <p>{sale:ID}            wr_* fields, start, end, remaining, reg
  KEYS[2]  tickets hash         <p>{sale:ID}:wr:tickets buyer -> "<ticket>|<joined ms>"
  KEYS[3]  pre-queue list       <p>{sale:ID}:wr:pre     buyers who joined before the opening
  KEYS[4]  registration bucket  <p>{sale:ID}:reg:N      the buyer's appointment bucket
  KEYS[5]  suspects set         <p>{sale:ID}:wr:suspects
  KEYS[6]  held hash            <p>{sale:ID}:wr:held    suspect -> "<shadow ticket>|<joined ms>"

  ARGV[1]  buyer id
  ARGV[2]  the buyer's field in the registration bucket
  ARGV[3]  sharded sales that take appointments: "1" if the buyer's home shard holds their
           appointment, "0" if not (the bucket is in that shard's slot); "" to check KEYS[4]

  A sharded sale's queue lives in shard 0, and is closed once shard 0 has announced the
  sale sold out (announce-stock.lua): shard 0's own remaining is only its share.

  Returns {code, ticket, joined ms}, code being (see JoinCode):
    0  JOINED         a new ticket (0: in the pre-queue until the opening)
    1  ALREADY        the buyer's existing ticket: one ticket per buyer
    2  NOT_ENABLED    the sale has no waiting room
    3  NOT_REGISTERED the sale takes appointments and the buyer has none
    4  SOLD_OUT       the sale is open and sold out: the queue is closed
    5  ENDED          the sale has ended
    6  STATE_MISSING  the sale is not armed in Redis
    7  NOT_STARTED    the sale has no pre-queue and has not opened yet
]]
local f = redis.call('HMGET', KEYS[1], 'start', 'end', 'remaining', 'wr', 'reg', 'wr_opened',
  'shards', 'sold_out', 'wr_fifo')
if not f[1] then
  return {6, 0, 0}
end
if f[4] ~= '1' then
  return {2, 0, 0}
end
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  local ticket, joined = string.match(existing, '^(%d+)|(%d+)$')
  return {1, tonumber(ticket), tonumber(joined)}
end
local held = redis.call('HGET', KEYS[6], ARGV[1])
if held then
  local ticket, joined = string.match(held, '^(%d+)|(%d+)$')
  return {1, tonumber(ticket), tonumber(joined)}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local endMs = tonumber(f[2])
if endMs > 0 and now >= endMs then
  return {5, 0, 0}
end
if f[5] == '1' then
  local registered = ARGV[3] == '1'
  if ARGV[3] == '' then
    registered = redis.call('HEXISTS', KEYS[4], ARGV[2]) == 1
  end
  if not registered then
    return {3, 0, 0}
  end
end

local opened = f[6] == '1'
if not opened and f[9] == '1' and now < tonumber(f[1]) then
  return {7, 0, 0}
end
if not opened and now >= tonumber(f[1]) then
  -- Seal the pre-queue (the same step as in admit-queue.lua): its size fixes where
  -- first-come tickets start.
  local pre = redis.call('LLEN', KEYS[3])
  redis.call('HSET', KEYS[1], 'wr_opened', 1, 'wr_pre', pre, 'wr_next', pre + 1, 'wr_last', now)
  if pre == 0 then
    redis.call('HSET', KEYS[1], 'wr_shuffled', 1)
  end
  opened = true
end

local suspect = redis.call('SISMEMBER', KEYS[5], ARGV[1]) == 1
local ticket = 0
if opened then
  local soldOut = tonumber(f[3]) <= 0
  if f[7] then
    soldOut = f[8] == '1'
  end
  if soldOut then
    return {4, 0, 0}
  end
  if suspect then
    ticket = tonumber(redis.call('HGET', KEYS[1], 'wr_next'))
  else
    ticket = redis.call('HINCRBY', KEYS[1], 'wr_next', 1) - 1
  end
elseif not suspect then
  redis.call('RPUSH', KEYS[3], ARGV[1])
end
if suspect then
  redis.call('HSET', KEYS[6], ARGV[1], ticket .. '|' .. now)
  return {0, ticket, now}
end
redis.call('HSET', KEYS[2], ARGV[1], ticket .. '|' .. now)
redis.call('HINCRBY', KEYS[1], 'wr_joined', 1)
return {0, ticket, now}
