--[[
  queue-ticket: read, in one step, everything needed to tell a buyer where they stand.
  Read-only; the API turns it into a status (see ticketStatus in the waiting-room lib).

  KEYS[1]  sale state hash   <p>{sale:ID}
  KEYS[2]  tickets hash      <p>{sale:ID}:wr:tickets
  KEYS[3]  admits zset       <p>{sale:ID}:wr:admits
  KEYS[4]  used admissions   <p>{sale:ID}:wr:used
  KEYS[5]  held hash         <p>{sale:ID}:wr:held   suspects' shadow tickets

  ARGV[1]  buyer id

  Returns {armed, ticket, joined ms, head, next ticket, opened, shuffled, remaining,
           start ms, end ms, rate, admission ttl ms, admitted at ms, used, now ms, held}
  armed is 0 when the sale has no live state or no waiting room; ticket is -1 without one;
  admitted at is -1 unless the ticket is at or below the head. A sharded sale's remaining
  reads 0 once shard 0 has announced it sold out, 1 otherwise (shard 0 holds only its share),
  and used is its home shard's to say (the API asks it). held is 1 when the ticket is a
  suspect's shadow ticket: never admitted.
]]
local f = redis.call('HMGET', KEYS[1], 'wr', 'wr_head', 'wr_next', 'wr_opened', 'wr_shuffled',
  'remaining', 'start', 'end', 'wr_rate', 'wr_ttl', 'shards', 'sold_out')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if f[1] ~= '1' then
  return {0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, now, 0}
end
local ticket, joined, held = -1, 0, 0
local value = redis.call('HGET', KEYS[2], ARGV[1])
if not value then
  value = redis.call('HGET', KEYS[5], ARGV[1])
  held = value and 1 or 0
end
if value then
  local t, j = string.match(value, '^(%d+)|(%d+)$')
  ticket, joined = tonumber(t), tonumber(j)
end
local head = tonumber(f[2])
local remaining = tonumber(f[6])
if f[11] then
  remaining = f[12] == '1' and 0 or 1
end
local admittedAt = -1
if ticket > 0 and ticket <= head and held == 0 then
  local first = redis.call('ZRANGEBYSCORE', KEYS[3], ticket, '+inf', 'LIMIT', 0, 1)
  if first[1] then
    admittedAt = tonumber(first[1])
  end
end
return {1, ticket, joined, head, tonumber(f[3]), tonumber(f[4]), tonumber(f[5]),
  remaining, tonumber(f[7]), tonumber(f[8]), tonumber(f[9]), tonumber(f[10]),
  admittedAt, redis.call('SISMEMBER', KEYS[4], ARGV[1]), now, held}
